"""Administrator commands: flask units create, flask staff create, flask demo seed."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.accounts.models import Role
from core.accounts.services import AccountError, create_staff, create_unit, find_staff, find_unit
from core.extensions import db

units_cli = AppGroup("units", help="Manage the organisation's units.")
staff_cli = AppGroup("staff", help="Manage staff accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying the system out.")


@units_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--parent", "parent_code", help="Code of the parent unit.")
@click.option("--ethics-office", is_flag=True, help="This unit is the ethics office (政風室).")
def create_unit_command(code: str, name: str, parent_code: str | None, ethics_office: bool) -> None:
    try:
        unit = create_unit(code, name, parent_code, ethics_office)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created unit {unit.code} {unit.name}")


@staff_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--unit", "unit_code", required=True, help="Code of the staff member's unit.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.password_option(help="Asked for when not given.")
def create_staff_command(email: str, name: str, unit_code: str, roles: tuple[str, ...], password: str) -> None:
    try:
        staff = create_staff(email, name, unit_code, roles, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {staff.email} ({', '.join(sorted(staff.role_names))}) in {staff.unit.code}")


DEMO_UNITS = [
    ("SEC", "秘書室", None, False),
    ("ROADS", "養護工程處", None, False),
    ("PARKS", "公園路燈工程管理處", None, False),
    ("PARKS-LIGHT", "路燈管理科", "PARKS", False),
    ("ETHICS", "政風室", None, True),
]
DEMO_PASSWORD = "demo-password-2026"
DEMO_STAFF = [
    ("intake@demo.tw", "收文 林小姐", "SEC", ["intake"]),
    ("secretariat@demo.tw", "研考 陳先生", "SEC", ["secretariat"]),
    ("supervisor.roads@demo.tw", "養工處 王科長", "ROADS", ["supervisor"]),
    ("handler.roads@demo.tw", "養工處 張承辦", "ROADS", ["handler"]),
    ("ethics@demo.tw", "政風 李主任", "ETHICS", ["ethics"]),
    ("admin@demo.tw", "系統管理員", "SEC", ["admin"]),
]


@demo_cli.command("seed")
def seed_demo() -> None:
    """Create demo units and staff (skipping any that exist) and print the logins."""
    for code, name, parent, ethics in DEMO_UNITS:
        if find_unit(code) is None:
            create_unit(code, name, parent, ethics)
    for email, name, unit, roles in DEMO_STAFF:
        if find_staff(email) is None:
            create_staff(email, name, unit, roles, DEMO_PASSWORD)
    db.session.commit()
    click.echo(f"Demo staff logins (password for all: {DEMO_PASSWORD}):")
    for email, name, unit, roles in DEMO_STAFF:
        click.echo(f"  {email:28} {'/'.join(roles):12} {unit:8} {name}")


@staff_cli.command("token")
@click.argument("email")
def token_command(email: str) -> None:
    """Print a new personal access token for the staff API (shown once)."""
    from core.accounts.tokens import issue_token

    staff = find_staff(email)
    if staff is None:
        raise click.ClickException(f"no staff {email}")
    token = issue_token(staff)
    db.session.commit()
    click.echo(token)


@staff_cli.command("away")
@click.argument("email")
@click.option("--from", "start", required=True, help="YYYY-MM-DD")
@click.option("--until", "end", required=True, help="YYYY-MM-DD")
@click.option("--deputy", help="E-mail of the deputy (代理人) who receives the reminders meanwhile.")
def away_command(email: str, start: str, end: str, deputy: str | None) -> None:
    """Record an absence and the deputy who covers it."""
    from datetime import date

    staff = find_staff(email)
    if staff is None:
        raise click.ClickException(f"no staff {email}")
    try:
        staff.away_from, staff.away_until = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise click.BadParameter("write dates as YYYY-MM-DD") from exc
    if deputy:
        substitute = find_staff(deputy)
        if substitute is None or substitute.id == staff.id:
            raise click.ClickException(f"no deputy {deputy}")
        staff.deputy = substitute
    db.session.commit()
    click.echo(f"{staff.email} away {start} to {end}; deputy {staff.deputy.email if staff.deputy else 'none'}")

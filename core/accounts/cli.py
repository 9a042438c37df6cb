"""Administrator commands: flask units …, flask staff … (accounts, tokens, deactivation), flask demo seed.

What the administration pages change (units, accounts, roles, absences and deputies, activation) is written to
the audit log here too, the same entries with no person as the actor: the audit page shows "command line (CLI)"."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core import audit
from core.accounts import admin
from core.accounts.models import Role
from core.accounts.services import AccountError, create_staff, create_unit, find_staff, find_unit
from core.errors import DomainError
from core.extensions import db

CLI = None  # the actor of an audit entry written by a command (no person: shown as "command line (CLI)")

units_cli = AppGroup("units", help="Manage the organisation's units.")
staff_cli = AppGroup("staff", help="Manage staff accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying the system out.")


@units_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--parent", "parent_code", help="Code of the parent unit.")
@click.option("--ethics-office", is_flag=True, help="This unit is the ethics office (政風室).")
def create_unit_command(code: str, name: str, parent_code: str | None, ethics_office: bool) -> None:
    parent = None
    if parent_code:
        parent = find_unit(parent_code.strip().upper())
        if parent is None:
            raise click.ClickException(f"parent unit {parent_code} does not exist")
    try:  # the administration page's rules and audit entry
        unit = admin.add_unit(code, name, parent.id if parent else None, ethics_office, CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
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
    audit.record(CLI, "staff", staff.id, "create", None, admin.staff_state(staff))
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
    # email, name, unit, roles, telephone, what the login is for (printed by make run)
    ("intake@demo.tw", "收文 林小姐", "SEC", ["intake"], "(02)2720-8889 分機 1001", "intake officer (收文)"),
    ("secretariat@demo.tw", "研考 陳先生", "SEC", ["secretariat"], "(02)2720-8889 分機 1002",
     "secretariat, deadline control (研考)"),
    ("supervisor.roads@demo.tw", "養工處 王科長", "ROADS", ["supervisor"], "(02)2720-8889 分機 2001",
     "supervisor of ROADS (單位主管)"),
    ("handler.roads@demo.tw", "養工處 張承辦", "ROADS", ["handler"], "(02)2720-8889 分機 2011",
     "handler in ROADS (承辦人)"),
    ("deputy.roads@demo.tw", "養工處 黃代理", "ROADS", ["handler"], "(02)2720-8889 分機 2012",
     "handler in ROADS, the deputy (代理人) of handler.roads"),
    ("supervisor.parks@demo.tw", "公燈處 周科長", "PARKS", ["supervisor"], "(02)2720-8889 分機 3001",
     "supervisor of PARKS (單位主管)"),
    ("handler.parks@demo.tw", "公燈處 吳承辦", "PARKS", ["handler"], "(02)2720-8889 分機 3011",
     "handler in PARKS (承辦人)"),
    ("ethics@demo.tw", "政風 李主任", "ETHICS", ["ethics", "supervisor"], "(02)2720-8889 分機 4001",
     "ethics office head (政風室主任)"),
    ("ethics.handler@demo.tw", "政風 許專員", "ETHICS", ["ethics", "handler"], "(02)2720-8889 分機 4011",
     "ethics officer, handler (政風室承辦)"),
    ("admin@demo.tw", "系統管理員", "SEC", ["admin"], "(02)2720-8889 分機 1009", "administrator (系統管理)"),
]
# The handler whose deputy (代理人) receives their notices while they are away.
DEMO_DEPUTIES = {"handler.roads@demo.tw": "deputy.roads@demo.tw"}


@demo_cli.command("seed")
def seed_demo() -> None:
    """Create demo units and staff (skipping any that exist) and print the logins."""
    for code, name, parent, ethics in DEMO_UNITS:
        if find_unit(code) is None:
            create_unit(code, name, parent, ethics)
    for email, name, unit, roles, phone, _what in DEMO_STAFF:
        staff = find_staff(email)
        if staff is None:
            staff = create_staff(email, name, unit, roles, DEMO_PASSWORD)
        if not staff.phone:
            staff.phone = phone
    for email, deputy in DEMO_DEPUTIES.items():
        staff = find_staff(email)
        if staff.deputy_id is None:
            staff.deputy_id = find_staff(deputy).id
    db.session.commit()
    click.echo(f"Demo staff logins at /staff/login (password for all: {DEMO_PASSWORD}):")
    for email, _name, unit, roles, _phone, what in DEMO_STAFF:
        click.echo(f"  {email:26} {'/'.join(roles):18} {unit:7} {what}")


def _staff(email: str):  # noqa: ANN202
    staff = find_staff(email)
    if staff is None:
        raise click.ClickException(f"no staff {email}")
    return staff


@staff_cli.command("phone")
@click.argument("email")
@click.argument("phone")
def phone_command(email: str, phone: str) -> None:
    """Set the telephone (with extension) printed as the contact on the letters EMAIL handles ("" to clear)."""
    staff = _staff(email)
    staff.phone = phone.strip()[:40]
    db.session.commit()
    click.echo(f"{staff.email}: {staff.phone or '(none: the agency_phone setting is printed)'}")


@staff_cli.command("token")
@click.argument("email")
@click.option("--days", type=int, default=None, help="Days the token is valid (default API_TOKEN_DAYS, 90).")
@click.option("--name", default=None, help="What the token is for, e.g. the system that uses it.")
def token_command(email: str, days: int | None, name: str | None) -> None:
    """Print a new personal access token for the staff API (shown once)."""
    from core.accounts.tokens import TokenError, create_token

    staff = _staff(email)
    try:
        row, secret = create_token(staff, days=days, name=name)
    except TokenError as exc:
        raise click.BadParameter(str(exc), param_hint="--days") from exc
    db.session.commit()
    click.echo(f"token {row.id} of {staff.email}, expires {_when(row.expires_at)}", err=True)
    click.echo(secret)  # alone on standard output (and last), for scripts


@staff_cli.command("tokens")
@click.argument("email")
def tokens_command(email: str) -> None:
    """List a staff member's tokens (never their secrets)."""
    from core.accounts.tokens import tokens_of
    from core.db import utcnow

    now = utcnow()
    rows = tokens_of(_staff(email))
    if not rows:
        click.echo("no tokens")
    for t in rows:
        state = ("revoked " + _when(t.revoked_at) if t.revoked_at else "expired" if t.expires_at <= now
                 else "owner deactivated" if not t.staff.active else "in use")
        click.echo(f"{t.id:>6}  {t.name or '-':20}  created {_when(t.created_at)}  "
                   f"last used {_when(t.last_used_at) if t.last_used_at else 'never':16}  "
                   f"expires {_when(t.expires_at)}  {state}")


@staff_cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke a token (its ID from `flask staff tokens EMAIL`): it stops working at once."""
    from core.accounts.models import ApiToken
    from core.accounts.tokens import revoke

    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no token {token_id}")
    changed = revoke(token)
    db.session.commit()
    click.echo(f"token {token_id} of {token.staff.email} " + ("revoked" if changed else "was revoked already"))


@staff_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Deactivate an account: it cannot log in, its sessions end at once and its tokens stop working."""
    staff = _staff(email)
    admin.set_staff_active(staff, False, CLI)
    db.session.commit()
    click.echo(f"{staff.email} deactivated")


@staff_cli.command("reactivate")
@click.argument("email")
def reactivate_command(email: str) -> None:
    """Let a deactivated account log in again (its revoked tokens stay revoked)."""
    staff = _staff(email)
    admin.set_staff_active(staff, True, CLI)
    db.session.commit()
    click.echo(f"{staff.email} reactivated")


@staff_cli.command("password")
@click.argument("email")
@click.password_option(help="Asked for when not given.")
def password_command(email: str, password: str) -> None:
    """Set a staff member's password; every session of the account ends."""
    from core.accounts.services import change_password

    staff = _staff(email)
    try:
        change_password(staff, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    # That it changed, never the password: the same mask before and after would be "no change".
    audit.record(CLI, "staff", staff.id, "update", None, {"password": "••••••"})
    db.session.commit()
    click.echo(f"password of {staff.email} changed; their sessions have ended")


def _when(moment) -> str:  # noqa: ANN001
    from core.clock import TAIPEI

    return moment.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")


@staff_cli.command("away")
@click.argument("email")
@click.option("--from", "start", required=True, help="YYYY-MM-DD")
@click.option("--until", "end", required=True, help="YYYY-MM-DD")
@click.option("--deputy", help="E-mail of the deputy (代理人) who receives the reminders meanwhile.")
def away_command(email: str, start: str, end: str, deputy: str | None) -> None:
    """Record an absence and the deputy who covers it."""
    from datetime import date

    staff = _staff(email)
    try:
        away_from, away_until = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise click.BadParameter("write dates as YYYY-MM-DD") from exc
    if deputy:
        substitute = find_staff(deputy)
        if substitute is None:
            raise click.ClickException(f"no deputy {deputy}")
        deputy_id = substitute.id
    else:  # the deputy already named stays; without one the absence is refused, as on the staff page
        deputy_id = staff.deputy_id
    try:
        admin.set_away(staff, away_from=away_from, away_until=away_until, deputy_id=deputy_id, by=CLI)
    except admin.FieldError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{staff.email} away {start} to {end}; deputy {staff.deputy.email if staff.deputy else 'none'}")

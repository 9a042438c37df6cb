"""flask deadlines ... and flask calendar ...: answers and changes for the deadline engine.

The changes (time-limit classes, the agency's closures and working days, the official calendar's import) go
through the administration's services and are in the audit log, with the command line as the actor."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from cases import admin, deadlines, official_calendar, time_limits
from cases.models import OfficeCalendarYear, TimeLimitClass
from core import audit
from core.errors import DomainError
from core.extensions import db

CLI = None  # the actor of the audit entries the commands write (shown as "command line (CLI)")

deadlines_cli = AppGroup("deadlines", help="Time limits and due dates.")
calendar_cli = AppGroup("calendar", help="The official office calendar, the agency's closures and extra working days.")

# The names staff use on the command line for the built-in classes.
ALIASES = {"most-urgent": "most-urgent", "urgent": "urgent", "ordinary": "ordinary",
           "director-mailbox": "director-mailbox", "petition": "petition"}


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("write the date as YYYY-MM-DD") from None


@deadlines_cli.command("due")
@click.argument("received")
@click.argument("limit_class", required=False)
@click.option("--days", type=click.IntRange(min=0), help="A limit of N working days instead of a class.")
def due_command(received: str, limit_class: str | None, days: int | None) -> None:
    """Print the due date of a case received on RECEIVED (YYYY-MM-DD) under LIMIT_CLASS or --days N."""
    day = _day(received)
    if (limit_class is None) == (days is None):
        raise click.UsageError("give either a CLASS or --days N")
    calendar = deadlines.load_calendar()
    if days is not None:
        limit = time_limits.TimeLimit(code=f"{days}-days", days=days)
    else:
        try:
            limit = deadlines.time_limit(ALIASES.get(limit_class, limit_class))
        except KeyError:
            codes = ", ".join(c.code for c in deadlines.limit_classes())
            raise click.BadParameter(f"unknown class; known: {codes}", param_hint="CLASS") from None
    received_on = calendar.on_or_after(day)
    if received_on != day:
        click.echo(f"{day} is not a working day: counted as received on {received_on}")
    click.echo(f"limit: {limit.days} {'calendar' if limit.counts_holidays else 'working'} days ({limit.code})")
    due = time_limits.due_date(received_on, limit, calendar)
    if calendar.any_provisional(received_on, due):
        click.echo("provisional: the period reaches into a year without the official office calendar")
    click.echo(due.isoformat())


@deadlines_cli.command("classes")
def classes_command() -> None:
    """List the time-limit classes."""
    for c in deadlines.limit_classes(active_only=False):
        kind = "calendar" if c.counts_holidays else "working"
        click.echo(f"{c.code:20} {c.days:4} {kind:8} {'' if c.active else '(inactive) '}{c.name_zh} / {c.name_en}")


@deadlines_cli.command("set-class")
@click.argument("code")
@click.option("--days", type=click.IntRange(min=1, max=365), required=True)
@click.option("--name-zh")
@click.option("--name-en")
@click.option("--counts-holidays/--working-days", default=None)
@click.option("--inactive", is_flag=True)
def set_class_command(code: str, days: int, name_zh: str | None, name_en: str | None,
                      counts_holidays: bool | None, inactive: bool) -> None:
    """Create a class or change its limit. Cases keep the limit they were classified with (only a
    reclassification gives a case the new limit)."""
    row = db.session.get(TimeLimitClass, code)
    try:  # the administration page's rules and audit entries
        if row is None:
            if not (name_zh and name_en):
                raise click.UsageError("a new class needs --name-zh and --name-en")
            row = admin.add_class(code, name_zh, name_en, days, bool(counts_holidays), CLI)
        else:
            admin.change_class(row, name_zh or row.name_zh, name_en or row.name_en, days,
                               row.counts_holidays if counts_holidays is None else counts_holidays, CLI)
        admin.set_class_active(row, not inactive, CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{row.code}: {row.days} days")


def _set(day: str, working: bool, reason: str) -> None:
    try:
        changed = admin.add_day(_day(day), working, reason, CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{day}: {'working day' if working else 'closed'}; due dates of {changed} open case(s) recomputed")


@calendar_cli.command("close")
@click.argument("day")
@click.option("--reason", required=True, help="e.g. 颱風停止上班")
def close_command(day: str, reason: str) -> None:
    """Mark DAY as a closure (not a working day)."""
    _set(day, False, reason)


@calendar_cli.command("open")
@click.argument("day")
@click.option("--reason", required=True)
def open_command(day: str, reason: str) -> None:
    """Mark DAY as an extra working day."""
    _set(day, True, reason)


@calendar_cli.command("remove")
@click.argument("day")
def remove_command(day: str) -> None:
    """Remove the agency's override on DAY (the national calendar applies again)."""
    try:
        changed = admin.remove_day(_day(day), CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{day}: national calendar; due dates of {changed} open case(s) recomputed")


@calendar_cli.command("import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def import_command(files: tuple[str, ...]) -> None:
    """Import the official DGPA office calendar from FILES (its CSV, one year each); without FILES, the
    years shipped with the system. Idempotent: shows what changed and recomputes the due dates it moves."""
    from pathlib import Path

    paths = [Path(f) for f in files] or official_calendar.shipped_files()
    for path in paths:
        try:
            parsed = official_calendar.parse(path.read_bytes(), path.name)
        except official_calendar.CalendarFileError as exc:
            raise click.ClickException(str(exc)) from exc

        def progress(items, year=parsed.year):  # noqa: ANN001, ANN202
            return click.progressbar(items, label=f"{year}: recomputing due dates", file=sys.stderr, show_pos=True)

        header = db.session.get(OfficeCalendarYear, parsed.year)
        before = {"source": header.source, "sha256": header.sha256} if header else None
        result = official_calendar.import_year(parsed, path.name, progress=progress)
        if before is None or not result.unchanged or before["sha256"] != parsed.sha256:
            audit.record(CLI, "calendar_day", parsed.year, "create" if before is None else "update", before, {
                "source": path.name[:200], "sha256": parsed.sha256, "days_added": result.added,
                "now_working_days": [day for day, working in result.changed if working],
                "now_days_off": [day for day, working in result.changed if not working],
                "cases_moved": result.cases_moved})
        db.session.commit()
        if result.unchanged and not result.cases_moved:
            click.echo(f"{parsed.year}: unchanged ({path.name})")
            continue
        click.echo(f"{parsed.year}: {result.added} day(s) added, {len(result.changed)} changed; "
                   f"due dates of {result.cases_moved} open case(s) moved ({path.name})")
        for day, working in result.changed:
            click.echo(f"  {day.isoformat()} is now {'a working day' if working else 'a day off'}")


@calendar_cli.command("check")
@click.argument("year", type=click.IntRange(1912, 9999))
def check_command(year: int) -> None:
    """Exit status 0 if YEAR's official calendar is imported, 1 if its dates are provisional."""
    row = db.session.scalar(select(OfficeCalendarYear).where(OfficeCalendarYear.year == year))
    if row is None:
        click.echo(f"{year}: provisional — no official DGPA calendar imported; dates come from the holidays "
                   f"package's rules. Import the DGPA CSV with `flask calendar import FILE`.")
        raise SystemExit(1)
    click.echo(f"{year}: official (imported {row.imported_at:%Y-%m-%d} from {row.source})")


@click.command("cases")
def demo_cases() -> None:
    """Demo cases in every state (after `flask demo seed`); running it again adds nothing."""
    from cases.demo import seed_cases
    from core.accounts.services import find_staff

    if find_staff("intake@demo.tw") is None:
        raise click.ClickException("run `flask demo seed` first (the demo units and staff)")
    created, present = seed_cases()
    db.session.commit()
    click.echo(f"Demo cases: {created} created, {present} already there.")

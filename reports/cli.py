"""flask reports ...: reports made on demand."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.clock import today
from core.extensions import db
from reports.ethics import generate, month_period

reports_cli = AppGroup("reports", help="Reports to the ethics office.")


@reports_cli.command("ethics")
@click.argument("period")
def ethics_command(period: str) -> None:
    """Generate (once) and announce the ethics office's report for PERIOD (YYYY-MM, a month that has ended)."""
    try:
        start, end, name = month_period(period, today())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PERIOD") from exc
    report = generate(start, end, name, today())
    db.session.commit()
    click.echo(f"{name}: generated and announced" if report else f"{name}: already generated")

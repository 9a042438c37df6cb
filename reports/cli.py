"""flask reports ...: reports made on demand."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.clock import today
from core.extensions import db
from reports.ethics import generate, month_period

reports_cli = AppGroup("reports", help="Reports to the ethics office and the periodic analysis.")


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


@reports_cli.command("analysis")
@click.argument("period")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Where to write the workbook (default: analysis-PERIOD.xlsx in the current directory).")
@click.option("--language", type=click.Choice(["zh-TW", "en"]), default="zh-TW", show_default=True,
              help="The language of the workbook's headings and names.")
def analysis_command(period: str, out: Path | None, language: str) -> None:
    """Write the periodic analysis (domain rule 32) of PERIOD, a year (2026) or a quarter (2026-Q3), as XLSX."""
    from flask_babel import force_locale

    from reports.analysis import PeriodInvalid, analyse, parse_period, workbook

    with force_locale("en" if language == "en" else "zh_Hant_TW"):
        try:
            chosen = parse_period(period, today())
        except PeriodInvalid as exc:
            raise click.BadParameter(str(exc), param_hint="PERIOD") from exc
        # Seven figure sets, then the workbook: at a million cases each set takes seconds, so show where it is.
        with click.progressbar(length=8, label=f"Analysing {chosen.name}", file=sys.stderr) as bar:
            result = analyse(chosen, today(), progress=lambda _step: bar.update(1))
            content = workbook(result)
            bar.update(1)
    path = out or Path(f"analysis-{chosen.name}.xlsx")
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc
    click.echo(f"{chosen.name}: written to {path}")

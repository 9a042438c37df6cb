import click
from flask.cli import AppGroup

from core.extensions import db
from feedback.services import purge_unverified

feedback_cli = AppGroup("submissions", help="Citizen submissions awaiting verification.")


@feedback_cli.command("purge")
def purge_command() -> None:
    """Delete submissions whose verification link expired unused."""
    count = purge_unverified()
    db.session.commit()
    click.echo(f"purged {count} unverified submission(s)")


retention_cli = AppGroup("retention", help="Erase petitioners' identifying data after the retention period.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only list the cases whose identity would be erased.")
def retention_command(dry_run: bool) -> None:
    from core.clock import today
    from feedback.retention import due_for_erasure, erase_identities

    day = today()
    if dry_run:
        rows = due_for_erasure(day)
        for number, closed_on, _submission in rows:
            click.echo(f"{number}\tclosed {closed_on}")
        click.echo(f"{len(rows)} case(s) would have their petitioner's identity erased")
        return
    with click.progressbar(length=1, label="erasing") as bar:
        numbers = erase_identities(day)
        db.session.commit()
        bar.update(1)
    click.echo(f"erased the identity of {len(numbers)} case(s)")

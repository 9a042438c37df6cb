import click

from core.extensions import db
from feedback.services import purge_unverified

feedback_cli = click.Group("submissions", help="Citizen submissions awaiting verification.")


@feedback_cli.command("purge")
def purge_command() -> None:
    """Delete submissions whose verification link expired unused."""
    count = purge_unverified()
    db.session.commit()
    click.echo(f"purged {count} unverified submission(s)")

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.extensions import db
from notifications.delivery import retry_failed
from notifications.models import OutboxMessage, OutboxStatus
from notifications.outbox import dispatch_after_commit
from notifications.tasks import relay

outbox_cli = AppGroup("outbox", help="Inspect and relay the outgoing message queue.")


@outbox_cli.command("relay")
def relay_command() -> None:
    """Deliver every pending message whose time has come."""
    click.echo(f"delivered {relay(db.session)} message(s)")


@outbox_cli.command("failed")
def failed_command() -> None:
    """List messages that stopped after too many failed attempts."""
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED.value).order_by(OutboxMessage.id)
    )
    for m in rows:
        click.echo(f"{m.id}\t{m.kind}\t{m.recipient}\t{m.attempts}\t{m.last_error}")


@outbox_cli.command("retry")
@click.argument("message_ids", nargs=-1, type=int)
def retry_command(message_ids: tuple[int, ...]) -> None:
    """Put failed messages (all, or the ids given) back in the queue."""
    ids = retry_failed(db.session, list(message_ids) or None)
    dispatch_after_commit(ids)
    db.session.commit()
    click.echo(f"{len(ids)} message(s) queued again")

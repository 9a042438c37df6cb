"""Celery tasks for the outbox. Tasks take ids, never ORM objects."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from celery import shared_task
from flask import current_app
from sqlalchemy.orm import Session

from core.db import utcnow
from core.extensions import db
from notifications.delivery import deliver_message, due_message_ids
from notifications.mail import transport_for

log = logging.getLogger(__name__)


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver(message_id: int) -> str:
    return deliver_message(db.session, message_id, transport_for(current_app.config), current_app.config)


@shared_task(name="notifications.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    return relay(db.session)


def relay(session: Session) -> int:
    """Deliver every due message; the periodic safety net behind the after-commit fast path."""
    transport = transport_for(current_app.config)
    sent = 0
    for message_id in due_message_ids(session, utcnow()):
        sent += deliver_message(session, message_id, transport, current_app.config) == "sent"
    return sent


def dispatch(message_ids: Iterable[int]) -> None:
    """Called after a commit. Eager mode delivers now; otherwise the broker gets a task per message.

    A broker outage is logged and otherwise ignored: the rows are safe in the database and
    the relay delivers them when it next runs.
    """
    celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        # The committing session cannot run SQL inside its own after_commit hook.
        try:
            with Session(db.engine) as session:
                for message_id in message_ids:
                    deliver_message(session, message_id, transport_for(current_app.config), current_app.config)
        except Exception:  # noqa: BLE001 - the change is committed; the relay retries delivery
            log.exception("immediate delivery failed; the relay will retry")
        return
    task = celery.tasks["notifications.deliver"]  # this app's Celery, not whichever is current
    # Off the request's critical path: a slow, paused or stopped broker never delays or fails an answer
    # whose transaction has committed. Anything not published here is picked up by the relay.
    _publisher.submit(_publish, task, list(message_ids))


def _publish(task, message_ids: list[int]) -> None:  # noqa: ANN001
    for message_id in message_ids:
        try:
            task.apply_async((message_id,), retry=False)
        except Exception as exc:  # noqa: BLE001 - broker down: the relay catches up
            log.warning("broker unavailable, outbox %s waits for the relay: %s", message_id, exc)
            return


# One thread: publishing is quick when the broker is up, and queued behind a stalled one otherwise.
_publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-publish")

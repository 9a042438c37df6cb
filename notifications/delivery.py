"""Delivering outbox rows: claim atomically, send, record the outcome; back off on failure."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from notifications.mail import Transport
from notifications.models import OutboxMessage, OutboxStatus
from notifications.notifiers import Notifier, PermanentFailure, notifiers_for

log = logging.getLogger(__name__)

# A send takes at most six SMTP steps of 15 s (notifications/mail.py), 90 s; a claim older than this belongs to
# a worker that died mid-send. The relay (every 30 s) gives its message back: a mail waits minutes, not hours.
STALE_CLAIM = timedelta(minutes=2)
RELAY_BATCH = 500
RECOVERED = "{} the worker stopped while sending; retried\n"


def backoff(attempts: int, base_seconds: int) -> timedelta:
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), 6 * 3600))


def deliver_message(session: Session, message_id: int, transport: Transport | None, config: dict[str, Any],
                    notifiers: dict[str, Notifier] | None = None) -> str:
    """Send one message by its channel (e-mail or SMS) unless another worker has it or it is done.
    Returns what happened. `transport` is mail's; `notifiers`, when given, serve every channel."""
    now = utcnow()
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(status=OutboxStatus.SENDING.value, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    # The claim is committed on its own so that no second worker can take the same row.
    session.commit()
    if not claimed:
        return "skipped"
    message = session.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None
    notifiers = notifiers or notifiers_for(config, transport)
    try:
        notifier = notifiers.get(message.channel)
        if notifier is None:
            raise PermanentFailure(f"no notifier for the channel {message.channel!r}")
        notifier.send(message)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row and retried
        # A refusal (an SMS gateway's 4xx, a wrong number) stops at once: the same message would be refused again.
        give_up = isinstance(exc, PermanentFailure) or message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]
        _finish(session, message, status=(OutboxStatus.FAILED if give_up else OutboxStatus.PENDING).value,
                next_attempt_at=utcnow() + backoff(message.attempts, config["OUTBOX_BACKOFF_SECONDS"]),
                last_error=f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("outbox %s attempt %s failed: %s", message_id, message.attempts, message.last_error)
        return "failed" if give_up else "retry"
    _finish(session, message, status=OutboxStatus.SENT.value, sent_at=utcnow(), secrets=None, last_error=None)
    return "sent"


def _finish(session: Session, message: OutboxMessage, **values: Any) -> None:
    """Record the outcome only if this worker still holds the claim (a claim the relay gave back belongs to
    whoever took it next)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.SENDING.value,
               OutboxMessage.claimed_at == message.claimed_at)
        .values(**values).execution_options(synchronize_session=False)
    )
    session.commit()


def due_message_ids(session: Session, now: datetime, limit: int = RELAY_BATCH) -> list[int]:
    """Release claims of dead workers, then list the pending messages whose time has come."""
    released = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING.value,
               OutboxMessage.claimed_at < now - STALE_CLAIM)
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=now,
                recovered_note=func.coalesce(OutboxMessage.recovered_note, "") + RECOVERED.format(now.isoformat()))
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if released:
        log.warning("outbox: %d message(s) given back after a worker stopped mid-send: %s", len(released), released)
    session.commit()
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def retry_failed(session: Session, message_ids: list[int] | None = None) -> list[int]:
    """An administrator's retry: failed messages go back to pending with a fresh count."""
    condition = [OutboxMessage.status == OutboxStatus.FAILED.value]
    if message_ids is not None:
        condition.append(OutboxMessage.id.in_(message_ids))
    return list(session.scalars(
        update(OutboxMessage)
        .where(*condition)
        .values(status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=utcnow())
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ))

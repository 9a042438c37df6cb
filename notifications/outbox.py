"""Writing messages to the outbox, and handing them to delivery once the transaction commits."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.bulk import insert_many_or_ignore
from core.db import insert_or_ignore, prepared, utcnow
from core.extensions import db
from notifications.models import OutboxMessage

log = logging.getLogger(__name__)
_PENDING_KEY = "outbox_pending_ids"


def enqueue(
    *,
    kind: str,
    to: str,
    template: str,
    language: str,
    context: dict[str, Any],
    key: str,
    secrets: dict[str, Any] | None = None,
    about: str | None = None,
    confidential: bool = False,
    channel: str = "email",
) -> int:
    """Add a message to the current transaction; the same key twice gives the first message. Returns its id.
    `about` marks whose personal data it carries, for retention (e.g. "submission:42"). `channel` "sms" sends
    `<template>.<language>.sms.txt` to an E.164 number `to`; its key must differ from the e-mail's (sms_key)."""
    # One plain statement: the insert, which the unique key turns into nothing for a message already there.
    db.session.flush()  # what this transaction added before goes first, as it would have with add()
    message_id = db.session.execute(
        prepared("outbox", lambda: insert_or_ignore(OutboxMessage.__table__, "idempotency_key")
                 .returning(OutboxMessage.id)),
        {**message_values(kind=kind, to=to, template=template, language=language, context=context,
                          secrets=secrets, confidential=confidential, channel=channel),
         "idempotency_key": key, "about": about},
    ).scalar()
    if message_id is None:
        return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
    dispatch_after_commit([message_id])
    return message_id


def message_values(*, kind: str, to: str, template: str, language: str, context: dict[str, Any],
                   secrets: dict[str, Any] | None = None, confidential: bool = False,
                   channel: str = "email") -> dict[str, Any]:
    """The columns of a new outbox row but its key and `about`: for a statement that writes one itself
    (intake writes the submission and its mail in one statement), so that every row starts the same."""
    now = utcnow()
    return {"kind": kind, "recipient": to, "template": template, "language": language, "context": context,
            "secrets": secrets, "confidential": confidential, "channel": channel, "status": "pending",
            "attempts": 0, "next_attempt_at": now, "created_at": now}


def sms_key(key: str) -> str:
    """The SMS twin of an e-mail's idempotency key: one of each per cause, never two of either."""
    return f"sms:{key}"


def enqueue_many(messages: list[dict[str, Any]]) -> int:
    """Bulk enqueue (each dict has enqueue()'s arguments); keys already present are skipped by
    the database. Returns how many were new."""
    if not messages:
        return 0
    now = utcnow()
    rows = [{"kind": m["kind"], "recipient": m["to"], "template": m["template"], "language": m["language"],
             "context": m["context"], "secrets": m.get("secrets"), "idempotency_key": m["key"],
             "channel": m.get("channel", "email"),
             "about": m.get("about"), "confidential": m.get("confidential", False), "status": "pending",
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for m in messages]
    # One short statement, pipelined on PostgreSQL (core/bulk.py); the ids of the rows actually inserted.
    new_ids = insert_many_or_ignore(OutboxMessage.__table__, rows, "idempotency_key", "id")
    dispatch_after_commit(new_ids)
    return len(new_ids)


def dispatch_after_commit(message_ids: list[int]) -> None:
    db.session.info.setdefault(_PENDING_KEY, []).extend(message_ids)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: nothing is committed yet
        return
    ids = session.info.pop(_PENDING_KEY, None)
    if not ids or not has_app_context():
        return
    from notifications.tasks import dispatch

    try:
        dispatch(ids)
    except Exception:  # noqa: BLE001 - committed is committed: the relay sends them; the answer must not fail
        log.exception("dispatch after commit failed; the relay will send outbox %s", ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint undone: what was queued before it still commits
        return
    session.info.pop(_PENDING_KEY, None)


def celery_is_eager() -> bool:
    return bool(current_app.extensions["celery"].conf.task_always_eager)

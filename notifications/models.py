from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, utcnow
from core.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel_known"),
        # The relay's query: pending messages whose time has come.
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    # 'email' (recipient an address) or 'sms' (recipient an E.164 number); the same row, claim and retries for both.
    channel: Mapped[str] = mapped_column(String(20), default="email")
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(16))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Values the mail needs once (links with tokens, access codes); erased after delivery.
    secrets: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # Whose personal data the message carries ("submission:42"), so retention can erase it here too.
    about: Mapped[str | None] = mapped_column(String(40), index=True)
    # A confidential petitioner (a reporter of wrongdoing): the address is shown to the ethics office only.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When a worker died mid-send and the relay gave the message back: what an administrator reads.
    recovered_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffNotice(db.Model):
    """What a member of staff was told (a case routed to their unit, a reply to approve, …): shown on their
    notifications page and mailed at once or in the daily digest. The text is rendered when read, in the
    reader's language, from `kind` and `params` (case number and subject, or a neutral text for a
    confidential case: never a petitioner's identity)."""

    __tablename__ = "staff_notices"
    __table_args__ = (
        # The header's unread count and the page: one person's notices, unread first.
        Index("ix_staff_notices_staff_read", "staff_id", "read_at"),
        # The daily digest: notices held back from mail.
        Index("ix_staff_notices_held", "staff_id", postgresql_where=text("mailed_at IS NULL"),
              sqlite_where=text("mailed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # One notice per cause and person: a retried request or a second sweep adds nothing.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it went to the outbox (at once, or in a digest); NULL while it waits for the digest.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""The intake's own tables: the client applications allowed to file requests through Open311 (issue 14)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, utcnow
from core.extensions import db


class Open311Client(db.Model):
    """A client application (a city app, an aggregator) with an `api_key` for Open311's POST requests.

    The key is shown once, when it is issued; the database keeps its SHA-256 digest (256 random bits need no slow
    hash, and the digest is looked up by its unique index). A revoked key stays listed, refused."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

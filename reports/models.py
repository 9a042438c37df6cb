from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, utcnow
from core.extensions import db


class EthicsReport(db.Model):
    """The monthly report to the ethics office, kept for download. It never holds an identity."""

    __tablename__ = "ethics_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    figures: Mapped[dict] = mapped_column(JSON)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

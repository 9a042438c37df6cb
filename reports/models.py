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


class OpenDataFile(db.Model):
    """A published open-data file (issue 14, deliver 2), regenerated daily by `reports.publish_open_data` and served
    as stored. Kept in the database rather than under instance/: the web tier is stateless and scales out, and the
    Celery worker that writes them need not share a disk with the web processes; a few hundred kilobytes a day."""

    __tablename__ = "open_data_files"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # statistics.csv, statistics.json, ...
    media_type: Mapped[str] = mapped_column(String(80))
    etag: Mapped[str] = mapped_column(String(80))                    # sha256 of the content
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content: Mapped[bytes] = mapped_column(LargeBinary)

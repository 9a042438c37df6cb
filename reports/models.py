from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Staff
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


class PeriodicAnalysis(db.Model):
    """What the management meeting adopted from a period's analysis (domain rule 32): the improvement proposals and
    the meeting's date. The figures are not kept: they are computed from the cases whenever the analysis is read,
    so a late correction to a case shows in every later reading."""

    __tablename__ = "periodic_analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)  # 2026 or 2026-Q3
    proposals: Mapped[str] = mapped_column(Text, default="")
    presented_on: Mapped[date | None] = mapped_column(Date)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    updated_by: Mapped[Staff | None] = relationship()

    # Two people saving the same proposals: the second UPDATE matches no row and is told so.
    __mapper_args__ = {"version_id_col": version}

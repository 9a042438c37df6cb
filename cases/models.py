from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Staff, Unit
from core.db import UTCDateTime, utcnow
from core.extensions import db

if TYPE_CHECKING:
    from feedback.models import Submission


class CaseState(enum.StrEnum):
    REGISTERED = "registered"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    AWAITING_APPROVAL = "awaiting_approval"
    CLOSED = "closed"
    TRANSFERRED = "transferred"
    NOT_HANDLED = "not_handled"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(
            "state IN ('registered', 'routed', 'in_progress', 'awaiting_approval', 'closed', "
            "'transferred', 'not_handled')",
            name="state_known",
        ),
        Index("ix_cases_state_due_on", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=CaseState.REGISTERED.value)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(16))
    # Domain rule 27 (1): flagged at registration for the intake officer's decision.
    lacks_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    access_code_hash: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # By name: cases never imports feedback, which hands it submissions.
    submission: Mapped[Submission] = relationship("Submission")
    unit: Mapped[Unit | None] = relationship()
    handler: Mapped[Staff | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")

    # Two people saving the same case: the second UPDATE matches no row and fails.
    __mapper_args__ = {"version_id_col": version}


class CaseEvent(db.Model):
    """The case timeline: one row per transition, never updated."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[Staff | None] = relationship()


class CaseNumberCounter(db.Model):
    """Last case number used per ROC year; incremented in SQL so numbers are unique under load."""

    __tablename__ = "case_number_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)

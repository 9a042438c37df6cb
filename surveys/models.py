from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, utcnow
from core.extensions import db

SLOTS = 10  # a questionnaire has at most ten scored questions


class Questionnaire(db.Model):
    """A frozen version of the questions. `questions` is a list of {"key", "zh", "en"}; a key keeps
    its position (its score column) in every later version, so that old answers stay comparable."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # None: a draft an administrator prepared and has not made current yet (surveys/admin.py).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)


class SurveyInvitation(db.Model):
    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The reminder carries a link of its own (tokens are kept only as digests, so the first cannot be resent).
    reminder_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(16))
    # The unit that handled the case when it closed, and how the matter ended.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_on: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_survey_invitations_unit_sent", "unit_id", "sent_on"),)


class SurveyResponse(db.Model):
    __tablename__ = "survey_responses"
    __table_args__ = (
        # The aggregation's scan: per unit and period.
        Index("ix_survey_responses_unit_answered", "unit_id", "answered_on"),
        CheckConstraint("overall BETWEEN 1 AND 5", name="overall_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitations.id"), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    answered_on: Mapped[date] = mapped_column(Date)
    overall: Mapped[int] = mapped_column(SmallInteger)
    s1: Mapped[int | None] = mapped_column(SmallInteger)
    s2: Mapped[int | None] = mapped_column(SmallInteger)
    s3: Mapped[int | None] = mapped_column(SmallInteger)
    s4: Mapped[int | None] = mapped_column(SmallInteger)
    s5: Mapped[int | None] = mapped_column(SmallInteger)
    s6: Mapped[int | None] = mapped_column(SmallInteger)
    s7: Mapped[int | None] = mapped_column(SmallInteger)
    s8: Mapped[int | None] = mapped_column(SmallInteger)
    s9: Mapped[int | None] = mapped_column(SmallInteger)
    s10: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[SurveyInvitation] = relationship()


class SurveyFollowUp(db.Model):
    """A unit's analysis and measures (檢討改善) for a dissatisfied response."""

    __tablename__ = "survey_follow_ups"
    __table_args__ = (Index("ix_survey_follow_ups_unit_open", "unit_id", "answered_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    original_due_on: Mapped[date] = mapped_column(Date)
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    analysis: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_on: Mapped[date | None] = mapped_column(Date)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)

    response: Mapped[SurveyResponse] = relationship()

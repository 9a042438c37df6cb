"""The supervisor's home (cases/homes.py) shows the unit's open follow-ups of dissatisfied answers, counted as
the follow-ups page lists them (/staff/follow-ups, open ones): surveys adds it, cases never imports surveys."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.accounts.models import Staff
from core.extensions import db
from surveys.models import SurveyFollowUp


def open_follow_ups(user: Staff, today: date) -> tuple[str, int, str] | None:
    count, late = db.session.execute(
        select(func.count(), func.count().filter(SurveyFollowUp.due_on < today))
        .where(SurveyFollowUp.unit_id == user.unit_id, SurveyFollowUp.answered_at.is_(None))).one()
    label = _("Follow-ups of dissatisfied answers (%(late)d late)", late=late) if late else \
        _("Follow-ups of dissatisfied answers")
    return label, count, url_for("surveys.follow_ups")


def init_app() -> None:
    from cases.homes import register_section

    register_section("supervisor", open_follow_ups)

"""Reopening from the survey page (issue 13, deliver 4): the survey link proves who the petitioner is, as the
access code does on the tracking page. The rule is cases/reopen.py's; this only finds the case behind a link.

A survey link may have been answered or have expired (14 days): the reopening window (30 days after closure, a
setting) decides, not the survey's own.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from cases.models import Case
from cases.reopen import Chance, chance
from core.extensions import db
from core.security import token_digest
from surveys import services
from surveys.models import SurveyInvitation


def invited_case(token: str) -> Case | None:
    """The case a survey link (the invitation's or the reminder's) was sent for."""
    either = (services._digest(token), token_digest(token))  # noqa: SLF001 - the survey's own digest
    case_id = db.session.scalar(select(SurveyInvitation.case_id).where(
        or_(SurveyInvitation.token_digest.in_(either), SurveyInvitation.reminder_digest.in_(either))))
    return db.session.get(Case, case_id) if case_id is not None else None


def offer(case_id: int) -> Chance:
    """Whether the survey page offers to reopen the case (one query: the case's state and closing day)."""
    row = db.session.execute(select(Case.state, Case.closed_on).where(Case.id == case_id)).first()
    return chance(row.state, row.closed_on) if row is not None else Chance(False, None)

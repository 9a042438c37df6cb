"""Survey invitations on closure, answers, and the units' follow-ups of dissatisfied answers.
Services flush; the caller commits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from cases import staff_notices
from cases.case_file import about
from cases.deadlines import load_calendar
from core.accounts.models import Role, Staff
from core.clock import taipei_date, today
from core.db import utcnow
from core.errors import DomainError
from core.extensions import db
from core.security import keyed_digest, new_token, token_digest
from core.settings import get_setting
from core.urls import external_url
from notifications.outbox import enqueue
from surveys.models import SLOTS, Questionnaire, SurveyFollowUp, SurveyInvitation, SurveyResponse

SCORES = range(1, 6)
COMMENT_MAX = 4000


class SurveyError(Exception):
    """`status` is the HTTP status the page answers with; `reason` names the page to show."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


def current_questionnaire() -> Questionnaire:
    """The newest published version (a draft, published_at None, is not used until it is made current)."""
    return db.session.scalar(select(Questionnaire).where(Questionnaire.published_at.is_not(None))
                             .order_by(Questionnaire.version.desc()).limit(1))


# ------------------------------------------------------------------ invitations


def invite(case: Any, message: Any | None, how: str) -> SurveyInvitation | None:
    """Called when a case ends (the case_closed signal). Adds the survey link to the reply mail
    when there is one, in the same transaction; else sends an invitation of its own."""
    email = case.submission.email
    if not email or db.session.scalar(select(SurveyInvitation.id).where(SurveyInvitation.case_id == case.id)):
        return None
    if how != "reply" and not get_setting("survey_after_transfer_or_not_handled"):
        return None
    since = utcnow() - timedelta(days=30)
    recent = db.session.scalar(select(func.count()).select_from(SurveyInvitation)
                               .where(SurveyInvitation.email == email, SurveyInvitation.sent_at >= since))
    if recent >= get_setting("survey_max_per_address_30_days"):
        return None  # nobody is asked more often than the setting allows
    token = new_token()
    now = utcnow()
    invitation = SurveyInvitation(
        case_id=case.id, questionnaire_id=current_questionnaire().id, token_digest=_digest(token), email=email,
        language=case.language, unit_id=case.unit_id, outcome=case.outcome or how, sent_at=now,
        sent_on=today(), expires_at=now + timedelta(days=get_setting("survey_valid_days")),
    )
    db.session.add(invitation)
    db.session.flush()
    link = external_url("surveys.form", token=token)
    if message is not None and message.status == "pending":
        message.secrets = {**(message.secrets or {}), "survey_link": link}  # a new dict: JSON change is seen
    else:
        _send_invitation(invitation, case, link, "survey_invitation", f"survey:{invitation.id}")
    return invitation


def _send_invitation(invitation: SurveyInvitation, case: Any, link: str, template: str, key: str) -> None:
    enqueue(kind=f"surveys.{template}", to=invitation.email, template=template, language=invitation.language,
            context={"name": case.submission.name, "case_number": case.number,
                     "agency": current_app.config["AGENCY_NAME"],
                     # The Taipei date: the UTC one is a day early before 08:00 Taipei.
                     "expires_on": taipei_date(invitation.expires_at).isoformat()},
            secrets={"survey_link": link}, key=key, about=about(case.submission_id), confidential=case.confidential)


def erase_addresses(case_ids: list[int]) -> None:
    """Retention: the invitation keeps its figures (unit, outcome, dates), not the petitioner's address."""
    if case_ids:
        db.session.execute(update(SurveyInvitation).where(SurveyInvitation.case_id.in_(case_ids)).values(email="")
                           .execution_options(synchronize_session=False))


def remind_unanswered(day: date) -> int:
    """At most one reminder per invitation, when the setting asks for one, with a link of its own
    (the first link keeps working too)."""
    after = get_setting("survey_reminder_after_days")
    if after <= 0:
        return 0
    ids = list(db.session.scalars(
        update(SurveyInvitation)
        .where(SurveyInvitation.answered_at.is_(None), SurveyInvitation.reminded_at.is_(None),
               SurveyInvitation.expires_at > utcnow(), SurveyInvitation.sent_on <= day - timedelta(days=after))
        .values(reminded_at=utcnow()).returning(SurveyInvitation.id)
        .execution_options(synchronize_session=False)
    ))
    from cases.models import Case

    for invitation in db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.id.in_(ids))):
        case = db.session.get(Case, invitation.case_id)
        token = new_token()
        invitation.reminder_digest = _digest(token)
        link = external_url("surveys.form", token=token)
        _send_invitation(invitation, case, link, "survey_reminder", f"survey-reminder:{invitation.id}")
    db.session.flush()
    return len(ids)


# ------------------------------------------------------------------ answering


def _digest(token: str) -> str:
    return keyed_digest(token, "survey-token")


def find_invitation(token: str) -> SurveyInvitation:
    # Links mailed before keyed digests were stored as plain SHA-256: found by either, and re-keyed when used.
    digest, legacy = _digest(token), token_digest(token)
    either = (digest, legacy)
    invitation = db.session.scalar(select(SurveyInvitation).where(
        or_(SurveyInvitation.token_digest.in_(either), SurveyInvitation.reminder_digest.in_(either))))
    if invitation is None:
        raise SurveyError("unknown", 404)
    if invitation.token_digest == legacy:
        invitation.token_digest = digest
    if invitation.reminder_digest == legacy:
        invitation.reminder_digest = digest
    if invitation.answered_at is not None:
        raise SurveyError("answered", 409)
    if invitation.expires_at < utcnow():
        raise SurveyError("expired", 410)
    return invitation


def check_answers(questionnaire: Questionnaire, form: dict[str, Any]) -> tuple[dict[str, int], str, dict[str, str]]:
    """Scores by question key, the comment, and errors by field (every question needs 1–5)."""
    scores: dict[str, int] = {}
    errors: dict[str, str] = {}
    for question in questionnaire.questions:
        raw = str(form.get(question["key"], "")).strip()
        if raw.isascii() and raw.isdigit() and int(raw) in SCORES:  # "²".isdigit(), but int("²") raises
            scores[question["key"]] = int(raw)
        else:
            errors[question["key"]] = _("Please choose one answer from 1 to 5.")
    comment = str(form.get("comment", "")).replace("\x00", "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("The comment may have at most %(n)d characters.", n=COMMENT_MAX)
    return scores, comment, errors


def answer(invitation: SurveyInvitation, scores: dict[str, int], comment: str) -> SurveyResponse:
    """Record the answer once: the UPDATE that marks the invitation decides between two posts."""
    questionnaire = db.session.get(Questionnaire, invitation.questionnaire_id)
    won = db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.answered_at.is_(None))
        .values(answered_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise SurveyError("answered", 409)
    slots = {f"s{i + 1}": scores.get(q["key"]) for i, q in enumerate(questionnaire.questions[:SLOTS])}
    response = SurveyResponse(
        invitation_id=invitation.id, questionnaire_id=questionnaire.id, unit_id=invitation.unit_id,
        outcome=invitation.outcome, answered_on=today(), overall=scores["overall"], comment=comment, **slots,
    )
    db.session.add(response)
    db.session.flush()
    if response.overall <= get_setting("survey_dissatisfied_at_or_below"):
        _open_follow_up(response)
    return response


def _open_follow_up(response: SurveyResponse) -> SurveyFollowUp:
    opened = today()
    due = load_calendar().add_working_days(opened, get_setting("follow_up_working_days"))
    follow_up = SurveyFollowUp(response_id=response.id, unit_id=response.unit_id, opened_on=opened, due_on=due,
                               original_due_on=due)
    db.session.add(follow_up)
    db.session.flush()
    staff_notices.follow_up_opened(follow_up.id, follow_up.unit_id, due)  # the unit's supervisors are told
    return follow_up


# ------------------------------------------------------------------ follow-ups


class FollowUpRefused(DomainError):
    """A follow-up action refused (403 who, 409 state, 422 input)."""


def _require_supervisor(follow_up: SurveyFollowUp, by: Staff) -> None:
    if not by.has_role(Role.SUPERVISOR) or by.unit_id != follow_up.unit_id:
        raise FollowUpRefused(_("Only a supervisor of the unit may do this."), 403)
    if follow_up.answered_at is not None:
        raise FollowUpRefused(_("This follow-up has been answered already."), 409)


def answer_follow_up(follow_up: SurveyFollowUp, by: Staff, *, analysis: str, measures: str) -> SurveyFollowUp:
    _require_supervisor(follow_up, by)
    analysis, measures = (analysis or "").strip(), (measures or "").strip()
    if not analysis or not measures:
        raise FollowUpRefused(_("Please write both the analysis and the improvement measures."), 422)
    if len(analysis) > 10_000 or len(measures) > 10_000:
        raise FollowUpRefused(_("The text is too long."), 422)
    won = db.session.execute(
        update(SurveyFollowUp).where(SurveyFollowUp.id == follow_up.id, SurveyFollowUp.answered_at.is_(None))
        .values(analysis=analysis, measures=measures, answered_by_id=by.id, answered_at=utcnow(), answered_on=today())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise FollowUpRefused(_("This follow-up has been answered already."), 409)
    db.session.refresh(follow_up)
    return follow_up


def extend_follow_up(follow_up: SurveyFollowUp, by: Staff, *, days: int, reason: str) -> SurveyFollowUp:
    """The supervisor's extension; the whole follow-up may take at most the setting's working days."""
    _require_supervisor(follow_up, by)
    reason = (reason or "").strip()
    if not reason:
        raise FollowUpRefused(_("Please give a reason."), 422)
    calendar = load_calendar()
    most = get_setting("follow_up_max_working_days")
    # Bounded before counting: add_working_days walks day by day (and no day follows 9999-12-31).
    new_due = calendar.add_working_days(follow_up.due_on, days) if 1 <= days <= most else None
    if new_due is None or calendar.working_days_between(follow_up.opened_on, new_due) > most:
        raise FollowUpRefused(_("A follow-up may take at most %(n)d working days in all.", n=most), 422)
    follow_up.due_on, follow_up.extended_by_id, follow_up.extension_reason = new_due, by.id, reason
    db.session.flush()
    return follow_up


def remind_overdue_follow_ups(day: date) -> int:
    """Each overdue follow-up is reminded once, to the unit's supervisors (claimed by one UPDATE), on
    working days only: nobody reads a reminder sent on a Saturday until Monday, and by then it is stale."""
    if not load_calendar().is_working_day(day):
        return 0
    ids = list(db.session.scalars(
        update(SurveyFollowUp)
        .where(SurveyFollowUp.answered_at.is_(None), SurveyFollowUp.due_on < day, SurveyFollowUp.reminded.is_(False))
        .values(reminded=True).returning(SurveyFollowUp.id).execution_options(synchronize_session=False)
    ))
    if not ids:
        return 0
    from core.accounts.models import StaffRole

    rows = db.session.execute(
        select(SurveyFollowUp.id, SurveyFollowUp.due_on, Staff.email, Staff.name)
        .join(Staff, Staff.unit_id == SurveyFollowUp.unit_id).join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(SurveyFollowUp.id.in_(ids), StaffRole.role == Role.SUPERVISOR.value, Staff.active.is_(True))
    ).all()
    for follow_up_id, due_on, email, name in rows:
        url = external_url("surveys.follow_up", follow_up_id=follow_up_id)
        enqueue(kind="surveys.follow_up_overdue", to=email, template="follow_up_overdue", language="zh_Hant_TW",
                context={"name": name, "due_on": str(due_on), "url": url,
                         "agency": current_app.config["AGENCY_NAME"]},
                key=f"follow-up-overdue:{follow_up_id}:{email}")
    return len(ids)

"""補陳: asking the petitioner for more information, with the case's clock stopped until they answer
(APA art. 171, domain rule 25; issue 13, deliver 3).

- `request_information`: the handler's question; the case goes to `awaiting_information`, the question is mailed
  to the petitioner through the outbox (message kind `cases.information_request`, one per request), and the clock
  stops: no reminder and no overdue list counts the case while it waits (cases.models.CLOCK_STOPPED_STATES).
- `receive_answer`: the petitioner's answer (feedback's tracking page and API), with attachments as at intake; the
  case returns to `in_progress`, the due date moves later by exactly the paused working days (cases/pauses.py says
  which days those are, and why), the handler is told (cases/staff_notices.py).
- `close_unanswered`: after the reply-by date, the unit may register the case as not handled on ground (1) (APA
  art. 173 (1): no concrete content), and the petitioner is told.

Services validate, go through the state machine and flush; the caller commits once.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cases import deadlines, pauses
from cases.case_file import Attachment
from cases.models import Case, CaseState, InformationRequest, InformationStatus
from cases.services import TEXT_MAX, _close, _may_work_on, _notify_petitioner, _text
from cases.workflow import TransitionRefused, transition
from core.accounts.models import Staff
from core.clock import today
from core.db import utcnow
from core.extensions import db
from core.settings import get_setting
from core.signals import case_closed

QUESTION_MAX = 2000
# Ground (1) of APA art. 173: without the information asked for, the petition has no concrete content.
UNANSWERED_GROUND = "no_identity"


class Upload(Protocol):
    """A file the petitioner sent with the answer, already checked as at intake (feedback/rules.py)."""

    data: bytes

    @property
    def content_type(self) -> str | None: ...

    @property
    def extension(self) -> str: ...

    @property
    def sha256(self) -> str: ...


def open_request(case: Case) -> InformationRequest | None:
    return next((r for r in case.information_requests if r.status == InformationStatus.OPEN), None)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def request_information(case: Case, by: Staff, *, question: str, reply_within_days: int | None = None,
                        version: int | None = None) -> InformationRequest:
    question = _text(question, _("Question to the petitioner"), maximum=QUESTION_MAX)
    if reply_within_days is None:
        reply_within_days = min(get_setting("information_reply_working_days"), pauses.REPLY_WITHIN_MAX)
    if not pauses.REPLY_WITHIN_MIN <= reply_within_days <= pauses.REPLY_WITHIN_MAX:
        raise TransitionRefused(_("Give the petitioner from %(low)d to %(high)d working days to answer.",
                                  low=pauses.REPLY_WITHIN_MIN, high=pauses.REPLY_WITHIN_MAX), 422)
    if not _may_work_on(case, by):
        raise TransitionRefused(_("Only the assigned handler, the deputy or the supervisor may ask the petitioner "
                                  "for more information."), 403)
    asked_on = today()
    reply_by = pauses.reply_by(asked_on, reply_within_days, deadlines.load_calendar())
    transition(case, "request_information", by, expected_version=version,
               detail={"question": question, "asked_on": asked_on.isoformat(), "reply_by": reply_by.isoformat(),
                       "days": reply_within_days})
    # By id, added inside the savepoint: given the case object, the request would join the case's collection
    # before the savepoint's opening flush, outside the session (SQLAlchemy warns and skips it).
    request = InformationRequest(case_id=case.id, question=question, asked_by_id=by.id, asked_at=utcnow(),
                                 asked_on=asked_on, reply_by=reply_by)
    try:
        with db.session.begin_nested():  # one open question per case: the unique index decides between two staff
            db.session.add(request)
    except IntegrityError:
        raise TransitionRefused(_("The petitioner has already been asked and has not answered yet."), 409) from None
    db.session.expire(case, ["information_requests"])
    # The question goes to the petitioner in this transaction (outbox): whatever the settings say, they cannot
    # answer what they were never asked.
    _notify_petitioner(case, "information_request",
                       {"question": question, "reply_by": reply_by.isoformat(), "due_on": _iso(case.due_on),
                        "track_url": _track_url()},
                       key_suffix=str(request.id), setting=None)
    db.session.flush()
    return request


def _track_url() -> str:
    from core.urls import external_url

    return external_url("feedback.track")


def receive_answer(case: Case, *, answer: str, uploads: tuple[Upload, ...] = ()) -> InformationRequest:
    """The petitioner's answer (their access code already checked by the caller). Refused (409) when the case is
    not waiting for one: answered already, closed meanwhile, or never asked."""
    request = open_request(case)
    if request is None or case.state != CaseState.AWAITING_INFORMATION:
        raise TransitionRefused(_("This case is not waiting for an answer from you: it was answered already, or "
                                  "no information was asked for."), 409)
    answer = _text(answer, _("Your answer"), maximum=TEXT_MAX)
    now = utcnow()
    event = transition(case, "receive_information", None)
    request.status, request.answer, request.answered_at = InformationStatus.ANSWERED.value, answer, now
    # Counted like a petition's receipt: after office hours or on a day off, the next working day.
    request.answered_on = deadlines.receipt_date(now)
    first = len(case.submission.attachments) + 1
    for index, upload in enumerate(uploads, start=first):
        # Derived names, as at intake: an uploaded name can carry a path, a script or the petitioner's name.
        db.session.add(Attachment(submission_id=case.submission_id, information_request_id=request.id,
                                  filename=f"{case.number}-{index}.{upload.extension}"[:200],
                                  content_type=upload.content_type or "application/octet-stream",
                                  size=len(upload.data), sha256=upload.sha256, data=upload.data,
                                  identifying=case.confidential))
    before = case.due_on
    deadlines.compute_due_dates(case)  # the pause is one of the steps that move the due date (cases/deadlines.py)
    event.due_before, event.due_after = before, case.due_on
    event.detail = {"question": request.question, "asked_on": request.asked_on.isoformat(),
                    "reply_by": request.reply_by.isoformat(), "answered_on": request.answered_on.isoformat(),
                    "paused_days": request.paused_days or 0, "due_before": _iso(before),
                    "due_after": _iso(case.due_on), "attachments": len(uploads)}
    db.session.flush()
    return request


def close_unanswered(case: Case, by: Staff, *, note: str = "", version: int | None = None) -> Case:
    request = open_request(case)
    if request is None:
        raise TransitionRefused(_("No request for information is awaiting an answer."), 409)
    if not pauses.is_unanswered_past(request.reply_by, today()):
        from core.dates import day

        raise TransitionRefused(_("The petitioner has until %(day)s to answer; the case can be closed as not handled "
                                  "after that day.", day=day(request.reply_by)), 409)
    if not _may_work_on(case, by):
        raise TransitionRefused(_("Only the assigned handler, the deputy or the supervisor may close this case."),
                                403)
    closing = today()
    event = transition(case, "close_unanswered", by, note=_text(note, _("Note"), required=False),
                       expected_version=version,
                       detail={"ground": UNANSWERED_GROUND, "question": request.question,
                               "asked_on": request.asked_on.isoformat(), "reply_by": request.reply_by.isoformat()})
    request.status = InformationStatus.UNANSWERED.value
    # Up to the closing day the agency was waiting: those days are the petitioner's, not the agency's delay.
    request.paused_days = pauses.paused_working_days(request.asked_on, closing, deadlines.load_calendar())
    case.not_handled_ground = UNANSWERED_GROUND
    _close(case, closing)
    # The unit that asked closes the case on its own clock: the due date moves later by the paused working days (as
    # an answer on the closing day would have moved it), and the statistics judge the closure against it.
    before = case.due_on
    deadlines.compute_due_dates(case)
    event.due_before, event.due_after = before, case.due_on
    event.detail = {**event.detail, "paused_days": request.paused_days or 0, "due_before": _iso(before),
                    "due_after": _iso(case.due_on)}
    _notify_petitioner(case, "information_unanswered",
                       {"question": request.question, "reply_by": request.reply_by.isoformat()},
                       key_suffix=str(request.id), setting=None)
    db.session.flush()
    case_closed.send(case, by=by, reply=None, message=None, how="not_handled")
    return case


def open_question(case_id: int) -> dict[str, Any] | None:
    """What the tracking page shows the petitioner of the open question (one SELECT): the question, the day it was
    asked and the day to answer by."""
    row = db.session.execute(select(InformationRequest.question, InformationRequest.asked_on,
                                    InformationRequest.reply_by)
                             .where(InformationRequest.case_id == case_id,
                                    InformationRequest.status == InformationStatus.OPEN.value)).first()
    return {"question": row.question, "asked_on": row.asked_on, "reply_by": row.reply_by} if row else None

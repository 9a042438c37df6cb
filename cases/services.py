"""Case operations. Each validates, goes through the state machine, writes the messages it
causes to the outbox, and flushes; the view, API endpoint or task commits once."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cases import deadlines, documents, time_limits
from cases.case_file import Submission, about
from cases.models import (
    Case,
    CaseEvent,
    CaseLink,
    CaseNumberCounter,
    CaseState,
    Extension,
    ExtensionStatus,
    Reply,
    ReplyStatus,
    ReplyVersion,
    TimeLimitClass,
    Transfer,
)
from cases.workflow import TransitionRefused, check, transition
from core.accounts.models import Role, Staff, Unit
from core.clock import roc_year, taipei_date, today
from core.db import insert_or_ignore, utcnow
from core.extensions import db
from core.security import keyed_hash, random_code
from core.settings import get_setting
from core.signals import case_closed, case_registered
from core.urls import external_url
from notifications.mail import has_sms_version
from notifications.models import OutboxMessage
from notifications.outbox import enqueue, sms_key

# 12 characters of a 31-character alphabet: 59 bits (README), against guessing under the tracking rate limit.
ACCESS_CODE_LENGTH = 12
ACCESS_CODE_PURPOSE = "access-code"
OUTCOMES = ("met", "explained", "refused", "other")
NOT_HANDLED_GROUNDS = ("no_identity", "repeat", "sent_to_competent")
TEXT_MAX = 10_000


def allocate_case_number(received_at: datetime) -> str:
    """ROC year + 7-digit sequence, e.g. 1150000042. Safe under concurrency: the counter row
    is created once (ON CONFLICT DO NOTHING) and incremented by a single UPDATE ... RETURNING,
    which the database serialises per year."""
    year = roc_year(taipei_date(received_at))
    db.session.execute(insert_or_ignore(CaseNumberCounter).values(year=year, last=0))
    sequence = db.session.execute(
        update(CaseNumberCounter)
        .where(CaseNumberCounter.year == year)
        .values(last=CaseNumberCounter.last + 1)
        .returning(CaseNumberCounter.last)
    ).scalar_one()
    return f"{year:03d}{sequence:07d}"


def register_case(submission, *, received_at: datetime, by: Staff | None = None) -> tuple[Case, str]:  # noqa: ANN001
    """Register a submission as a case. Returns the case and its access code, which exists
    in clear only here: the database keeps its hash."""
    access_code = random_code(ACCESS_CODE_LENGTH)
    case = Case(
        number=allocate_case_number(received_at),
        submission=submission,
        channel=submission.channel,
        category=submission.category,
        state=CaseState.REGISTERED.value,
        confidential=submission.confidential,
        language=submission.language,
        lacks_identity=submission.lacks_identity,
        access_code_hash=keyed_hash(access_code, ACCESS_CODE_PURPOSE),
        received_at=received_at,
        received_on=deadlines.receipt_date(received_at),
    )
    for attachment in submission.attachments:  # derived names: the case number and the index (feedback/services)
        attachment.filename = f"{case.number}-{attachment.filename}"[:200]
    deadlines.take_limit(case, _limit_class(deadlines.default_class_for(submission.channel)))
    deadlines.compute_due_dates(case)
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseEvent(
        case_id=case.id, actor_id=by.id if by else None, action="register",
        from_state=None, to_state=case.state, detail={"lacks_identity": True} if case.lacks_identity else {},
    ))
    _route_integrity_complaint(case)
    db.session.flush()
    case_registered.send(case, by=by)
    return case, access_code


def _route_integrity_complaint(case: Case) -> None:
    """An integrity or misconduct complaint goes straight to the ethics office (a setting; rule 46)."""
    if case.channel != "complaint" or case.category != "integrity":
        return
    if not get_setting("route_integrity_complaints_to_ethics"):
        return
    ethics = db.session.scalar(select(Unit).where(Unit.is_ethics_office.is_(True), Unit.active.is_(True))
                               .order_by(Unit.id).limit(1))
    if ethics is None:
        return
    transition(case, "route", None, detail={**unit_parts(ethics), "via": "integrity_complaint"})
    case.unit = ethics


def refer_to_ethics(case: Case, by: Staff, *, reason: str, version: int | None = None) -> Case:
    from cases.models import EthicsReferral

    reason = _text(reason, _("Reason"))
    already = _("This case is already referred to the ethics office and awaits its decision.")
    if db.session.scalar(select(EthicsReferral.id).where(EthicsReferral.case_id == case.id,
                                                         EthicsReferral.ethics_case_id.is_(None))):
        raise TransitionRefused(already, 409)
    transition(case, "refer_to_ethics", by, note=reason, expected_version=version)
    try:
        with db.session.begin_nested():  # two colleagues at the same moment: the unique open referral decides
            db.session.add(EthicsReferral(case_id=case.id, reason=reason, referred_by_id=by.id))
    except IntegrityError:
        raise TransitionRefused(already, 409) from None
    db.session.flush()
    return case


def unit_parts(unit: Unit) -> dict:
    """A unit on the timeline: its code, and its name as it was (shown; a later renaming does not rewrite history)."""
    return {"unit": unit.code, "unit_name": unit.name}


def find_case(number: str) -> Case | None:
    return db.session.scalar(select(Case).where(Case.number == number.strip()))


def _text(value: str | None, field: str, required: bool = True, maximum: int = TEXT_MAX) -> str:
    text = (value or "").replace("\x00", "").strip()
    if required and not text:
        raise TransitionRefused(_("Please fill in: %(field)s.", field=field), 422)
    if len(text) > maximum:
        raise TransitionRefused(_("%(field)s is too long.", field=field), 422)
    return text


# ------------------------------------------------------------------ intake


def _limit_class(code: str) -> TimeLimitClass:
    row = db.session.get(TimeLimitClass, code)
    if row is None or not row.active:
        raise TransitionRefused(_("Unknown time-limit class."), 422)
    return row


def classify(case: Case, by: Staff, *, limit_class: str, topic: str = "", sender_deadline: date | None = None,
             version: int | None = None) -> Case:
    """(Re)classify: the only way a case's limit changes (I1); the case takes the class's limit as it is now.
    Keeping the same class keeps the limit the case already has."""
    row = _limit_class(limit_class)
    reclassified = row.code != case.limit_class
    # The limits as the case held them (names included: a class may be renamed later, the case keeps its own).
    detail: dict = {"before": {"code": case.limit_class, "days": case.limit_days,
                               "counts_holidays": bool(case.limit_counts_holidays),
                               "name_zh": case.limit_name_zh, "name_en": case.limit_name_en}}
    if reclassified:
        detail["after"] = {"code": row.code, "days": row.days, "counts_holidays": bool(row.counts_holidays),
                           "name_zh": row.name_zh, "name_en": row.name_en}
    if sender_deadline:
        detail["sender_deadline"] = sender_deadline.isoformat()
    transition(case, "classify", by, expected_version=version, detail=detail)
    if reclassified:
        deadlines.take_limit(case, row)
    case.topic, case.sender_deadline = topic.strip()[:60], sender_deadline
    deadlines.recompute(case, cause="reclassification", actor_id=by.id)
    db.session.flush()
    return case


def route(case: Case, by: Staff, *, unit_code: str, note: str = "", version: int | None = None) -> Case:
    unit = db.session.scalar(select(Unit).where(Unit.code == (unit_code or "").strip().upper(),
                                                Unit.active.is_(True)))
    if unit is None:
        raise TransitionRefused(_("Unknown unit."), 422)
    transition(case, "route", by, note=note.strip(), expected_version=version, detail=unit_parts(unit))
    case.unit = unit
    db.session.flush()
    return case


def transfer(case: Case, by: Staff, *, agency: str, reason: str, version: int | None = None) -> Case:
    agency = _text(agency, _("Agency"), maximum=200)
    reason = _text(reason, _("Reason"))
    transition(case, "transfer", by, note=reason, expected_version=version, detail={"agency": agency})
    db.session.add(Transfer(case_id=case.id, agency=agency, reason=reason, by_id=by.id))
    _close(case, today())
    _notify_petitioner(case, "transfer_notice", {"agency_to": agency, "reason": reason})
    db.session.flush()
    case_closed.send(case, by=by, reply=None, message=None, how="transfer")
    return case


def mark_not_handled(case: Case, by: Staff, *, ground: str, note: str = "", version: int | None = None) -> Case:
    if ground not in NOT_HANDLED_GROUNDS:
        raise TransitionRefused(_("Choose one of the legal grounds."), 422)
    transition(case, "not_handled", by, note=note.strip(), expected_version=version, detail={"ground": ground})
    case.not_handled_ground = ground
    _close(case, today())
    _notify_petitioner(case, "not_handled_notice", {"ground": ground})
    db.session.flush()
    case_closed.send(case, by=by, reply=None, message=None, how="not_handled")
    return case


def link(case: Case, by: Staff, *, earlier_number: str, note: str = "", version: int | None = None) -> Case:
    earlier = find_case(earlier_number or "")
    if earlier is None or earlier.id == case.id:
        raise TransitionRefused(_("No such earlier case."), 422)
    if earlier.received_at > case.received_at:
        raise TransitionRefused(_("A case can only be linked to an earlier one."), 422)
    from core.policy import may_see_case

    if not may_see_case(by, earlier):
        raise TransitionRefused(_("No such earlier case."), 422)
    transition(case, "link", by, note=note.strip(), expected_version=version, detail={"earlier": earlier.number})
    db.session.add(CaseLink(case_id=case.id, earlier_case_id=earlier.id, by_id=by.id))
    db.session.flush()
    return case


# ------------------------------------------------------------------ the unit


def assign(case: Case, by: Staff, *, handler_email: str, version: int | None = None) -> Case:
    handler = db.session.scalar(select(Staff).where(Staff.email == (handler_email or "").strip().lower(),
                                                    Staff.active.is_(True)))
    if handler is None or handler.unit_id != case.unit_id or not handler.has_role(Role.HANDLER, Role.SUPERVISOR):
        raise TransitionRefused(_("Choose a handler of the responsible unit."), 422)
    transition(case, "assign", by, expected_version=version,
               detail={"handler_id": handler.id, "handler": handler.name})
    case.handler = handler
    db.session.flush()
    return case


def return_to_intake(case: Case, by: Staff, *, reason: str, version: int | None = None) -> Case:
    reason = _text(reason, _("Reason"))
    transition(case, "return_to_intake", by, note=reason, expected_version=version)
    case.unit, case.handler = None, None
    db.session.flush()
    return case


def _may_work_on(case: Case, user: Staff) -> bool:
    """The assigned handler, the handler's deputy, or a supervisor of the unit."""
    if user.has_role(Role.SUPERVISOR):
        return True
    handler = case.handler
    return handler is not None and (handler.id == user.id or handler.deputy_id == user.id)


def returned_reply(case: Case) -> Reply | None:
    """The reply the supervisor returned, to be edited rather than typed again (the case's last reply)."""
    last = case.replies[-1] if case.replies else None
    return last if last is not None and last.status == ReplyStatus.RETURNED else None


def draft_reply(case: Case, by: Staff, *, body: str, outcome: str = "explained", remedy_notice: bool = False,
                language: str | None = None, version: int | None = None, override_reason: str | None = None) -> Reply:
    """Submit the reply for approval: a new reply, or the returned one edited (a new version of it; every version
    is kept, with the reason of the return that led to it). A reply the quality check flags goes on only with
    `override_reason` (cases/reply_quality.py), recorded on the timeline."""
    from cases import reply_quality

    body = _text(body, _("Reply"))
    if outcome not in OUTCOMES:
        raise TransitionRefused(_("Choose how the matter ended."), 422)
    check(case, "draft_reply", by)
    if not _may_work_on(case, by):
        raise TransitionRefused(_("Only the assigned handler, the deputy or the supervisor may draft the reply."),
                                403)
    language = language if language in ("zh_Hant_TW", "en") else case.language
    if version is not None and case.version != version:  # a stale page: say so before judging its text
        raise TransitionRefused(_("Someone else changed this case in the meantime. Please reload it."), 409)
    reply_quality.guard(case, by.id, reply_quality.flags_of(body=body, language=language, remedy_notice=remedy_notice,
                                                            outcome=outcome, case=case), override_reason, "draft")
    reply = returned_reply(case)
    if reply is None:
        transition(case, "draft_reply", by, expected_version=version, detail={"version": 1})
        reply = Reply(case=case, body=body, outcome=outcome, remedy_notice=remedy_notice, language=language,
                      drafted_by_id=by.id)
        db.session.add(reply)
        reason, number = "", 1
    else:
        number = (reply.versions[-1].number if reply.versions else 0) + 1
        transition(case, "draft_reply", by, expected_version=version, detail={"version": number})
        reason = reply.return_reason
        reply.body, reply.outcome, reply.remedy_notice, reply.language = body, outcome, remedy_notice, language
        reply.status, reply.decided_by_id, reply.decided_at, reply.return_reason = (
            ReplyStatus.DRAFT.value, None, None, "")
    reply.versions.append(ReplyVersion(number=number, body=body, language=language, outcome=outcome,
                                       remedy_notice=remedy_notice, edited_by_id=by.id, edited_at=utcnow(),
                                       return_reason=reason))
    db.session.flush()
    return reply


def _four_eyes_relaxed(case: Case, by: Staff, written_by: frozenset[int]) -> None:
    """The author approved what they wrote (allowed only by the one-person-unit setting): on the timeline."""
    if by.id in written_by:
        db.session.add(CaseEvent(case=case, actor_id=by.id, action="four_eyes_relaxed", from_state=case.state,
                                 to_state=case.state, note=""))


def _pending_reply(case: Case) -> Reply:
    reply = db.session.scalar(select(Reply).where(Reply.case_id == case.id, Reply.status == ReplyStatus.DRAFT.value)
                              .order_by(Reply.id.desc()))
    if reply is None:
        raise TransitionRefused(_("There is no reply awaiting approval."), 409)
    return reply


def approve_reply(case: Case, by: Staff, *, version: int | None = None, override_reason: str | None = None) -> Case:
    """Approval sends the reply (through the outbox) and closes the case. A reply the quality check flags is
    approved only with `override_reason` (cases/reply_quality.py), recorded on the timeline."""
    from cases import reply_quality

    reply = _pending_reply(case)
    check(case, "approve_reply", by)  # who first: the flags are told only to whoever may approve
    if version is not None and case.version != version:
        raise TransitionRefused(_("Someone else changed this case in the meantime. Please reload it."), 409)
    reply_quality.guard(case, by.id, reply_quality.flags_of_reply(reply, case), override_reason, "approve")
    transition(case, "approve_reply", by, expected_version=version)  # four eyes: cases.workflow, core.policy
    _four_eyes_relaxed(case, by, reply.authors())
    reply.status, reply.decided_by_id, reply.decided_at = ReplyStatus.SENT.value, by.id, utcnow()
    documents.allocate_document_number(reply)  # 發文字號, once per sent reply
    _close(case, today())
    case.outcome = reply.outcome
    email = case.submission.email
    message = None
    if email:
        message_id = enqueue(
            kind="cases.reply", to=email, template="reply", language=reply.language,
            context={"name": case.submission.name, "case_number": case.number, "subject": case.submission.subject,
                     "body": reply.body, "remedy_notice": reply.remedy_notice,
                     "agency": current_app.config["AGENCY_NAME"],
                     "files": _reply_files(reply, case.number)},
            key=f"reply:{case.id}:{reply.id}", about=about(case.submission_id), confidential=case.confidential,
        )
        message = db.session.get(OutboxMessage, message_id)
    # The reply itself goes by e-mail or post; the SMS only says it is there, with the tracking link.
    text_petitioner(case.submission, kind="cases.reply", template="reply", language=reply.language,
                    context={"case_number": case.number, "agency": current_app.config["AGENCY_NAME"],
                             "by_email": bool(email), "by_post": bool(case.submission.address),
                             "track_url": _track_url()},
                    key=f"reply:{case.id}:{reply.id}")
    db.session.flush()
    # Listeners (surveys) may add to the reply mail: it is still in this transaction's outbox.
    case_closed.send(case, by=by, reply=reply, message=message, how="reply")
    return case


def _close(case: Case, day: date) -> None:
    """Closing date and days used (rules 3-5), recorded for replies, transfers and "not handled" alike (I5)."""
    case.closed_on, case.closed_at = day, utcnow()
    case.days_used = _days_used(case, day)


def _days_used(case: Case, finished: date) -> float:
    calendar = deadlines.load_calendar()
    if case.sender_deadline:
        used = time_limits.days_used_with_sender_deadline(case.received_on, finished, case.sender_deadline,
                                                          calendar)
    else:
        used = time_limits.days_used(case.received_on, finished, calendar)
    # 補陳: the working days the clock stood still were the petitioner's, not the agency's (cases/pauses.py).
    paused = case.paused_days
    return max(used - paused, time_limits.SAME_DAY) if paused else used


def return_reply(case: Case, by: Staff, *, reason: str, version: int | None = None) -> Case:
    reason = _text(reason, _("Reason"))
    reply = _pending_reply(case)
    transition(case, "return_reply", by, note=reason, expected_version=version)
    reply.status, reply.decided_by_id, reply.decided_at, reply.return_reason = (
        ReplyStatus.RETURNED.value, by.id, utcnow(), reason)
    db.session.flush()
    return case


# ------------------------------------------------------------------ extensions (展期)


def _pending_extension(case: Case) -> Extension | None:
    return next((e for e in case.extensions if e.status == ExtensionStatus.REQUESTED), None)


def request_extension(case: Case, by: Staff, *, days: int, reason: str, version: int | None = None) -> Extension:
    reason = _text(reason, _("Reason"))
    if _pending_extension(case) is not None:
        raise TransitionRefused(_("An extension request is already awaiting a decision."), 409)
    previous = [e.days for e in case.extensions if e.status == ExtensionStatus.APPROVED]
    problems = time_limits.extension_problems(
        requested_days=int(days), today=today(), due_on=case.due_on, previous_days=previous,
        max_count=get_setting("extension_max_count"), max_total_days=get_setting("extension_max_total_days"),
    )
    if problems:
        raise TransitionRefused(" ".join(str(EXTENSION_PROBLEMS[p]()) for p in problems),
                                409 if "after_due_date" in problems else 422)
    counts_holidays = bool(case.limit_counts_holidays and not case.sender_deadline)
    transition(case, "request_extension", by, note=reason, expected_version=version,
               detail={"days": int(days), "counts_holidays": counts_holidays})
    extension = Extension(case=case, days=int(days), reason=reason, requested_by_id=by.id, due_before=case.due_on,
                          counts_holidays=counts_holidays)
    db.session.add(extension)
    db.session.flush()
    return extension


EXTENSION_PROBLEMS = {
    "not_positive": lambda: _("An extension must be at least one working day."),
    "after_due_date": lambda: _("An extension must be requested before the due date has passed."),
    "too_many": lambda: _("This case has had the maximum number of extensions."),
    "too_long": lambda: _("This would exceed the total number of extension days allowed."),
}


def approve_extension(case: Case, by: Staff, *, version: int | None = None) -> Extension:
    extension = _pending_extension(case)
    if extension is None:
        raise TransitionRefused(_("There is no extension request awaiting a decision."), 409)
    days = {"days": extension.days, "counts_holidays": bool(extension.counts_holidays)}
    event = transition(case, "approve_extension", by, expected_version=version, detail=days)
    _four_eyes_relaxed(case, by, frozenset({extension.requested_by_id}))
    extension.status, extension.decided_by_id, extension.decided_at = ExtensionStatus.APPROVED.value, by.id, utcnow()
    previous_due = case.due_on
    deadlines.recompute(case, cause="extension", detail=days, actor_id=by.id)
    event.detail = {**days, "due_on": case.due_on.isoformat() if case.due_on else None}  # the petitioner's new date
    # Rules 30 and 36: the petitioner is told, with the reason and the new date (by e-mail here).
    _notify_petitioner(case, "extension_notice", {"reason": extension.reason, "previous_due_on": str(previous_due),
                                                  "due_on": str(case.due_on)}, key_suffix=str(extension.id),
                       setting=None)
    db.session.flush()
    return extension


def refuse_extension(case: Case, by: Staff, *, reason: str, version: int | None = None) -> Extension:
    reason = _text(reason, _("Reason"))
    extension = _pending_extension(case)
    if extension is None:
        raise TransitionRefused(_("There is no extension request awaiting a decision."), 409)
    transition(case, "refuse_extension", by, note=reason, expected_version=version)
    extension.status, extension.decided_by_id, extension.decided_at = ExtensionStatus.REFUSED.value, by.id, utcnow()
    extension.refusal_reason = reason
    db.session.flush()
    return extension


# ------------------------------------------------------------------ petitioner notices


def _notify_petitioner(case: Case, template: str, context: dict, key_suffix: str = "",
                       setting: str | None = "transfer_and_not_handled_notices") -> None:
    """By e-mail when there is an address, and by SMS when the petitioner asked for it and the notice has an SMS
    text (`<template>.<language>.sms.txt`)."""
    if setting and not get_setting(setting):
        return
    context = {"name": case.submission.name, "case_number": case.number, "subject": case.submission.subject,
               "agency": current_app.config["AGENCY_NAME"], "due_on": str(case.due_on or ""),
               "track_url": _track_url(), **context}
    key = f"{template}:{case.id}:{key_suffix}"
    email = case.submission.email
    if email:
        enqueue(kind=f"cases.{template}", to=email, template=template, language=case.language, context=context,
                key=key, about=about(case.submission_id), confidential=case.confidential)
    text_petitioner(case.submission, kind=f"cases.{template}", template=template, language=case.language,
                    context=context, key=key)


def text_petitioner(submission: Submission, *, kind: str, template: str, language: str, context: dict,
                    key: str, secrets: dict | None = None) -> int | None:
    """The SMS twin of a petitioner's notice, through the same outbox (its key apart from the e-mail's), when they
    asked for SMS notices and the notice has an SMS text. Returns the outbox id, or None when nothing is sent."""
    to = submission.sms_to
    if not to or not has_sms_version(template):
        return None
    return enqueue(kind=kind, to=to, template=template, language=language, context=context, secrets=secrets,
                   key=sms_key(key), about=about(submission.id), confidential=submission.confidential, channel="sms")


def _track_url() -> str:
    return external_url("feedback.track")  # the public tracking page, by its endpoint's name


def _reply_files(reply: Reply, number: str) -> list[dict[str, str]]:
    """The reply's attachments as the mail lists them (issue 13); imported here: reply_files builds on this module."""
    from cases.reply_files import mail_list

    return mail_list(reply, number)

"""Reopening an answered case ("not resolved", issue 13 deliver 4).

Within `reopen_within_days` calendar days after an answered case closed, its petitioner may say the matter is not
resolved. That opens a new case, linked to the original (CaseLink, `Case.reopened_from_id`, an event on both
timelines), which goes straight to the unit that answered (routed) with the reason and the original reply on its
page; the unit's heads are told (cases/staff_notices.py). A second reopen of the same original, or reopening a
reopened case, stays with intake (registered) and is flagged for the secretariat: the unit's answer twice did not
satisfy, someone above the unit looks at it.

The petitioner is whoever proves access to the original: its number and access code (feedback), or its survey link
(surveys). The new case keeps the original's access code, so the petitioner tracks it with the code they have.

Services flush; the view or API endpoint commits once.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from cases.case_file import ReceivedVia, Source, Submission
from cases.models import Case, CaseLink, CaseState, Reply, ReplyStatus
from cases.services import TEXT_MAX, _notify_petitioner, register_case, unit_parts
from cases.workflow import transition
from core.accounts.models import Unit
from core.clock import today
from core.db import utcnow
from core.errors import DomainError
from core.extensions import db
from core.security import token_digest
from core.settings import get_setting

# The same reason again this soon after is the same request (a double click, a client's retry without a key).
REPEAT_SECONDS = 120


class ReopenRefused(DomainError):
    """409: the case cannot be reopened (open, not answered, past the window); 422: the reason."""


def clean_reason(value: str | None) -> str:
    """NFC, without control characters other than newlines, trimmed (the reason as a person typed it)."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch == "\n" or ch == "\t" or unicodedata.category(ch) != "Cc").strip()


def reopen_until(closed_on: date | None) -> date | None:
    """The last day the case may be reopened: `reopen_within_days` calendar days after its closure."""
    return closed_on + timedelta(days=get_setting("reopen_within_days")) if closed_on else None


@dataclass(frozen=True)
class Chance:
    """What the tracking page offers a case: reopening it (and until when), or why not."""

    possible: bool
    until: date | None


def chance(state: str, closed_on: date | None, on: date | None = None) -> Chance:
    """Only an answered (replied) case is reopened; a transferred one went elsewhere, a not-handled one is answered
    by the law's ground. No query: the tracking page asks it of every closed case it shows."""
    if state != CaseState.CLOSED.value or closed_on is None:
        return Chance(False, None)
    until = reopen_until(closed_on)
    return Chance(until is not None and (on or today()) <= until, until)


def _check(original: Case) -> None:
    if original.is_open:
        raise ReopenRefused(_("This case is still open: you can add information to it instead of reopening it."), 409)
    if original.state != CaseState.CLOSED.value:
        raise ReopenRefused(_("Only a case that was answered can be reopened. Please submit a new petition."), 409)
    window = chance(original.state, original.closed_on)
    if not window.possible:
        raise ReopenRefused(_("This case could be reopened until %(day)s (%(n)d days after it was closed). Please "
                              "submit a new petition.", day=window.until.isoformat() if window.until else "—",
                              n=get_setting("reopen_within_days")), 409)


def _earlier_reopen(original: Case, digest: str | None, reason: str) -> Case | None:
    """The case an earlier identical request opened: the same Idempotency-Key (and reason), or the same reason just
    before."""
    if digest is not None:
        found = db.session.scalar(select(Case).join(Submission, Submission.id == Case.submission_id)
                                  .where(Submission.idempotency_digest == digest))
        if found is not None:
            return found
    latest = db.session.execute(
        select(Case, Submission.body).join(Submission, Submission.id == Case.submission_id)
        .where(Case.reopened_from_id == original.id).order_by(Case.id.desc()).limit(1)).first()
    if latest is not None and latest.body == reason and latest.Case.created_at >= utcnow() - timedelta(
            seconds=REPEAT_SECONDS):
        return latest.Case
    return None


def reopen(original: Case, *, reason: str, source: Source, idempotency_key: str | None = None) -> tuple[Case, bool]:
    """Open the new case for an answered case its petitioner says is not resolved. Returns the new case and whether
    it is new (a retried request gets the first). Raises ReopenRefused.

    The original's row is updated first (its timeline event moves its version counter): of two requests at once,
    the second fails at that flush (StaleDataError) and, asked again, finds the first one's case."""
    reason = clean_reason(reason)
    if not reason:
        raise ReopenRefused(_("Please say what is not resolved."), 422)
    if len(reason) > TEXT_MAX:
        raise ReopenRefused(_("The reason may have at most %(n)d characters.", n=TEXT_MAX), 422)
    digest = token_digest(f"reopen\x1f{original.id}\x1f{idempotency_key}\x1f{reason}") if idempotency_key else None
    earlier = _earlier_reopen(original, digest, reason)
    if earlier is not None:
        return earlier, False
    _check(original)
    second = original.reopened_from_id is not None or bool(db.session.scalar(
        select(func.count()).select_from(Case).where(Case.reopened_from_id == original.id)))
    unit = db.session.get(Unit, original.unit_id) if original.unit_id else None
    to_unit = unit if unit is not None and unit.active and not second else None

    event = transition(original, "reopen", None, note=reason)
    db.session.flush()  # the original's row first: a concurrent second request stops here

    now = utcnow()
    first = original.submission
    submission = Submission(
        channel=first.channel, category=first.category, confidential=first.confidential,
        language=original.language, subject=first.subject, body=reason, source=source.value,
        received_via=ReceivedVia.ONLINE.value, consent_at=now, verified_at=now, idempotency_digest=digest,
        name=first.name, email=first.email, phone=first.phone, address=first.address,
    )
    if first.identity is not None:  # the SMS notices the petitioner asked for go on with the new case
        submission.identity.sms_notices, submission.identity.sms_phone = (first.identity.sms_notices,
                                                                          first.identity.sms_phone)
    db.session.add(submission)
    db.session.flush()
    case, _code = register_case(submission, received_at=now)
    # The petitioner tracks the new case with the access code they already hold (the clear code exists nowhere).
    case.access_code_hash = original.access_code_hash
    case.reopened_from_id = original.id
    db.session.add(CaseLink(case_id=case.id, earlier_case_id=original.id, by_id=None))
    transition(case, "reopened_from", None, note=reason,
               detail={"earlier": original.number, "second": second,
                       **({"unit": unit.code, "unit_name": unit.name} if unit is not None else {})})
    if to_unit is not None and case.state == CaseState.REGISTERED.value:
        transition(case, "route", None, detail={**unit_parts(to_unit), "via": "reopen"})
        case.unit = to_unit
    event.detail = {"reopened_as": case.number, "second": second}
    db.session.flush()
    # The petitioner's confirmation, in the submission's language, in this transaction's outbox: the new number,
    # when to expect the reply, the same access code (by SMS too when they asked for it).
    _notify_petitioner(case, "reopen_confirmation", {"case_number": original.number, "new_number": case.number},
                       setting=None)
    db.session.flush()
    return case, True


def reopen_retrying(original: Case, *, reason: str, source: Source,
                    idempotency_key: str | None = None) -> tuple[Case, bool]:
    """reopen(), asked again once when a concurrent request reopened the same case first (StaleDataError at the
    original's flush): rolled back, the second request then finds the first's case (the same reason) or is a
    second reopen."""
    from sqlalchemy.orm.exc import StaleDataError

    case_id = original.id
    try:
        return reopen(original, reason=reason, source=source, idempotency_key=idempotency_key)
    except StaleDataError:
        db.session.rollback()
    return reopen(db.session.get(Case, case_id), reason=reason, source=source, idempotency_key=idempotency_key)


# ------------------------------------------------------------------ the new case's page


@dataclass(frozen=True)
class ReopenedFrom:
    """What the new case's page shows of its origin: the reason, the original and its reply."""

    earlier_number: str
    earlier_closed_on: date | None
    earlier_unit: str | None
    reply: str | None
    reason: str
    second: bool


def page_context(case: Case) -> ReopenedFrom | None:
    """For the case page: None for a case not reopened from another (no query then)."""
    if case.reopened_from_id is None:
        return None
    earlier = db.session.execute(
        select(Case.number, Case.closed_on, Case.reopened_from_id, Unit.name)
        .outerjoin(Unit, Unit.id == Case.unit_id).where(Case.id == case.reopened_from_id)).one()
    reply = db.session.scalar(select(Reply.body).where(Reply.case_id == case.reopened_from_id,
                                                       Reply.status == ReplyStatus.SENT.value)
                              .order_by(Reply.id).limit(1))
    second = next((bool((e.detail or {}).get("second")) for e in case.events if e.action == "reopened_from"), False)
    return ReopenedFrom(earlier.number, earlier.closed_on, earlier.name, reply, case.submission.body, second)

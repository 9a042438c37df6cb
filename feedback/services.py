"""Intake: accept a submission, verify its e-mail, register it, track it.

Services flush; the view, API endpoint or task commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, func, insert, select, true, update

from cases.case_file import Attachment, PetitionerIdentity, ReceivedVia, Source, Submission, about
from cases.models import Case, Reply, ReplyStatus
from cases.services import ACCESS_CODE_PURPOSE, register_case, text_petitioner
from cases.timeline import public_events_of
from core.accounts.models import Staff, Unit
from core.clock import taipei_date
from core.db import insert_or_ignore, prepared, utcnow
from core.extensions import db
from core.security import new_token, normalise_code, token_digest, verify_keyed
from core.settings import get_setting
from core.urls import external_url
from feedback import rules
from notifications.models import OutboxMessage
from notifications.outbox import dispatch_after_commit, enqueue, message_values


class InvalidSubmission(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid submission")
        self.errors = errors


class VerificationExpired(LookupError):
    pass


class UnknownVerification(LookupError):
    pass


def current_limits() -> rules.Limits:
    return rules.Limits(
        max_attachments=get_setting("attachment_max_count"),
        max_attachment_bytes=get_setting("attachment_max_megabytes") * 1024 * 1024,
    )


def _validated(data: rules.SubmissionInput, *, staff: bool, name_required: bool = False) -> rules.SubmissionInput:
    data = rules.normalise(data)
    errors = rules.check(data, current_limits(), staff=staff, name_required=name_required)
    if errors:
        raise InvalidSubmission(errors)
    return data


def validate(data: rules.SubmissionInput, *, name_required: bool = False) -> None:
    """The citizen's letter checked as `submit` will check it, without keeping anything (the FAQ step, issue 14)."""
    _validated(data, staff=False, name_required=name_required)


def _new_submission(data: rules.SubmissionInput, *, language: str, source: Source) -> Submission:
    submission = Submission(
        channel=data.channel, category=data.category, confidential=data.confidential,
        name=data.name, email=data.email, phone=data.phone, address=data.address,
        language=language, subject=data.subject, body=data.body, source=source.value,
        received_via=data.received_via, latitude=data.latitude, longitude=data.longitude,
        address_string=data.address_string or None,
    )
    submission.identity.sms_notices, submission.identity.sms_phone = data.sms_notices, data.sms_phone
    submission.attachments = [
        # In a confidential complaint every attachment may identify the reporter: sealed by default.
        # Stored under a derived name (index and detected type; the case number is put in front at
        # registration): an uploaded name can carry a path, a script or the reporter's own name.
        Attachment(filename=f"{index}.{u.extension}", content_type=u.content_type, size=len(u.data),
                   sha256=u.sha256, data=u.data, identifying=data.confidential)
        for index, u in enumerate(data.attachments, start=1)
    ]
    return submission


def retry_digest(key: str | None, data: rules.SubmissionInput) -> str | None:
    """The same key with the same letter is a retry; the same key with anything changed (a file added, the
    confidential box ticked) is another submission: a client that reuses keys must not lose a petition."""
    if not key:
        return None
    parts = (key, data.channel, data.email, data.name, data.phone, data.address, data.subject, data.body,
             str(data.category), str(bool(data.confidential)), *sorted(u.sha256 for u in data.attachments),
             *(["sms", data.sms_phone] if data.sms_notices else []),
             *(["at", str(data.latitude), str(data.longitude), data.address_string]
               if data.latitude is not None or data.address_string else []))
    return token_digest("\x1f".join(parts))


@dataclass(frozen=True)
class Accepted:
    """What the citizen is told of a submission: the public path needs no ORM object of it."""

    id: int
    email: str
    verification_expires_at: datetime


def submit(data: rules.SubmissionInput, *, language: str, source: Source, client_ip: str | None,
           idempotency_key: str | None = None, name_required: bool = False) -> tuple[Accepted, bool]:
    """Accept a citizen's submission and mail the verification link. Raises InvalidSubmission.
    Returns the submission and whether it is new: a retry (same idempotency key and letter) gets the first.

    The busiest write of the system: plain INSERTs, one per row (submission, identity, each attachment, the
    mail), and no read; a retry is found by the unique digest only when its INSERT collides."""
    data = _validated(data, staff=False, name_required=name_required)
    digest = retry_digest(idempotency_key, data)
    token = new_token()
    now = utcnow()
    expires_at = now + timedelta(days=get_setting("verification_valid_days"))
    row = {
        "channel": data.channel, "category": data.category, "confidential": bool(data.confidential),
        "language": language, "subject": data.subject, "body": data.body, "source": source.value,
        "received_via": ReceivedVia.ONLINE.value, "consent_at": now, "created_at": now,
        "verification_digest": token_digest(token), "idempotency_digest": digest,
        "verification_expires_at": expires_at,
        "client_ip_digest": token_digest(f"{current_app.secret_key}:{client_ip}") if client_ip else None,
        "latitude": data.latitude, "longitude": data.longitude, "address_string": data.address_string or None,
    }
    identity = {"name": data.name, "email": data.email, "phone": data.phone, "address": data.address,
                "sms_notices": data.sms_notices, "sms_phone": data.sms_phone}
    mail = message_values(
        kind="feedback.verify", to=data.email, template="verify", language=language,
        context={
            "name": data.name, "subject": data.subject, "channel": data.channel,
            "expires_on": taipei_date(expires_at).isoformat(), "agency": current_app.config["AGENCY_NAME"],
        },
        secrets={"link": external_url("feedback.verify", token=token)}, confidential=bool(data.confidential),
    )
    for _attempt in range(2):
        if db.session.get_bind().dialect.name == "postgresql":
            # The submission, who wrote it and the verification mail in one statement: one round trip.
            written = db.session.execute(prepared("intake", _one_statement), {
                **{f"s_{k}": v for k, v in row.items()}, **{f"p_{k}": v for k, v in identity.items()},
                **{f"o_{k}": v for k, v in mail.items()}}).first()
            submission_id, message_id = written if written else (None, None)
        else:
            submission_id = db.session.execute(prepared("submission", lambda: insert_or_ignore(
                Submission.__table__, "idempotency_digest").returning(Submission.id)), row).scalar()
            message_id = None
        if submission_id is not None:
            break
        # The same key and letter again: the first submission answers (unless it was purged meanwhile).
        first = db.session.scalar(select(Submission).where(Submission.idempotency_digest == digest))
        if first is not None:
            return Accepted(first.id, first.email, first.verification_expires_at), False
    if submission_id is None:  # pragma: no cover - collided twice with a submission purged each time
        raise RuntimeError("a retried submission collided twice with a purged first one")
    if message_id is None:
        db.session.execute(prepared("identity", lambda: insert(PetitionerIdentity.__table__)),
                           {"submission_id": submission_id, **identity})
        enqueue(**_enqueue_arguments(mail), key=f"verify:{submission_id}", about=about(submission_id))
    else:
        dispatch_after_commit([message_id])
    if data.attachments:
        db.session.execute(insert(Attachment.__table__), [
            # In a confidential complaint every attachment may identify the reporter: sealed by default. Stored
            # under a derived name (index and detected type; the case number is put in front at registration).
            {"submission_id": submission_id, "filename": f"{index}.{u.extension}", "content_type": u.content_type,
             "size": len(u.data), "sha256": u.sha256, "data": u.data, "identifying": bool(data.confidential)}
            for index, u in enumerate(data.attachments, start=1)
        ])
    return Accepted(submission_id, data.email, expires_at), True


def _enqueue_arguments(values: dict) -> dict:
    return {"kind": values["kind"], "to": values["recipient"], "template": values["template"],
            "language": values["language"], "context": values["context"], "secrets": values["secrets"],
            "confidential": values["confidential"]}


_SUBMISSION_COLUMNS = ("channel", "category", "confidential", "language", "subject", "body", "source", "received_via",
                       "consent_at", "created_at", "verification_digest", "idempotency_digest",
                       "verification_expires_at", "client_ip_digest", "latitude", "longitude", "address_string")
_IDENTITY_COLUMNS = ("name", "email", "phone", "address", "sms_notices", "sms_phone")
_MAIL_COLUMNS = ("kind", "recipient", "template", "language", "context", "secrets", "confidential", "channel",
                 "status", "attempts", "next_attempt_at", "created_at")


def _one_statement():  # noqa: ANN202
    """PostgreSQL: WITH s AS (INSERT submission … ON CONFLICT (retry digest) DO NOTHING RETURNING id),
    i AS (INSERT identity SELECT … FROM s), o AS (INSERT mail SELECT … FROM s RETURNING id) SELECT s.id, o.id.
    A retry's submission collides: nothing is written and no row comes back."""
    from sqlalchemy.dialects import postgresql

    submissions, identities = Submission.__table__, PetitionerIdentity.__table__
    outbox = OutboxMessage.__table__
    s = (postgresql.insert(submissions)
         .values({c: bindparam(f"s_{c}", type_=submissions.c[c].type) for c in _SUBMISSION_COLUMNS})
         .on_conflict_do_nothing(index_elements=["idempotency_digest"]).returning(submissions.c.id).cte("s"))
    i = insert(identities).from_select(["submission_id", *_IDENTITY_COLUMNS], select(
        s.c.id, *[bindparam(f"p_{c}", type_=identities.c[c].type) for c in _IDENTITY_COLUMNS])).cte("i")
    o = insert(outbox).from_select(["idempotency_key", "about", *_MAIL_COLUMNS], select(
        func.concat("verify:", s.c.id), func.concat(about(""), s.c.id),
        *[bindparam(f"o_{c}", type_=outbox.c[c].type) for c in _MAIL_COLUMNS])).returning(outbox.c.id).cte("o")
    return select(s.c.id, o.c.id).select_from(s).join(o, true()).add_cte(i)


@dataclass(frozen=True)
class PendingVerification:
    """What the confirmation page shows before anything is confirmed (GET and HEAD change nothing)."""

    language: str
    subject: str
    case: Case | None  # already registered (a second visit): the page shows the receipt instead of the button


def pending_verification(token: str) -> PendingVerification:
    """Read-only look at a verification link: a mail scanner that fetches it must confirm nothing.
    Raises UnknownVerification or VerificationExpired, as verify() would."""
    submission = db.session.scalar(
        select(Submission).where(Submission.verification_digest == token_digest(token))
    )
    if submission is None:
        raise UnknownVerification(token)
    case = _case_of(submission.id)
    if case is None and (submission.verification_expires_at is None
                         or submission.verification_expires_at < utcnow()):
        raise VerificationExpired(token)
    return PendingVerification(submission.language, submission.subject, case)


def verify(token: str) -> Case:
    """Register the submission behind a verification link (the POST of the confirmation page).
    A second confirmation returns the same case."""
    submission = db.session.scalar(
        select(Submission).where(Submission.verification_digest == token_digest(token))
    )
    if submission is None:
        raise UnknownVerification(token)
    existing = _case_of(submission.id)
    if existing is not None:
        return existing
    now = utcnow()
    if submission.verification_expires_at is None or submission.verification_expires_at < now:
        raise VerificationExpired(token)
    # One UPDATE decides between two simultaneous clicks: the loser waits for the winner's
    # commit, matches no row, and reads the case the winner registered.
    won = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.verified_at.is_(None))
        .values(verified_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        db.session.rollback()
        case = _case_of(submission.id)
        if case is None:  # pragma: no cover - the winner rolled back; the citizen can click again
            raise UnknownVerification(token)
        return case
    db.session.refresh(submission)
    case, access_code = register_case(submission, received_at=now)
    _enqueue_receipt(case, submission, access_code)
    return case


def register_by_staff(data: rules.SubmissionInput, *, staff: Staff, received_at: datetime,
                      language: str) -> tuple[Case, str]:
    """A petition received by phone, at the counter, by letter or fax, typed in by staff.
    The oral record is the body. Registered at once; the access code is shown to the staff
    member to hand over, and mailed too when the petitioner gave an e-mail address (texted when they asked for SMS:
    a petitioner with only a phone number is told by SMS alone)."""
    data = _validated(data, staff=True)
    submission = _new_submission(data, language=language, source=Source.STAFF)
    submission.entered_by_id = staff.id
    submission.verified_at = received_at
    db.session.add(submission)
    db.session.flush()
    case, access_code = register_case(submission, received_at=received_at, by=staff)
    _enqueue_receipt(case, submission, access_code)
    return case, access_code


def _enqueue_receipt(case: Case, submission: Submission, access_code: str) -> None:
    """The receipt by e-mail when there is an address, and by SMS when the petitioner asked for it."""
    context = {
        "name": submission.name, "subject": submission.subject, "channel": submission.channel,
        "case_number": case.number, "received_on": case.received_on.isoformat(),
        "due_on": case.due_on.isoformat() if case.due_on else "",
        "track_url": external_url("feedback.track"), "agency": current_app.config["AGENCY_NAME"],
    }
    if submission.email:
        enqueue(
            kind="feedback.receipt", to=submission.email, template="receipt", language=submission.language,
            context=context, secrets={"access_code": access_code},
            key=f"receipt:{case.id}", about=about(submission.id), confidential=submission.confidential,
        )
    text_petitioner(submission, kind="feedback.receipt", template="receipt", language=submission.language,
                    context=context, secrets={"access_code": access_code}, key=f"receipt:{case.id}")


def _case_of(submission_id: int) -> Case | None:
    return db.session.scalar(select(Case).where(Case.submission_id == submission_id))


@dataclass(frozen=True)
class Tracked:
    """What a citizen may see of their case (feedback/presenters.py): never a person, never a draft."""

    number: str
    channel: str
    state: str
    received_on: date
    due_on: date | None
    closed_on: date | None
    unit: str | None
    reply: str | None  # the reply as sent
    case_id: int = 0
    language: str = "zh_Hant_TW"  # the submission's: the events' language unless the reader chose another
    # The steps the petitioner may know (cases.timeline.public_events), once with_events() has read them.
    events: tuple[dict[str, Any], ...] = ()


def _tracking_query():  # noqa: ANN202
    sent_reply = (select(Reply.body).where(Reply.case_id == Case.id, Reply.status == ReplyStatus.SENT.value)
                  .order_by(Reply.id).limit(1).scalar_subquery())
    return (select(Case.id, Case.number, Case.channel, Case.state, Case.received_on, Case.due_on, Case.closed_on,
                   Unit.name, sent_reply, Case.access_code_hash, Case.language)
            .outerjoin(Unit, Unit.id == Case.unit_id).where(Case.number == bindparam("number")))


def track(number: str, access_code: str) -> Tracked | None:
    """The case if number and code match. Unknown numbers cost the same keyed-hash check as wrong codes.
    One SELECT of the columns the citizen is shown (the unit's name, the sent reply), no ORM object."""
    number = "".join(ch for ch in (number or "") if ch.isdigit())[:20]
    row = db.session.execute(prepared("track", _tracking_query), {"number": number}).first() if number else None
    ok, rekeyed = verify_keyed(row.access_code_hash if row else None, normalise_code(access_code or ""),
                               ACCESS_CODE_PURPOSE)
    if not ok:
        return None
    if rekeyed:  # an argon2 hash from before this release, replaced on first use
        db.session.execute(update(Case.__table__).where(Case.__table__.c.id == row.id)
                           .values(access_code_hash=rekeyed))
    return Tracked(*row[1:9], case_id=row.id, language=row.language)


def with_events(case: Tracked, language: str | None = None) -> Tracked:
    """The tracked case with its public events, worded in `language` (the reader's; by default the submission's):
    one more SELECT. Apart from track() so that a right code costs what a wrong one costs (the check); the extra
    read only follows an answer that already says the code was right."""
    return replace(case, events=tuple(public_events_of(case.case_id, language or case.language)))


def purge_unverified(now: datetime | None = None) -> int:
    """Delete submissions whose verification link expired unused (with their attachments)."""
    now = now or utcnow()
    expired = select(Submission.id).where(
        Submission.verified_at.is_(None), Submission.verification_expires_at < now
    )
    ids = list(db.session.scalars(expired))
    if not ids:
        return 0
    # The verification mail is the one other copy of who wrote: it goes with them.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.about.in_([about(i) for i in ids]))
                       .values(recipient="", context={}, secrets=None, last_error=None)
                       .execution_options(synchronize_session=False))
    expired = select(Submission.id).where(Submission.id.in_(ids))
    db.session.execute(delete(Attachment).where(Attachment.submission_id.in_(expired)))
    db.session.execute(delete(PetitionerIdentity).where(PetitionerIdentity.submission_id.in_(expired)))
    return db.session.execute(
        delete(Submission).where(Submission.id.in_(expired)).execution_options(synchronize_session=False)
    ).rowcount

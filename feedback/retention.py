"""Retention: after the set years from closure, the petitioner's identifying data is erased everywhere it is
stored — the identity row, identifying attachments, the client address digest, the messages sent to them
(outbox: address, greeting, links) and their survey invitation's address; and what they wrote after the
submission, free text that names, addresses and telephones end up in (a request for information on ground (1) asks
for just that): their later additions to the case (text, attachments and the timeline's copy of the text) and
their answers to requests for information (text and attachments). The case, the submission as registered, the
questions asked, the dates and the statistics stay."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, or_, select, update

from cases.case_file import Attachment, PetitionerIdentity, Submission, about
from cases.models import Case, CaseEvent, InformationRequest, PetitionerMessage
from core.db import utcnow
from core.extensions import db
from core.settings import get_setting
from core.signals import identities_erased
from notifications.models import OutboxMessage

ENDED_STATES = ("closed", "transferred", "not_handled")


def cutoff(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def due_for_erasure(today: date) -> list[tuple[str, date, int]]:
    """(case number, closed on, submission id) of the ended cases whose identity is past retention."""
    limit = cutoff(today, get_setting("identity_retention_years"))
    return [tuple(row) for row in db.session.execute(
        select(Case.number, Case.closed_on, Case.submission_id)
        .join(Submission, Submission.id == Case.submission_id)
        .where(Case.state.in_(ENDED_STATES), Case.closed_on < limit, Submission.identity_erased_at.is_(None))
        .order_by(Case.closed_on, Case.id)
    )]


def erase_identities(today: date) -> list[str]:
    """Erase and return the case numbers; a second run finds nothing more to do."""
    rows = due_for_erasure(today)
    ids = [submission_id for _n, _c, submission_id in rows]
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        case_ids = list(db.session.scalars(select(Case.id).where(Case.submission_id.in_(chunk))))
        db.session.execute(delete(PetitionerIdentity).where(PetitionerIdentity.submission_id.in_(chunk)))
        # Identifying files, and every file the petitioner sent later (with an addition or an answer).
        db.session.execute(delete(Attachment).where(Attachment.submission_id.in_(chunk), or_(
            Attachment.identifying.is_(True), Attachment.petitioner_message_id.is_not(None),
            Attachment.information_request_id.is_not(None))))
        db.session.execute(update(PetitionerMessage).where(PetitionerMessage.case_id.in_(case_ids))
                           .values(body="").execution_options(synchronize_session=False))
        db.session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(case_ids),
                                                   CaseEvent.action == "petitioner_added")
                           .values(note="").execution_options(synchronize_session=False))
        db.session.execute(update(InformationRequest).where(InformationRequest.case_id.in_(case_ids))
                           .values(answer="").execution_options(synchronize_session=False))
        db.session.execute(update(Submission).where(Submission.id.in_(chunk))
                           .values(identity_erased_at=utcnow(), client_ip_digest=None)
                           .execution_options(synchronize_session=False))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.about.in_([about(i) for i in chunk]))
                           .values(recipient="", context={}, secrets=None, last_error=None)
                           .execution_options(synchronize_session=False))
        identities_erased.send(case_ids)  # surveys erases the invitation's address
    db.session.expire_all()
    return [number for number, _c, _s in rows]

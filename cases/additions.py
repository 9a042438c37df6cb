"""What the petitioner adds to an open case (issue 13 deliver 6): a message and attachments, from the tracking page or
the API. The attachments are checked by intake's rules (feedback/rules.py, before this is called) and kept where
intake keeps them (`attachments`, with the submission's, naming the message). The handler is told (or the unit's
heads while nobody is assigned, or intake while the case is not routed: cases/staff_notices.py) through the case
event "petitioner_added", whose note is the message: the staff timeline shows it whole, the petitioner's says only
that they added information, and when.

Services flush; the view or API endpoint commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from cases.case_file import Attachment, Source
from cases.models import Case, PetitionerMessage
from cases.reopen import REPEAT_SECONDS, clean_reason
from cases.services import TEXT_MAX, _notify_petitioner
from cases.workflow import transition
from core.clock import taipei_date
from core.db import utcnow
from core.errors import DomainError
from core.extensions import db
from core.security import token_digest


class AdditionRefused(DomainError):
    """409: the case is closed (reopen it instead); 422: the message."""


@dataclass(frozen=True)
class File:
    """An upload intake's rules accepted: its detected type and its content."""

    content_type: str
    extension: str
    sha256: str
    data: bytes


def _earlier(case: Case, digest: str | None, body: str) -> PetitionerMessage | None:
    if digest is not None:
        found = db.session.scalar(select(PetitionerMessage).where(PetitionerMessage.idempotency_digest == digest))
        if found is not None:
            return found
    latest = db.session.scalar(select(PetitionerMessage).where(PetitionerMessage.case_id == case.id)
                               .order_by(PetitionerMessage.id.desc()).limit(1))
    if latest is not None and latest.body == body and latest.at >= utcnow() - timedelta(seconds=REPEAT_SECONDS):
        return latest
    return None


def add_message(case: Case, *, message: str, files: Sequence[File] = (), source: Source,
                idempotency_key: str | None = None) -> tuple[PetitionerMessage, bool]:
    """Add the petitioner's message (and files) to the open case. Returns it and whether it is new (a retried
    request gets the first). Raises AdditionRefused."""
    body = clean_reason(message)
    if not case.is_open:
        raise AdditionRefused(_("This case is closed, so nothing can be added to it. If the matter is not resolved, "
                                "you can reopen the case."), 409)
    if not body:
        raise AdditionRefused(_("Please write what you want to add."), 422)
    if len(body) > TEXT_MAX:
        raise AdditionRefused(_("The message may have at most %(n)d characters.", n=TEXT_MAX), 422)
    digest = None
    if idempotency_key:
        digest = token_digest("\x1f".join(("addition", str(case.id), idempotency_key, body,
                                           *sorted(f.sha256 for f in files))))
    earlier = _earlier(case, digest, body)
    if earlier is not None:
        return earlier, False
    added = PetitionerMessage(case_id=case.id, body=body, source=source.value, at=utcnow(), idempotency_digest=digest)
    db.session.add(added)
    db.session.flush()
    # Stored like intake's: a derived name (case number, "add", message and index, detected type), never the name
    # the petitioner's computer gave it; sealed in a confidential complaint as every attachment of it is.
    for index, f in enumerate(files, start=1):
        db.session.add(Attachment(
            submission_id=case.submission_id, petitioner_message_id=added.id,
            filename=f"{case.number}-add{added.id}-{index}.{f.extension}"[:200], content_type=f.content_type,
            size=len(f.data), sha256=f.sha256, data=f.data, identifying=case.confidential))
    transition(case, "petitioner_added", None, note=body, detail={"message": added.id, "attachments": len(files)})
    # The petitioner's confirmation (mail, and SMS when asked for) in the submission's language, in this
    # transaction's outbox: once per addition, its key naming the message.
    _notify_petitioner(case, "addition_received", {"added_on": taipei_date(added.at).isoformat(),
                                                   "attachments": len(files)}, key_suffix=str(added.id), setting=None)
    db.session.flush()
    return added, True


def for_case_page(case: Case) -> list[PetitionerMessage]:
    """The petitioner's additions, oldest first, with their attachments (never their content). No query for a case
    without any: its timeline, loaded with the page, says whether there are."""
    if not any(e.action == "petitioner_added" for e in case.events):
        return []
    from sqlalchemy.orm import defer, selectinload

    return list(db.session.scalars(
        select(PetitionerMessage).where(PetitionerMessage.case_id == case.id).order_by(PetitionerMessage.id)
        .options(selectinload(PetitionerMessage.attachments).options(defer(Attachment.data)))))

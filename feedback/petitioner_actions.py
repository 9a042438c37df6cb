"""The petitioner's own actions on a case they proved access to (issue 13, delivers 4 and 6): say the matter is not
resolved (reopen an answered case, cases/reopen.py) and add information and files to an open one (cases/additions.py).

Shared by the tracking page and the public API. The access check is tracking's (feedback.services.track: the same
answer and cost for an unknown number and a wrong code); the attachments follow intake's rules and limits
(feedback/rules.py, services.current_limits). On the page, a successful look-up is remembered in the signed session
for a while, so that the forms under the case need not carry the access code again.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence

from flask import session

from cases import additions, reopen
from cases.case_file import Source
from cases.models import Case, PetitionerMessage
from core.extensions import db
from feedback import rules, services

# How long a look-up on the tracking page lets the browser that made it act on the case without the code again.
REMEMBER_SECONDS = 30 * 60
_SESSION_KEY = "tracked_case"


class Unreadable(ValueError):
    """Attachments that break intake's rules: the messages, one per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("attachments refused")
        self.errors = errors


# ------------------------------------------------------------------ access


def case_of(tracked: services.Tracked) -> Case:
    return db.session.get(Case, tracked.case_id)


def remember(number: str) -> None:
    """The tracking page's look-up succeeded: this browser may act on the case for REMEMBER_SECONDS."""
    session[_SESSION_KEY] = {"number": number, "until": int(time.time()) + REMEMBER_SECONDS}


def remembered(number: str) -> Case | None:
    """The case this browser looked up with its code a short while ago, if `number` is it."""
    held = session.get(_SESSION_KEY)
    if not isinstance(held, dict) or held.get("number") != number or int(held.get("until") or 0) < time.time():
        return None
    from cases.services import find_case

    return find_case(number)


def tracked_of(case: Case) -> services.Tracked:
    """What the tracking page shows of a case this browser proved access to (as services.track gives it)."""
    reply = case.sent_reply
    return services.Tracked(case.number, case.channel, case.state, case.received_on, case.due_on, case.closed_on,
                            case.unit.name if case.unit else None, reply.body if reply else None, case_id=case.id,
                            language=case.language)


def offered(tracked: services.Tracked) -> dict:
    """What the tracking page offers under the case: adding to it while it is open, reopening it after its answer
    (and until when). No query."""
    from cases.models import OPEN_STATES

    return {"add": tracked.state in OPEN_STATES, "reopen": reopen.chance(tracked.state, tracked.closed_on),
            "limits": services.current_limits(), "token": secrets.token_urlsafe(16)}


# ------------------------------------------------------------------ files


def uploads_of(files: Sequence) -> tuple[rules.Upload, ...]:
    """The files of a page's form (werkzeug FileStorage), as intake reads them; the empty file inputs left out."""
    return tuple(rules.Upload(f.filename or "", f.read()) for f in files if f and f.filename)


def checked_files(uploads: Sequence[rules.Upload]) -> tuple[additions.File, ...]:
    """The uploads as intake would take them, or Unreadable with intake's messages."""
    uploads = tuple(rules.Upload(rules.clean_filename(u.filename), u.data) for u in uploads)
    errors: dict[str, list[str]] = {}
    rules._check_attachments(uploads, services.current_limits(),  # noqa: SLF001 - intake's own rules, shared
                             lambda name, message: errors.setdefault(name, []).append(message))
    if errors:
        raise Unreadable([m for messages in errors.values() for m in messages])
    return tuple(additions.File(u.content_type or "application/octet-stream", u.extension, u.sha256, u.data)
                 for u in uploads)


# ------------------------------------------------------------------ the actions


def reopen_case(case: Case, *, reason: str, source: Source, idempotency_key: str | None = None) -> tuple[str, bool]:
    """Reopen the answered case; returns the new case's number and whether it is new. Raises reopen.ReopenRefused."""
    new, created = reopen.reopen_retrying(case, reason=reason, source=source, idempotency_key=idempotency_key)
    return new.number, created


def add_to_case(case: Case, *, message: str, uploads: Sequence[rules.Upload], source: Source,
                idempotency_key: str | None = None) -> tuple[PetitionerMessage, bool]:
    """Add the message and files to the open case. Raises additions.AdditionRefused or Unreadable."""
    if not case.is_open:  # said before the files are read: the answer that matters is "reopen it instead"
        return additions.add_message(case, message=message, source=source)
    files = checked_files(uploads)
    return additions.add_message(case, message=message, files=files, source=source, idempotency_key=idempotency_key)

"""The petitioner's side of 補陳 (issue 13, deliver 3): answering the question the agency asked, from the tracking
page or POST /api/v1/track/information, with attachments as at intake. The rule (the state, the moved due date,
the handler's notice) is cases/information.py's; here only the code check and the files' checks."""

from __future__ import annotations

from cases import information
from cases.models import Case
from core.extensions import db
from feedback import rules, services


class InvalidAnswer(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid answer")
        self.errors = errors


def checked(uploads: tuple[rules.Upload, ...]) -> tuple[rules.Upload, ...]:
    """The files as intake takes them (cleaned names), or InvalidAnswer with intake's own messages."""
    uploads = tuple(rules.Upload(rules.clean_filename(u.filename), u.data) for u in uploads)
    errors: dict[str, list[str]] = {}
    rules._check_attachments(uploads, services.current_limits(),  # noqa: SLF001 - intake's rules, not a copy
                             lambda field, message: errors.setdefault(field, []).append(message))
    if errors:
        raise InvalidAnswer(errors)
    return uploads


def answer(number: str, access_code: str, text: str, uploads: tuple[rules.Upload, ...] = ()) -> Case | None:
    """The case answered, or None when number and code do not match (the caller answers as tracking does: a
    wrong code and an unknown number look the same). Raises InvalidAnswer (422) for files that break the intake
    limits, cases.workflow.TransitionRefused (409) when the case is not waiting for an answer."""
    tracked = services.track(number, access_code)
    if tracked is None:
        return None
    uploads = checked(uploads)
    case = db.session.get(Case, tracked.case_id)
    information.receive_answer(case, answer=text, uploads=uploads)
    return case

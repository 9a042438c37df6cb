"""Reply attachments (issue 13, deliver 7): the handler attaches files to the reply draft; the approved reply's
mail links to them; the petitioner downloads them with the case number and access code; the letter lists them.

Same limits, types and storage as the petitioner's attachments (the settings attachment_max_count and
attachment_max_megabytes, cases.case_file.ATTACHMENT_TYPES recognised by content, bytes in the database under a
derived name). The petitioner's download lives in feedback (the public side); the rules are here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import filetype
from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from cases.case_file import ATTACHMENT_TYPES
from cases.models import Case, Reply, ReplyAttachment, ReplyStatus
from cases.services import find_case
from core.accounts.models import Role, Staff
from core.errors import DomainError
from core.extensions import db
from core.policy import may_see_case, require
from core.settings import get_setting
from core.urls import external_url

bp = Blueprint("reply_files", __name__)

TITLE_MAX = 200


class ReplyFileRefused(DomainError):
    """A file the reply cannot carry, or a reply that can no longer change: the message says which."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message, status)


@dataclass(frozen=True)
class NewFile:
    name: str
    data: bytes


def pending_reply(case: Case) -> Reply | None:
    """The reply being written (a draft awaiting approval, or one returned for editing): the one files go to."""
    if "replies" in case.__dict__:  # the case page loaded them: no statement while the page renders
        return max((r for r in case.replies if r.status != ReplyStatus.SENT.value), key=lambda r: r.id, default=None)
    return db.session.scalar(select(Reply).where(Reply.case_id == case.id, Reply.status != ReplyStatus.SENT.value)
                             .order_by(Reply.id.desc()).limit(1))


def may_attach(user: Staff, case: Case) -> bool:
    """The unit's handlers and supervisors, while the reply is being written (before it is approved)."""
    return (case.state in ("in_progress", "awaiting_approval") and case.unit_id is not None
            and user.unit_id == case.unit_id and user.has_role(Role.HANDLER, Role.SUPERVISOR)
            and pending_reply(case) is not None)


def files_of(reply: Reply) -> list[ReplyAttachment]:
    return list(reply.attachments)  # the case page loads them with the replies (cases/queries.py _CASE_PAGE)


def _title(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = " ".join(re.sub(r"[\x00-\x1f\x7f]", "", unicodedata.normalize("NFC", base)).split())
    return base[-TITLE_MAX:] or _("attachment")


def attach(case: Case, by: Staff, files: list[NewFile]) -> list[ReplyAttachment]:
    """Attach files to the case's reply draft. Raises ReplyFileRefused (nothing attached) if any file is refused."""
    if not may_attach(by, case):
        raise ReplyFileRefused(_("Files can be attached only to a reply that is being written, by its unit."), 409)
    reply = pending_reply(case)
    files = [f for f in files if f.name or f.data]
    if not files:
        raise ReplyFileRefused(_("Choose at least one file."))
    max_count = get_setting("attachment_max_count")
    max_bytes = get_setting("attachment_max_megabytes") * 1024 * 1024
    already = db.session.scalar(select(func.count()).where(ReplyAttachment.reply_id == reply.id)) or 0
    if already + len(files) > max_count:
        raise ReplyFileRefused(_("At most %(n)d attachments are allowed.", n=max_count))
    allowed = ", ".join(ATTACHMENT_TYPES.values())
    added = []
    for index, f in enumerate(files, start=already + 1):
        title = _title(f.name)
        kind = filetype.guess(f.data) if f.data else None
        if not f.data:
            raise ReplyFileRefused(_("%(name)s is empty.", name=title))
        if len(f.data) > max_bytes:
            raise ReplyFileRefused(_("%(name)s is larger than %(mb)d MB.", name=title, mb=max_bytes // 1048576))
        if kind is None or kind.mime not in ATTACHMENT_TYPES:
            raise ReplyFileRefused(_("%(name)s is not an allowed file type. Allowed: %(types)s.", name=title,
                                     types=allowed))
        # A derived name, as for the petitioner's files: what the handler's computer called it is only shown.
        added.append(ReplyAttachment(reply_id=reply.id, filename=f"{case.number}-R{index}.{kind.extension}",
                                     title=title, content_type=kind.mime, size=len(f.data),
                                     sha256=hashlib.sha256(f.data).hexdigest(), data=f.data, added_by_id=by.id))
    db.session.add_all(added)
    db.session.flush()
    return added


def sent_file(case_id: int, file_id: int) -> ReplyAttachment | None:
    """A file of the case's sent reply (the petitioner's download: drafts' files are never public)."""
    return db.session.scalar(
        select(ReplyAttachment).join(Reply, Reply.id == ReplyAttachment.reply_id)
        .where(ReplyAttachment.id == file_id, Reply.case_id == case_id, Reply.status == ReplyStatus.SENT.value))


@dataclass(frozen=True)
class PublicFile:
    """A file of the sent reply as the tracking page lists it: its name, type, size and the page that asks for the
    access code before it gives the file."""

    title: str
    kind: str
    size_kb: float
    link: str


def sent_files(case_id: int, number: str) -> list[PublicFile]:
    """The sent reply's files for the tracking page, oldest first: one SELECT of their names (never their
    content)."""
    rows = db.session.execute(
        select(ReplyAttachment.id, ReplyAttachment.title, ReplyAttachment.filename, ReplyAttachment.size)
        .join(Reply, Reply.id == ReplyAttachment.reply_id)
        .where(Reply.case_id == case_id, Reply.status == ReplyStatus.SENT.value).order_by(ReplyAttachment.id)).all()
    return [PublicFile(row.title, row.filename.rpartition(".")[2].upper(), round(row.size / 1024, 1),
                       url_for("feedback.reply_file", number=number, file_id=row.id)) for row in rows]


def mail_list(reply: Reply, number: str) -> list[dict[str, str]]:
    """What the reply mail lists: each file's name and its download link on the public side, by the endpoint's
    name (the page there asks for the access code before it gives the file)."""
    return [{"name": f.title, "link": external_url("feedback.reply_file", number=number, file_id=f.id)}
            for f in files_of(reply)]


def download(item: ReplyAttachment) -> Response:
    from urllib.parse import quote

    return Response(item.data, mimetype=item.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.filename, safe='')}",
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
    })


# ------------------------------------------------------------------ staff pages (thin: parse, call, commit)

@bp.route("/staff/cases/<number>/reply-files", methods=["POST"])
@require("view_case")
def upload(number: str):
    case = find_case(number)
    if case is None or not may_see_case(current_user, case):
        abort(404)
    if case.unit_id is None or current_user.unit_id != case.unit_id or not current_user.has_role(
            Role.HANDLER, Role.SUPERVISOR):
        abort(403)  # who may attach: the unit's handlers and supervisors (the state is checked by attach: 409)
    files = [NewFile(f.filename or "", f.read()) for f in request.files.getlist("files") if f]
    try:
        attach(case, current_user, files)
    except ReplyFileRefused as exc:  # nothing attached: the case page again, with the reason in the reader's words
        db.session.rollback()
        from cases.views import _case_or_404, _render_case

        return _render_case(_case_or_404(number, for_page=True, again=True), exc.status, exc.message)
    db.session.commit()
    flash(_("Attached to the reply."), "success")
    return redirect(url_for("cases.case_page", number=number) + "#replies", code=303)


@bp.route("/staff/reply-files/<int:file_id>")
@require("view_case")
def staff_download(file_id: int):
    item = db.session.get(ReplyAttachment, file_id)
    if item is None or not may_see_case(current_user, item.reply.case):
        abort(404)  # another unit's case answers like a missing file
    return download(item)

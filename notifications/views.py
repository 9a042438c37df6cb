"""The administrator's view of the outbox: what failed, and a retry button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.extensions import db
from core.pagination import keyset_page
from core.policy import require
from notifications.delivery import retry_failed
from notifications.models import OutboxMessage, OutboxStatus
from notifications.outbox import dispatch_after_commit

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.route("/staff/outbox")
@require("view_outbox")
def outbox():
    status = request.args.get("status", OutboxStatus.FAILED.value)
    if status not in {s.value for s in OutboxStatus}:
        status = OutboxStatus.FAILED.value
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all())
    before = request.args.get("before")
    messages, next_before = keyset_page(select(OutboxMessage).where(OutboxMessage.status == status),
                                        OutboxMessage.id, before)
    return render_template("notifications/outbox.html", messages=messages, next_before=next_before,
                           paged=bool(before), status=status, counts=counts, statuses=[s.value for s in OutboxStatus])


@bp.route("/staff/outbox/<int:message_id>/retry", methods=["POST"])
@require("retry_outbox")
def retry(message_id: int):
    ids = retry_failed(db.session, [message_id])
    if ids:
        dispatch_after_commit(ids)
        flash(_("The message is queued again."), "success")
    else:
        flash(_("Only failed messages can be retried."), "error")
    return redirect(url_for("notifications.outbox"))

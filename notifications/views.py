"""The administrator's view of the outbox: what failed, and a retry button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.pagination import keyset_page
from core.policy import require
from core.security import mask_email
from core.signals import personal_data_shown
from notifications.delivery import retry_failed
from notifications.models import OutboxMessage, OutboxStatus
from notifications.outbox import dispatch_after_commit
from notifications.sms import mask_phone

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
    shown = _shown_messages(messages)
    return render_template("notifications/outbox.html", messages=shown, next_before=next_before,
                           paged=bool(before), status=status, counts=counts, statuses=[s.value for s in OutboxStatus])


def _shown_messages(messages: list[OutboxMessage]) -> list[dict]:
    """A confidential petitioner's address is masked for everyone but the ethics office, and a view of it
    by the ethics office is logged like any other (the access log lives with the case file)."""
    sees_confidential = current_user.has_role(Role.ETHICS)
    shown, revealed = [], []
    for m in messages:
        recipient, error = m.recipient, m.last_error or ""
        if m.confidential and recipient:
            if sees_confidential:
                revealed.append(m.about)
            else:
                # SMTP errors quote addresses in any case and shape: none of it is shown.
                masked = mask_phone(m.recipient) if m.channel == "sms" else mask_email(m.recipient)
                recipient, error = masked, (_("(hidden: confidential)") if error else "")
        shown.append({"id": m.id, "kind": m.kind, "channel": m.channel, "recipient": recipient, "attempts": m.attempts,
                      "last_error": error, "recovered_note": m.recovered_note or "", "status": m.status})
    if revealed:
        personal_data_shown.send(current_user._get_current_object(), abouts=[a for a in revealed if a],
                                 purpose="outbox")
    return shown


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

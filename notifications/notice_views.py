"""The staff member's notifications page: newest first, unread marked, mark one or all read (plain forms)."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_login import current_user

from core.policy import require
from notifications import staff_notices

bp = Blueprint("staff_notices", __name__, template_folder="templates")


@bp.route("/staff/notifications")
@require("manage_own_account")
def notices():
    before = request.args.get("before", "")
    rows, next_before = staff_notices.page(current_user.id, int(before) if before.isdigit() else None)
    shown = [{"id": n.id, "text": staff_notices.render(n.kind, n.params), "url": staff_notices.link(n.params),
              "at": staff_notices.taipei(n.created_at), "unread": n.read_at is None} for n in rows]
    return render_template("notifications/notices.html", notices=shown, next_before=next_before,
                           paged=bool(before))


@bp.route("/staff/notifications/read", methods=["POST"])
@require("manage_own_account")
def mark_read():
    """One notice (`notice`: its id), or all of them (no `notice`). Only the person's own notices change."""
    notice = request.form.get("notice", "")
    if notice:
        if notice.isdigit() and len(notice) < 12:
            staff_notices.mark_read(current_user.id, int(notice))
    else:
        staff_notices.mark_read(current_user.id)
    return redirect(url_for("staff_notices.notices"), code=303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def unread_notices() -> dict:
        # The header's count (core/templates/core/base.html): one indexed statement, staff pages only.
        if request.path.startswith("/staff/") and current_user and current_user.is_authenticated:
            return {"unread_notices": staff_notices.unread_count(current_user.id)}
        return {}

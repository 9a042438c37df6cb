from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from cases.labels import CHANNEL_LABELS, STATE_LABELS
from cases.models import Case
from cases.queries import visible_cases
from core.pagination import paginate
from core.policy import can, require

bp = Blueprint("cases", __name__, template_folder="templates")


@bp.route("/staff/")
@require("staff_home")
def staff_home():
    page = paginate(visible_cases(current_user).order_by(Case.id.desc()), request.args.get("page"))
    return render_template(
        "cases/staff_home.html", page=page, channel_labels=CHANNEL_LABELS, state_labels=STATE_LABELS,
        may_register=can(current_user, "register_case"), may_see_outbox=can(current_user, "view_outbox"),
    )

"""Administration of the satisfaction questionnaire: its versions, a new version, making one current."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.accounts.admin import FieldError
from core.accounts.admin_forms import CsrfForm
from core.extensions import db
from core.hygiene import parse_int
from core.policy import require
from surveys import admin
from surveys.models import SLOTS, Questionnaire
from surveys.services import current_questionnaire

bp = Blueprint("surveys_admin", __name__, template_folder="templates")


def _rows_from(questions: list[dict]) -> list[dict[str, str]]:
    rows = [{"key": q["key"], "zh": q["zh"], "en": q["en"]} for q in questions[:SLOTS]]
    return rows + [{"key": "", "zh": "", "en": ""} for _ in range(SLOTS - len(rows))]


def _page(rows: list[dict[str, str]], status: int = 200, errors: dict[str, str] | None = None):  # noqa: ANN202
    return render_template("surveys/admin/questionnaires.html", versions=admin.versions(),
                           current=current_questionnaire(), rows=rows, errors=errors or {}, form=CsrfForm()), status


@bp.route("/staff/admin/questionnaires", methods=["GET", "POST"])
@require("manage_questionnaires")
def questionnaires():
    if request.method == "GET":
        source = current_questionnaire()
        wanted = parse_int(request.args.get("from"), _("Version"), minimum=1)
        if wanted is not None:
            source = db.session.scalar(db.select(Questionnaire).where(Questionnaire.version == wanted)) or abort(404)
        return _page(_rows_from(source.questions if source else []))
    if not CsrfForm().validate_on_submit():
        abort(400)
    rows = [{k: (request.form.get(f"q-{i}-{k}") or "")[:300] for k in ("key", "zh", "en")}
            for i in range(1, SLOTS + 1)]
    try:
        q = admin.add_version(rows, current_user)
    except FieldError as exc:
        db.session.rollback()
        return _page(rows, exc.status, {exc.field or "form": exc.message})
    flash(_("Version %(n)d is prepared. Make it current to use it for new invitations.", n=q.version), "success")
    return redirect(url_for("surveys_admin.questionnaires"), code=303)


@bp.route("/staff/admin/questionnaires/<int:version>/make-current", methods=["POST"])
@require("manage_questionnaires")
def make_current(version: int):
    q = db.session.scalar(db.select(Questionnaire).where(Questionnaire.version == version)) or abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        admin.make_current(q, current_user)
    except FieldError as exc:
        db.session.rollback()
        return _page(_rows_from(current_questionnaire().questions), exc.status, {"form": exc.message})
    flash(_("Version %(n)d is current: new invitations use it; answers given before keep their version.",
            n=version), "success")
    return redirect(url_for("surveys_admin.questionnaires"), code=303)


def _questions(name: str, value: object) -> object:
    """A version's questions by their text in the reader's language (the keys are for exports)."""
    if name == "questions" and isinstance(value, list):
        english = str(get_locale()).startswith("en")
        return [q.get("en" if english else "zh", q.get("key")) for q in value if isinstance(q, dict)]
    return value


def init_app(app) -> None:  # noqa: ANN001
    from core import audit
    from core.accounts.admin_views import AdminPage, add_page

    audit.describe("questionnaire", {"questions": _l("Questions"), "version": _l("Version"),
                                     "current": _l("Current"), "current_version": _l("Current version")},
                   values=_questions)

    app.register_blueprint(bp)
    add_page(AdminPage("surveys_admin.questionnaires", _l("Satisfaction questionnaire"), "manage_questionnaires",
                       _l("Versions of the survey's questions, a new version, the current one")))

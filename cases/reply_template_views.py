"""Reply templates on the web (issue 14, deliver 5): inserted into the reply draft from the case page (a button of
the draft form, no JavaScript needed), and kept by supervisors (their unit's) and the secretariat (all)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cases import reply_templates
from cases.labels import CATEGORY_LABELS
from cases.reply_templates import PLACEHOLDERS, ReplyTemplate, TemplateInvalid
from cases.workflow import TransitionRefused, check
from core.accounts.models import Unit
from core.extensions import db
from core.hygiene import BadInput, parse_int
from core.policy import may_manage_reply_template, require

bp = Blueprint("reply_templates", __name__, template_folder="templates")


@bp.route("/staff/cases/<number>/reply-template", methods=["POST"])
@require("view_case")
def insert(number: str):
    """The draft form again, the chosen template inserted into what was typed (nothing is saved)."""
    from cases.views import _case_or_404, _render_case

    case = _case_or_404(number, for_page=True)
    typed = request.form.to_dict()
    typed.pop("override_reason", None)
    try:
        check(case, "draft_reply", current_user)
        template_id = parse_int(typed.get("template"), "template")
        body, language, remedy = reply_templates.insert(case, template_id, typed.get("body", ""),
                                                        typed.get("language"))
    except BadInput as exc:
        return _render_case(case, 422, exc.message, typed=typed)
    except TransitionRefused as exc:
        return _render_case(case, exc.status, exc.message, typed=typed)
    typed.update(body=body, language=language, remedy_notice="1" if remedy or typed.get("remedy_notice") else "")
    return _render_case(case, typed=typed)


def _units() -> list:
    return db.session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.active.is_(True))
                              .order_by(Unit.code)).all()


def _page(template: ReplyTemplate | None, values: dict, errors: dict, status: int = 200):
    units = [u for u in _units() if may_manage_reply_template(current_user, u.id)]
    return render_template(
        "cases/reply_templates.html", templates=reply_templates.manageable(current_user), template=template,
        values=values, errors=errors, units=units, placeholders=PLACEHOLDERS, category_labels=CATEGORY_LABELS,
        agency_wide=may_manage_reply_template(current_user, None)), status


def _values_of(template: ReplyTemplate) -> dict:
    return {"title": template.title, "category": template.category, "body_zh": template.body_zh,
            "body_en": template.body_en, "unit": template.unit.code if template.unit else "",
            "remedy_notice": "1" if template.remedy_notice else "", "active": "1" if template.active else ""}


@bp.route("/staff/reply-templates", methods=["GET", "POST"])
@require("manage_reply_templates")
def index():
    if request.method == "POST":
        try:
            reply_templates.save(current_user, None, request.form)
        except TemplateInvalid as exc:
            db.session.rollback()
            return _page(None, request.form.to_dict(), exc.errors, 422)
        db.session.commit()
        flash(_("Template saved."), "success")
        return redirect(url_for("reply_templates.index"), code=303)
    unit = current_user.unit.code if getattr(current_user, "unit", None) else ""
    return _page(None, {"unit": unit, "active": "1"}, {})


@bp.route("/staff/reply-templates/<int:template_id>", methods=["GET", "POST"])
@require("manage_reply_templates")
def edit(template_id: int):
    template = db.session.get(ReplyTemplate, template_id)
    if template is None or not may_manage_reply_template(current_user, template.unit_id):
        abort(404)
    if request.method == "POST":
        try:
            reply_templates.save(current_user, template, request.form)
        except TemplateInvalid as exc:
            db.session.rollback()
            template = db.session.get(ReplyTemplate, template_id)
            return _page(template, request.form.to_dict(), exc.errors, 422)
        db.session.commit()
        flash(_("Template saved."), "success")
        return redirect(url_for("reply_templates.index"), code=303)
    return _page(template, _values_of(template), {})

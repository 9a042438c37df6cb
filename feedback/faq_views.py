"""The public FAQ (業務問與答) pages and the secretariat's editing pages (issue 14, deliver 4)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.policy import require
from feedback import faq

bp = Blueprint("faq", __name__, template_folder="templates")


def _language() -> str:
    return "en" if str(get_locale() or "").startswith("en") else "zh_Hant_TW"


@bp.route("/faq")
def index():
    query = (request.args.get("q") or "").strip()[:100]
    category = (request.args.get("category") or "").strip()[:faq.CATEGORY_MAX]
    entries = faq.search(query, category=category) if query else faq.published(category)
    language = _language()
    return render_template("feedback/faq.html", entries=entries, query=query, category=category,
                           categories=faq.categories(language), language=language)


@bp.route("/faq/answered", methods=["POST"])
def answered():
    """The citizen said a suggested entry answered their question: counted, and nothing is submitted."""
    faq.count("stopped")
    db.session.commit()
    return render_template("feedback/faq_answered.html")


@bp.route("/staff/faq", methods=["GET", "POST"])
@require("manage_faq")
def manage():
    errors, values, status = {}, {"published": ""}, 200
    if request.method == "POST":
        try:
            faq.save(None, request.form, current_user)
        except faq.FaqInvalid as exc:
            db.session.rollback()
            errors, values, status = exc.errors, request.form.to_dict(), 422
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("faq.manage"), code=303)
    entries = db.session.scalars(db.select(faq.FaqEntry).order_by(faq.FaqEntry.category, faq.FaqEntry.id)).all()
    return render_template("feedback/faq_manage.html", entries=entries, entry=None, values=values, errors=errors,
                           counts=faq.recent_counts()), status


@bp.route("/staff/faq/<int:entry_id>", methods=["GET", "POST"])
@require("manage_faq")
def edit(entry_id: int):
    entry = db.session.get(faq.FaqEntry, entry_id) or abort(404)
    errors, status = {}, 200
    values = {k: getattr(entry, k) for k in faq.TEXT_FIELDS}
    values["published"] = "1" if entry.published else ""
    if request.method == "POST":
        try:
            if request.form.get("op") in ("publish", "unpublish"):
                faq.set_published(entry, request.form["op"] == "publish", current_user)
            else:
                faq.save(entry, request.form, current_user)
        except faq.FaqInvalid as exc:
            db.session.rollback()
            entry = db.session.get(faq.FaqEntry, entry_id)
            errors, values, status = exc.errors, request.form.to_dict(), 422
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("faq.edit", entry_id=entry_id), code=303)
    return render_template("feedback/faq_manage.html", entries=[], entry=entry, values=values, errors=errors,
                           counts=[]), status

"""Administration pages of the deadline engine: time-limit classes, and the office calendar with a preview of
the due dates a change moves before it is confirmed. Thin: the rules are in cases/admin.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from cases import admin
from cases.calendar_admin import CalendarError
from cases.models import CalendarDay, TimeLimitClass
from core.accounts.admin import FieldError
from core.accounts.admin_forms import CsrfForm
from core.extensions import db
from core.hygiene import BadInput, parse_date
from core.policy import require

bp = Blueprint("cases_admin", __name__, template_folder="templates")


class LimitClassForm(FlaskForm):
    code = StringField(_l("Short name in links"), validators=[DataRequired(_l("Please enter a short name.")),
                                                               Length(max=40)])
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(_l("Please enter a name.")),
                                                              Length(max=60)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(_l("Please enter a name.")),
                                                              Length(max=60)])
    days = IntegerField(_l("Days"), validators=[
        InputRequired(_l("Please enter a number of days.")),
        NumberRange(1, admin.MAX_DAYS, _l("Enter a number of days from %(min)d to %(max)d."))],
        render_kw={"min": 1, "max": admin.MAX_DAYS})
    counts_holidays = BooleanField(_l("Counts calendar days (holidays included), as special control cases do"))


def _class_name(row: TimeLimitClass) -> str:
    """A class by the name the reader's language gives it."""
    return row.name_en if str(get_locale()).startswith("en") else row.name_zh


def _refused(form: FlaskForm, error: FieldError) -> None:
    db.session.rollback()
    field = getattr(form, error.field or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _classes_page(form: LimitClassForm, status: int, message: str | None = None):  # noqa: ANN202
    rows = db.session.scalars(select(TimeLimitClass).order_by(TimeLimitClass.active.desc(), TimeLimitClass.days,
                                                              TimeLimitClass.code)).all()
    return render_template("cases/admin/limit_classes.html", form=form, rows=rows, buttons=CsrfForm(),
                           message=message), status


@bp.route("/staff/admin/time-limits", methods=["GET", "POST"])
@require("manage_time_limits")
def limit_classes():
    form = LimitClassForm()
    status = 200
    if form.validate_on_submit():
        try:
            row = admin.add_class(form.code.data, form.name_zh.data, form.name_en.data, form.days.data,
                                  form.counts_holidays.data, current_user)
        except FieldError as exc:
            _refused(form, exc)
            status = exc.status
        else:
            flash(_("Time-limit class “%(name)s” is added.", name=_class_name(row)), "success")
            return redirect(url_for("cases_admin.limit_classes"), code=303)
    elif request.method == "POST":
        status = 400
    return _classes_page(form, status)


@bp.route("/staff/admin/time-limits/<code>", methods=["GET", "POST"])
@require("manage_time_limits")
def limit_class(code: str):
    row = db.session.get(TimeLimitClass, code) or abort(404)
    form = LimitClassForm(obj=None if request.method == "POST" else row)
    form.code.data = row.code
    status = 200
    if form.validate_on_submit():
        try:
            admin.change_class(row, form.name_zh.data, form.name_en.data, form.days.data, form.counts_holidays.data,
                               current_user)
        except FieldError as exc:
            _refused(form, exc)
            status = exc.status
            row = db.session.get(TimeLimitClass, code)
        else:
            flash(_("Time-limit class “%(name)s” is saved. Cases registered before keep their limit.",
                    name=_class_name(row)), "success")
            return redirect(url_for("cases_admin.limit_classes"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("cases/admin/limit_class.html", form=form, row=row), status


@bp.route("/staff/admin/time-limits/<code>/<any(deactivate, reactivate):change>", methods=["POST"])
@require("manage_time_limits")
def limit_class_active(code: str, change: str):
    row = db.session.get(TimeLimitClass, code) or abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        admin.set_class_active(row, change == "reactivate", current_user)
    except FieldError as exc:
        db.session.rollback()
        return _classes_page(LimitClassForm(formdata=None), exc.status, exc.message)
    flash(_("Time-limit class “%(name)s” is saved. Cases registered before keep their limit.", name=_class_name(row)),
          "success")
    return redirect(url_for("cases_admin.limit_classes"), code=303)


# ---------------------------------------------------------------- office calendar

KINDS = {"closed": False, "working": True}


def _calendar_page(status: int = 200, error: str | None = None, form: dict | None = None):  # noqa: ANN202
    days = db.session.scalars(select(CalendarDay).order_by(CalendarDay.day.desc()).limit(200)).all()
    return render_template("cases/admin/calendar.html", days=days, buttons=CsrfForm(), error=error,
                           form=form or {}), status


def _change_from(form: dict) -> tuple[str, object, bool | None, str]:
    """(op, day, is_working_day, reason) from a posted form; BadInput when the day or the kind is not one."""
    op = form.get("op")
    if op not in ("add", "remove"):
        raise BadInput(_("The request could not be understood."))
    day = parse_date(form.get("day"))
    if day is None:
        raise BadInput(_("Write dates as YYYY-MM-DD."))
    if op == "remove":
        return op, day, None, ""
    if form.get("kind") not in KINDS:
        raise BadInput(_("Choose whether the day is closed or a working day."))
    reason = (form.get("reason") or "").strip()
    if not reason:
        raise BadInput(_("Please give a reason (e.g. typhoon closure announced by the city)."))
    if len(reason) > 200:
        raise BadInput(_("At most %(max)d characters.", max=200))
    return op, day, KINDS[form["kind"]], reason


def _apply(op: str, day, working: bool | None, reason: str) -> int:  # noqa: ANN001
    if op == "remove":
        return admin.remove_day(day, current_user)
    return admin.add_day(day, bool(working), reason, current_user)


@bp.route("/staff/admin/calendar")
@require("manage_calendar")
def calendar():
    return _calendar_page()


@bp.route("/staff/admin/calendar/preview", methods=["POST"])
@require("manage_calendar")
def calendar_preview():
    if not CsrfForm().validate_on_submit():
        abort(400)
    form = request.form.to_dict()
    try:
        op, day, working, reason = _change_from(form)
        moved = admin.preview(lambda: _apply(op, day, working, reason), day)
    except (BadInput, CalendarError) as exc:
        db.session.rollback()
        return _calendar_page(exc.status, exc.message, form)
    existing = db.session.get(CalendarDay, day)
    return render_template("cases/admin/calendar_preview.html", op=op, day=day, working=working, reason=reason,
                           kind=form.get("kind", ""), moved=moved, existing=existing, buttons=CsrfForm())


@bp.route("/staff/admin/calendar/apply", methods=["POST"])
@require("manage_calendar")
def calendar_apply():
    if not CsrfForm().validate_on_submit():
        abort(400)
    form = request.form.to_dict()
    try:
        op, day, working, reason = _change_from(form)
        moved = _apply(op, day, working, reason)
    except (BadInput, CalendarError) as exc:
        db.session.rollback()
        return _calendar_page(exc.status, exc.message, form)
    except StaleDataError:  # a case it moves was changed at the same moment: nothing was saved
        db.session.rollback()
        return _calendar_page(409, _("Some of the cases it affects were changed at the same moment. Please try "
                                     "again."), form)
    flash(_("Saved. Due dates of %(n)d open case(s) were recomputed.", n=moved), "success")
    return redirect(url_for("cases_admin.calendar"), code=303)


def _class_subjects(codes: set[str]) -> dict[str, str]:
    return {row.code: _class_name(row)
            for row in db.session.scalars(select(TimeLimitClass).where(TimeLimitClass.code.in_(codes)))}


def _calendar_subjects(ids: set[str]) -> dict[str, object]:
    """A day the agency changed, as a date; a year of the official calendar imported by the command line."""
    named: dict[str, object] = {}
    for value in ids:
        day = parse_date(value) if len(value) == 10 else None
        named[value] = day or (_("the official office calendar of %(year)s", year=value) if value.isdigit() else value)
    return named


def describe_audit() -> None:
    """The audit page's words for time-limit classes and the office calendar: each field by its form's label."""
    from core import audit

    form = LimitClassForm.__dict__
    audit.describe("time_limit_class", {
        **{name: form[name].args[0] for name in ("code", "name_zh", "name_en", "days", "counts_holidays")},
        "active": _l("Active")}, _class_subjects)
    audit.describe("calendar_day", {
        "working_day": _l("Working day"), "reason": _l("Reason"), "source": _l("Imported from"),
        "days_added": _l("Days added"), "now_working_days": _l("Now working days"),
        "now_days_off": _l("Now days off"), "cases_moved": _l("Open cases whose due dates moved")},
        _calendar_subjects, hidden={"sha256"})


def init_app(app) -> None:  # noqa: ANN001
    """The blueprint, the pages on the administration index, the options of `default_limit_class`, and the
    refusal to deactivate a unit that has open cases."""
    from core.accounts.admin import SETTING_CHOICES
    from core.accounts.admin_views import AdminPage, add_page
    from core.signals import unit_deactivating

    app.register_blueprint(bp)
    add_page(AdminPage("cases_admin.limit_classes", _l("Time-limit classes"), "manage_time_limits",
                       _l("The limits new cases are given: days, working or calendar days, names")))
    add_page(AdminPage("cases_admin.calendar", _l("Office calendar"), "manage_calendar",
                       _l("Closures and make-up working days, with the due dates they move")))
    SETTING_CHOICES["default_limit_class"] = admin.class_choices
    describe_audit()
    unit_deactivating.connect(admin.open_cases_of, weak=False)

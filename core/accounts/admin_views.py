"""Administration on the web: the index, units, staff accounts (create, change, password reset), run-time
settings and the audit log. Thin: parse the form, call a service in core/accounts/admin.py, render or redirect.
A refused change is rolled back here before the page is shown again, so it leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.accounts import admin, password_reset
from core.accounts.admin_forms import LANGUAGE_LABELS, CsrfForm, NewPasswordForm, StaffForm, UnitForm
from core.accounts.models import Role, Staff, Unit
from core.accounts.services import MIN_PASSWORD_LENGTH
from core.clock import today
from core.errors import DomainError
from core.extensions import db
from core.hygiene import BadInput, parse_date
from core.pagination import keyset_page
from core.periods import period_from
from core.policy import can, require
from core.settings import SPECS, fresh_settings, get_setting

bp = Blueprint("admin", __name__, template_folder="../templates")


@dataclass(frozen=True)
class AdminPage:
    endpoint: str
    label: Any
    action: str  # the policy action that opens it
    about: Any = ""


# The administration index lists these; downstream domains append their own pages in their init_app
# (core names no domain's endpoint).
PAGES: list[AdminPage] = [
    AdminPage("admin.units", _l("Units"), "manage_units", _l("The unit tree, the ethics office, deactivation")),
    AdminPage("accounts.admin_staff", _l("Staff accounts"), "manage_staff",
              _l("Create accounts, roles and unit, time away and deputy, password reset, deactivation")),
    AdminPage("accounts.admin_tokens", _l("Everyone's personal access tokens"), "manage_staff"),
    AdminPage("admin.settings", _l("Settings"), "manage_settings", _l("The rules administrators may change")),
    AdminPage("admin.audit_log", _l("Audit log"), "view_audit_log", _l("Who changed what, and when")),
]


def add_page(page: AdminPage) -> None:
    if page.endpoint not in {p.endpoint for p in PAGES}:
        PAGES.insert(len(PAGES) - 1, page)  # the audit log stays last


@bp.app_context_processor
def _administration_link() -> dict[str, Callable[[], bool]]:
    # The header shows "Administration" to those who may open it (asked only when the header is drawn).
    return {"may_administer": lambda: can(current_user, "administer")}


def _refused(form: Any, error: admin.FieldError | DomainError) -> None:
    """Roll the refused change back and put its message next to its field (or atop the form)."""
    db.session.rollback()
    field = getattr(form, getattr(error, "field", None) or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


ENTITY_LABELS = {
    "unit": _l("Unit"), "staff": _l("Staff"), "setting": _l("Setting"), "time_limit_class": _l("Time-limit class"),
    "calendar_day": _l("Office calendar"), "questionnaire": _l("Questionnaire"),
    "open311_client": _l("Open311 client application"), "periodic_analysis": _l("Periodic analysis"),
}
ACTION_LABELS = {
    "create": _l("created"), "update": _l("changed"), "deactivate": _l("deactivated"),
    "reactivate": _l("reactivated"), "password_reset_sent": _l("password-reset link sent"),
    "make_current": _l("made current"), "remove": _l("removed"), "revoke": _l("revoked"),
}
ROLE_LABELS = {
    Role.INTAKE.value: _l("Intake"), Role.SUPERVISOR.value: _l("Supervisor"), Role.HANDLER.value: _l("Handler"),
    Role.SECRETARIAT.value: _l("Secretariat"), Role.ETHICS.value: _l("Ethics office"),
    Role.ADMIN.value: _l("Administrator"),
}


# ---------------------------------------------------------------- how the audit log names core's fields


def _unit_names() -> dict[str, str]:
    """Every unit's name by its code, once per request (entries name units by code)."""
    if "_audit_unit_names" not in g:
        g._audit_unit_names = dict(db.session.execute(select(Unit.code, Unit.name)).all())
    return g._audit_unit_names


def _unit_subjects(ids: set[str]) -> dict[str, str]:
    wanted = [int(i) for i in ids if i.isdigit()]
    return {str(i): name for i, name in db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted)))}


def _unit_values(name: str, value: Any) -> Any:
    return _unit_names().get(value, value) if name == "parent" and value else value


def _staff_subjects(ids: set[str]) -> dict[str, str]:
    wanted = [int(i) for i in ids if i.isdigit()]
    return {str(i): f"{name} ({email})" for i, name, email
            in db.session.execute(select(Staff.id, Staff.name, Staff.email).where(Staff.id.in_(wanted)))}


def _staff_values(name: str, value: Any) -> Any:
    if name == "unit" and value:
        return _unit_names().get(value, value)
    if name == "roles" and isinstance(value, list):
        return [str(ROLE_LABELS.get(r, r)) for r in value]
    if name == "language" and value:
        return str(LANGUAGE_LABELS.get(value, value))
    return value


def _setting_subjects(ids: set[str]) -> dict[str, str]:
    return {key: admin.setting_help(key) for key in ids if key in SPECS}


def _setting_values(_name: str, value: Any) -> Any:
    if isinstance(value, dict):  # a value per channel (default_limit_class): channels and options by name
        options: dict[str, str] = {}
        for choices in admin.SETTING_CHOICES.values():
            options.update(choices())
        return {str(admin.CHANNEL_LABELS.get(k, k)): options.get(v, v) for k, v in value.items()}
    return value


def describe_audit() -> None:
    """The audit page's words for units, staff and settings: each field by its form's label."""
    unit_form, staff_form = UnitForm.__dict__, StaffForm.__dict__
    audit.describe("unit", {
        "code": unit_form["code"].args[0], "name": unit_form["name"].args[0],
        "parent": unit_form["parent"].args[0], "ethics_office": unit_form["ethics_office"].args[0],
        "active": _l("Active"),
    }, _unit_subjects, _unit_values)
    audit.describe("staff", {
        **{name: staff_form[name].args[0]
           for name in ("email", "name", "unit", "roles", "deputy", "away_from", "away_until")},
        "active": _l("Active"), "expires_at": _l("Password-reset link valid until"), "password": _l("Password"),
        "language": _l("Language of notices"),
    }, _staff_subjects, _staff_values)
    audit.describe("setting", {"value": _l("Value")}, _setting_subjects, _setting_values)


# ---------------------------------------------------------------- index and audit log


@bp.route("/staff/admin/")
@require("administer")
def index():
    pages = [p for p in PAGES if can(current_user, p.action)]
    return render_template("core/admin/index.html", pages=pages)


@bp.route("/staff/admin/audit")
@require("view_audit_log")
def audit_log():
    start, end = period_from(request.args, today())
    entity = (request.args.get("entity") or "").strip()
    if entity and entity not in audit.ENTITIES:
        raise BadInput(_("Choose what to show from the list."))
    filters = audit.AuditFilter(entity=entity, person=(request.args.get("person") or "").strip()[:254],
                                start=start, end=end)
    before = request.args.get("before")
    rows, next_before = keyset_page(filters.query(), audit.AuditEntry.id, before)
    return render_template("core/admin/audit.html", rows=audit.readable(rows), f=filters, next_before=next_before,
                           paged=bool(before), entities=audit.ENTITIES, entity_labels=ENTITY_LABELS,
                           action_labels=ACTION_LABELS)


# ---------------------------------------------------------------- units


def _unit_choices(exclude: Unit | None = None) -> list[tuple[str, str]]:
    options = [("", _("— none (top level) —"))]
    for unit, depth in admin.unit_tree():
        if unit.active and unit is not exclude:
            options.append((str(unit.id), "\u3000" * depth + f"{unit.name} ({unit.code})"))
    return options


@bp.route("/staff/admin/units", methods=["GET", "POST"])
@require("manage_units")
def units():
    form = UnitForm()
    form.parent.choices = _unit_choices()
    status = 200
    if form.validate_on_submit():
        try:
            unit = admin.add_unit(form.code.data, form.name.data, form.parent.data, form.ethics_office.data,
                                  current_user)
        except admin.FieldError as exc:
            _refused(form, exc)
            status = exc.status
        else:
            flash(_("Unit %(name)s is created.", name=unit.name), "success")
            return redirect(url_for("admin.units"), code=303)
    elif request.method == "POST":
        status = 400
    return _units_page(form, status)


def _units_page(form: UnitForm, status: int, message: str | None = None):  # noqa: ANN202
    return render_template("core/admin/units.html", form=form, tree=admin.unit_tree(), buttons=CsrfForm(),
                           message=message), status


@bp.route("/staff/admin/units/<int:unit_id>", methods=["GET", "POST"])
@require("manage_units")
def unit(unit_id: int):
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitForm()
    if request.method == "GET":
        form.name.data, form.parent.data, form.ethics_office.data = unit.name, unit.parent_id, unit.is_ethics_office
    form.code.data = unit.code  # the code does not change (commands and exports name units by it)
    form.parent.choices = _unit_choices(exclude=unit)
    status = 200
    if form.validate_on_submit():
        try:
            admin.change_unit(unit, form.name.data, form.parent.data, form.ethics_office.data, current_user)
        except admin.FieldError as exc:
            _refused(form, exc)
            status = exc.status
            unit = db.session.get(Unit, unit_id)
        else:
            flash(_("Unit %(name)s is saved.", name=unit.name), "success")
            return redirect(url_for("admin.units"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("core/admin/unit.html", form=form, unit=unit), status


@bp.route("/staff/admin/units/<int:unit_id>/deactivate", methods=["POST"])
@require("manage_units")
def deactivate_unit(unit_id: int):
    return _toggle_unit(unit_id, admin.deactivate_unit, _("Unit %(name)s is deactivated."))


@bp.route("/staff/admin/units/<int:unit_id>/reactivate", methods=["POST"])
@require("manage_units")
def reactivate_unit(unit_id: int):
    return _toggle_unit(unit_id, admin.reactivate_unit, _("Unit %(name)s is reactivated."))


def _toggle_unit(unit_id: int, change: Callable[[Unit, Staff], None], done: str):  # noqa: ANN202
    unit = db.session.get(Unit, unit_id) or abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        change(unit, current_user)
    except admin.FieldError as exc:
        db.session.rollback()
        form = UnitForm(formdata=None)
        form.parent.choices = _unit_choices()
        return _units_page(form, exc.status, exc.message)
    flash(done % {"name": unit.name}, "success")
    return redirect(url_for("admin.units"), code=303)


# ---------------------------------------------------------------- staff


def _staff_form(staff: Staff | None) -> StaffForm:
    form = StaffForm(obj=None)
    if request.method == "GET" and staff is not None:
        form.email.data, form.name.data, form.unit.data = staff.email, staff.name, staff.unit_id
        form.roles.data = sorted(staff.role_names)
        form.language.data = staff.language
        form.deputy.data = staff.deputy_id
        form.away_from.data = staff.away_from.isoformat() if staff.away_from else ""
        form.away_until.data = staff.away_until.isoformat() if staff.away_until else ""
    if staff is not None:
        form.email.data = staff.email  # an account keeps its address (it is the login)
    form.unit.choices = [(str(u.id), "\u3000" * depth + f"{u.name} ({u.code})")
                         for u, depth in admin.unit_tree() if u.active or (staff and u.id == staff.unit_id)]
    form.roles.choices = [(r.value, str(ROLE_LABELS[r.value])) for r in Role]
    colleagues = db.session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.name)).all()
    form.deputy.choices = [("", _("— none —"))] + [(str(s.id), f"{s.name} ({s.email})") for s in colleagues
                                                     if staff is None or s.id != staff.id]
    return form


@bp.route("/staff/admin/staff/new", methods=["GET", "POST"])
@require("manage_staff")
def new_staff():
    form = _staff_form(None)
    status = 200
    if form.validate_on_submit():
        try:
            staff = admin.add_staff(form.email.data, form.name.data, form.unit.data, form.roles.data or [],
                                    current_user, language=form.language.data)
        except admin.FieldError as exc:
            _refused(form, exc)
            status = exc.status
        else:
            flash(_("The account of %(name)s is created; a link to set their password was mailed to %(email)s.",
                    name=staff.name, email=staff.email), "success")
            return redirect(url_for("admin.staff", staff_id=staff.id), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("core/admin/staff.html", form=form, staff=None), status


@bp.route("/staff/admin/staff/<int:staff_id>", methods=["GET", "POST"])
@require("manage_staff")
def staff(staff_id: int):
    staff = db.session.get(Staff, staff_id) or abort(404)
    form = _staff_form(staff)
    status = 200
    if form.validate_on_submit():
        try:
            try:
                away_from = parse_date(form.away_from.data)
            except BadInput as exc:
                raise admin.FieldError(exc.message, "away_from") from None
            try:
                away_until = parse_date(form.away_until.data)
            except BadInput as exc:
                raise admin.FieldError(exc.message, "away_until") from None
            admin.change_staff(staff, name=form.name.data, unit_id=form.unit.data, roles=form.roles.data or [],
                               deputy_id=form.deputy.data, away_from=away_from, away_until=away_until,
                               language=form.language.data if "language" in request.form else None,
                               by=current_user)
        except admin.FieldError as exc:
            _refused(form, exc)
            status = exc.status
            staff = db.session.get(Staff, staff_id)
        else:
            flash(_("The account of %(name)s is saved.", name=staff.name), "success")
            return redirect(url_for("admin.staff", staff_id=staff.id), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("core/admin/staff.html", form=form, staff=staff, buttons=CsrfForm(),
                           valid_hours=get_setting("password_reset_valid_hours")), status


@bp.route("/staff/admin/staff/<int:staff_id>/reset-password", methods=["POST"])
@require("manage_staff")
def reset_password(staff_id: int):
    staff = db.session.get(Staff, staff_id) or abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    admin.send_password_reset(staff, current_user)  # a DomainError (deactivated) is answered by core/app.py
    flash(_("A link to set a new password was mailed to %(email)s. It works once, for %(hours)d hours.",
            email=staff.email, hours=get_setting("password_reset_valid_hours")), "success")
    return redirect(url_for("admin.staff", staff_id=staff.id), code=303)


@bp.route("/staff/password/<token>", methods=["GET", "POST"], endpoint="password_reset")
def set_password_by_link(token: str):
    """The page the mailed link opens: anyone holding the link (no login) sets the account's password once."""
    row = password_reset.find_usable(token)  # 410 with its message when expired or used
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        password_reset.use(token, form.new_password.data)
        flash(_("Your password is set. Please log in with it."), "success")
        return redirect(url_for("accounts.login"), code=303)
    if request.method == "POST":
        status = 400
    return render_template("core/admin/password_reset.html", form=form, staff=row.staff,
                           min_password=MIN_PASSWORD_LENGTH), status, {"Referrer-Policy": "no-referrer"}


# ---------------------------------------------------------------- settings


def _setting_rows(values: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, spec in SPECS.items():
        kind = ("bool" if isinstance(spec.default, bool) else "int" if isinstance(spec.default, int)
                else "dict" if isinstance(spec.default, dict) else "text")
        row = {"key": key, "kind": kind, "help": admin.setting_help(key), "value": values.get(key),
               "default": spec.default, "minimum": spec.minimum}
        if kind == "dict":
            choices = admin.SETTING_CHOICES[key]() if key in admin.SETTING_CHOICES else []
            row["subs"] = [{"name": admin.setting_field_name(key, sub), "sub": sub,
                            "label": str(admin.CHANNEL_LABELS.get(sub, sub)), "value": (values.get(key) or {}).get(sub),
                            "default": spec.default[sub], "default_label": dict(choices).get(spec.default[sub],
                                                                                           spec.default[sub]),
                            "choices": choices} for sub in spec.default]
        rows.append(row)
    return rows


@bp.route("/staff/admin/settings", methods=["GET", "POST"])
@require("manage_settings")
def settings():
    form = CsrfForm()
    status, errors = 200, {}
    values = fresh_settings()  # what was just saved, whichever web process saved it
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values, errors = admin.parse_settings(request.form)
        if not errors:
            try:
                changed = admin.save_settings(values, current_user)
            except admin.FieldError as exc:
                db.session.rollback()
                errors = {exc.field or "": exc.message}
            else:
                flash(_("Settings saved (%(n)d changed).", n=len(changed)), "success")
                return redirect(url_for("admin.settings"), code=303)
        status = 400
    return render_template("core/admin/settings.html", form=form, rows=_setting_rows(values), errors=errors), status

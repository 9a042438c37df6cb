"""Logging in and out, one's own account (password, API tokens), and the administrators' account pages."""

from __future__ import annotations

import logging
import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core import ratelimit
from core.accounts import tokens as api_tokens
from core.accounts.admin import set_staff_active
from core.accounts.admin_forms import LANGUAGE_LABELS
from core.accounts.forms import LoginForm, PasswordForm, TokenForm
from core.accounts.models import ApiToken, Role, Staff
from core.accounts.services import MIN_PASSWORD_LENGTH, authenticate, change_password
from core.accounts.sessions import end_all_sessions, ended_message, stamp_session, start_session
from core.accounts.throttle import LoginThrottled
from core.db import utcnow
from core.extensions import db
from core.pagination import keyset_page
from core.policy import can, require
from core.redirects import safe_next
from core.security import verify_secret

bp = Blueprint("accounts", __name__, template_folder="../templates")
log = logging.getLogger(__name__)

ROLE_LABELS = {
    Role.INTAKE.value: _l("Intake"),
    Role.SUPERVISOR.value: _l("Supervisor"),
    Role.HANDLER.value: _l("Handler"),
    Role.SECRETARIAT.value: _l("Secretariat"),
    Role.ETHICS.value: _l("Ethics office"),
    Role.ADMIN.value: _l("Administrator"),
}


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("cases.staff_home"))


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/staff/login", methods=["GET", "POST"])
@ratelimit.limit(_login_limit)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    notice = ended_message()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            staff = authenticate(form.email.data, form.password.data, request.remote_addr)
        except LoginThrottled as exc:
            form.form_errors.append(ngettext(
                "Too many failed attempts to log in to this account from your network. "
                "Please wait %(num)d minute and try again.",
                "Too many failed attempts to log in to this account from your network. "
                "Please wait %(num)d minutes and try again.", exc.minutes))
            status, headers = 429, {"Retry-After": str(math.ceil(exc.wait.total_seconds()))}
        else:
            if staff is not None:
                start_session(staff)
                return redirect(_safe_next(request.args.get("next")))
            form.form_errors.append(
                _("The e-mail address or password is wrong. After repeated failures, logging in to the "
                  "account from the same network is paused for a while.")
            )
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("core/login.html", form=form, notice=notice), status, headers


@bp.route("/staff/logout", methods=["POST"])
@login_required
def logout():
    end_all_sessions(current_user._get_current_object())  # a copy of this session's cookie opens nothing
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


# ---------------------------------------------------------------- one's own account


@bp.route("/staff/account", methods=["GET", "POST"])
@require("manage_own_account")
@ratelimit.limit(_login_limit)
def account():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        staff = current_user._get_current_object()
        if not verify_secret(staff.password_hash, form.current_password.data):
            form.current_password.errors = [*form.current_password.errors, _("The current password is wrong.")]
            status = 400
        else:
            change_password(staff, form.new_password.data)
            stamp_session(staff)  # this session goes on; every other one has ended
            log.info("staff %s changed their password; their other sessions ended", staff.id)
            flash(_("Your password is changed. Your sessions on other devices have ended."), "success")
            return redirect(url_for("accounts.account"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("core/account.html", form=form, min_password=MIN_PASSWORD_LENGTH,
                           languages=LANGUAGE_LABELS,
                           may_manage_staff=can(current_user, "manage_staff")), status


NOTICE_DELIVERIES = ("immediate", "daily")


@bp.route("/staff/account/notices", methods=["POST"])
@require("manage_own_account")
def notice_delivery():
    """How one's staff notices are mailed: each at once, or one digest a day (the notifications page has all),
    and in which language."""
    staff = current_user._get_current_object()
    choice, language = request.form.get("delivery", ""), request.form.get("language", "")
    if choice in NOTICE_DELIVERIES or language in LANGUAGE_LABELS:
        if choice in NOTICE_DELIVERIES:
            staff.notice_delivery = choice
        if language in LANGUAGE_LABELS:
            staff.language = language
        flash(_("Your choice of notification mail is saved."), "success")
    return redirect(url_for("accounts.account"), code=303)


@bp.route("/staff/tokens", methods=["GET", "POST"])
@require("manage_own_tokens")
def tokens():
    staff = current_user._get_current_object()
    form = TokenForm()
    if request.method == "GET":
        form.days.data = current_app.config["API_TOKEN_DAYS"]
    status, secret = 200, None
    if form.validate_on_submit():
        row, secret = api_tokens.create_token(staff, days=form.days.data, name=form.name.data)
        log.info("staff %s created API token %s", staff.id, row.id)
        form = TokenForm(formdata=None, days=current_app.config["API_TOKEN_DAYS"])
        status = 201
    elif request.method == "POST":
        status = 400
    # The secret is in this one answer only: the database keeps its digest, the session never holds it.
    return render_template("core/tokens.html", form=form, tokens=api_tokens.tokens_of(staff), secret=secret,
                           now=utcnow(), may_manage_staff=can(current_user, "manage_staff")), status


@bp.route("/staff/tokens/<int:token_id>/revoke", methods=["POST"])
@require("manage_own_tokens")
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.staff_id != current_user.id:
        abort(404)
    _revoke(token)
    return redirect(url_for("accounts.tokens"), code=303)


def _revoke(token: ApiToken) -> None:
    if api_tokens.revoke(token):
        log.info("API token %s of staff %s revoked by staff %s", token.id, token.staff_id, current_user.id)
        flash(_("The token is revoked: it no longer works."), "success")
    else:
        flash(_("The token was revoked already."), "info")


# ---------------------------------------------------------------- administrators


@bp.route("/staff/admin/tokens")
@require("manage_staff")
def admin_tokens():
    before = request.args.get("before")
    rows, next_before = keyset_page(select(ApiToken).options(joinedload(ApiToken.staff)), ApiToken.id, before)
    return render_template("core/admin_tokens.html", tokens=rows, next_before=next_before, paged=bool(before),
                           now=utcnow())


@bp.route("/staff/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@require("manage_staff")
def admin_revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    _revoke(token)
    return redirect(url_for("accounts.admin_tokens"), code=303)


@bp.route("/staff/admin/staff")
@require("manage_staff")
def admin_staff():
    before = request.args.get("before")
    rows, next_before = keyset_page(select(Staff).options(joinedload(Staff.unit)), Staff.id, before)
    return render_template("core/admin_staff.html", staff_list=rows, next_before=next_before, paged=bool(before),
                           role_labels=ROLE_LABELS)


@bp.route("/staff/admin/staff/<int:staff_id>/deactivate", methods=["POST"])
@require("manage_staff")
def deactivate_staff(staff_id: int):
    return _set_active(staff_id, False)


@bp.route("/staff/admin/staff/<int:staff_id>/reactivate", methods=["POST"])
@require("manage_staff")
def reactivate_staff(staff_id: int):
    return _set_active(staff_id, True)


def _set_active(staff_id: int, active: bool):  # noqa: ANN202
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        abort(404)
    if staff.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    elif staff.active != active:
        set_staff_active(staff, active, current_user)  # audited
        log.info("staff %s %s by staff %s", staff.id, "reactivated" if active else "deactivated", current_user.id)
        flash(_("%(name)s is reactivated.", name=staff.name) if active else
              _("%(name)s is deactivated: their sessions have ended and their API tokens no longer work.",
                name=staff.name), "success")
    return redirect(url_for("accounts.admin_staff", before=request.args.get("before")), code=303)

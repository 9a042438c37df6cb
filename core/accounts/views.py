from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.accounts.forms import LoginForm
from core.accounts.services import authenticate
from core.extensions import limiter

bp = Blueprint("accounts", __name__, template_folder="../templates")


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("cases.staff_home")


@bp.route("/staff/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.staff_home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        staff = authenticate(form.email.data, form.password.data)
        if staff is not None:
            login_user(staff)
            return redirect(_safe_next(request.args.get("next")))
        form.form_errors.append(
            _("The e-mail address or password is wrong, or the account is locked. "
              "After repeated failures an account is locked for a while.")
        )
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("core/login.html", form=form), status


@bp.route("/staff/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))

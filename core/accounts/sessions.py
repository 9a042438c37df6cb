"""Staff sessions: when they start, and when they end.

Sessions are Flask's signed cookies, so the server cannot delete one; instead every session carries three
stamps, checked by the user loader on each request:

- the account's `session_generation` at login: logout, a password change and deactivation increment it
  (`end_all_sessions`), so every session of the account, on every device, ends at once;
- the login time: a session ends `SESSION_MAX_HOURS` after it (absolute lifetime);
- the last activity: a session ends after `SESSION_IDLE_MINUTES` without a request. It is refreshed at
  most once a minute, so an ordinary request does not rewrite the cookie.

An ended session loses its login; the reason stays in it until the login page shows it (in the user's
language). Logging in starts from an empty session.
"""

from __future__ import annotations

from flask import Flask, current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_user
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from core.accounts.models import Staff
from core.db import utcnow
from core.extensions import db, login_manager

GENERATION = "_generation"
LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
ENDED = "_session_ended"  # why the last session ended: "idle", "lifetime" or "revoked"
REFRESH_SECONDS = 60


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_staff)
    login_manager.unauthorized_handler(unauthorized)


def _now() -> int:
    return int(utcnow().timestamp())


def start_session(staff: Staff) -> None:
    """Log `staff` in on a fresh session stamped with the account's generation and the time."""
    session.clear()  # nothing from before the login is carried into the staff session
    login_user(staff)
    stamp_session(staff)
    session[LOGIN_AT] = session[SEEN_AT] = _now()


def stamp_session(staff: Staff) -> None:
    session[GENERATION] = staff.session_generation


def end_all_sessions(staff: Staff) -> None:
    """Every session of `staff` ends at its next request (counted in SQL: two at once both count)."""
    db.session.execute(update(Staff).where(Staff.id == staff.id)
                       .values(session_generation=Staff.session_generation + 1))
    db.session.refresh(staff, ["session_generation"])


def load_staff(staff_id: str) -> Staff | None:
    """Flask-Login's user loader: the staff member of a session still in force, else None (anonymous)."""
    try:
        # One statement with the roles every page's access checks read (not a second, selectin, one).
        staff = db.session.get(Staff, int(staff_id), options=[joinedload(Staff.roles)])
    except (TypeError, ValueError):
        staff = None
    if staff is None or not staff.active or session.get(GENERATION) != staff.session_generation:
        return _end("revoked")
    now, config = _now(), current_app.config
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return _end("revoked")
    if now - login_at > config["SESSION_MAX_HOURS"] * 3600:
        return _end("lifetime")
    if now - seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        return _end("idle")
    if now - seen_at >= REFRESH_SECONDS:
        session[SEEN_AT] = now
    return staff


# What makes a session a staff session: Flask-Login's keys and the stamps above.
_AUTH_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", GENERATION, LOGIN_AT, SEEN_AT)


def _end(reason: str) -> None:
    """Forget who the session belonged to (what else it holds, such as a form's CSRF token, was never the
    account's), and remember why for the login page."""
    for key in _AUTH_KEYS:
        session.pop(key, None)
    session[ENDED] = reason
    return None


def ended_message() -> str | None:
    """The message explaining why the last session ended (once), in the user's language."""
    reason = session.pop(ENDED, None)
    if reason == "idle":
        minutes = current_app.config["SESSION_IDLE_MINUTES"]
        return ngettext("You were logged out after %(num)d minute without activity. Please log in again.",
                        "You were logged out after %(num)d minutes without activity. Please log in again.",
                        minutes)
    if reason == "lifetime":
        hours = current_app.config["SESSION_MAX_HOURS"]
        return ngettext("Your session ended: a session lasts at most %(num)d hour. Please log in again.",
                        "Your session ended: a session lasts at most %(num)d hours. Please log in again.",
                        hours)
    if reason == "revoked":
        return _("Your session has ended (you logged out, the password was changed or the account was "
                 "deactivated). Please log in again.")
    return None


def unauthorized():  # noqa: ANN201
    """Anonymous (or ended) on a staff page: to the login page, keeping where they were going."""
    if request.path.startswith("/api/"):
        return jsonify({"code": 401, "message": _("Please log in.")}), 401
    message = ended_message()
    if message:
        flash(message, "info")
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("accounts.login", next=target))

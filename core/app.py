"""The kernel's application factory: configuration, extensions, accounts and settings, then whatever
domains the composition root (wsgi.py) hands it. core/ imports no domain."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from flask import Flask, jsonify, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from core import headers, hygiene, ratelimit, scheduler, settings
from core.celery_app import celery_init_app
from core.config import apply_environment, default_config, validate_config
from core.errors import DomainError
from core.extensions import api, babel, csrf, db, login_manager, migrate
from core.i18n import html_lang, install_template_gettext, select_locale


def create_app(domains: Sequence[ModuleType], overrides: Mapping[str, Any] | None = None) -> Flask:
    """Each domain is a module with `init_app(app)` (blueprints, CLI groups, signal receivers, tasks)."""
    app = Flask(__name__, instance_relative_config=True, static_folder="static", template_folder="templates")
    app.config.from_mapping(default_config(app))
    apply_environment(app.config)
    app.config.from_prefixed_env()
    if overrides:
        app.config.update(overrides)
    validate_config(app)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    _init_extensions(app)
    celery_init_app(app)

    from core import accounts

    for init in (accounts.init_app, settings.init_app, *(domain.init_app for domain in domains)):
        init(app)
    _register_transaction_boundary(app)
    _register_error_handlers(app)
    _register_template_context(app)
    headers.init_app(app)
    hygiene.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    scheduler.maybe_start(app)  # the embedded `make run` only: beat's jobs in this process
    return app


def _register_transaction_boundary(app: Flask) -> None:
    """One transaction per request: services flush, this commits once. A response below 500 commits
    (a view that refuses an action rolls the action back first, and a 4xx page may still log what was
    shown); an exception or a 5xx rolls back. Nothing a view did is half-written."""

    @app.after_request
    def commit(response):  # noqa: ANN001, ANN202
        if response.status_code < 500:
            try:
                db.session.commit()
            except DBAPIError as error:  # the database went away at the last moment: nothing was saved
                session.pop("_flashes", None)
                if request.endpoint == "accounts.login":
                    session.clear()  # a login that was not recorded does not log anyone in
                failed = hygiene.database_error(error)
                failed.headers["Cache-Control"] = "no-store"
                return failed
        else:
            db.session.rollback()
            session.pop("_flashes", None)  # a "Done." flashed before the failure must not show next
        return response

    @app.teardown_request
    def rollback_on_error(error: BaseException | None) -> None:
        if error is not None:
            db.session.rollback()


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    install_template_gettext(app)
    # Rate limits share Redis between web nodes; without Redis (or while it fails) they are kept in memory.
    # Registered before the transaction boundary, so its after-request runs after the commit's.
    ratelimit.init_app(app)
    api.init_app(app)


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def _migrations_dir():
    return _root() / "migrations"


def _register_error_handlers(app: Flask) -> None:
    messages = {
        400: lambda: _("The request could not be understood."),
        403: lambda: _("You do not have permission to do this."),
        404: lambda: _("This page does not exist."),
        405: lambda: _("This page cannot be used this way."),
        410: lambda: _("This link has expired."),
        413: lambda: _("The upload is too large."),
        429: lambda: _("Too many requests. Please wait a minute and try again."),
        500: lambda: _("Something went wrong on our side. Nothing you sent was lost; please try again."),
    }

    def render_error(code: int, message: str):
        if request.path.startswith("/api/"):
            return jsonify({"code": code, "message": message}), code
        return render_template("core/error.html", code=code, message=message), code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, _("The form has expired or was not sent from this site. "
                                   "Please go back, reload the page and send it again."))

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()  # the refused operation leaves nothing behind
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if request.path.startswith("/api/"):
            return api.handle_http_exception(error)  # JSON, with the field messages of a 422
        message = messages.get(code, lambda: error.description or "")()
        return render_error(code, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500, messages[500]())


def _register_template_context(app: Flask) -> None:
    from core.dates import day, taipei

    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["taipei"] = taipei

    @app.context_processor
    def inject() -> dict[str, Any]:
        locale = str(get_locale())
        return {
            "locale": locale,
            "html_lang": html_lang(locale),
            "agency_name": app.config["AGENCY_NAME"],
            "other_language": "en" if locale.startswith("zh") else "zh_Hant_TW",
        }

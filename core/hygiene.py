"""Input hygiene in one place: what every request's text, numbers and dates must be before a view sees them.

PostgreSQL refuses NUL in text, its INTEGER holds 32 bits and Python's dates end in 9999, so a stray byte or
an absurd number would otherwise surface as a 500 deep inside a query. One `before_request` hook refuses:

- a control character (C0 or DEL) anywhere in the path or the query string: 400 (pages) or 400/422 JSON
  (`/api/`), with a message in the user's language;
- a control character other than tab, CR and LF in a form field or a JSON string (keys included) — except on
  the citizen forms of `CLEANED_ENDPOINTS`, whose free text a paste may carry a stray control character in:
  those clean it (feedback/rules.py `clean_text`, the survey comment) instead of refusing the whole letter;
- a lone surrogate in JSON (`"\\ud800"`), which is no text at all and which no database can store, everywhere;
- a keyset `before` that is not an id the database can hold (1 … 2**31 − 1);
- an id in the path (`<int:…>`) beyond the database's INTEGER: 404, as for any id that does not exist.

Views parse dates and numbers with `parse_date` and `parse_int` (or `period_from` in core/periods.py), which
refuse with a `BadInput` (a DomainError: 400 on a page, JSON on the API) instead of raising a ValueError or
an OverflowError. Dates lie in `DATE_MIN`…`DATE_MAX`: from the first year of the Republic (1912) to a year
before Python's last date, so a period's end plus a day, a month or a year of due dates cannot overflow.

A database that went away (a restart, a failover, a network cut) answers 503 with Retry-After instead of a
500: the connection pool's pre-ping reconnects on the next request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from core.errors import DomainError

INT_MAX = 2**31 - 1           # PostgreSQL INTEGER, the type of every id
DATE_MIN = date(1912, 1, 1)   # 民國元年
DATE_MAX = date(9998, 12, 31)  # a year of margin before date.max: end + 1 day (or a due date) never overflows
RETRY_AFTER_SECONDS = 5

# Keyset pagination's query argument (core/pagination.py): an id.
KEYSET_ARGS = ("before",)

# Citizen forms whose free text is cleaned, not refused (the path and query string are still checked).
CLEANED_ENDPOINTS = frozenset({
    "feedback.petition", "feedback.mailbox", "feedback.complaint",  # rules.normalise → clean_text
    "public_api.Submissions",                                        # the same rules for the API
    "surveys.form",                                                  # the comment is cleaned
})

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # \t \n \r allowed
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_JSON_MAX_DEPTH = 32


class BadInput(DomainError):
    """A value a request cannot carry: 400 on a page; on the API 422 when it names a field."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message, status)


# ------------------------------------------------------------------ helpers for views


def parse_date(value: Any) -> date | None:
    """YYYY-MM-DD within DATE_MIN…DATE_MAX; None for an empty value. Refuses with BadInput."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            raise BadInput(_("Write dates as YYYY-MM-DD."), _status_for_field()) from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise BadInput(_("Dates must lie between %(first)s and %(last)s.", first=DATE_MIN.isoformat(),
                         last=DATE_MAX.isoformat()), _status_for_field())
    return day


def parse_int(value: Any, field: str, *, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """A whole number (ASCII digits, optional sign) within minimum…maximum; None for an empty value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadInput(_("%(field)s must be a whole number.", field=field), _status_for_field())
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", text, re.ASCII):
            raise BadInput(_("%(field)s must be a whole number.", field=field), _status_for_field())
        number = int(text)
    if not minimum <= number <= maximum:
        raise BadInput(_("%(field)s must be a whole number from %(low)d to %(high)d.", field=field,
                         low=minimum, high=maximum), _status_for_field())
    return number


def _status_for_field() -> int:
    return 422 if _is_api() else 400


def _is_api() -> bool:
    return bool(request) and request.path.startswith("/api/")


# ------------------------------------------------------------------ the hook


def init_app(app: Flask) -> None:
    """Registered by core.app.create_app."""
    app.before_request(_check_request)
    app.register_error_handler(DBAPIError, database_error)


def _check_request() -> Any:
    if _CONTROL.search(request.path):
        return _refuse(_("The web address (URL) contains characters that cannot be used."), 400)
    for view_arg in (request.view_args or {}).values():
        if isinstance(view_arg, int) and not 0 <= view_arg <= INT_MAX:
            raise NotFound()  # no row has such an id
    for name, value in request.args.items(multi=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            return _refuse(_control_message(name), 422, "query", name)
    for name in KEYSET_ARGS:
        value = request.args.get(name, "")
        if value and not (value.isascii() and value.isdigit() and len(value) <= 10 and 1 <= int(value) <= INT_MAX):
            return _refuse(_("%(field)s must be a whole number from %(low)d to %(high)d.", field=name, low=1,
                             high=INT_MAX), 422, "query", name)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    # Citizen forms clean control characters; a lone surrogate (JSON's "\ud800") is no text at all, anywhere.
    cleaned = request.endpoint in CLEANED_ENDPOINTS
    if not cleaned and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if _CONTROL.search(name) or _CONTROL_IN_TEXT.search(value):
                return _refuse(_control_message(name), 422, "form", name)
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nesting deeper than the parser's stack: no schema here takes that
            return _refuse(_("The request could not be understood."), 400)
        problem = _json_problem(body, _SURROGATE if cleaned else _CONTROL_IN_TEXT)
        if problem is not None:
            return _refuse(_control_message(problem), 422, "json", problem)
    return None


def _control_message(name: str) -> str:
    return _("“%(field)s” contains control characters (such as NUL) that cannot be used. "
             "Please remove them and try again.", field=_CONTROL.sub("", name)[:40])


def _json_problem(body: Any, refused: re.Pattern[str]) -> str | None:
    """The name of the first JSON member with a refused character (or nested too deep), else None."""
    for path, value in _walk(body, "", 0):
        if value is None or refused.search(value):
            return path or "json"
    return None


def _walk(node: Any, path: str, depth: int) -> Iterator[tuple[str, str | None]]:
    """(member path, string) for every string and key; (path, None) where the nesting is too deep."""
    if depth > _JSON_MAX_DEPTH:
        yield path, None
        return
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, str(key)
            yield from _walk(value, child, depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]" if path else f"[{index}]", depth + 1)


def _refuse(message: str, api_status: int, location: str | None = None, name: str | None = None) -> Any:
    """The answer itself (not an exception), so the app's generic 400 text does not replace the message; a
    blueprint with its own error format (Open311's list of errors, in JSON or XML) gets a 400 to answer in it."""
    if _blueprint_answers_errors():
        raise BadRequest(description=message)
    if _is_api():
        body: dict[str, Any] = {"code": api_status, "status": _status_name(api_status), "message": message}
        if location and name is not None:
            body["errors"] = {location: {_CONTROL.sub("", name)[:40] or "?": [message]}}
        return jsonify(body), api_status
    return render_template("core/error.html", code=400, message=message), 400


def _blueprint_answers_errors() -> bool:
    handlers = current_app.error_handler_spec.get(request.blueprint, {}) if request.blueprint else {}
    return HTTPException in handlers.get(None, {}) or BadRequest in handlers.get(400, {})


def _status_name(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


# ------------------------------------------------------------------ the database went away


def database_error(error: DBAPIError) -> Any:
    """503 + Retry-After for a lost or refused connection (any OperationalError, or a DBAPIError the pool
    marked as a disconnect); any other database error is the 500 it always was."""
    from core.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone: the session is discarded anyway
        db.session.remove()
    if isinstance(error, OperationalError) or error.connection_invalidated:
        current_app.logger.warning("database unavailable: %s", error.orig or error)
        message = _("The service is briefly unavailable. Nothing you sent was saved; please try again in a "
                    "few seconds.")
        response = _error_response(503, message)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    current_app.logger.exception("unhandled error")
    return _error_response(500, _("Something went wrong on our side. Nothing you sent was lost; please try again."))


def _error_response(status: int, message: str) -> Any:
    if _is_api():
        response = jsonify({"code": status, "message": message})
    else:
        try:
            page = render_template("core/error.html", code=status, message=message)
        except DBAPIError:  # the page's header asks who is logged in, and the database is still away
            from core.extensions import db

            db.session.remove()
            from flask_babel import get_locale

            from core.i18n import html_lang

            page = _BARE_PAGE.format(lang=html_lang(str(get_locale())), code=status, message=escape(message))
        response = current_app.make_response(page)
    response.status_code = status
    return response


_BARE_PAGE = ('<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{code}</title></head>'
              '<body><main><h1>{message}</h1></main></body></html>')

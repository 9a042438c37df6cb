"""Case actions by their public names, shared by the staff pages and the staff API: one table
maps a name and its fields to the service that owns the rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _

from cases import information, services
from cases.models import Case
from cases.workflow import TransitionRefused, allowed, check
from core.accounts.models import Staff
from core.hygiene import INT_MAX, BadInput, parse_date, parse_int

Handler = Callable[[Case, Staff, Mapping[str, Any], int | None], Any]


def _int(value: Any, field: str) -> int:
    try:
        number = parse_int(value, field, minimum=-INT_MAX, maximum=INT_MAX)  # the rule's bounds are the service's
    except BadInput as exc:
        raise TransitionRefused(exc.message, 422) from None
    if number is None:
        raise TransitionRefused(_("%(field)s must be a whole number.", field=field), 422)
    return number


def _optional_int(value: Any, field: str) -> int | None:
    return None if value is None or value == "" else _int(value, field)


def _date(value: Any) -> date | None:
    try:
        return parse_date(value)
    except BadInput as exc:
        raise TransitionRefused(exc.message, 422) from None


def _flag(value: Any) -> bool:
    return value in (True, "1", "y", "yes", "on", "true")


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    return value if isinstance(value, str) else str(value)


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value.strip() else None


ACTIONS: dict[str, tuple[str, Handler]] = {
    # public name → (state-machine action, handler)
    "classify": ("classify", lambda c, u, d, v: services.classify(
        c, u, limit_class=_str(d, "limit_class"), topic=_str(d, "topic"),
        sender_deadline=_date(d.get("sender_deadline")), version=v)),
    "route": ("route", lambda c, u, d, v: services.route(c, u, unit_code=_str(d, "unit"), note=_str(d, "note"),
                                                        version=v)),
    "transfer": ("transfer", lambda c, u, d, v: services.transfer(c, u, agency=_str(d, "agency"),
                                                                 reason=_str(d, "reason"), version=v)),
    "not-handled": ("not_handled", lambda c, u, d, v: services.mark_not_handled(
        c, u, ground=_str(d, "ground"), note=_str(d, "note"), version=v)),
    "link": ("link", lambda c, u, d, v: services.link(c, u, earlier_number=_str(d, "to"), note=_str(d, "note"),
                                                     version=v)),
    "assign": ("assign", lambda c, u, d, v: services.assign(c, u, handler_email=_str(d, "handler"), version=v)),
    "return-to-intake": ("return_to_intake", lambda c, u, d, v: services.return_to_intake(
        c, u, reason=_str(d, "reason"), version=v)),
    "draft-reply": ("draft_reply", lambda c, u, d, v: services.draft_reply(
        c, u, body=_str(d, "body"), outcome=_str(d, "outcome") or "explained",
        remedy_notice=_flag(d.get("remedy_notice")), language=_str(d, "language") or None, version=v,
        override_reason=_optional_str(d, "override_reason"))),
    "approve-reply": ("approve_reply", lambda c, u, d, v: services.approve_reply(
        c, u, version=v, override_reason=_optional_str(d, "override_reason"))),
    "return-reply": ("return_reply", lambda c, u, d, v: services.return_reply(c, u, reason=_str(d, "reason"),
                                                                             version=v)),
    "request-extension": ("request_extension", lambda c, u, d, v: services.request_extension(
        c, u, days=_int(d.get("days"), _("Days")), reason=_str(d, "reason"), version=v)),
    "approve-extension": ("approve_extension", lambda c, u, d, v: services.approve_extension(c, u, version=v)),
    "refuse-extension": ("refuse_extension", lambda c, u, d, v: services.refuse_extension(
        c, u, reason=_str(d, "reason"), version=v)),
    "refer-to-ethics": ("refer_to_ethics", lambda c, u, d, v: services.refer_to_ethics(
        c, u, reason=_str(d, "reason"), version=v)),
    # 補陳 (issue 13, deliver 3): cases/information.py.
    "request-information": ("request_information", lambda c, u, d, v: information.request_information(
        c, u, question=_str(d, "question"), reply_within_days=_optional_int(d.get("reply_within_days"), _("Days")),
        version=v)),
    "close-unanswered": ("close_unanswered", lambda c, u, d, v: information.close_unanswered(
        c, u, note=_str(d, "note"), version=v)),
}


def perform(case: Case, user: Staff, name: str, data: Mapping[str, Any], version: int | None = None) -> Any:
    if name not in ACTIONS:
        raise TransitionRefused(_("Unknown action."), 404)
    action, handler = ACTIONS[name]
    check(case, action, user)  # who and when first, so a refusal says why before any field is read
    return handler(case, user, data, version)


def available(case: Case, user: Staff) -> list[str]:
    return [name for name, (action, _handler) in ACTIONS.items() if allowed(case, action, user)]

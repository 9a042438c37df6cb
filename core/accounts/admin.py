"""What administrators change on the web: units, staff accounts and the run-time settings. Each operation
validates, changes, writes its audit entry and flushes; the request commits (or a refusal rolls back, so a
refused change writes nothing, not even an audit entry)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import audit
from core.accounts import password_reset
from core.accounts.admin_forms import LANGUAGE_LABELS
from core.accounts.models import Role, Staff, StaffRole, Unit
from core.accounts.services import create_staff, find_staff, find_unit, set_active
from core.errors import DomainError
from core.extensions import db
from core.settings import SPECS, fresh_settings, parse_clock, set_setting
from core.signals import unit_deactivating


class FieldError(DomainError):
    """Refused input: `field` names the form field the message belongs next to (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message, status)
        self.field = field


# ---------------------------------------------------------------- units

UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}", re.ASCII)


def unit_tree() -> list[tuple[Unit, int]]:
    """Every unit with its depth, parents before their children, siblings by code."""
    units = list(db.session.scalars(select(Unit).order_by(Unit.code)))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def _unit_state(unit: Unit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "parent": unit.parent.code if unit.parent else None,
            "ethics_office": bool(unit.is_ethics_office), "active": bool(unit.active)}


def _parent(parent_id: int | None) -> Unit | None:
    if parent_id is None:
        return None
    parent = db.session.get(Unit, parent_id)
    if parent is None or not parent.active:
        raise FieldError(_("Choose an active unit as the parent."), "parent")
    return parent


def _name(name: str | None, maximum: int = 120) -> str:
    name = (name or "").strip()
    if not name:
        raise FieldError(_("Please enter a name."), "name")
    if len(name) > maximum:
        raise FieldError(_("The name may have at most %(max)d characters.", max=maximum), "name")
    return name


def add_unit(code: str, name: str, parent_id: int | None, ethics_office: bool, by: Staff) -> Unit:
    code = (code or "").strip().upper()
    if not UNIT_CODE.fullmatch(code):
        raise FieldError(_("The code has 1 to 32 capital letters, digits, “-” or “_”."), "code")
    if find_unit(code) is not None:
        raise FieldError(_("A unit with the code %(code)s exists already.", code=code), "code")
    unit = Unit(code=code, name=_name(name), parent=_parent(parent_id), is_ethics_office=ethics_office, active=True)
    db.session.add(unit)
    db.session.flush()
    audit.record(by, "unit", unit.id, "create", None, _unit_state(unit))
    return unit


def change_unit(unit: Unit, name: str, parent_id: int | None, ethics_office: bool, by: Staff) -> Unit:
    before = _unit_state(unit)
    new_name, parent = _name(name), _parent(parent_id)
    ancestor = parent
    while ancestor is not None:  # the new parent may be neither the unit nor one of its descendants
        if ancestor.id == unit.id:
            raise FieldError(_("A unit cannot be placed under itself or under one of its own sub-units."), "parent")
        ancestor = ancestor.parent
    unit.name, unit.parent, unit.is_ethics_office = new_name, parent, ethics_office
    db.session.flush()
    audit.record(by, "unit", unit.id, "update", before, _unit_state(unit))
    return unit


def deactivate_unit(unit: Unit, by: Staff) -> None:
    if not unit.active:
        return
    reasons = []
    staff = db.session.scalar(select(func.count()).select_from(Staff)
                              .where(Staff.unit_id == unit.id, Staff.active.is_(True)))
    if staff:
        reasons.append(_("%(unit)s still has %(n)d active member(s) of staff: move or deactivate them first.",
                         unit=unit.name, n=staff))
    children = db.session.scalar(select(func.count()).select_from(Unit)
                                 .where(Unit.parent_id == unit.id, Unit.active.is_(True)))
    if children:
        reasons.append(_("%(unit)s still has %(n)d active sub-unit(s): move or deactivate them first.",
                         unit=unit.name, n=children))
    reasons += [reason for _receiver, reason in unit_deactivating.send(unit) if reason]
    if reasons:
        raise FieldError(" ".join(str(r) for r in reasons), status=409)
    before = _unit_state(unit)
    unit.active = False
    db.session.flush()
    audit.record(by, "unit", unit.id, "deactivate", before, _unit_state(unit))


def reactivate_unit(unit: Unit, by: Staff) -> None:
    if unit.active:
        return
    if unit.parent is not None and not unit.parent.active:
        raise FieldError(_("Reactivate its parent unit first."), status=409)
    before = _unit_state(unit)
    unit.active = True
    db.session.flush()
    audit.record(by, "unit", unit.id, "reactivate", before, _unit_state(unit))


# ---------------------------------------------------------------- staff


def staff_state(staff: Staff) -> dict[str, Any]:
    return {"email": staff.email, "name": staff.name, "unit": staff.unit.code if staff.unit else None,
            "roles": sorted(staff.role_names), "active": bool(staff.active),
            "deputy": staff.deputy.email if staff.deputy else None, "away_from": staff.away_from,
            "away_until": staff.away_until, "language": staff.language}


def _unit_for_staff(unit_id: int | None) -> Unit:
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None or not unit.active:
        raise FieldError(_("Choose an active unit."), "unit")
    return unit


def _roles(roles: list[str]) -> list[str]:
    known = {r.value for r in Role}
    chosen = sorted(set(roles))
    if not chosen:
        raise FieldError(_("Choose at least one role."), "roles")
    if any(r not in known for r in chosen):
        raise FieldError(_("Choose roles from the list."), "roles")
    return chosen


def _language(language: str | None) -> str:
    if language not in LANGUAGE_LABELS:
        raise FieldError(_("Choose a language from the list."), "language")
    return language


def add_staff(email: str, name: str, unit_id: int | None, roles: list[str], by: Staff,
              language: str = "zh_Hant_TW") -> Staff:
    """A new account with no password anyone knows: the person is mailed a link to set one."""
    email = (email or "").strip().lower()
    if not re.fullmatch(r"[^@\s]{1,64}@[^@\s]{1,189}", email):
        raise FieldError(_("Please enter a valid e-mail address."), "email")
    if find_staff(email) is not None:
        raise FieldError(_("An account with this e-mail address exists already."), "email")
    name, unit, chosen = _name(name), _unit_for_staff(unit_id), _roles(roles)
    language = _language(language)
    staff = create_staff(email, name, unit.code, chosen, secrets.token_urlsafe(32))
    staff.language = language
    db.session.flush()
    audit.record(by, "staff", staff.id, "create", None, staff_state(staff))
    send_password_reset(staff, by)
    return staff


def change_staff(staff: Staff, *, name: str, unit_id: int | None, roles: list[str], deputy_id: int | None,
                 away_from: date | None, away_until: date | None, by: Staff,
                 language: str | None = None) -> Staff:
    before = staff_state(staff)
    language = staff.language if language is None else _language(language)
    name, unit, chosen = _name(name), _unit_for_staff(unit_id), _roles(roles)
    if staff.id == by.id and Role.ADMIN.value not in chosen:
        raise FieldError(_("You cannot take the administrator role from your own account."), "roles")
    deputy = _checked_away(staff, deputy_id, away_from, away_until)
    staff.name, staff.unit = name, unit
    if sorted(staff.role_names) != chosen:
        staff.roles = [StaffRole(role=r) for r in chosen]
    staff.deputy, staff.away_from, staff.away_until = deputy, away_from, away_until
    staff.language = language
    db.session.flush()
    audit.record(by, "staff", staff.id, "update", before, staff_state(staff))
    return staff


def _checked_away(staff: Staff, deputy_id: int | None, away_from: date | None,
                  away_until: date | None) -> Staff | None:
    """The deputy, once the absence is valid: both days or neither, in order, and a deputy (another active member
    of staff) for any time away. The staff page and `flask staff away` refuse alike."""
    deputy = None
    if deputy_id is not None:
        deputy = db.session.get(Staff, deputy_id)
        if deputy is None or not deputy.active or deputy.id == staff.id:
            raise FieldError(_("Choose another active member of staff as the deputy."), "deputy")
    if (away_from is None) != (away_until is None):
        raise FieldError(_("Give both the first and the last day away, or neither."), "away_until")
    if away_from and away_until and away_until < away_from:
        raise FieldError(_("The last day away cannot be before the first."), "away_until")
    if away_from and deputy is None:
        raise FieldError(_("Choose a deputy for the time away."), "deputy")
    return deputy


def set_away(staff: Staff, *, away_from: date, away_until: date, deputy_id: int | None, by: Staff | None) -> Staff:
    """Record an absence and the deputy who covers it, checked as on the staff page (`change_staff`)."""
    before = staff_state(staff)
    deputy = _checked_away(staff, deputy_id, away_from, away_until)
    staff.deputy, staff.away_from, staff.away_until = deputy, away_from, away_until
    db.session.flush()
    audit.record(by, "staff", staff.id, "update", before, staff_state(staff))
    return staff


def set_staff_active(staff: Staff, active: bool, by: Staff) -> None:
    before = staff_state(staff)
    set_active(staff, active)
    audit.record(by, "staff", staff.id, "reactivate" if active else "deactivate", before, staff_state(staff))


def send_password_reset(staff: Staff, by: Staff) -> None:
    row = password_reset.issue(staff, by)
    audit.record(by, "staff", staff.id, "password_reset_sent", None, {"expires_at": row.expires_at})


# ---------------------------------------------------------------- run-time settings

# Options for a setting whose values name things a downstream domain keeps (the time-limit classes of
# `default_limit_class` are in cases): the domain registers a function giving [(value, label), ...].
SETTING_CHOICES: dict[str, Callable[[], list[tuple[str, str]]]] = {}

# The keys of `default_limit_class`, as people call them.
CHANNEL_LABELS = {"petition": _l("Petition"), "mailbox": _l("Director's mailbox"), "complaint": _l("Complaint")}

# Each setting's help text in the user's language (core/settings.py keeps the English descriptions).
SETTING_HELP = {
    "verification_valid_days": _l("Days a citizen has to open the e-mail verification link"),
    "password_reset_valid_hours": _l("Hours a password-reset link mailed by an administrator stays valid"),
    "attachment_max_count": _l("Attachments allowed per submission"),
    "attachment_max_megabytes": _l("Size limit of one attachment, in MiB"),
    "office_closes_at": _l("Submissions verified at or after this Taipei time (for example 17:00) count as received "
                           "on the next working day"),
    "default_limit_class": _l("Time-limit class given to a new case, per channel"),
    "routing_working_days": _l("Working days after receipt by which intake routes, transfers or declares a case "
                               "not handled (the routing milestone)"),
    "extension_max_count": _l("Extensions allowed per case"),
    "extension_max_total_days": _l("Days all extensions of a case may add up to (working days, or calendar days "
                                   "for a class that counts them)"),
    "information_reply_working_days": _l("Working days a petitioner asked for more information is given to "
                                         "answer, unless the handler says otherwise"),
    "reminder_due_soon_working_days": _l("Working days before the due date the handler is reminded"),
    "route_integrity_complaints_to_ethics": _l("Route complaints about integrity or misconduct to the ethics "
                                               "office on registration"),
    "identity_retention_years": _l("Years after closure after which the petitioner's identifying data is erased"),
    "survey_valid_days": _l("Days a satisfaction-survey link stays valid"),
    "survey_reminder_after_days": _l("Days after which an unanswered survey is reminded once (0: never)"),
    "survey_max_per_address_30_days": _l("Survey invitations one e-mail address gets in 30 days"),
    "survey_after_transfer_or_not_handled": _l("Invite to the survey also when a case is transferred or not "
                                               "handled"),
    "survey_min_responses": _l("Fewer responses than this show “too few responses” instead of scores"),
    "survey_dissatisfied_at_or_below": _l("An overall score at or below this opens a follow-up"),
    "follow_up_working_days": _l("Working days a unit has to answer a dissatisfied response"),
    "follow_up_max_working_days": _l("Working days a follow-up may take with the supervisor's extension"),
    "transfer_and_not_handled_notices": _l("Mail the petitioner when a case is transferred or registered as not "
                                           "handled"),
    "four_eyes_relaxed_for_one_person_units": _l(
        "Let whoever drafted a reply or requested an extension approve it when nobody else may (no other "
        "supervisor of the unit, no deputy, no supervisor of the parent unit); the timeline records it"),
    "reopen_within_days": _l("Calendar days after closure in which the petitioner may say the matter is not "
                             "resolved and reopen the case"),
    "remedy_notice_required_for": _l("Replies that must carry the legal-remedy notice (administrative appeal, "
                                     "state compensation) before approval: outcomes (refused, met, explained, other) "
                                     "and case categories, separated by commas."),
    "roc_dates": _l("Show dates on the Chinese pages in the ROC (Minguo) calendar, as 115/12/01, instead of "
                    "2026-12-01; exports and English pages keep 2026-12-01"),
    "agency_address": _l("The agency's postal address, printed in the header of letters and slips"),
    "agency_phone": _l("The agency's telephone, printed on letters and slips (and as the contact's number when the "
                       "handler has none)"),
    "document_number_prefix": _l("The beginning of an outgoing document number: a number reads this beginning, the "
                                 "ROC year, a 7-digit sequence number and the closing character"),
}

MAX_SETTING_NUMBER = 100_000


def setting_help(key: str) -> str:
    return str(SETTING_HELP.get(key) or SPECS[key].description)


def setting_field_name(key: str, sub: str | None = None) -> str:
    return f"{key}.{sub}" if sub else key


def parse_settings(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Every setting's value from the form (`form.get`), and the errors by field name."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, spec in SPECS.items():
        default = spec.default
        try:
            if isinstance(default, bool):
                values[key] = form.get(key) in ("y", "on", "true", "1")
            elif isinstance(default, int):
                raw = (form.get(key) or "").strip()
                if not re.fullmatch(r"[+-]?\d{1,9}", raw, re.ASCII):
                    raise FieldError(_("Enter a whole number."), key)
                number = int(raw)
                low = spec.minimum if spec.minimum is not None else 0
                if not low <= number <= MAX_SETTING_NUMBER:
                    raise FieldError(_("Enter a whole number from %(low)d to %(high)d.", low=low,
                                       high=MAX_SETTING_NUMBER), key)
                values[key] = number
            elif isinstance(default, dict):
                options = {value for value, _label in SETTING_CHOICES[key]()} if key in SETTING_CHOICES else None
                chosen = {}
                for sub in default:
                    name = setting_field_name(key, sub)
                    value = (form.get(name) or "").strip()
                    if not value or (options is not None and value not in options):
                        errors[name] = _("Choose one of the active classes.")
                    chosen[sub] = value
                values[key] = chosen
            else:
                text = (form.get(key) or "").strip()
                if len(text) > 200:
                    raise FieldError(_("At most %(max)d characters.", max=200), key)
                if key == "office_closes_at":
                    try:
                        if not re.fullmatch(r"\d{1,2}:\d{2}", text, re.ASCII):
                            raise ValueError(text)
                        parse_clock(text)
                    except ValueError:
                        raise FieldError(_("Write a time as HH:MM, e.g. 17:00."), key) from None
                values[key] = text
        except FieldError as exc:
            errors[exc.field or key] = exc.message
    return values, errors


def save_settings(values: dict[str, Any], by: Staff) -> list[str]:
    """Store every changed value (one transaction, the request's) and audit each; returns the changed keys."""
    changed, stored = [], fresh_settings()  # the audit's old value as stored, not as this process cached it
    for key, value in values.items():
        old = stored[key]
        if old == value:
            continue
        try:
            set_setting(key, value, by_id=by.id)
        except ValueError as exc:  # parse_settings checks what set_setting does; this is the last guard
            raise FieldError(str(exc), key) from exc
        audit.record(by, "setting", key, "update", {"value": old}, {"value": value})
        changed.append(key)
    return changed

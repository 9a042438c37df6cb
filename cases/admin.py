"""What administrators change in the deadline engine's data: the time-limit classes and the agency's office
calendar, the latter with a preview of the due dates a change would move, computed without writing anything."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from cases.calendar_admin import remove_calendar_day, set_calendar_day
from cases.deadlines import forget_calendar
from cases.models import OPEN_STATES, CalendarDay, Case, TimeLimitClass
from core import audit
from core.accounts.admin import FieldError
from core.accounts.models import Staff, Unit
from core.clock import TAIPEI
from core.extensions import db
from core.settings import get_setting

# ---------------------------------------------------------------- time-limit classes

CLASS_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}", re.ASCII)
MAX_DAYS = 365


def class_state(row: TimeLimitClass) -> dict[str, Any]:
    return {"name_zh": row.name_zh, "name_en": row.name_en, "days": row.days,
            "counts_holidays": bool(row.counts_holidays), "active": bool(row.active)}


def _names(name_zh: str | None, name_en: str | None) -> tuple[str, str]:
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    for value, field in ((name_zh, "name_zh"), (name_en, "name_en")):
        if not value:
            raise FieldError(_("Please enter a name."), field)
        if len(value) > 60:
            raise FieldError(_("The name may have at most %(max)d characters.", max=60), field)
    return name_zh, name_en


def _days(days: int | None) -> int:
    if days is None or not 1 <= days <= MAX_DAYS:
        raise FieldError(_("Enter a number of days from %(min)d to %(max)d.", min=1, max=MAX_DAYS), "days")
    return days


def add_class(code: str, name_zh: str, name_en: str, days: int | None, counts_holidays: bool,
              by: Staff) -> TimeLimitClass:
    code = (code or "").strip().lower()
    if not CLASS_CODE.fullmatch(code):
        raise FieldError(_("The short name has 1 to 40 small letters, digits or “-”."), "code")
    if db.session.get(TimeLimitClass, code) is not None:
        raise FieldError(_("A class with the code %(code)s exists already.", code=code), "code")
    name_zh, name_en = _names(name_zh, name_en)
    row = TimeLimitClass(code=code, name_zh=name_zh, name_en=name_en, days=_days(days),
                         counts_holidays=counts_holidays, active=True)
    db.session.add(row)
    db.session.flush()
    audit.record(by, "time_limit_class", code, "create", None, class_state(row))
    return row


def change_class(row: TimeLimitClass, name_zh: str, name_en: str, days: int | None, counts_holidays: bool,
                 by: Staff) -> TimeLimitClass:
    """A changed class applies to cases classified afterwards: registered cases keep their snapshot (take_limit)."""
    before = class_state(row)
    row.name_zh, row.name_en = _names(name_zh, name_en)
    row.days, row.counts_holidays = _days(days), counts_holidays
    db.session.flush()
    audit.record(by, "time_limit_class", row.code, "update", before, class_state(row))
    return row


def set_class_active(row: TimeLimitClass, active: bool, by: Staff) -> None:
    if row.active == active:
        return
    if not active:
        channels = [channel for channel, code in get_setting("default_limit_class").items() if code == row.code]
        if channels:
            raise FieldError(_("New cases of some channels are given this class (setting “time-limit class per "
                               "channel”): choose another class for them first."), status=409)
    before = class_state(row)
    row.active = active
    db.session.flush()
    audit.record(by, "time_limit_class", row.code, "reactivate" if active else "deactivate", before,
                 class_state(row))


def class_choices() -> list[tuple[str, str]]:
    """The active classes as options of the `default_limit_class` setting (registered in cases/__init__.py)."""
    from flask_babel import get_locale

    english = not str(get_locale()).startswith("zh")
    rows = db.session.scalars(select(TimeLimitClass).where(TimeLimitClass.active.is_(True))
                              .order_by(TimeLimitClass.days, TimeLimitClass.code))
    return [(r.code, r.name_en if english else r.name_zh) for r in rows]


# ---------------------------------------------------------------- units: what keeps one from closing


def open_cases_of(unit: Unit, **_details: Any) -> str | None:
    """Receiver of core's `unit_deactivating`: a unit with open cases stays."""
    count = db.session.scalar(select(func.count()).select_from(Case)
                              .where(Case.unit_id == unit.id, Case.state.in_(OPEN_STATES)))
    if count:
        return _("%(unit)s still has %(n)d open case(s): route them to another unit first.", unit=unit.name, n=count)
    return None


# ---------------------------------------------------------------- the office calendar


@dataclass(frozen=True)
class MovedCase:
    number: str
    due_before: date
    due_after: date


def _open_cases_around(day: date) -> list[tuple[int, str, date | None]]:
    # The cases recompute_open_cases_around looks at for this day: open, arrived by then, due on or after it.
    until = datetime.combine(day + timedelta(days=1), time(0), TAIPEI)
    return list(db.session.execute(select(Case.id, Case.number, Case.due_on)
                                   .where(Case.state.in_(OPEN_STATES), Case.received_at < until, Case.due_on >= day)
                                   .order_by(Case.due_on, Case.id)))


def preview(change: Callable[[], Any], day: date) -> list[MovedCase]:
    """The open cases whose due dates `change` would move, old and new: the change is made inside a savepoint,
    the new dates are read back, and the savepoint is rolled back, so nothing is written (not the override, not
    the cases, not their timeline events, not the audit entry). The same code as the real change computes them,
    so the preview and the change cannot disagree."""
    before = _open_cases_around(day)
    savepoint = db.session.begin_nested()
    try:
        change()
        ids = [case_id for case_id, _number, _due in before]
        after = dict(db.session.execute(select(Case.id, Case.due_on).where(Case.id.in_(ids))).all())
    finally:
        savepoint.rollback()
        forget_calendar()
    return [MovedCase(number, due, after[case_id]) for case_id, number, due in before
            if case_id in after and after[case_id] != due]


def _day_state(row: CalendarDay | None) -> dict[str, Any] | None:
    return None if row is None else {"working_day": bool(row.is_working_day), "reason": row.reason}


def add_day(day: date, is_working_day: bool, reason: str, by: Staff | None) -> int:
    before = _day_state(db.session.get(CalendarDay, day))
    moved = set_calendar_day(day, is_working_day, reason, by)
    audit.record(by, "calendar_day", day.isoformat(), "create" if before is None else "update", before,
                 _day_state(db.session.get(CalendarDay, day)))
    return moved


def remove_day(day: date, by: Staff | None) -> int:
    before = _day_state(db.session.get(CalendarDay, day))
    moved = remove_calendar_day(day, by)
    audit.record(by, "calendar_day", day.isoformat(), "remove", before, None)
    return moved

"""The deadline engine's link to the database: the agency's calendar, the limit classes, and
(re)computing a case's due dates. The arithmetic itself is pure (calendar.py, time_limits.py)."""

from __future__ import annotations

from datetime import date, datetime

from flask import g, has_app_context
from sqlalchemy import select

from cases import time_limits
from cases.calendar import WorkingCalendar
from cases.models import CalendarDay, Case, ExtensionStatus, TimeLimitClass
from core.extensions import db
from core.settings import get_setting, parse_clock


def load_calendar() -> WorkingCalendar:
    """National calendar plus the agency's overrides; built once per request or task."""
    cached = g.get("working_calendar") if has_app_context() else None
    if cached is not None:
        return cached
    overrides = dict(db.session.execute(select(CalendarDay.day, CalendarDay.is_working_day)).all())
    calendar = WorkingCalendar(overrides)
    if has_app_context():
        g.working_calendar = calendar
    return calendar


def forget_calendar() -> None:
    g.pop("working_calendar", None)


def limit_classes(active_only: bool = True) -> list[TimeLimitClass]:
    query = select(TimeLimitClass).order_by(TimeLimitClass.days, TimeLimitClass.code)
    if active_only:
        query = query.where(TimeLimitClass.active.is_(True))
    return list(db.session.scalars(query))


def time_limit(code: str) -> time_limits.TimeLimit:
    row = db.session.get(TimeLimitClass, code)
    if row is None:
        raise KeyError(code)
    return time_limits.TimeLimit(code=row.code, days=row.days, counts_holidays=row.counts_holidays)


def default_class_for(channel: str) -> str:
    return get_setting("default_limit_class")[channel]


def receipt_date(moment: datetime) -> date:
    return time_limits.receipt_date(moment, load_calendar(), parse_clock(get_setting("office_closes_at")))


def approved_extension_days(case: Case) -> int:
    return sum(e.days for e in case.extensions if e.status == ExtensionStatus.APPROVED)


def compute_due_dates(case: Case) -> None:
    """Set original_due_on (the limit) and due_on (the limit plus approved extensions)."""
    calendar = load_calendar()
    if case.sender_deadline:
        base = time_limits.sender_deadline_due(case.received_on, case.sender_deadline,
                                               time_limit("ordinary"), calendar)
    else:
        base = time_limits.due_date(case.received_on, time_limit(case.limit_class), calendar)
    case.original_due_on = base
    case.due_on = time_limits.extended_due(base, approved_extension_days(case), calendar)


def recompute_open_cases_around(day: date) -> int:
    """After a closure or extra working day: recompute the open cases whose counting window
    contains `day` (received before it, due on or after it). Only those rows are touched."""
    from cases.models import OPEN_STATES

    affected = db.session.scalars(
        select(Case).where(Case.state.in_(OPEN_STATES), Case.received_on < day, Case.due_on >= day)
    ).all()
    for case in affected:
        compute_due_dates(case)
    db.session.flush()
    return len(affected)



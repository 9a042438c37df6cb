"""The agency's calendar overrides: closures (typhoon days) and extra working days."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from cases.deadlines import forget_calendar, recompute_open_cases_around
from cases.models import CalendarDay
from core.accounts.models import Staff
from core.errors import DomainError
from core.extensions import db


class CalendarError(DomainError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message, status)


def set_calendar_day(day: date, is_working_day: bool, reason: str, by: Staff | None) -> int:
    """Record an override and recompute the due dates it moves. Returns how many cases changed."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise CalendarError(_("Please give a reason (e.g. typhoon closure announced by the city)."))
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.is_working_day, row.reason, row.created_by_id = is_working_day, reason, by.id if by else None
    db.session.add(row)
    db.session.flush()
    forget_calendar()
    cause = "working_day" if is_working_day else "closure"
    return recompute_open_cases_around([day], cause=cause, detail=f"{day.isoformat()} {reason}",
                                       actor_id=by.id if by else None)


def remove_calendar_day(day: date, by: Staff | None = None) -> int:
    row = db.session.get(CalendarDay, day)
    if row is None:
        raise CalendarError(_("No override on that day."))
    db.session.delete(row)
    db.session.flush()
    forget_calendar()
    return recompute_open_cases_around([day], cause="override_removed", detail=f"{day.isoformat()} {row.reason}",
                                       actor_id=by.id if by else None)

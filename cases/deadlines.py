"""The deadline engine's link to the database: the agency's calendar, the limit classes, and
(re)computing a case's due dates. The arithmetic itself is pure (calendar.py, time_limits.py).

A due date moves only with a recorded cause (docs/domain-rules.md, interpretations I1, I2, I6):
`recompute()` appends a `due_date_changed` event with the dates before and after.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cases import pauses, time_limits
from cases.calendar import WorkingCalendar
from cases.models import (
    OPEN_STATES,
    CalendarDay,
    Case,
    CaseEvent,
    Extension,
    ExtensionStatus,
    InformationRequest,
    InformationStatus,
    OfficeCalendarDay,
    OfficeCalendarYear,
    TimeLimitClass,
)
from core.clock import TAIPEI
from core.db import utcnow
from core.extensions import db
from core.settings import get_setting, parse_clock

# The official calendar changes once or twice a year: kept per process, reloaded when an import changes it,
# with a calendar built from it (no overrides) that each request's calendar starts from.
_official_lock = threading.Lock()
_official_cache: dict[str, object] = {"key": None, "snapshot": ({}, frozenset(), WorkingCalendar())}

# Causes of a due-date change, the event's detail["cause"] (labels in cases/labels.py).
CAUSES = ("closure", "working_day", "override_removed", "official_calendar", "extension", "reclassification")


def _official_snapshot() -> tuple[dict[date, bool], frozenset[int], WorkingCalendar]:
    # Keyed on content (each year's file digest), not on a clock: any import or removal changes it.
    key = tuple(db.session.execute(select(OfficeCalendarYear.year, OfficeCalendarYear.sha256)
                                   .order_by(OfficeCalendarYear.year)).all())
    with _official_lock:
        if _official_cache["key"] != key:
            years = frozenset(db.session.scalars(select(OfficeCalendarYear.year)))
            days = dict(db.session.execute(select(OfficeCalendarDay.day, OfficeCalendarDay.is_working_day)).all())
            _official_cache.update(key=key, snapshot=(days, years, WorkingCalendar(official=days,
                                                                                   official_years=years)))
        return _official_cache["snapshot"]  # type: ignore[return-value]


def load_calendar() -> WorkingCalendar:
    """Overrides, the official calendar and the national rules; built once per request or task."""
    cached = g.get("working_calendar") if has_app_context() else None
    if cached is not None:
        return cached
    overrides = dict(db.session.execute(select(CalendarDay.day, CalendarDay.is_working_day)).all())
    calendar = _official_snapshot()[2].with_overrides(overrides)
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


def take_limit(case: Case, row: TimeLimitClass) -> None:
    """Snapshot the class's limit on the case (I1): later changes to the class do not reach it."""
    case.limit_class = row.code
    case.limit_days, case.limit_counts_holidays = row.days, row.counts_holidays
    case.limit_name_zh, case.limit_name_en = row.name_zh, row.name_en


def case_limit(case: Case) -> time_limits.TimeLimit:
    return time_limits.TimeLimit(code=case.limit_class, days=case.limit_days,
                                 counts_holidays=bool(case.limit_counts_holidays))


def compute_due_dates(case: Case) -> None:
    """Set the routing milestone, original_due_on (the limit), due_on (the limit plus approved extensions)
    and each approved extension's dates before and after, from the case's own limit."""
    calendar = load_calendar()
    if case.routing_days is None:  # taken once, like the limit
        case.routing_days = get_setting("routing_working_days")
    case.routing_due_on = calendar.add_working_days(case.received_on, case.routing_days)
    if case.sender_deadline:
        # Rule 9's fallback is the 普通件 limit of the 文書處理手冊 itself, not the agency's editable class.
        base = time_limits.sender_deadline_due(case.received_on, case.sender_deadline, time_limits.ORDINARY,
                                               calendar)
    else:
        base = time_limits.due_date(case.received_on, case_limit(case), calendar)
    due = base
    # Approved extensions and answered requests for information (補陳), in the order they happened: each moves the
    # due date from where the one before left it.
    steps: list[tuple[datetime, Extension | InformationRequest]] = [
        (e.decided_at or e.requested_at, e) for e in case.extensions if e.status == ExtensionStatus.APPROVED]
    answered = [r for r in case.information_requests if r.answered_on is not None]
    steps += [(r.answered_at, r) for r in answered]
    # Unanswered, the case closed as not handled (cases/information.close_unanswered): the clock stood still up to
    # the closing day, so the closure is judged against the due date moved by those days, like an answer that day.
    closed = [r for r in case.information_requests
              if r.answered_on is None and r.status == InformationStatus.UNANSWERED and case.closed_on is not None]
    steps += [(case.closed_at or utcnow(), r) for r in closed]
    for _at, step in sorted(steps, key=lambda s: s[0]):
        if isinstance(step, InformationRequest):
            step.due_before = due
            ended = step.answered_on if step.answered_on is not None else case.closed_on
            step.paused_days = pauses.paused_working_days(step.asked_on, ended, calendar)
            due = step.due_after = pauses.moved_due(due, step.paused_days, calendar)
            continue
        # Each extension counts its days as it was granted (I3), whatever the case's class now.
        step.due_before = due
        due = step.due_after = time_limits.extended_due(due, step.days, calendar, bool(step.counts_holidays))
    # The original limit's clock stopped too: the petitioner's days are never the agency's delay (rule 16 holds
    # the agency to its original limit, not to the days it waited for an answer).
    base = pauses.moved_due(base, pauses.total_paused(r.paused_days for r in answered + closed), calendar)
    case.original_due_on = base
    case.due_on = due
    for extension in case.extensions:
        if extension.status == ExtensionStatus.REQUESTED:
            extension.due_before = case.due_on
    case.due_on_provisional = calendar.any_provisional(case.received_on, case.due_on)


def _parts(cause: str, detail: str | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The event's parts and typed note. `detail` is parts already, or the calendar's text: "DAY REASON" (an
    override: the day, and the reason a person typed) or "YEAR SOURCE" (an official calendar import)."""
    if not isinstance(detail, str):
        return dict(detail), ""
    head, _sep, rest = detail.strip().partition(" ")
    if cause == "official_calendar" and head.isdigit():
        return {"year": int(head), "source": rest}, ""
    try:
        return {"day": date.fromisoformat(head).isoformat()}, rest.strip()
    except ValueError:
        return {}, detail.strip()


def recompute(case: Case, *, cause: str, detail: str | Mapping[str, Any] = "", actor_id: int | None = None,
              receipt_too: bool = False) -> bool:
    """Recompute the case's dates; if the due date or the receipt day moved, append the event that says
    so (old date, new date, cause, and the parts cases/timeline.py words). Returns whether anything moved."""
    assert cause in CAUSES, cause
    before = (case.received_on, case.due_on, case.original_due_on, case.routing_due_on)
    if receipt_too:
        case.received_on = receipt_date(case.received_at)
    compute_due_dates(case)
    after = (case.received_on, case.due_on, case.original_due_on, case.routing_due_on)
    if before == after or case.id is None:
        return False
    parts, note = _parts(cause, detail)
    parts["cause"] = cause
    if before[0] != after[0]:
        parts["received_before"], parts["received_after"] = before[0].isoformat(), after[0].isoformat()
    if before[3] != after[3] and before[3] is not None:
        parts["route_by_before"], parts["route_by_after"] = before[3].isoformat(), after[3].isoformat()
    db.session.add(CaseEvent(case=case, actor_id=actor_id, action="due_date_changed", from_state=case.state,
                             to_state=case.state, note=note, detail=parts, due_before=before[1],
                             due_after=after[1]))
    return True


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), TAIPEI)


def recompute_open_cases_around(days: Iterable[date], *, cause: str, detail: str | Mapping[str, Any] = "",
                                actor_id: int | None = None, redate_receipts: bool = True,
                                progress: Callable[[Sequence[Case]], AbstractContextManager[Iterable[Case]]] | None
                                = None) -> int:
    """After a closure, an extra working day or an official-calendar change on `days`: recompute the open
    cases whose counting window (the day they arrived to their due date) contains one of them. A case
    counted as received on or after such a day is re-dated from the moment it arrived (I6).
    `progress` wraps the cases for a progress display (a click.progressbar, say); redate_receipts=False only
    recomputes (a year that became official: its provisional flags go, no day changed).
    Returns how many cases' dates moved."""
    days = sorted(set(days))
    if not days:
        return 0
    first, last = days[0], days[-1]
    affected = db.session.scalars(
        select(Case).where(Case.state.in_(OPEN_STATES), Case.received_at < _start_of(last + timedelta(days=1)),
                           Case.due_on >= first).order_by(Case.id).options(selectinload(Case.extensions),
                                                                selectinload(Case.information_requests))
    ).all()
    moved = 0
    with progress(affected) if progress is not None else nullcontext(affected) as cases:
        for case in cases:
            arrived = case.received_at.astimezone(TAIPEI).date()
            in_window = [d for d in days if arrived <= d and (case.due_on is None or d <= case.due_on)]
            if not in_window:
                continue
            receipt_too = redate_receipts and any(d <= case.received_on for d in in_window)
            moved += recompute(case, cause=cause, detail=detail, actor_id=actor_id, receipt_too=receipt_too)
    db.session.flush()
    return moved

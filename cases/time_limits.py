"""Deadline engine: receipt dates, due dates, extensions and days used (domain rules 2-9, 16-17).

Pure: no database, no Flask, no clock (callers pass `today`), no config lookups (callers pass limits and caps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cases.calendar import WorkingCalendar

TAIPEI = ZoneInfo("Asia/Taipei")

# Rule 4 and I4: finished before any working day has passed counts as half a day.
SAME_DAY = 0.5
# Rule 5: a 限期公文 finished within its deadline records at most 6 days (the 普通件 limit).
SENDER_DEADLINE_CAP = 6


@dataclass(frozen=True)
class TimeLimit:
    code: str  # e.g. "ordinary"
    days: int  # the limit
    # False: working days (the default, rule 2).
    # True: calendar days including holidays (專案管制, rules 7 and 10; extensions too, I3).
    counts_holidays: bool = False


# Rule 8 (文書處理手冊 78(1)), rule 35 (a director's mailbox example), rule 30 (at most 30, default working days).
# Agencies may configure others; these are defaults.
MOST_URGENT = TimeLimit("most-urgent", 1)
URGENT = TimeLimit("urgent", 3)
ORDINARY = TimeLimit("ordinary", 6)
DIRECTOR_MAILBOX = TimeLimit("director-mailbox", 6)
PETITION = TimeLimit("petition", 30)

DEFAULT_LIMITS: dict[str, TimeLimit] = {
    limit.code: limit for limit in (MOST_URGENT, URGENT, ORDINARY, DIRECTOR_MAILBOX, PETITION)
}


def receipt_date(moment: datetime, calendar: WorkingCalendar, office_close: time = time(17, 0)) -> date:
    """The office day on which a submission counts as received.

    Taipei local time decides (not the server's or UTC). A submission on a day off, or at/after office_close,
    counts as received on the next working day.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    local = moment.astimezone(TAIPEI)
    day = local.date()
    if not calendar.is_working_day(day) or local.time() >= office_close:
        return calendar.next_working_day(day)
    return day


def due_date(received_on: date, limit: TimeLimit, calendar: WorkingCalendar) -> date:
    """The last day on which a case received on received_on is still on time.

    Counting starts the day after receipt (rule 3).
    """
    if limit.days < 0:
        raise ValueError(f"limit {limit.code!r} has negative days")
    if not limit.counts_holidays:
        return calendar.add_working_days(received_on, limit.days)
    # Rule 7 counts holidays, but nobody can act on a day off: a deadline falling on one moves to the next
    # working day (the same choice as 行政程序法 art. 48(4) for periods ending on a holiday).
    return calendar.on_or_after(received_on + timedelta(days=limit.days))


def sender_deadline_due(received_on: date, deadline: date, fallback: TimeLimit, calendar: WorkingCalendar) -> date:
    """Due date of a 限期公文 (rule 9): the sender's deadline, or the fallback limit if it had already passed."""
    if deadline < received_on:
        return due_date(received_on, fallback, calendar)
    # A deadline on a day off moves to the next working day, as for counted limits (APA art. 48(4)).
    return calendar.on_or_after(deadline)


def extended_due(due_on: date, extra_days: int, calendar: WorkingCalendar, counts_holidays: bool = False) -> date:
    """An approved extension (rule 16) adds days to the current due date, counted the way the case's limit
    counts them (interpretation I3): working days, or calendar days moved off a day off like due_date()."""
    if extra_days < 0:
        raise ValueError(f"an extension cannot be negative, got {extra_days}")
    if not counts_holidays:
        return calendar.add_working_days(due_on, extra_days)
    if extra_days == 0:
        return due_on
    return calendar.on_or_after(due_on + timedelta(days=extra_days))


def extension_chain(base_due: date, extension_days: Sequence[int], calendar: WorkingCalendar,
                    counts_holidays: bool = False) -> list[tuple[date, date]]:
    """(due before, due after) of each approved extension in order, starting from the limit's due date."""
    chain: list[tuple[date, date]] = []
    due = base_due
    for days in extension_days:
        after = extended_due(due, days, calendar, counts_holidays)
        chain.append((due, after))
        due = after
    return chain


def days_used(received_on: date, finished_on: date, calendar: WorkingCalendar) -> float:
    """Working days used (發文使用日數): from the day after receipt to the finishing day inclusive (rule 3).

    Holidays are deducted; finished before the next working day counts 0.5 (rule 4). That includes a case
    finished before its counted receipt day (received on a Saturday, counted from Monday, answered at once:
    interpretation I4): never negative, never an error.
    """
    used = calendar.working_days_between(received_on, finished_on)
    return float(used) if used else SAME_DAY


def days_used_with_sender_deadline(
    received_on: date, finished_on: date, deadline: date, calendar: WorkingCalendar
) -> float:
    """Days used on a 限期公文 (rule 5): within its deadline min(actual, 6); after it, the actual days."""
    actual = days_used(received_on, finished_on, calendar)
    if finished_on <= deadline:
        return min(actual, SENDER_DEADLINE_CAP)
    return actual


def is_overdue(due_on: date, finished_on: date | None, today: date) -> bool:
    """Finished after due_on, or still open and today is past due_on.

    Judge against the ORIGINAL due date to find 逾期 cases (rule 16: an extension does not erase it).
    """
    if finished_on is not None:
        return finished_on > due_on
    return today > due_on


def extension_problems(
    *,
    requested_days: int,
    today: date,
    due_on: date,
    previous_days: Sequence[int],
    max_count: int,
    max_total_days: int,
) -> list[str]:
    """Reasons (stable codes) an extension request must be refused; an empty list means allowed.

    Caps are per-agency settings (rule 17, e.g. NCHU: 3 requests, 30 days in total).
    """
    problems: list[str] = []
    if requested_days < 1:
        problems.append("not_positive")
    # Rule 16: request it before the limit expires; on the due date itself the limit has not expired yet.
    if today > due_on:
        problems.append("after_due_date")
    if len(previous_days) >= max_count:
        problems.append("too_many")
    if sum(previous_days) + requested_days > max_total_days:
        problems.append("too_long")
    return problems

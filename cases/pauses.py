"""Stop-the-clock arithmetic for 補陳 (asking the petitioner for more information, APA art. 171, domain rule 25).

Pure: no database, no Flask, no clock; the caller passes the calendar and the days.

Which days are paused. Every working day of the official calendar (rule 1: a day counts iff the DGPA calendar
marks it not a holiday; weekends, national holidays, 補假 and the agency's closures never count) belongs either to
the agency or to the petitioner, never to both and never to neither:
- the day of the request is the agency's: it worked on the case that day (as the day of receipt is the
  petitioner's, rule 3, counting starts the day after);
- the paused days are the working days after the request up to and including the day the answer counts as
  received; like a new petition, an answer after office hours or on a day off counts as received on the next
  working day (the receipt rule of time_limits.receipt_date);
- from the day after the answer the agency's clock runs again (rule 3 again), so the due date moves later by
  exactly the paused working days, and the working days left on the day of the request are left after the answer.
An answer on the day of the request pauses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cases.calendar import WorkingCalendar

# What a handler may give the petitioner: at least a working day, at most what the longest limit allows (rule 30).
REPLY_WITHIN_MIN = 1
REPLY_WITHIN_MAX = 30


def reply_by(asked_on: date, working_days: int, calendar: WorkingCalendar) -> date:
    """The last day the petitioner is asked to answer by: `working_days` working days after the request."""
    if not REPLY_WITHIN_MIN <= working_days <= REPLY_WITHIN_MAX:
        raise ValueError(f"reply within {working_days} working days is outside "
                         f"{REPLY_WITHIN_MIN}..{REPLY_WITHIN_MAX}")
    return calendar.add_working_days(asked_on, working_days)


def paused_working_days(asked_on: date, answered_on: date, calendar: WorkingCalendar) -> int:
    """Working days d with asked_on < d <= answered_on: the days the clock stood still (0 for a same-day answer)."""
    return calendar.working_days_between(asked_on, answered_on)


def moved_due(due_on: date, paused: int, calendar: WorkingCalendar) -> date:
    """The due date after a pause: later by exactly the paused working days (a due date is a working day, so the
    working days left from the answer to the new date equal those left from the request to the old one)."""
    return calendar.add_working_days(due_on, paused) if paused > 0 else due_on


def total_paused(pauses: Iterable[int | None]) -> int:
    return sum(p or 0 for p in pauses)


def is_unanswered_past(reply_by_day: date, today: date) -> bool:
    """The reply-by day has passed (on the day itself the petitioner still has time)."""
    return today > reply_by_day

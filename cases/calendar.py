"""Working-day calendar for deadline arithmetic (domain rule 1; counting from the day after, rule 3).

Pure: no database, no Flask, no clock. Three layers, the first that knows a day wins:
1. the agency's overrides (typhoon closures, local days off, extra working days);
2. the official DGPA office calendar (docs/domain-rules.md rule 1), for the years it has published and the
   agency has imported (`flask calendar import`);
3. the `holidays` package's Taiwan rules, for any other year. Such days are *provisional* (interpretation I7):
   the rules know no make-up Saturdays or bridge days the DGPA has not yet announced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

import holidays

# No calendar has 10 years without a working day; a longer search means the overrides or the data are broken.
MAX_SEARCH_DAYS = 3660

_ONE_DAY = timedelta(days=1)

# The national rules (holidays.TW) per language, shared by every calendar of the process.
_NATIONAL: dict[str, holidays.HolidayBase] = {}
_NATIONAL_LOCK = threading.Lock()


def _require_date(day: object, what: str = "day") -> None:
    # datetime is a subclass of date: accepting it would silently drop the time and the time zone.
    # Convert moments with cases.time_limits.receipt_date first.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"{what} must be a datetime.date, not {type(day).__name__}")


class WorkingCalendar:
    """National Taiwan office calendar (holidays.TW, incl. make-up Saturdays) plus agency overrides."""

    def __init__(self, overrides: Mapping[date, bool] | None = None, *, official: Mapping[date, bool] | None = None,
                 official_years: Iterable[int] | None = None, language: str = "zh_TW") -> None:
        """overrides: date -> is_working_day (False = typhoon closure / local day off; True = extra working day).

        official: date -> is_working_day from the DGPA office calendar; official_years: the years it covers in
        full (by default every year with a date in `official`).

        language: language of the names describe() returns. Passed explicitly because python-holidays otherwise
        picks it from the process locale, which would make the output depend on the environment.
        """
        self._overrides: dict[date, bool] = {}
        for day, working in (overrides or {}).items():
            _require_date(day, "override key")
            self._overrides[day] = bool(working)
        self._official: dict[date, bool] = {}
        for day, working in (official or {}).items():
            _require_date(day, "official key")
            self._official[day] = bool(working)
        years = official_years if official_years is not None else {day.year for day in self._official}
        self.official_years: frozenset[int] = frozenset(int(y) for y in years)
        self._language = language
        self._national_rules: holidays.HolidayBase | None = None
        self._cache: dict[date, bool] = {}
        self._counts_from: dict[date, list[int]] = {}  # working days in (start, start + i], by start

    def with_overrides(self, overrides: Mapping[date, bool] | None) -> WorkingCalendar:
        """This calendar's official days (shared, not copied: no calendar changes them) with `overrides` instead
        of its own, and nothing of what it has looked up. Building a calendar validates every official day, a
        decade of them; a request that only needs the agency's current overrides starts from a built one."""
        other = WorkingCalendar(overrides, language=self._language)
        other._official, other.official_years = self._official, self.official_years
        return other

    @property
    def _national(self) -> holidays.HolidayBase:
        # Only a day the overrides and the official calendar do not know needs the rules: one instance per
        # language for the process (building one costs more than a request's arithmetic), used under the lock
        # because it adds years as they are asked for (expand=True), so any year works.
        if self._national_rules is None:
            with _NATIONAL_LOCK:
                rules = _NATIONAL.get(self._language)
                if rules is None:
                    rules = _NATIONAL[self._language] = holidays.TW(language=self._language)
            self._national_rules = rules
        return self._national_rules

    def is_working_day(self, day: date) -> bool:
        """Override wins, else the national calendar (rule 1)."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        _require_date(day)
        working = self._overrides.get(day)
        if working is None:
            working = self._official.get(day)
        if working is None:
            rules = self._national
            with _NATIONAL_LOCK:
                working = bool(rules.is_working_day(day))
        self._cache[day] = working
        return working

    def is_provisional(self, day: date) -> bool:
        """True when the day's year has no official calendar, so its answer comes from rules (I7)."""
        _require_date(day)
        return day.year not in self.official_years

    def any_provisional(self, start: date, end: date) -> bool:
        """True when a day from start to end (inclusive) lies in a year without an official calendar."""
        return any(year not in self.official_years for year in range(start.year, end.year + 1))

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after day."""
        _require_date(day)
        current = day
        for _ in range(MAX_SEARCH_DAYS):
            current += _ONE_DAY
            if self.is_working_day(current):
                return current
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days after {day.isoformat()}")

    def on_or_after(self, day: date) -> date:
        """day itself if it is a working day, else the next working day."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after start (counting starts the day after, rule 3); n == 0 returns start."""
        _require_date(start, "start")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        current = start
        for _ in range(n):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days d with start < d <= end (0 if end <= start)."""
        _require_date(start, "start")
        _require_date(end, "end")
        span = (end - start).days
        if span <= 0:
            return 0
        # A page counts from one day (today) to many due dates: running counts from `start`, extended as far as
        # asked, make each further count one lookup instead of a walk over the days.
        counts = self._counts_from.setdefault(start, [0])
        while len(counts) <= span:
            counts.append(counts[-1] + self.is_working_day(start + timedelta(days=len(counts))))
        return counts[span]

    def describe(self, day: date) -> str | None:
        """The holiday name from holidays.TW for a non-working day, or None.

        None for working days, ordinary weekends and override closures (they have no national name).
        """
        if self.is_working_day(day):
            return None
        rules = self._national
        with _NATIONAL_LOCK:
            return rules.get(day)

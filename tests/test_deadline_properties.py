"""Property-based tests (hypothesis) of the pure deadline engine: cases/calendar.py and cases/time_limits.py.

No database, no Flask. Dates are drawn from 2017-01-01..2027-12-31: 2017-2026 have an official DGPA calendar
(tests/data/tw-office-calendar), 2027 has only the `holidays` rules (provisional, interpretation I7).

Building a WorkingCalendar instantiates holidays.TW, so the plain rules calendar is built once, at module level;
calendars with overrides or official data are built only inside the tests that need them.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from cases.calendar import WorkingCalendar
from cases.time_limits import (
    MOST_URGENT,
    ORDINARY,
    URGENT,
    TimeLimit,
    days_used,
    due_date,
    extended_due,
    extension_chain,
    receipt_date,
    sender_deadline_due,
)

TAIPEI = ZoneInfo("Asia/Taipei")
OFFICIAL_JSON = Path(__file__).resolve().parent / "data" / "tw-office-calendar"
ONE_DAY = timedelta(days=1)

# The plain calendar: no overrides, no official data, the holidays.TW rules only. Shared by every test that does
# not need a calendar of its own (it only caches answers, which never change).
RULES = WorkingCalendar()

# database=None: hypothesis must not write a .hypothesis/ directory into the source tree.
FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
# For tests that build a calendar per example (a few ms each).
BUILDS = settings(FAST, max_examples=60)

FIRST, LAST = date(2017, 1, 1), date(2027, 12, 31)
dates = st.dates(min_value=FIRST, max_value=LAST)
# Limits in use run from 1 to 30 days (rule 8, rule 30), the CLI accepts up to 365: 0..60 covers the edges
# without making each example slow.
limit_days = st.integers(min_value=0, max_value=60)
positive_days = st.integers(min_value=1, max_value=60)
counting_modes = st.booleans()
extension_days = st.integers(min_value=0, max_value=30)


def limit(days: int, counts_holidays: bool) -> TimeLimit:
    return TimeLimit("prop", days, counts_holidays)


def days_off_from(day: date, calendar: WorkingCalendar) -> int:
    """The number of consecutive days off starting at day (0 when day is a working day)."""
    run = 0
    while not calendar.is_working_day(day + timedelta(days=run)):
        run += 1
    return run


def official_2026() -> dict[date, bool]:
    """date -> is_working_day, straight from the official DGPA JSON (a working day iff isHoliday is false)."""
    entries = json.loads((OFFICIAL_JSON / "2026.json").read_text(encoding="utf-8"))
    return {date.fromisoformat(entry["date"]): not entry["isHoliday"] for entry in entries}


# ---------------------------------------------------------------- 1. the due date is a working day, after receipt


@FAST
@given(received=dates, days=limit_days, counts_holidays=counting_modes)
@example(received=date(2026, 2, 13), days=1, counts_holidays=False)  # Friday before the Lunar New Year break
@example(received=date(2026, 1, 16), days=30, counts_holidays=True)  # 30 calendar days land on 小年夜 2026-02-15
def test_due_date_is_a_working_day_never_before_receipt_and_strictly_after_for_positive_limits(
        received: date, days: int, counts_holidays: bool) -> None:
    due = due_date(received, limit(days, counts_holidays), RULES)
    assert due >= received
    if days >= 1:
        assert due > received
        assert RULES.is_working_day(due)
    elif counts_holidays or RULES.is_working_day(received):
        # A 0-day limit: the receipt day itself, moved off a day off for calendar-day classes. (A 0-day
        # working-day limit on a day off returns that day off: add_working_days(start, 0) == start.)
        assert RULES.is_working_day(due)


# ---------------------------------------------------------------- 2. monotone in the receipt date and in the limit


@FAST
@given(first=dates, second=dates, days=limit_days, counts_holidays=counting_modes)
def test_due_date_is_monotone_in_the_receipt_date(first: date, second: date, days: int,
                                                   counts_holidays: bool) -> None:
    earlier, later = sorted((first, second))
    rule = limit(days, counts_holidays)
    assert due_date(earlier, rule, RULES) <= due_date(later, rule, RULES)


@FAST
@given(received=dates, first=limit_days, second=limit_days, counts_holidays=counting_modes)
def test_due_date_is_monotone_in_the_limit(received: date, first: int, second: int, counts_holidays: bool) -> None:
    shorter, longer = sorted((first, second))
    assert (due_date(received, limit(shorter, counts_holidays), RULES)
            <= due_date(received, limit(longer, counts_holidays), RULES))


# ---------------------------------------------------------------- 3. extensions


@FAST
@given(received=dates, days=positive_days, extra=extension_days, counts_holidays=counting_modes)
def test_an_extension_never_moves_the_due_date_earlier(received: date, days: int, extra: int,
                                                       counts_holidays: bool) -> None:
    due = due_date(received, limit(days, counts_holidays), RULES)
    extended = extended_due(due, extra, RULES, counts_holidays)
    assert extended >= due
    if extra >= 1:
        assert extended > due
        assert RULES.is_working_day(extended)


@FAST
@given(due=dates, counts_holidays=counting_modes)
def test_extending_by_zero_days_changes_nothing(due: date, counts_holidays: bool) -> None:
    # Any date, not only working days: a zero extension is the identity for both counting modes.
    assert extended_due(due, 0, RULES, counts_holidays) == due


@FAST
@given(received=dates, days=positive_days, extensions=st.lists(extension_days, max_size=5),
       counts_holidays=counting_modes)
def test_extension_chain_links_up_and_equals_successive_extensions(received: date, days: int, extensions: list[int],
                                                                   counts_holidays: bool) -> None:
    base = due_date(received, limit(days, counts_holidays), RULES)
    chain = extension_chain(base, extensions, RULES, counts_holidays)
    assert len(chain) == len(extensions)
    due = base
    for (before, after), extra in zip(chain, extensions, strict=True):
        assert before == due  # each 'before' is the previous 'after' (the first is the base due date)
        due = extended_due(due, extra, RULES, counts_holidays)
        assert after == due
        assert after >= before
    assert (chain[-1][1] if chain else base) == due


@FAST
@given(received=dates, days=positive_days, extensions=st.lists(extension_days, max_size=5))
def test_for_working_day_classes_a_chain_equals_one_extension_by_the_sum(received: date, days: int,
                                                                         extensions: list[int]) -> None:
    base = due_date(received, limit(days, False), RULES)
    chain = extension_chain(base, extensions, RULES, False)
    last = chain[-1][1] if chain else base
    assert last == extended_due(base, sum(extensions), RULES, False)


@FAST
@given(received=dates, days=positive_days, extensions=st.lists(extension_days, max_size=5))
def test_for_calendar_day_classes_a_chain_is_never_earlier_than_one_extension_by_the_sum(
        received: date, days: int, extensions: list[int]) -> None:
    # Not equal in general: each step may first be moved off a day off, and the next step counts from there.
    base = due_date(received, limit(days, True), RULES)
    chain = extension_chain(base, extensions, RULES, True)
    last = chain[-1][1] if chain else base
    assert last >= extended_due(base, sum(extensions), RULES, True)


# ---------------------------------------------------------------- 4. closures only move due dates later

overrides = st.dictionaries(dates, st.booleans(), max_size=4)
# Offsets from the receipt date: close to it, so the changed day usually falls inside the counted period.
near = st.integers(min_value=-3, max_value=90)


@BUILDS
@given(received=dates, days=limit_days, counts_holidays=counting_modes, base=overrides,
       changed=st.lists(near, min_size=1, max_size=3))
@example(received=date(2024, 7, 23), days=1, counts_holidays=False, base={}, changed=[1])  # Typhoon Gaemi, 7/24
@example(received=date(2024, 7, 23), days=1, counts_holidays=False, base={}, changed=[0])  # closure on receipt day
def test_a_closure_never_makes_a_due_date_earlier(received: date, days: int, counts_holidays: bool,
                                                  base: dict[date, bool], changed: list[int]) -> None:
    """Adding closures (override False) to any calendar never makes due_date earlier, for ANY receipt date.

    Precondition: none on the receipt date. due_date takes received_on as given and counts from the day after
    it, so whether received_on is a working day in either calendar does not enter the arithmetic. Requiring it
    to be a working day in both calendars would exclude exactly the case that occurs in practice: a typhoon
    closure declared for the receipt day itself after the case was registered (deadlines.recompute keeps the
    stored received_on). The next test covers receipt days re-derived from the submission moment.
    """
    rule = limit(days, counts_holidays)
    closures = {received + timedelta(days=offset): False for offset in changed}
    before = WorkingCalendar(base)
    after = WorkingCalendar({**base, **closures})
    assert due_date(received, rule, after) >= due_date(received, rule, before)


@BUILDS
@given(day=dates, hour=st.integers(min_value=0, max_value=23), days=limit_days, counts_holidays=counting_modes,
       base=overrides, changed=st.lists(st.integers(min_value=-1, max_value=60), min_size=1, max_size=3))
def test_a_closure_never_makes_a_due_date_earlier_when_the_receipt_day_is_rederived(
        day: date, hour: int, days: int, counts_holidays: bool, base: dict[date, bool], changed: list[int]) -> None:
    """Same property through receipt_date: a closure on the submission day also moves the receipt day later."""
    moment = datetime.combine(day, time(hour, 30), TAIPEI)
    rule = limit(days, counts_holidays)
    closures = {day + timedelta(days=offset): False for offset in changed}
    before = WorkingCalendar(base)
    after = WorkingCalendar({**base, **closures})
    received_before, received_after = receipt_date(moment, before), receipt_date(moment, after)
    assert received_after >= received_before
    assert due_date(received_after, rule, after) >= due_date(received_before, rule, before)


@BUILDS
@given(received=dates, days=limit_days, counts_holidays=counting_modes, base=overrides,
       changed=st.lists(near, min_size=1, max_size=3))
@example(received=date(2026, 2, 13), days=1, counts_holidays=False, base={}, changed=[1])  # a working Saturday
def test_an_extra_working_day_never_makes_a_due_date_later(received: date, days: int, counts_holidays: bool,
                                                           base: dict[date, bool], changed: list[int]) -> None:
    """Adding extra working days (override True) never makes due_date later, for any receipt date (see above)."""
    rule = limit(days, counts_holidays)
    extra = {received + timedelta(days=offset): True for offset in changed}
    before = WorkingCalendar(base)
    after = WorkingCalendar({**base, **extra})
    assert due_date(received, rule, after) <= due_date(received, rule, before)


# ---------------------------------------------------------------- 5. deterministic and idempotent


@BUILDS
@given(received=dates, days=limit_days, counts_holidays=counting_modes, base=overrides,
       warm_up=st.lists(dates, max_size=5))
def test_recompute_is_deterministic_across_separately_built_calendars(
        received: date, days: int, counts_holidays: bool, base: dict[date, bool], warm_up: list[date]) -> None:
    rule = limit(days, counts_holidays)
    first, second = WorkingCalendar(dict(base)), WorkingCalendar(dict(base))
    # The second calendar has answered other questions first: its cache must not change the answer.
    for day in warm_up:
        second.is_working_day(day)
        second.next_working_day(day)
    once = due_date(received, rule, first)
    assert due_date(received, rule, first) == once  # computed twice on the same calendar
    assert due_date(received, rule, second) == once
    if not base:
        assert due_date(received, rule, RULES) == once  # the shared module-level calendar agrees too


# ---------------------------------------------------------------- 6. calendar-day classes


@FAST
@given(received=dates, days=limit_days)
@example(received=date(2026, 1, 16), days=30)  # lands on 小年夜 2026-02-15, due Monday 2026-02-23
def test_calendar_day_classes_count_calendar_days_then_move_off_a_day_off(received: date, days: int) -> None:
    target = received + timedelta(days=days)
    due = due_date(received, limit(days, True), RULES)
    if RULES.is_working_day(target):
        assert due == target
    else:
        assert due == RULES.next_working_day(target)
    # Moved by exactly the run of consecutive days off starting at the target, and so never by more.
    assert (due - target).days == days_off_from(target, RULES)


# ---------------------------------------------------------------- 7. working-day classes


@FAST
@given(received=dates, days=limit_days)
@example(received=date(2026, 2, 13), days=6)
def test_working_day_classes_leave_exactly_n_working_days_after_receipt(received: date, days: int) -> None:
    received = RULES.on_or_after(received)  # a receipt day is a working day (receipt_date)
    due = due_date(received, limit(days, False), RULES)
    assert RULES.working_days_between(received, due) == days


@FAST
@given(received=dates, days=limit_days)
def test_working_day_classes_leave_exactly_n_working_days_even_after_a_receipt_on_a_day_off(received: date,
                                                                                             days: int) -> None:
    # Stronger than the above: counting starts the day after receipt, so the receipt day's status is irrelevant.
    due = due_date(received, limit(days, False), RULES)
    assert RULES.working_days_between(received, due) == days


# ---------------------------------------------------------------- 8. days used


@FAST
@given(first=dates, second=dates)
@example(first=date(2026, 2, 13), second=date(2026, 2, 22))  # the whole break: no working day has passed
@example(first=date(2026, 2, 14), second=date(2026, 2, 13))  # finished before the (Saturday) receipt day
def test_days_used_never_raises_is_at_least_half_a_day_and_counts_working_days(first: date, second: date) -> None:
    for received, finished in ((first, second), (second, first)):
        used = days_used(received, finished, RULES)
        assert used >= 0.5
        between = RULES.working_days_between(received, finished)
        if between > 0:
            assert used == between
        else:
            assert used == 0.5


# ---------------------------------------------------------------- 9. add_working_days


@FAST
@given(start=dates, n=st.integers(min_value=0, max_value=60))
def test_add_working_days_lands_on_a_working_day_n_working_days_later(start: date, n: int) -> None:
    end = RULES.add_working_days(start, n)
    assert RULES.working_days_between(start, end) == n
    if n >= 1:
        assert end > start
        assert RULES.is_working_day(end)
        # The n-th, not a later one: one day earlier only n - 1 working days have passed.
        assert RULES.working_days_between(start, end - ONE_DAY) == n - 1
    else:
        assert end == start


# ---------------------------------------------------------------- 10. the official calendar wins over the rules


@settings(BUILDS, max_examples=30)
@given(drawn=dates, other_year=st.integers(min_value=2017, max_value=2027))
def test_an_official_calendar_wins_over_the_rules_and_only_its_years_are_not_provisional(drawn: date,
                                                                                         other_year: int) -> None:
    flipped = RULES.on_or_after(drawn)  # a working day under the rules
    year = flipped.year
    assume(other_year != year)
    official = {day: RULES.is_working_day(day)
                for day in (date(year, 1, 1) + timedelta(days=i) for i in range(366)) if day.year == year}
    assert official[flipped] is True
    official[flipped] = False
    cal = WorkingCalendar(official=official, official_years={year})

    assert RULES.is_working_day(flipped)
    assert not cal.is_working_day(flipped)
    assert [day for day in official if cal.is_working_day(day) != RULES.is_working_day(day)] == [flipped]
    # It shows in the deadlines: a 1-working-day limit received the day before skips the flipped day.
    assert due_date(flipped - ONE_DAY, MOST_URGENT, RULES) == flipped
    assert due_date(flipped - ONE_DAY, MOST_URGENT, cal) > flipped
    # Overrides still win over the official calendar.
    assert WorkingCalendar({flipped: True}, official=official, official_years={year}).is_working_day(flipped)

    assert not cal.is_provisional(flipped)
    assert not cal.is_provisional(date(year, 1, 1))
    assert not cal.is_provisional(date(year, 12, 31))
    assert not cal.any_provisional(date(year, 1, 1), date(year, 12, 31))
    assert cal.is_provisional(date(other_year, 6, 1))
    assert cal.any_provisional(min(flipped, date(other_year, 6, 1)), max(flipped, date(other_year, 6, 1)))
    assert RULES.is_provisional(flipped)  # no official data at all: every year is provisional


# ---------------------------------------------------------------- other entry points


@FAST
@given(day=dates, hour=st.integers(min_value=0, max_value=23), minute=st.integers(min_value=0, max_value=59))
def test_receipt_date_is_a_working_day_never_before_the_taipei_date(day: date, hour: int, minute: int) -> None:
    moment = datetime.combine(day, time(hour, minute), TAIPEI)
    received = receipt_date(moment, RULES)
    assert RULES.is_working_day(received)
    assert received >= day
    if RULES.is_working_day(day) and time(hour, minute) < time(17, 0):
        assert received == day
    else:
        assert received == RULES.next_working_day(day)


@FAST
@given(received=dates, deadline=dates, days=positive_days)
def test_a_sender_deadline_due_date_is_a_working_day_never_before_receipt(received: date, deadline: date,
                                                                          days: int) -> None:
    due = sender_deadline_due(received, deadline, limit(days, False), RULES)
    assert RULES.is_working_day(due)
    assert due >= received
    if deadline >= received:
        assert due == RULES.on_or_after(deadline)


# ---------------------------------------------------------------- named dates from the official DGPA calendar

# (received, limit days, counts_holidays, due): checked against tests/data/tw-office-calendar/2026.json.
NAMED = [
    # Friday before the Lunar New Year break (Sat 2/14 .. Sun 2/22 off): 最速件 due the Monday after.
    (date(2026, 2, 13), MOST_URGENT.days, False, date(2026, 2, 23)),
    (date(2026, 2, 13), URGENT.days, False, date(2026, 2, 25)),
    # 普通件: 2/23-2/26, then 2/27 補假, 2/28 和平紀念日 (Sat), Sunday, 3/2, 3/3.
    (date(2026, 2, 13), ORDINARY.days, False, date(2026, 3, 3)),
    # Fri 10/23: Sat, Sun 10/25 臺灣光復暨金門古寧頭大捷紀念日, Mon 10/26 補假, due Tue 10/27.
    (date(2026, 10, 23), MOST_URGENT.days, False, date(2026, 10, 27)),
    # 專案管制, 30 calendar days: 2026-02-15 小年夜 is a day off, so the Monday after the break.
    (date(2026, 1, 16), 30, True, date(2026, 2, 23)),
]


@pytest.fixture(scope="module")
def official_cal() -> WorkingCalendar:
    return WorkingCalendar(official=official_2026(), official_years={2026})


def naive_due(received: date, days: int, counts_holidays: bool, working: dict[date, bool]) -> date:
    """An independent count over the official JSON, for the named examples."""
    if counts_holidays:
        day = received + timedelta(days=days)
        while not working[day]:
            day += ONE_DAY
        return day
    day, left = received, days
    while left:
        day += ONE_DAY
        left -= working[day]
    return day


@pytest.mark.parametrize(("received", "days", "counts_holidays", "due"), NAMED,
                         ids=[f"{r.isoformat()}+{d}{'cal' if h else 'wd'}" for r, d, h, _ in NAMED])
def test_named_2026_dates_from_the_official_calendar(official_cal: WorkingCalendar, received: date, days: int,
                                                     counts_holidays: bool, due: date) -> None:
    working = official_2026()
    assert naive_due(received, days, counts_holidays, working) == due  # the expectation matches the JSON
    rule = limit(days, counts_holidays)
    assert due_date(received, rule, official_cal) == due
    assert due_date(received, rule, RULES) == due  # the rules agree with DGPA on these dates
    assert not official_cal.any_provisional(received, due)


def test_named_2026_days_used_and_receipt_across_the_lunar_new_year_break(official_cal: WorkingCalendar) -> None:
    assert days_used(date(2026, 2, 13), date(2026, 2, 22), official_cal) == 0.5  # no working day has passed
    assert days_used(date(2026, 2, 13), date(2026, 2, 23), official_cal) == 1.0
    assert days_used(date(2026, 2, 14), date(2026, 2, 13), official_cal) == 0.5  # finished before receipt
    assert official_cal.working_days_between(date(2026, 2, 13), date(2026, 3, 3)) == 6
    # Friday 2/13 after office hours counts as received on the first working day after the break.
    assert receipt_date(datetime(2026, 2, 13, 17, 30, tzinfo=TAIPEI), official_cal) == date(2026, 2, 23)
    assert receipt_date(datetime(2026, 2, 13, 16, 59, tzinfo=TAIPEI), official_cal) == date(2026, 2, 13)

"""Deadline engine on named dates from the official DGPA office calendar (shared/data/tw-office-calendar/json).

Every date below was checked against json/YYYY.json; test_the_dates_these_tests_rely_on_match_the_official_calendar
re-checks them. Rule numbers refer to shared/domain-rules.md.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cases.calendar import WorkingCalendar
from cases.time_limits import (
    DEFAULT_LIMITS,
    DIRECTOR_MAILBOX,
    MOST_URGENT,
    ORDINARY,
    PETITION,
    URGENT,
    TimeLimit,
    days_used,
    days_used_with_sender_deadline,
    due_date,
    extended_due,
    extension_problems,
    is_overdue,
    receipt_date,
    sender_deadline_due,
)

# A copy of shared/data/tw-office-calendar/json (see SOURCE.md there), so the tests stand alone.
OFFICIAL_JSON = Path(__file__).resolve().parent / "data" / "tw-office-calendar"
TAIPEI = ZoneInfo("Asia/Taipei")

# (date, isHoliday, description) exactly as in the official JSON, for every date the tests below lean on.
OFFICIAL_FACTS: list[tuple[date, bool, str]] = [
    # 2026 Lunar New Year break: Sat 2/14 - Sun 2/22, then 2/27 補假 + 2/28 和平紀念日 (Sat) + Sunday.
    (date(2026, 2, 13), False, ""),
    (date(2026, 2, 15), True, "小年夜"),
    (date(2026, 2, 16), True, "農曆除夕"),
    (date(2026, 2, 17), True, "春節"),
    (date(2026, 2, 20), True, "補假"),
    (date(2026, 2, 23), False, ""),
    (date(2026, 2, 27), True, "補假"),
    (date(2026, 2, 28), True, "和平紀念日"),
    (date(2026, 3, 2), False, ""),
    (date(2026, 3, 3), False, ""),
    # 2025: make-up Saturday for the 1/27 bridge day.
    (date(2025, 1, 27), True, "小年夜"),
    (date(2025, 2, 8), False, "補行上班"),
    (date(2025, 2, 9), True, ""),
    # 2025: Fri 2/28 和平紀念日, weekend, Mon 3/3 back at work.
    (date(2025, 2, 28), True, "和平紀念日"),
    (date(2025, 3, 1), True, ""),
    (date(2025, 3, 2), True, ""),
    (date(2025, 3, 3), False, ""),
    (date(2025, 3, 7), False, ""),
    (date(2025, 3, 10), False, ""),
    # 2025: Fri 9/26 is the last working day before Sat 9/27, Sun 9/28 孔子誕辰紀念日, Mon 9/29 補假.
    (date(2025, 9, 26), False, ""),
    (date(2025, 9, 28), True, "孔子誕辰紀念日"),
    (date(2025, 9, 29), True, "補假"),
    (date(2025, 9, 30), False, ""),
    (date(2025, 10, 6), True, "中秋節"),
    (date(2025, 10, 8), False, ""),
    # 2026: Sun 10/25 臺灣光復暨金門古寧頭大捷紀念日 with Mon 10/26 補假.
    (date(2026, 10, 25), True, "臺灣光復暨金門古寧頭大捷紀念日"),
    (date(2026, 10, 26), True, "補假"),
    (date(2026, 10, 27), False, ""),
    # July 2024 (Typhoon Gaemi week) has no national holiday.
    (date(2024, 7, 24), False, ""),
    (date(2024, 7, 27), True, ""),
]


def official_calendar() -> dict[date, dict]:
    assert OFFICIAL_JSON.is_dir(), f"official DGPA calendar data missing at {OFFICIAL_JSON}"
    days: dict[date, dict] = {}
    for path in sorted(OFFICIAL_JSON.glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            days[date.fromisoformat(entry["date"])] = entry
    return days


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


# ---------------------------------------------------------------- the calendar itself


def test_the_dates_these_tests_rely_on_match_the_official_calendar() -> None:
    official = official_calendar()
    for day, is_holiday, description in OFFICIAL_FACTS:
        assert official[day]["isHoliday"] is is_holiday, day
        assert official[day]["description"] == description, day


def test_every_day_2017_to_2026_matches_the_official_dgpa_calendar() -> None:
    # Rule 1: a working day is exactly isHoliday == false in the official calendar.
    official = official_calendar()
    assert len(official) == sum(366 if year % 4 == 0 else 365 for year in range(2017, 2027))
    cal = WorkingCalendar()
    wrong = [day for day, entry in official.items() if cal.is_working_day(day) == entry["isHoliday"]]
    assert wrong == []


def test_holidays_are_described_by_name_and_ordinary_days_are_not(cal: WorkingCalendar) -> None:
    assert cal.describe(date(2026, 2, 17)) == "春節"
    assert cal.describe(date(2026, 2, 14)) is None  # a plain Saturday
    assert cal.describe(date(2026, 3, 3)) is None  # a working day
    assert cal.describe(date(2025, 2, 8)) is None  # 補行上班: a working Saturday
    # Names do not depend on the process locale; other languages are explicit.
    assert WorkingCalendar(language="en_US").describe(date(2026, 2, 17)) == "Chinese New Year"


def test_a_typhoon_closure_is_a_day_off_without_a_holiday_name() -> None:
    cal = WorkingCalendar({date(2024, 7, 24): False})
    assert not cal.is_working_day(date(2024, 7, 24))
    assert cal.describe(date(2024, 7, 24)) is None


def test_next_working_day_skips_the_whole_lunar_new_year_break(cal: WorkingCalendar) -> None:
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert cal.on_or_after(date(2026, 2, 17)) == date(2026, 2, 23)  # 春節
    assert cal.on_or_after(date(2026, 2, 23)) == date(2026, 2, 23)


def test_adding_zero_working_days_is_the_start_and_negative_is_refused(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 17), 0) == date(2026, 2, 17)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 2, 13), -1)


def test_working_days_between_excludes_the_start_and_includes_the_end(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 13)) == 0
    assert cal.working_days_between(date(2026, 3, 3), date(2026, 2, 13)) == 0


def test_a_calendar_with_no_working_days_left_fails_instead_of_looping_forever() -> None:
    start = date(2026, 3, 3)
    closed = {start + timedelta(days=i): False for i in range(1, 3700)}
    with pytest.raises(ValueError, match="no working day"):
        WorkingCalendar(closed).add_working_days(start, 1)


def test_moments_are_refused_where_a_date_is_expected(cal: WorkingCalendar) -> None:
    # A datetime would silently lose its time zone; receipt_date is the place to convert moments.
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2026, 3, 3, 9, 0, tzinfo=TAIPEI))
    with pytest.raises(TypeError):
        WorkingCalendar({datetime(2024, 7, 24, tzinfo=TAIPEI): False})


# ---------------------------------------------------------------- due dates


def test_default_limits_are_the_handbook_limits() -> None:
    # Rule 8: 最速件 1, 速件 3, 普通件 6 working days; rule 30: petitions at most 30 (working days by default).
    assert DEFAULT_LIMITS == {
        "most-urgent": MOST_URGENT,
        "urgent": URGENT,
        "ordinary": ORDINARY,
        "director-mailbox": DIRECTOR_MAILBOX,
        "petition": PETITION,
    }
    assert [limit.days for limit in DEFAULT_LIMITS.values()] == [1, 3, 6, 6, 30]
    assert not any(limit.counts_holidays for limit in DEFAULT_LIMITS.values())


def test_an_ordinary_case_received_before_lunar_new_year_is_due_after_the_break_and_the_228_day_off(
    cal: WorkingCalendar,
) -> None:
    # Received Fri 2026-02-13; 2/14-2/22 off (春節, 補假), 2/23-2/26 count 1-4, 2/27 補假 and 2/28 和平紀念日 off,
    # 3/2 and 3/3 count 5 and 6.
    assert due_date(date(2026, 2, 13), ORDINARY, cal) == date(2026, 3, 3)


def test_a_make_up_saturday_counts_as_a_working_day(cal: WorkingCalendar) -> None:
    # Received Wed 2025-02-05: 2/6, 2/7, Sat 2/8 (補行上班), 2/10, 2/11, 2/12. Without the Saturday it would be 2/13.
    assert due_date(date(2025, 2, 5), ORDINARY, cal) == date(2025, 2, 12)
    assert cal.working_days_between(date(2025, 2, 7), date(2025, 2, 10)) == 2


def test_an_ordinary_case_received_on_the_friday_before_a_three_day_weekend_is_not_overdue_on_tuesday(
    cal: WorkingCalendar,
) -> None:
    # Rule 2. Fri 2025-09-26, then Sat 9/27, Sun 9/28 孔子誕辰紀念日, Mon 9/29 補假; Tuesday is 9/30.
    friday, tuesday = date(2025, 9, 26), date(2025, 9, 30)
    due = due_date(friday, ORDINARY, cal)
    assert due == date(2025, 10, 8)  # 9/30, 10/1, 10/2, 10/3, (10/6 中秋節 off) 10/7, 10/8
    assert not is_overdue(due, None, tuesday)
    # Sharper: an urgent case (3 days) would be overdue on Tuesday if the weekend counted; it is due Thursday.
    assert due_date(friday, URGENT, cal) == date(2025, 10, 2)
    assert not is_overdue(due_date(friday, URGENT, cal), None, tuesday)
    # A most-urgent case is due on Tuesday itself, and late only from Wednesday.
    assert due_date(friday, MOST_URGENT, cal) == tuesday
    assert not is_overdue(tuesday, None, tuesday)
    assert is_overdue(tuesday, None, date(2025, 10, 1))


def test_a_typhoon_closure_moves_the_due_date_by_one_working_day() -> None:
    # Received Mon 2024-07-22; normally due Tue 7/30. Closing Wed 7/24 (as for Typhoon Gaemi) makes it Wed 7/31.
    received = date(2024, 7, 22)
    assert due_date(received, ORDINARY, WorkingCalendar()) == date(2024, 7, 30)
    assert due_date(received, ORDINARY, WorkingCalendar({date(2024, 7, 24): False})) == date(2024, 7, 31)
    two_days = WorkingCalendar({date(2024, 7, 24): False, date(2024, 7, 25): False})
    assert due_date(received, ORDINARY, two_days) == date(2024, 8, 1)


def test_an_extra_working_day_brings_the_due_date_forward() -> None:
    # An agency working on Sat 2024-07-27 makes the case received Mon 7/22 due Mon 7/29 instead of Tue 7/30.
    cal = WorkingCalendar({date(2024, 7, 27): True})
    assert cal.is_working_day(date(2024, 7, 27))
    assert due_date(date(2024, 7, 22), ORDINARY, cal) == date(2024, 7, 29)


def test_a_calendar_day_limit_ending_on_a_holiday_moves_to_the_next_working_day(cal: WorkingCalendar) -> None:
    # Rule 7: 專案管制 / 限期 may count holidays. Received Fri 2026-02-06 + 10 days = Mon 2/16 (農曆除夕),
    # so the deadline is the first working day after the break, Mon 2/23.
    ten_days = TimeLimit("project-control", 10, counts_holidays=True)
    assert due_date(date(2026, 2, 6), ten_days, cal) == date(2026, 2, 23)
    # + 10 days = Sun 2026-10-25 (臺灣光復暨金門古寧頭大捷紀念日) and Mon 10/26 is its 補假: Tue 10/27.
    assert due_date(date(2026, 10, 15), ten_days, cal) == date(2026, 10, 27)
    # Ending on a working day: exactly 10 calendar days, holidays included (Tue 3/3 + 10 = Fri 3/13).
    assert due_date(date(2026, 3, 3), ten_days, cal) == date(2026, 3, 13)


def test_a_sender_deadline_applies_unless_it_had_already_passed(cal: WorkingCalendar) -> None:
    # Rule 9. Received Tue 2026-03-03.
    received = date(2026, 3, 3)
    assert sender_deadline_due(received, date(2026, 3, 5), ORDINARY, cal) == date(2026, 3, 5)
    assert sender_deadline_due(received, received, ORDINARY, cal) == received  # due today, not passed
    # Deadline Mon 3/2 was already over: handled on the ordinary limit (3/4, 3/5, 3/6, 3/9, 3/10, 3/11).
    assert sender_deadline_due(received, date(2026, 3, 2), ORDINARY, cal) == date(2026, 3, 11)
    # A sender's deadline on a day off (2026-02-28 和平紀念日, a Saturday) moves to Monday 2026-03-02.
    assert sender_deadline_due(date(2026, 2, 23), date(2026, 2, 28), ORDINARY, cal) == date(2026, 3, 2)


def test_is_overdue_uses_the_finishing_day_when_finished_and_today_otherwise() -> None:
    due = date(2026, 3, 3)
    assert not is_overdue(due, date(2026, 3, 3), date(2026, 3, 20))  # finished on the due date
    assert is_overdue(due, date(2026, 3, 4), date(2026, 3, 4))  # finished a day late
    assert not is_overdue(due, None, date(2026, 3, 3))  # open, still the due date
    assert is_overdue(due, None, date(2026, 3, 4))  # open and past due


# ---------------------------------------------------------------- receipt dates


def test_a_submission_on_a_saturday_counts_as_received_on_the_next_working_day(cal: WorkingCalendar) -> None:
    # Sat 2025-03-01, Sun 3/2; Mon 3/3 is the next working day.
    assert receipt_date(datetime(2025, 3, 1, 10, 0, tzinfo=TAIPEI), cal) == date(2025, 3, 3)


def test_a_utc_timestamp_on_a_taipei_weekend_counts_from_the_next_working_day(cal: WorkingCalendar) -> None:
    # 2025-03-01 02:00 UTC = Sat 10:00 Taipei; 2025-03-01 20:00 UTC (still Saturday in UTC) = Sun 3/2 04:00 Taipei.
    assert receipt_date(datetime(2025, 3, 1, 2, 0, tzinfo=UTC), cal) == date(2025, 3, 3)
    assert receipt_date(datetime(2025, 3, 1, 20, 0, tzinfo=UTC), cal) == date(2025, 3, 3)
    # Fri 2025-02-28 (和平紀念日) 03:00 UTC is 11:00 on the holiday in Taipei: also Mon 3/3.
    assert receipt_date(datetime(2025, 2, 28, 3, 0, tzinfo=UTC), cal) == date(2025, 3, 3)


def test_the_taipei_date_decides_not_the_utc_date(cal: WorkingCalendar) -> None:
    # Sun 2025-03-02 20:00 UTC is Mon 3/3 04:00 in Taipei: a working day, before closing.
    assert receipt_date(datetime(2025, 3, 2, 20, 0, tzinfo=UTC), cal) == date(2025, 3, 3)
    # Thu 2025-03-06 16:30 UTC is Fri 3/7 00:30 in Taipei.
    assert receipt_date(datetime(2025, 3, 6, 16, 30, tzinfo=UTC), cal) == date(2025, 3, 7)


def test_after_office_hours_counts_as_the_next_working_day(cal: WorkingCalendar) -> None:
    # Fri 2025-03-07; the next working day is Mon 3/10.
    assert receipt_date(datetime(2025, 3, 7, 16, 59, tzinfo=TAIPEI), cal) == date(2025, 3, 7)
    assert receipt_date(datetime(2025, 3, 7, 17, 0, tzinfo=TAIPEI), cal) == date(2025, 3, 10)
    assert receipt_date(datetime(2025, 3, 7, 17, 30, tzinfo=TAIPEI), cal) == date(2025, 3, 10)
    # 09:00 UTC is 17:00 in Taipei.
    assert receipt_date(datetime(2025, 3, 7, 9, 0, tzinfo=UTC), cal) == date(2025, 3, 10)
    # An agency closing at 17:30 still receives at 17:00.
    assert receipt_date(datetime(2025, 3, 7, 17, 0, tzinfo=TAIPEI), cal, time(17, 30)) == date(2025, 3, 7)


def test_a_submission_on_a_make_up_saturday_is_received_that_day(cal: WorkingCalendar) -> None:
    # Sat 2025-02-08 is 補行上班; after hours it rolls to Mon 2/10 (Sun 2/9 is off).
    assert receipt_date(datetime(2025, 2, 8, 10, 0, tzinfo=TAIPEI), cal) == date(2025, 2, 8)
    assert receipt_date(datetime(2025, 2, 8, 18, 0, tzinfo=TAIPEI), cal) == date(2025, 2, 10)


def test_a_timestamp_without_a_time_zone_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        receipt_date(datetime(2025, 3, 7, 10, 0), cal)


# ---------------------------------------------------------------- extensions


def test_an_extension_adds_working_days_to_the_current_due_date(cal: WorkingCalendar) -> None:
    # Due Thu 2026-02-12; 3 more working days: Fri 2/13, then after the New Year break Mon 2/23, Tue 2/24.
    first = extended_due(date(2026, 2, 12), 3, cal)
    assert first == date(2026, 2, 24)
    # A second extension starts from the extended date: 2/25, 2/26, (2/27 補假 and weekend off) 3/2.
    assert extended_due(first, 3, cal) == date(2026, 3, 2)


def test_an_extension_requested_on_the_due_date_is_allowed() -> None:
    assert (
        extension_problems(
            requested_days=5,
            today=date(2026, 3, 3),
            due_on=date(2026, 3, 3),
            previous_days=[10],
            max_count=3,
            max_total_days=30,
        )
        == []
    )


def test_an_extension_requested_the_day_after_the_due_date_is_refused() -> None:
    # Rule 16: it must be requested before the limit expires.
    assert extension_problems(
        requested_days=5,
        today=date(2026, 3, 4),
        due_on=date(2026, 3, 3),
        previous_days=[],
        max_count=3,
        max_total_days=30,
    ) == ["after_due_date"]


def test_an_extension_must_ask_for_at_least_one_day() -> None:
    for requested in (0, -2):
        assert extension_problems(
            requested_days=requested,
            today=date(2026, 3, 2),
            due_on=date(2026, 3, 3),
            previous_days=[],
            max_count=3,
            max_total_days=30,
        ) == ["not_positive"]


def test_extensions_are_capped_in_number_and_in_total_days() -> None:
    # Rule 17 (NCHU example): at most 3 requests and 30 days in total.
    common = {"today": date(2026, 3, 2), "due_on": date(2026, 3, 3), "max_count": 3, "max_total_days": 30}
    assert extension_problems(requested_days=5, previous_days=[5, 5, 5], **common) == ["too_many"]
    assert extension_problems(requested_days=6, previous_days=[10, 15], **common) == ["too_long"]  # 31
    assert extension_problems(requested_days=6, previous_days=[10, 10], **common) == []  # exactly 30
    assert extension_problems(requested_days=1, previous_days=[10, 10, 11], **common) == ["too_many", "too_long"]


def test_every_refusal_reason_is_reported_at_once() -> None:
    assert extension_problems(
        requested_days=0,
        today=date(2026, 3, 4),
        due_on=date(2026, 3, 3),
        previous_days=[20, 20],
        max_count=2,
        max_total_days=30,
    ) == ["not_positive", "after_due_date", "too_many", "too_long"]


# ---------------------------------------------------------------- days used (statistics)


def test_a_case_finished_on_its_day_of_receipt_counts_half_a_day(cal: WorkingCalendar) -> None:
    # Rule 4.
    assert days_used(date(2026, 2, 13), date(2026, 2, 13), cal) == 0.5
    # Finished during the New Year break, before the next working day (Mon 2/23): still half a day.
    assert days_used(date(2026, 2, 13), date(2026, 2, 22), cal) == 0.5
    assert days_used(date(2026, 2, 13), date(2026, 2, 23), cal) == 1.0


def test_days_used_leave_out_holidays(cal: WorkingCalendar) -> None:
    # Rule 3: received Fri 2026-02-13, dispatched Tue 3/3: 2/23-2/26 and 3/2-3/3, the break and 2/27-3/1 deducted.
    assert days_used(date(2026, 2, 13), date(2026, 3, 3), cal) == 6.0
    # The make-up Saturday counts: received Fri 2025-02-07, dispatched Mon 2/10 -> Sat 2/8 and Mon 2/10.
    assert days_used(date(2025, 2, 7), date(2025, 2, 10), cal) == 2.0


def test_answered_before_the_counted_receipt_day_uses_half_a_day(cal: WorkingCalendar) -> None:
    # Interpretation I4: received Sat 2026-02-14 (counted from Mon 2/23 after the Lunar New Year days off)
    # and answered the same Saturday: half a day, never an error.
    assert days_used(date(2026, 2, 23), date(2026, 2, 14), cal) == 0.5
    assert days_used(date(2026, 3, 3), date(2026, 3, 2), cal) == 0.5


def test_a_sender_deadline_case_finished_in_time_records_at_most_six_days(cal: WorkingCalendar) -> None:
    # Rule 5. Received Fri 2026-02-13, finished Thu 3/5: 8 working days (2/23-2/26, 3/2-3/5).
    received, finished = date(2026, 2, 13), date(2026, 3, 5)
    assert days_used(received, finished, cal) == 8.0
    assert days_used_with_sender_deadline(received, finished, date(2026, 3, 10), cal) == 6.0  # within the deadline
    assert days_used_with_sender_deadline(received, finished, finished, cal) == 6.0  # on the deadline
    assert days_used_with_sender_deadline(received, finished, date(2026, 3, 4), cal) == 8.0  # after it: actual
    # Under 6 days within the deadline: the actual value, including the same-day half day.
    assert days_used_with_sender_deadline(received, date(2026, 2, 24), date(2026, 3, 10), cal) == 2.0
    assert days_used_with_sender_deadline(received, received, date(2026, 3, 10), cal) == 0.5

"""Due dates never move silently: a case keeps its limit, every move is on the timeline with its cause,
days used never fail, and the official calendar is data with provenance (docs/domain-rules.md I1-I7).

Dates are named from the official DGPA calendar (cases/data/office-calendar/); the clock is moved to them.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from cases.models import Case, CaseEvent, TimeLimitClass
from core.clock import TAIPEI
from tests.support import act, csrf_token, make_agency, register_case, staff_client


def _case(db, number: str) -> Case:  # noqa: ANN001
    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.number == number))


def _moves(db, case_id: int) -> list[CaseEvent]:  # noqa: ANN001
    return list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                              CaseEvent.action == "due_date_changed")
                                   .order_by(CaseEvent.id)))


def test_a_class_limit_change_does_not_reach_registered_cases(app, db, clock):
    # Reproduces the bug of issue 9 (1): with the petition class cut to 10 days, one closure day moved a
    # case four weeks earlier. Received Mon 2026-11-02 10:00; 30 working days → Mon 2026-12-14.
    make_agency(db)
    clock.move_to(datetime(2026, 11, 2, 10, 5, tzinfo=TAIPEI))
    case = register_case(db, received_at=datetime(2026, 11, 2, 10, tzinfo=TAIPEI), channel="petition")
    assert (case.limit_days, case.due_on) == (30, date(2026, 12, 14))
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["deadlines", "set-class", "petition", "--days", "10"])
        assert result.exit_code == 0, result.output
        closed = runner.invoke(args=["calendar", "close", "2026-11-17", "--reason", "颱風停止上班"])
        assert closed.exit_code == 0, closed.output
        moved = _case(db, case.number)
        assert (moved.limit_days, moved.due_on) == (30, date(2026, 12, 15))  # one day later, not 4 weeks earlier
        [event] = _moves(db, case.id)
        assert (event.due_before, event.due_after) == (date(2026, 12, 14), date(2026, 12, 15))
        assert event.detail == {"cause": "closure", "day": "2026-11-17"} and event.note == "颱風停止上班"
        # A case registered now takes the class as it is now.
        clock.move_to(datetime(2026, 11, 18, 10, 5, tzinfo=TAIPEI))
        newer = register_case(db, received_at=datetime(2026, 11, 18, 10, tzinfo=TAIPEI), email="b@example.tw")
        assert newer.limit_days == 10
    finally:
        db.session.execute(sa.update(TimeLimitClass).where(TimeLimitClass.code == "petition").values(days=30))
        db.session.commit()


def test_reclassifying_is_the_one_way_a_limit_changes_and_it_is_on_the_timeline(app, db):
    make_agency(db)
    case = register_case(db, channel="petition")
    petition_due = case.due_on
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, case.number, "classify", limit_class="urgent").status_code == 303
    reclassified = _case(db, case.number)
    assert (reclassified.limit_class, reclassified.limit_days, reclassified.limit_name_zh) == ("urgent", 3, "速件")
    [event] = _moves(db, case.id)
    assert (event.due_before, event.due_after) == (petition_due, reclassified.due_on)
    [classified] = [e for e in reclassified.events if e.action == "classify"]
    assert (classified.detail["before"]["code"], classified.detail["after"]["code"]) == ("petition", "urgent")
    page = intake.get(f"/staff/cases/{case.number}").text
    assert "速件" in page and "3 個工作天" in page and "重新分類" in page


def test_an_inactive_class_cannot_be_chosen(app, db):
    make_agency(db)
    case = register_case(db)
    db.session.add(TimeLimitClass(code="retired", name_zh="停用件", name_en="Retired", days=5, active=False))
    db.session.commit()
    try:
        answer = act(staff_client(app, "intake@example.tw"), case.number, "classify", limit_class="retired")
        assert answer.status_code == 422
        assert _case(db, case.number).limit_class == "petition"
    finally:
        db.session.execute(sa.delete(TimeLimitClass).where(TimeLimitClass.code == "retired"))
        db.session.commit()


def _reply_at_once(app, number: str, unit: str = "ROADS"):  # noqa: ANN001, ANN202
    act(staff_client(app, "intake@example.tw"), number, "route", unit=unit)
    chief = staff_client(app, f"{unit.lower()}.chief@example.tw")
    act(chief, number, "assign", handler=f"{unit.lower()}.handler@example.tw")
    act(staff_client(app, f"{unit.lower()}.handler@example.tw"), number, "draft-reply", body="已處理。", outcome="met")
    return act(chief, number, "approve-reply")


def test_a_reply_approved_before_the_counted_receipt_day_uses_half_a_day(app, db, clock):
    # Reproduces issue 9 (2): a counter petition on Saturday 2026-02-14 counts from Monday 2/23 (the Lunar
    # New Year days off lie between); answered the same Saturday, approving it answered 500.
    make_agency(db)
    clock.move_to(datetime(2026, 2, 14, 10, 0, tzinfo=TAIPEI))
    case = register_case(db, received_at=datetime(2026, 2, 14, 9, 30, tzinfo=TAIPEI))
    assert case.received_on == date(2026, 2, 23)
    answer = _reply_at_once(app, case.number)
    assert answer.status_code == 303, answer.text
    closed = _case(db, case.number)
    assert (closed.state, closed.closed_on, closed.days_used) == ("closed", date(2026, 2, 14), 0.5)


def test_transfers_and_not_handled_record_days_and_count_against_the_routing_date(app, db, clock):
    make_agency(db)
    # Received Tue 2025-12-23 10:00: the routing date is the next working day, Wed 12/24 (12/25 is off).
    clock.move_to(datetime(2025, 12, 23, 10, 5, tzinfo=TAIPEI))
    on_time = register_case(db, received_at=datetime(2025, 12, 23, 10, tzinfo=TAIPEI))
    late = register_case(db, received_at=datetime(2025, 12, 23, 10, tzinfo=TAIPEI), email="b@example.tw")
    assert on_time.routing_due_on == date(2025, 12, 24)
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, on_time.number, "transfer", agency="交通部公路局", reason="非本機關權責").status_code == 303
    clock.move_to(datetime(2025, 12, 29, 10, 0, tzinfo=TAIPEI))  # Monday, three working days later
    intake = staff_client(app, "intake@example.tw")  # Tuesday's session has ended (idle time)
    assert act(intake, late.number, "not-handled", ground="repeat").status_code == 303
    assert _case(db, on_time.number).days_used == 0.5
    assert _case(db, late.number).days_used == 3.0  # 12/24, 12/26, 12/29

    secretariat = staff_client(app, "secretariat@example.tw")
    csv_text = secretariat.get("/staff/statistics.csv?from=2025-12-01&to=2025-12-31").text
    header, *rows = [line.split(",") for line in csv_text.lstrip("\ufeff").strip().splitlines()]
    [row] = [dict(zip(header, r, strict=True)) for r in rows]
    assert (row["移文"], row["不予處理"]) == ("1", "1")
    assert (row["於分文日內移文或不予處理"], row["逾分文日移文或不予處理"]) == ("1", "1")


def test_a_closure_on_the_receipt_day_moves_that_days_receipts(app, db, clock):
    make_agency(db)
    # Arrived Mon 2026-11-16 10:00 (counted that day) and Sun 11/15 (counted from Monday 11/16).
    clock.move_to(datetime(2026, 11, 16, 11, 0, tzinfo=TAIPEI))
    monday = register_case(db, received_at=datetime(2026, 11, 16, 10, tzinfo=TAIPEI), channel="mailbox")
    sunday = register_case(db, received_at=datetime(2026, 11, 15, 10, tzinfo=TAIPEI), channel="mailbox",
                           email="b@example.tw")
    earlier = register_case(db, received_at=datetime(2026, 11, 13, 10, tzinfo=TAIPEI), channel="mailbox",
                            email="c@example.tw")
    assert monday.received_on == sunday.received_on == date(2026, 11, 16)
    admin = staff_client(app, "admin@example.tw")
    page = admin.get("/staff/calendar")
    answer = admin.post("/staff/calendar", data={"csrf_token": csrf_token(page.text), "day": "2026-11-16",
                                                 "kind": "closed", "reason": "颱風停止上班"})
    assert answer.status_code == 303
    for case in (monday, sunday):
        moved = _case(db, case.number)
        assert moved.received_on == date(2026, 11, 17)
        assert moved.due_on == date(2026, 11, 25)  # 6 working days from Tue 11/17
        [event] = _moves(db, case.id)
        assert (event.detail["received_before"], event.detail["received_after"]) == ("2026-11-16", "2026-11-17")
        assert event.actor_id is not None
    assert _case(db, earlier.number).received_on == date(2026, 11, 13)  # counted before the closure

    # Withdrawing the closure moves them back, and says so.
    page = admin.get("/staff/calendar")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["calendar", "remove", "2026-11-16"]).exit_code == 0
    back = _case(db, monday.number)
    assert (back.received_on, back.due_on) == (date(2026, 11, 16), date(2026, 11, 24))
    assert len(_moves(db, monday.id)) == 2


def test_extension_records_stay_true_when_a_closure_moves_the_case(app, db, clock):
    make_agency(db)
    clock.move_to(datetime(2026, 11, 2, 10, 5, tzinfo=TAIPEI))
    case = register_case(db, received_at=datetime(2026, 11, 2, 10, tzinfo=TAIPEI), channel="mailbox")
    assert case.due_on == date(2026, 11, 10)
    act(staff_client(app, "intake@example.tw"), case.number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, case.number, "assign", handler="roads.handler@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(handler, case.number, "request-extension", days="5", reason="需會勘").status_code == 303
    assert act(chief, case.number, "approve-extension").status_code == 303
    extended = _case(db, case.number)
    [extension] = extended.extensions
    assert (extension.due_before, extension.due_after, extended.due_on) == (
        date(2026, 11, 10), date(2026, 11, 17), date(2026, 11, 17))
    [moved_by_extension] = _moves(db, case.id)
    assert moved_by_extension.detail["cause"] == "extension"

    assert app.test_cli_runner().invoke(args=["calendar", "close", "2026-11-05", "--reason", "颱風"]).exit_code == 0
    after = _case(db, case.number)
    [extension] = after.extensions
    assert (after.original_due_on, extension.due_before, extension.due_after, after.due_on) == (
        date(2026, 11, 11), date(2026, 11, 11), date(2026, 11, 18), date(2026, 11, 18))


def _special_control_case_asking_for_ten_more_days(app, db, clock):  # noqa: ANN001, ANN202
    """A 專案管制 case received Mon 2026-11-02 10:00 (due Wed 12/02), assigned, asking for 10 more days."""
    make_agency(db)
    clock.move_to(datetime(2026, 11, 2, 10, 5, tzinfo=TAIPEI))
    case = register_case(db, received_at=datetime(2026, 11, 2, 10, tzinfo=TAIPEI))
    intake = staff_client(app, "intake@example.tw")
    act(intake, case.number, "classify", limit_class="special-control")
    assert _case(db, case.number).due_on == date(2026, 12, 2)
    act(intake, case.number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, case.number, "assign", handler="roads.handler@example.tw")
    act(staff_client(app, "roads.handler@example.tw"), case.number, "request-extension", days="10", reason="會勘")
    return case, chief


def test_a_calendar_day_class_extends_in_calendar_days(app, db, clock):
    # Interpretation I3. 專案管制 (30 calendar days): received Mon 2026-11-02 → Wed 12/02; +10 calendar
    # days → Sat 12/12, moved to Monday 12/14.
    case, chief = _special_control_case_asking_for_ten_more_days(app, db, clock)
    act(chief, case.number, "approve-extension")
    assert _case(db, case.number).due_on == date(2026, 12, 14)


def test_calendar_import_of_the_shipped_files_changes_nothing_the_second_time(app, db):
    # The app fixture imported them, as an installation does after `flask db upgrade`.
    result = app.test_cli_runner().invoke(args=["calendar", "import"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 10 and all("unchanged" in line for line in lines), result.output
    check = app.test_cli_runner().invoke(args=["calendar", "check", "2026"])
    assert check.exit_code == 0 and "official" in check.output
    check = app.test_cli_runner().invoke(args=["calendar", "check", "2027"])
    assert check.exit_code == 1 and "provisional" in check.output


def _csv_for(year: int, days_off: set[date], rules_calendar) -> bytes:  # noqa: ANN001
    from datetime import timedelta

    lines = ["西元日期,星期,是否放假,備註"]
    day = date(year, 1, 1)
    while day.year == year:
        off = day in days_off or not rules_calendar.is_working_day(day)
        note = "調整放假" if day in days_off else ""
        lines.append(f"{day:%Y%m%d},{'一二三四五六日'[day.weekday()]},{2 if off else 0},{note}")
        day += timedelta(days=1)
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def test_a_due_date_in_an_unpublished_year_is_provisional_until_the_official_file_comes(app, db, clock, tmp_path):
    from cases.calendar import WorkingCalendar
    from cases.models import OfficeCalendarYear

    make_agency(db)
    # A petition received Tue 2026-12-01: 30 working days end in 2027, which DGPA has not published.
    clock.move_to(datetime(2026, 12, 1, 10, 5, tzinfo=TAIPEI))
    case = register_case(db, received_at=datetime(2026, 12, 1, 10, tzinfo=TAIPEI))
    assert case.due_on.year == 2027 and case.due_on_provisional
    provisional_due = case.due_on
    intake = staff_client(app, "intake@example.tw")
    assert "暫定" in intake.get(f"/staff/cases/{case.number}").text

    # DGPA publishes 2027 with a bridge day off (調整放假) inside the case's window.
    bridge = date(2027, 1, 4)
    assert WorkingCalendar().is_working_day(bridge)
    path = tmp_path / "116年中華民國政府行政機關辦公日曆表.csv"
    path.write_bytes(_csv_for(2027, {bridge}, WorkingCalendar()))
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["calendar", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert "2027: 365 day(s) added" in result.output and "due dates of 1 open case(s) moved" in result.output
        official = _case(db, case.number)
        assert not official.due_on_provisional and official.due_on > provisional_due
        [event] = _moves(db, case.id)
        assert event.detail["cause"] == "official_calendar" and event.detail["year"] == 2027
        assert "暫定" not in intake.get(f"/staff/cases/{case.number}").text
        assert runner.invoke(args=["calendar", "check", "2027"]).exit_code == 0
        again = runner.invoke(args=["calendar", "import", str(path)])
        assert "2027: unchanged" in again.output and len(_moves(db, case.id)) == 1
    finally:
        from cases.official_calendar import forget_year

        forget_year(2027)
        db.session.commit()
    assert db.session.get(OfficeCalendarYear, 2027) is None


def test_a_broken_calendar_file_is_refused_and_changes_nothing(app, db, tmp_path):
    from cases.models import OfficeCalendarDay

    before = db.session.scalar(sa.select(sa.func.count()).select_from(OfficeCalendarDay))
    path = tmp_path / "half.csv"
    path.write_bytes("西元日期,星期,是否放假,備註\r\n20270101,五,2,開國紀念日\r\n".encode())
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(path)])
    assert result.exit_code != 0 and "2027 has 365 days, the file 1" in result.output
    path.write_bytes(b"date,week,off,note\r\n")
    assert app.test_cli_runner().invoke(args=["calendar", "import", str(path)]).exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OfficeCalendarDay)) == before


def test_the_holidays_package_agrees_with_the_shipped_official_calendar():
    # The rules only answer for unpublished years, but a `holidays` upgrade that disagrees with the years
    # DGPA did publish is a warning about the years it has not: upgrade it deliberately.
    from cases import official_calendar
    from cases.calendar import WorkingCalendar

    rules = WorkingCalendar()
    for path in official_calendar.shipped_files():
        parsed = official_calendar.parse(path.read_bytes(), path.name)
        disagreements = [day for day, (working, _note) in parsed.days.items() if rules.is_working_day(day) != working]
        assert disagreements == [], (parsed.year, disagreements[:5])


def test_the_secretariat_is_warned_before_a_year_without_the_official_calendar(app, db, clock):
    def warning(email: str) -> str:
        page = staff_client(app, email).get("/staff/").text
        return page.split("<h1", 1)[1].split("</h1>", 1)[1].split("<form", 1)[0]

    make_agency(db)
    clock.move_to(datetime(2026, 9, 1, 9, 0, tzinfo=TAIPEI))  # 2027 is four months away: no warning yet
    assert "辦公日曆表" not in warning("secretariat@example.tw")
    clock.move_to(datetime(2026, 10, 1, 9, 0, tzinfo=TAIPEI))
    assert "2027 年的政府行政機關辦公日曆表尚未匯入" in warning("secretariat@example.tw")
    assert "辦公日曆表" not in warning("roads.handler@example.tw")  # not theirs to fix
    clock.move_to(datetime(2027, 1, 4, 9, 0, tzinfo=TAIPEI))  # in the year itself: every due date provisional
    assert "2027 年的政府行政機關辦公日曆表尚未匯入" in warning("admin@example.tw")


def test_a_closure_on_the_routing_date_moves_it_and_the_transfer_is_judged_against_the_new_one(app, db, clock):
    make_agency(db)
    clock.move_to(datetime(2026, 11, 2, 10, 5, tzinfo=TAIPEI))
    case = register_case(db, received_at=datetime(2026, 11, 2, 10, tzinfo=TAIPEI))
    assert case.routing_due_on == date(2026, 11, 3)
    assert app.test_cli_runner().invoke(args=["calendar", "close", "2026-11-03", "--reason", "颱風"]).exit_code == 0
    moved = _case(db, case.number)
    assert moved.routing_due_on == date(2026, 11, 4)
    [event] = _moves(db, case.id)
    assert (event.detail["route_by_before"], event.detail["route_by_after"]) == ("2026-11-03", "2026-11-04")
    clock.move_to(datetime(2026, 11, 4, 15, 0, tzinfo=TAIPEI))
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, case.number, "transfer", agency="內政部", reason="非本機關權責").status_code == 303
    csv_text = staff_client(app, "secretariat@example.tw").get("/staff/statistics.csv?from=2026-11-01&to=2026-11-30")
    header, row = [line.split(",") for line in csv_text.text.lstrip("\ufeff").strip().splitlines()]
    assert dict(zip(header, row, strict=True))["於分文日內移文或不予處理"] == "1"


def test_an_extension_keeps_the_way_its_days_were_counted(app, db, clock):
    # An extension granted in working days (as every extension was before I3) stays in working days when a
    # later closure recomputes the case, even on a class that counts calendar days.
    from cases.models import Extension

    case, chief = _special_control_case_asking_for_ten_more_days(app, db, clock)
    db.session.execute(sa.update(Extension).values(counts_holidays=False))  # as the migration marks old ones
    db.session.commit()
    act(chief, case.number, "approve-extension")
    assert _case(db, case.number).due_on == date(2026, 12, 16)  # 12/02 + 10 working days
    assert app.test_cli_runner().invoke(args=["calendar", "close", "2026-12-10", "--reason", "颱風"]).exit_code == 0
    assert _case(db, case.number).due_on == date(2026, 12, 17)  # one working day later, still working days

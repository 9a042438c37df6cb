"""An administrator's typhoon closure moves the due dates of the open cases it affects."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from core.clock import TAIPEI
from tests.support import csrf_token, make_agency, register_case, staff_client


def test_a_typhoon_closure_recomputes_only_the_affected_open_cases(app, db):
    from cases.models import Case

    make_agency(db)
    # Received Monday 2026-11-16 10:00: an ordinary (6 working days) case is due Tuesday 2026-11-24.
    open_case = register_case(db, received_at=datetime(2026, 11, 16, 10, tzinfo=TAIPEI), channel="mailbox")
    closed_case = register_case(db, received_at=datetime(2026, 11, 16, 10, tzinfo=TAIPEI), channel="mailbox",
                                email="b@example.tw")
    later_case = register_case(db, received_at=datetime(2026, 11, 20, 10, tzinfo=TAIPEI), channel="mailbox",
                               email="c@example.tw")
    db.session.execute(sa.update(Case).where(Case.id == closed_case.id).values(state="closed"))
    db.session.commit()
    assert open_case.due_on == date(2026, 11, 24)
    before_later = later_case.due_on

    admin = staff_client(app, "admin@example.tw")
    page = admin.get("/staff/calendar")
    answer = admin.post("/staff/calendar", data={"csrf_token": csrf_token(page.text), "day": "2026-11-19",
                                                 "kind": "closed", "reason": "颱風停止上班"})
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, open_case.id).due_on == date(2026, 11, 25)  # one working day later
    assert db.session.get(Case, closed_case.id).due_on == date(2026, 11, 24)  # closed cases keep theirs
    assert db.session.get(Case, later_case.id).due_on == before_later  # received after the closure
    calendar_page = admin.get("/staff/calendar").text
    assert "颱風停止上班" in calendar_page
    assert "<td>2026</td>" in calendar_page and "<td>2017</td>" in calendar_page  # the official years imported
    assert ".csv" not in calendar_page  # the years, not the files they came from

    refused = admin.post("/staff/calendar", data={"csrf_token": csrf_token(page.text), "day": "2026-11-30",
                                                  "kind": "closed", "reason": ""})
    assert refused.status_code == 400
    assert staff_client(app, "intake@example.tw").get("/staff/calendar").status_code == 403


def test_the_calendar_commands(app, db):
    from cases.models import CalendarDay

    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "close", "2026-08-12", "--reason", "颱風"])
    assert result.exit_code == 0, result.output
    assert db.session.get(CalendarDay, date(2026, 8, 12)).is_working_day is False
    assert runner.invoke(args=["calendar", "remove", "2026-08-12"]).exit_code == 0
    assert runner.invoke(args=["calendar", "remove", "2026-08-12"]).exit_code != 0


def test_deadlines_due_prints_the_due_date_last(app, db):
    runner = app.test_cli_runner()

    def due(*args: str) -> str:
        result = runner.invoke(args=["deadlines", "due", *args])
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    assert due("2026-02-13", "ordinary") == "2026-03-03"  # across the 2026 Lunar New Year break
    assert due("2026-02-13", "most-urgent") == "2026-02-23"
    assert due("2026-02-13", "urgent") == "2026-02-25"
    assert due("2026-02-13", "director-mailbox") == "2026-03-03"
    assert due("2026-02-14", "--days", "3") == "2026-02-26"  # a Saturday counts from Monday 2/23
    assert due("2026-02-13", "petition") == "2026-04-08"  # 30 working days, Children's Day break included
    assert runner.invoke(args=["deadlines", "due", "2026-02-13", "nonsense"]).exit_code != 0
    assert runner.invoke(args=["deadlines", "due", "13/02/2026", "ordinary"]).exit_code != 0
    # A class an administrator defines is usable at once.
    assert runner.invoke(args=["deadlines", "set-class", "site-survey", "--days", "10", "--name-zh", "會勘件",
                               "--name-en", "Site survey"]).exit_code == 0
    try:
        assert due("2026-02-13", "site-survey") == "2026-03-09"
    finally:
        from cases.models import TimeLimitClass

        db.session.execute(sa.delete(TimeLimitClass).where(TimeLimitClass.code == "site-survey"))
        db.session.commit()

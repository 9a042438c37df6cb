"""Reminders (稽催): due soon, due today, the overdue digest; each sent exactly once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import need, redis_url
from tests.support import act, make_agency, register_case, staff_client

MONDAY, WEDNESDAY, THURSDAY = date(2026, 11, 23), date(2026, 11, 25), date(2026, 11, 26)


def _assigned_case(app, db, due_on: date) -> str:  # noqa: ANN001
    from cases.models import Case

    make_agency(db)
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    act(staff_client(app, "roads.chief@example.tw"), number, "assign", handler="roads.handler@example.tw")
    db.session.execute(sa.update(Case).where(Case.number == number).values(due_on=due_on))
    db.session.commit()
    return number


def _sweep(app, day: date) -> dict:  # noqa: ANN001
    from cases.reminders import sweep
    from core.extensions import db

    with app.app_context():
        sent = sweep(day)
        db.session.commit()
        return sent


def _recipients(smtp) -> list[str]:  # noqa: ANN001
    return sorted(m["To"] for m in smtp.messages)


def test_due_soon_goes_to_the_handler_once(app, db, smtp):
    number = _assigned_case(app, db, WEDNESDAY)
    smtp.clear()
    assert _sweep(app, MONDAY)["due_soon"] == 1  # two working days before (the default setting)
    assert _recipients(smtp) == ["roads.handler@example.tw"]
    assert number in smtp.text(smtp.messages[0]) and "2026-11-25" in smtp.text(smtp.messages[0])
    assert _sweep(app, MONDAY)["due_soon"] == 0
    assert _sweep(app, date(2026, 11, 24))["due_soon"] == 0  # the next day: already reminded
    assert len(smtp.messages) == 1


def test_while_the_handler_is_away_the_deputy_is_reminded(app, db, smtp):
    from core.accounts.services import find_staff

    _assigned_case(app, db, WEDNESDAY)
    result = app.test_cli_runner().invoke(args=["staff", "away", "roads.handler@example.tw", "--from", "2026-11-20",
                                                "--until", "2026-11-27", "--deputy", "roads.deputy@example.tw"])
    assert result.exit_code == 0, result.output
    assert find_staff("roads.handler@example.tw").deputy.email == "roads.deputy@example.tw"
    smtp.clear()
    _sweep(app, MONDAY)
    assert _recipients(smtp) == ["roads.deputy@example.tw"]


def test_due_today_goes_to_handler_and_supervisor(app, db, smtp):
    _assigned_case(app, db, WEDNESDAY)
    smtp.clear()
    sent = _sweep(app, WEDNESDAY)
    assert sent["due_today"] == 1
    assert _recipients(smtp) == ["roads.chief@example.tw", "roads.handler@example.tw"]
    _sweep(app, WEDNESDAY)
    assert len(smtp.messages) == 2


def test_the_overdue_digest_goes_daily_to_supervisors_and_the_secretariat(app, db, smtp):
    number = _assigned_case(app, db, WEDNESDAY)
    smtp.clear()
    assert _sweep(app, THURSDAY)["overdue_digest"] == 2
    assert _recipients(smtp) == ["roads.chief@example.tw", "secretariat@example.tw"]
    digest = smtp.text(smtp.last_to("secretariat@example.tw"))
    assert number in digest and "1" in digest
    _sweep(app, THURSDAY)
    assert len(smtp.messages) == 2  # once a day
    assert _sweep(app, date(2026, 11, 27))["overdue_digest"] == 2  # and again the next working day
    assert _sweep(app, date(2026, 11, 28)) == {"due_soon": 0, "due_today": 0, "overdue_digest": 0}  # Saturday


def test_two_sweeps_at_the_same_time_send_each_reminder_once(app, db, smtp):
    _assigned_case(app, db, WEDNESDAY)
    from cases.models import Case

    # A second case due today, so that every kind of reminder is in the race.
    other = register_case(db, email="other@example.tw")
    db.session.execute(sa.update(Case).where(Case.id == other.id).values(
        state="routed", unit_id=db.session.scalar(sa.select(Case.unit_id).where(Case.unit_id.is_not(None))),
        due_on=MONDAY))
    db.session.commit()
    smtp.clear()
    barrier = threading.Barrier(3)
    results: list[dict] = []

    def run() -> None:
        barrier.wait()
        results.append(_sweep(app, MONDAY))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r["due_soon"] for r in results) == 1
    assert sum(r["due_today"] for r in results) == 1
    from cases.models import ReminderLedger

    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLedger)) == 2
    # The handler hears of the case due soon; the supervisor of the unassigned case due today.
    assert _recipients(smtp) == ["roads.chief@example.tw", "roads.handler@example.tw"]


@pytest.mark.parametrize("use_redis", [False, True])
def test_the_periodic_task_takes_a_lock_so_runs_never_overlap(app, db, monkeypatch, use_redis):
    from core.locks import exclusive

    if use_redis:
        url = redis_url()
        need("Redis", url is not None, "set REDIS_URL to a running Redis server")
        monkeypatch.setitem(app.config, "REDIS_URL", url)
    task = app.extensions["celery"].tasks["cases.sweep_deadlines"]
    with app.app_context(), exclusive("cases.sweep_deadlines") as held:
        assert held
        assert task.apply().get() is None  # another run holds the lock: this one does nothing
    with app.app_context():
        assert isinstance(task.apply().get(), dict)


def test_reminders_come_in_each_recipients_language_and_never_show_a_confidential_subject(app, db, smtp):
    """Staff.language: the English-preferring handler gets English due-soon and due-today reminders, the Chinese
    supervisor Chinese ones, the English secretariat officer an English overdue digest; a confidential case's
    subject is masked in each language ("(confidential case)" / "（保密案件）"), never mailed."""
    from cases.models import Case
    from core.accounts.models import Staff

    number = _assigned_case(app, db, WEDNESDAY)
    db.session.execute(sa.update(Case).where(Case.number == number).values(confidential=True))
    db.session.execute(sa.update(Staff).where(Staff.email.in_(["roads.handler@example.tw", "secretariat@example.tw"]))
                       .values(language="en"))
    db.session.commit()

    def mail(address: str) -> tuple[str, str]:
        message = smtp.last_to(address)
        return smtp.subject(message), smtp.text(message)

    smtp.clear()
    assert _sweep(app, MONDAY)["due_soon"] == 1
    subject, text = mail("roads.handler@example.tw")
    assert subject.startswith("[Due soon]") and "Please finish it in time" in text
    assert "(confidential case)" in text and "人行道破損" not in subject + text and "您好" not in text

    smtp.clear()
    assert _sweep(app, WEDNESDAY)["due_today"] == 1
    subject, text = mail("roads.handler@example.tw")
    assert subject.startswith("[Due today]") and "(confidential case)" in text and "人行道破損" not in subject + text
    subject, text = mail("roads.chief@example.tw")
    assert "今日到期" in subject + text and "（保密案件）" in text and "(confidential case)" not in text
    assert "人行道破損" not in subject + text

    smtp.clear()
    assert _sweep(app, THURSDAY)["overdue_digest"] == 2
    subject, text = mail("secretariat@example.tw")
    assert subject.startswith("[Overdue cases]") and number in text and "(confidential case)" in text
    subject, text = mail("roads.chief@example.tw")
    assert number in text and "（保密案件）" in text
    assert not [m for m in smtp.messages if "人行道破損" in smtp.subject(m) + smtp.text(m)]

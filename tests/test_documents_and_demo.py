"""Printable documents (the reply letter with its 發文字號, the counter receipt slip) and the living demo
(`flask demo seed/cases/surveys` and the in-process scheduler of `make run`)."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import is_postgres, need
from tests.support import (
    act,
    close_with_reply,
    make_agency,
    make_staff,
    post_form,
    register_case,
    staff_client,
)


def _roc(day) -> int:  # noqa: ANN001
    return day.year - 1911


# ---------------------------------------------------------------- the reply letter (函)


def test_the_letter_shows_the_document_number_date_contact_and_prints_on_a4(app, db, client, smtp):
    from core.accounts.services import find_staff
    from core.clock import today
    from core.settings import set_setting

    make_agency(db)
    set_setting("agency_address", "110204 臺北市信義區市府路1號")
    db.session.commit()
    _run(app, "staff", "phone", "roads.handler@example.tw", "(02)2720-8889 分機 2011")
    db.session.expire_all()
    assert find_staff("roads.handler@example.tw").phone == "(02)2720-8889 分機 2011"
    number = close_with_reply(app, db)
    chief = staff_client(app, "roads.chief@example.tw")
    day = today()

    letter = chief.get(f"/staff/cases/{number}/letter")
    assert letter.status_code == 200
    assert f"府陳字第{_roc(day)}0000001號" in letter.text  # 發文字號: prefix, ROC year, 7 digits
    assert f"中華民國{_roc(day)}年{day.month}月{day.day}日" in letter.text
    assert "roads.handler" in letter.text and "(02)2720-8889 分機 2011" in letter.text  # contact and telephone
    assert "110204 臺北市信義區市府路1號" in letter.text and "示範機關" in letter.text  # the agency's header
    assert 'href="/static/print.css"' in letter.text
    css = client.get("/static/print.css").text
    assert "@page" in css and "size: A4" in css and "@media print" in css
    assert re.search(r"@media print \{[^}]*\.site-header[^}]*display: none", css)  # no navigation on paper

    # The number is stored on the reply and shown on the case page; a second letter keeps it.
    page = chief.get(f"/staff/cases/{number}")
    assert f"府陳字第{_roc(day)}0000001號" in page.text
    second = close_with_reply(app, db, email="other@example.tw")
    assert f"府陳字第{_roc(day)}0000002號" in chief.get(f"/staff/cases/{second}/letter").text
    assert f"府陳字第{_roc(day)}0000001號" in chief.get(f"/staff/cases/{number}/letter").text

    english = staff_client(app, "roads.chief@example.tw")
    english.get("/language/en")
    text = english.get(f"/staff/cases/{number}/letter").text
    assert "Document number" in text and f"{day.day} {day.strftime('%B')} {day.year}" in text


def test_a_configured_prefix_and_the_agency_phone_when_the_handler_has_none(app, db, smtp):
    from core.settings import set_setting

    make_agency(db)
    set_setting("document_number_prefix", "北市工字第")
    set_setting("agency_phone", "1999")
    db.session.commit()
    number = close_with_reply(app, db)
    text = staff_client(app, "roads.chief@example.tw").get(f"/staff/cases/{number}/letter").text
    assert re.search(r"北市工字第\d{3}0000001號", text) and "1999" in text


def test_two_approvals_at_once_get_different_consecutive_numbers(app, db, smtp):
    need("PostgreSQL", is_postgres(app), "set DATABASE_URL to a PostgreSQL server")
    from cases.models import Reply
    from cases.services import approve_reply, find_case
    from core.accounts.services import find_staff
    from core.extensions import db as database

    make_agency(db)
    numbers = []
    for email in ("a@example.tw", "b@example.tw"):
        number = register_case(db, email=email).number
        act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
        act(staff_client(app, "roads.chief@example.tw"), number, "assign", handler="roads.handler@example.tw")
        act(staff_client(app, "roads.handler@example.tw"), number, "draft-reply", body="答覆。", outcome="met")
        numbers.append(number)

    barrier, errors = threading.Barrier(2), []

    def approve(number: str) -> None:
        try:
            with app.app_context():
                case = find_case(number)
                chief = find_staff("roads.chief@example.tw")
                barrier.wait(5)
                approve_reply(case, chief)
                time.sleep(0.3)  # hold the sequence row: the other approval waits for this commit
                database.session.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(n,)) for n in numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    given = sorted(db.session.scalars(sa.select(Reply.document_number)))
    sequences = [int(n[-8:-1]) for n in given]
    assert len(set(given)) == 2 and sequences == [1, 2], given


# ---------------------------------------------------------------- the counter receipt slip


def _counter_intake(client, db, language: str, **fields):  # noqa: ANN001
    make_staff("intake@example.tw", ["intake"], unit_code="SEC")
    db.session.commit()
    staff = staff_client(client.application, "intake@example.tw")
    return post_form(staff, "/staff/intake", {
        "channel": "petition", "received_via": "counter", "language": language, "name": "王小明",
        "phone": "0912-345-678", "subject": "路燈不亮", "body": "中山路二段路燈三天沒亮。", **fields,
    })


@pytest.mark.parametrize("language", ["zh_Hant_TW", "en"])
def test_a_counter_intake_prints_a_receipt_slip_in_the_petitioners_language(client, db, smtp, language):
    from cases.models import Case

    page = _counter_intake(client, db, language)
    assert page.status_code == 200
    number = re.search(r'<dd class="code">(\d+)</dd>', page.text).group(1)
    code = re.findall(r'<dd class="code">([A-Z0-9]+)</dd>', page.text)[1]
    slip = page.text[page.text.index('class="document slip"'):]
    slip = slip[:slip.index("</article>")]
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    assert number in slip and code in slip
    assert "http://localhost/track" in slip
    due = case.due_on
    if language == "zh_Hant_TW":
        assert 'lang="zh-Hant-TW"' in slip and "臨櫃收件確認" in slip and "查詢密碼" in slip
        assert f"中華民國{_roc(due)}年{due.month}月{due.day}日" in slip
    else:
        assert 'lang="en"' in slip and "Petition received at the counter" in slip and "Access code" in slip
        assert f"{due.day} {due.strftime('%B')} {due.year}" in slip
        assert not re.search(r"[\u4e00-\u9fff]", slip.replace("示範機關", "").replace("王小明", ""))
    if case.due_on_provisional:
        assert ("provisional" in slip) or ("暫定" in slip)
    # Printable without JavaScript: the page links the print stylesheet, and only the slip is printed.
    assert 'href="/static/print.css"' in page.text and 'class="no-print"' in page.text


# ---------------------------------------------------------------- the demo


HOMES = {  # role: a demo login of that role
    "intake": "intake@demo.tw",
    "supervisor": "supervisor.roads@demo.tw",
    "handler": "handler.roads@demo.tw",
    "secretariat": "secretariat@demo.tw",
    "ethics": "ethics@demo.tw",
    "ethics handler": "ethics.handler@demo.tw",
    "deputy": "deputy.roads@demo.tw",
    "parks supervisor": "supervisor.parks@demo.tw",
}


def _run(app, *args: str):  # noqa: ANN001
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def _counts(db) -> dict[str, int]:  # noqa: ANN001
    from cases.models import Case, CaseEvent, Reply
    from core.accounts.models import Staff
    from notifications.models import OutboxMessage
    from surveys.models import SurveyInvitation, SurveyResponse

    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Case, CaseEvent, Reply, Staff, OutboxMessage, SurveyInvitation, SurveyResponse)}


def test_the_demo_gives_every_role_a_non_empty_home_and_running_it_twice_adds_nothing(app, db, smtp):
    from cases.models import Case
    from core.accounts.cli import DEMO_PASSWORD
    from core.accounts.services import find_staff
    from surveys.models import SurveyFollowUp, SurveyResponse
    from tests.conftest import empty_tables
    from tests.support import client_from, login

    empty_tables(app)
    seeded = _run(app, "demo", "seed")
    for role in ("intake", "supervisor", "handler", "secretariat", "ethics", "admin", "deputy"):
        assert role in seeded.output
    assert "created" in _run(app, "demo", "cases").output
    _run(app, "demo", "surveys")
    db.session.expire_all()
    assert find_staff("handler.roads@demo.tw").deputy.email == "deputy.roads@demo.tw"
    states = set(db.session.scalars(sa.select(Case.state)))
    assert {"registered", "routed", "in_progress", "awaiting_approval", "closed", "transferred",
            "not_handled"} <= states
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) >= 30
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) >= 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyFollowUp)) >= 1
    before = _counts(db)

    for n, (role, email) in enumerate(HOMES.items()):
        client = client_from(app, f"10.99.0.{n + 1}")
        assert login(client, email, DEMO_PASSWORD).status_code == 302
        home = client.get("/staff/")
        assert home.status_code == 200
        assert re.search(r'href="/staff/cases/\d+"', home.text), f"{role}'s home lists no case"

    _run(app, "demo", "seed")
    assert "0 created" in _run(app, "demo", "cases").output
    assert "0 recorded" in _run(app, "demo", "surveys").output
    db.session.expire_all()
    after = _counts(db)
    assert after == before


# ---------------------------------------------------------------- the in-process scheduler


def test_the_in_process_scheduler_runs_the_beat_jobs(app, db, smtp):
    from core.scheduler import InProcessScheduler
    from notifications.models import OutboxMessage

    # A due message that nobody handed to Celery (as after a broker outage): only the relay sends it.
    db.session.add(OutboxMessage(kind="t", recipient="due@example.tw", template="verify", language="en",
                                 context={"name": "X", "subject": "S", "channel": "mailbox", "expires_on": "x",
                                          "agency": "A"}, secrets={"link": "L"}, idempotency_key="scheduler-test"))
    db.session.commit()
    assert not smtp.to("due@example.tw")
    scheduler = InProcessScheduler(
        app, {"relay-outbox": {"task": "notifications.relay_outbox", "schedule": timedelta(seconds=0.2)}},
        tick=0.05).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not smtp.to("due@example.tw"):
            time.sleep(0.1)
    finally:
        scheduler.stop()
    assert smtp.to("due@example.tw"), "the relay did not run"
    assert scheduler.runs["relay-outbox"] >= 1


def test_the_scheduler_starts_only_when_make_run_asks_and_there_is_no_broker(app, monkeypatch):
    from core import scheduler

    monkeypatch.setenv(scheduler.ENV_FLAG, "1")
    assert scheduler.maybe_start(app) is None  # TESTING: never in tests
    monkeypatch.delenv(scheduler.ENV_FLAG)

    class Fake:
        config = {"REDIS_URL": "redis://x", "TESTING": False}

    monkeypatch.setenv(scheduler.ENV_FLAG, "1")
    assert scheduler.maybe_start(Fake()) is None  # production has Celery beat

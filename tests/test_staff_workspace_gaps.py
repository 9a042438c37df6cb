"""The smaller gaps of the staff workspace (issue 12): a deputy from another unit opens the case they decide and its
letter; the secretariat's chase (催辦) mails once a working day; the CLI's changes are in the audit log like the
web's."""

from __future__ import annotations

import html
import re
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa

from tests.conftest import is_postgres
from tests.support import act, csrf_token, make_agency, register_case, staff_client


def _staff(email: str):  # noqa: ANN202
    from core.accounts.services import find_staff

    return find_staff(email)


def _case_in_progress(app, db, *, days_ago: int = 0) -> tuple[int, str]:  # noqa: ANN001
    """A ROADS case assigned to roads.handler; returns (id, number)."""
    from cases import services
    from core.clock import TAIPEI

    received_at = None
    if days_ago:
        received_at = datetime.now(TAIPEI).replace(hour=10, minute=0) - timedelta(days=days_ago)
    with app.test_request_context("/"):
        case = register_case(db, received_at=received_at)
        services.route(case, _staff("intake@example.tw"), unit_code="ROADS")
        services.assign(case, _staff("roads.chief@example.tw"), handler_email="roads.handler@example.tw")
        db.session.commit()
        return case.id, case.number


# ---------------------------------------------------------------- a deputy from another unit


def _away_with_a_deputy_from_parks(db) -> None:  # noqa: ANN001
    from core.clock import today

    chief = _staff("roads.chief@example.tw")
    chief.deputy_id = _staff("parks.handler@example.tw").id
    chief.away_from, chief.away_until = today() - timedelta(days=1), today() + timedelta(days=7)
    db.session.commit()


def test_a_deputy_from_another_unit_opens_the_case_approves_the_reply_and_prints_the_letter(app, db, smtp):
    from cases.models import Case

    make_agency(db)
    _away_with_a_deputy_from_parks(db)
    _case_id, number = _case_in_progress(app, db)
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(handler, number, "draft-reply", body="本處已完成路面修補。", outcome="met").status_code == 303

    colleague = staff_client(app, "parks.chief@example.tw")  # of the deputy's unit, but nobody's deputy
    assert colleague.get(f"/staff/cases/{number}").status_code == 404  # answers like a missing case

    deputy = staff_client(app, "parks.handler@example.tw")
    page = deputy.get(f"/staff/cases/{number}")
    assert page.status_code == 200 and f"/staff/cases/{number}/approve-reply" in page.text
    assert act(deputy, number, "approve-reply").status_code == 303
    db.session.expire_all()
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    assert case.state == "closed" and case.replies[0].decided_by.email == "parks.handler@example.tw"

    # Whoever approved it still opens the case and prints its letter; the colleague still does not.
    assert deputy.get(f"/staff/cases/{number}").status_code == 200
    letter = deputy.get(f"/staff/cases/{number}/letter")
    assert letter.status_code == 200 and "本處已完成路面修補" in letter.text
    assert colleague.get(f"/staff/cases/{number}").status_code == 404
    assert colleague.get(f"/staff/cases/{number}/letter").status_code == 404
    page = colleague.get("/staff/")  # a page of the colleague's own, for the token
    answer = colleague.post(f"/staff/cases/{number}/return-reply", data={
        "csrf_token": csrf_token(page.text), "version": str(case.version), "reason": "x"})
    assert answer.status_code == 404


def test_a_deputy_from_another_unit_decides_an_extension(app, db, smtp):
    from cases.models import Extension

    make_agency(db)
    _away_with_a_deputy_from_parks(db)
    _case_id, number = _case_in_progress(app, db)
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(handler, number, "request-extension", days="5", reason="需會勘").status_code == 303

    assert staff_client(app, "parks.chief@example.tw").get(f"/staff/cases/{number}").status_code == 404
    deputy = staff_client(app, "parks.handler@example.tw")
    assert f"/staff/cases/{number}/approve-extension" in deputy.get(f"/staff/cases/{number}").text
    assert act(deputy, number, "approve-extension").status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(Extension.status)) == "approved"
    # Once the chief is back, the deputy has nothing to decide but still sees the case they decided on.
    assert deputy.get(f"/staff/cases/{number}").status_code == 200


# ---------------------------------------------------------------- the chase, once a working day


def _chase(client, case_id: int):  # noqa: ANN001, ANN202
    page = client.get("/staff/").text
    return client.post("/staff/chase", data={"csrf_token": csrf_token(page), "case": str(case_id)},
                       follow_redirects=True)


def _chases(db, case_id: int) -> int:  # noqa: ANN001
    from cases.models import CaseEvent

    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.action == "chased"))


def test_a_second_chase_the_same_day_records_nothing_and_mails_nobody_and_says_when(app, db, smtp):
    make_agency(db)
    case_id, number = _case_in_progress(app, db, days_ago=70)
    secretariat = staff_client(app, "secretariat@example.tw")
    smtp.clear()
    first = _chase(secretariat, case_id)
    assert first.status_code == 200 and "已催辦" in first.text
    second = _chase(secretariat, case_id)
    assert second.status_code == 200
    said = re.search(r"案件 (\d+) 今天 (\d\d:\d\d) 已催辦過", html.unescape(second.text))
    assert said and said.group(1) == number, second.text
    assert _chases(db, case_id) == 1
    mails = smtp.to("roads.chief@example.tw")
    assert len(mails) == 1 and "催辦" in smtp.subject(mails[0])
    # In English too, with the same time.
    secretariat.set_cookie("lang", "en")
    english = _chase(secretariat, case_id)
    assert f"Case {number} was already chased today at {said.group(2)}" in html.unescape(english.text)
    assert _chases(db, case_id) == 1 and len(smtp.to("roads.chief@example.tw")) == 1


def test_two_chases_at_the_same_moment_record_one_and_mail_once(app, db, smtp):
    make_agency(db)
    case_id, _number = _case_in_progress(app, db, days_ago=70)
    clients = [staff_client(app, "secretariat@example.tw") for _ in range(2)]
    tokens = [csrf_token(c.get("/staff/").text) for c in clients]
    smtp.clear()
    start = threading.Barrier(2)
    answers = []

    def click(client, token) -> None:  # noqa: ANN001
        start.wait()
        answers.append(client.post("/staff/chase", data={"csrf_token": token, "case": str(case_id)}))

    threads = [threading.Thread(target=click, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(a.status_code for a in answers)
    if is_postgres(app):  # the second waits for the first's ledger row, then records nothing
        assert statuses == [303, 303]
    else:  # SQLite refuses the second writer at once ("database is locked"): it answers "try again" (503)
        assert statuses[0] == 303 and statuses[1] in (303, 503), statuses
    assert _chases(db, case_id) == 1
    assert len(smtp.to("roads.chief@example.tw")) == 1


# ---------------------------------------------------------------- the command line's changes in the audit log


def _audit_rows(page: str) -> list[str]:
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr>")[1:]]


def test_a_setting_changed_on_the_command_line_is_on_the_audit_page(app, db):
    from core.settings import forget_cached

    make_agency(db)
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["settings", "set", "extension_max_count", "2"])
        assert result.exit_code == 0, result.output
        admin = staff_client(app, "admin@example.tw")
        rows = _audit_rows(admin.get("/staff/admin/audit").text)
        assert len(rows) == 1, rows
        assert "命令列（CLI）" in rows[0] and "設定: 每件案件可展期的次數" in rows[0], rows[0]
        assert re.search(r"值 3 .*值 2", rows[0]) and "extension_max_count" not in rows[0], rows[0]
        admin.set_cookie("lang", "en")
        [english] = _audit_rows(admin.get("/staff/admin/audit").text)
        assert "command line (CLI)" in english and "命令列" not in english
        assert "Setting: Extensions allowed per case" in english and re.search(r"Value 3 .*Value 2", english)
        # A value it already has is no change: nothing more is written.
        assert runner.invoke(args=["settings", "set", "extension_max_count", "2"]).exit_code == 0
        assert len(_audit_rows(admin.get("/staff/admin/audit?entity=setting").text)) == 1
    finally:
        db.session.execute(sa.text("DELETE FROM settings"))
        db.session.commit()
        forget_cached()


def test_the_other_commands_that_change_what_the_administration_changes_write_its_entries(app, db):
    from core.audit import AuditEntry

    make_agency(db)
    runner = app.test_cli_runner()
    commands = [
        ["units", "create", "LIGHT", "路燈科", "--parent", "PARKS"],
        ["staff", "create", "lin@example.tw", "--name", "林小姐", "--unit", "LIGHT", "--role", "handler",
         "--password", "a-long-password"],
        ["staff", "away", "lin@example.tw", "--from", "2026-08-10", "--until", "2026-08-14",
         "--deputy", "parks.handler@example.tw"],
        ["staff", "password", "lin@example.tw", "--password", "another-long-password"],
        ["staff", "deactivate", "lin@example.tw"],
        ["staff", "reactivate", "lin@example.tw"],
        ["deadlines", "set-class", "site-survey", "--days", "10", "--name-zh", "會勘件", "--name-en", "Site survey"],
        ["deadlines", "set-class", "site-survey", "--days", "12"],
        ["deadlines", "set-class", "site-survey", "--days", "12", "--inactive"],
        ["calendar", "close", "2026-08-12", "--reason", "颱風停止上班"],
        ["calendar", "remove", "2026-08-12"],
    ]
    try:
        for args in commands:
            result = runner.invoke(args=args)
            assert result.exit_code == 0, (args, result.output)
        db.session.expire_all()
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        assert all(e.actor_id is None for e in entries)
        assert [(e.entity, e.action) for e in entries] == [
            ("unit", "create"), ("staff", "create"), ("staff", "update"), ("staff", "update"),
            ("staff", "deactivate"), ("staff", "reactivate"),
            ("time_limit_class", "create"), ("time_limit_class", "update"), ("time_limit_class", "deactivate"),
            ("calendar_day", "create"), ("calendar_day", "remove")]
        assert entries[0].new_value["parent"] == "PARKS"
        assert entries[2].new_value == {"deputy": "parks.handler@example.tw", "away_from": "2026-08-10",
                                        "away_until": "2026-08-14"}
        assert "another-long-password" not in str(entries[3].new_value)
        assert entries[7].old_value == {"days": 10} and entries[7].new_value == {"days": 12}
        assert entries[9].new_value == {"working_day": False, "reason": "颱風停止上班"}
        # Refused like on the page: nothing is written.
        assert runner.invoke(args=["units", "create", "LIGHT", "重複"]).exit_code != 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == len(entries)
    finally:
        from cases.models import TimeLimitClass

        db.session.execute(sa.delete(TimeLimitClass).where(TimeLimitClass.code == "site-survey"))
        db.session.commit()

"""Reopening an answered case, "not resolved" (issue 13, deliver 4): through the API, the tracking page and the survey
page, on the frozen clock, with the real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tests.support import (
    access_code,
    case_by_number,
    close_with_reply,
    csrf_token,
    make_agency,
    reopen,
    staff_client,
    survey_link,
    tracking_client,
)


def _track(app, number: str, code: str) -> dict:  # noqa: ANN001
    answer = tracking_client(app).post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert answer.status_code == 200, answer.text
    return answer.json


def test_reopened_within_the_window_goes_back_to_the_unit_that_answered(app, db, smtp):
    make_agency(db)
    number = close_with_reply(app, db)
    code = access_code(smtp)
    smtp.clear()

    answer = reopen(app, number, code)
    assert answer.status_code == 201, answer.text
    new_number = answer.json["case_number"]
    assert new_number != number

    new = case_by_number(db, new_number)
    assert new.state == "routed" and new.unit.code == "ROADS" and new.reopened_from_id == case_by_number(db, number).id
    from cases.models import CaseLink

    link = db.session.scalar(sa.select(CaseLink).where(CaseLink.case_id == new.id))
    assert link.earlier_case_id == new.reopened_from_id and link.by_id is None

    # The unit's supervisor is told by mail (and in the app), with the reason; nobody else in the unit.
    mail = smtp.text(smtp.last_to("roads.chief@example.tw"))
    assert new_number in mail and number in mail and "路燈隔天又不亮了。" in mail
    assert not smtp.to("roads.handler@example.tw")

    # The new case's page shows the reason and the original reply.
    chief = staff_client(app, "roads.chief@example.tw")
    page = chief.get(f"/staff/cases/{new_number}")
    assert page.status_code == 200
    origin = page.text.split('id="reopened-h"', 1)[1].split("</section>", 1)[0]
    assert number in origin and "路燈隔天又不亮了。" in origin and "答覆內容。" in origin

    # The petitioner tracks the new case with the code they hold; both timelines say so.
    tracked_new = _track(app, new_number, code)
    assert tracked_new["events"][1]["kind"] == "reopened_from" and number in tracked_new["events"][1]["text"]
    tracked_old = _track(app, number, code)
    assert tracked_old["events"][-1]["kind"] == "reopened" and new_number in tracked_old["events"][-1]["text"]
    assert "路燈" not in str(tracked_old["events"])  # the reason is the new case's description, not a public step


def test_after_the_window_a_clear_refusal_says_until_when(app, db, smtp, clock):
    from core.clock import today

    make_agency(db)
    number = close_with_reply(app, db)
    code = access_code(smtp)
    closed_on = today()
    clock.move_to(_later(31))
    answer = reopen(app, number, code)
    assert answer.status_code == 409
    until = (closed_on + timedelta(days=30)).isoformat()
    assert until in answer.json["message"] and "新的陳情" in answer.json["message"]
    english = tracking_client(app).post("/api/v1/track/reopen", json={"case_number": number, "access_code": code,
                                                                      "reason": "Still broken."},
                                        headers={"Accept-Language": "en"})
    assert english.status_code == 409 and f"until {until}" in english.json["message"]
    from cases.models import Case

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def _later(days: int):  # noqa: ANN202
    from datetime import datetime

    from core.clock import TAIPEI

    return datetime.now(TAIPEI) + timedelta(days=days)


def test_the_last_day_of_the_window_still_reopens(app, db, smtp, clock):
    make_agency(db)
    number = close_with_reply(app, db)
    code = access_code(smtp)
    clock.move_to(_later(30))
    assert reopen(app, number, code).status_code == 201


def test_a_second_reopen_goes_to_the_secretariat(app, db, smtp):
    make_agency(db)
    number = close_with_reply(app, db)
    code = access_code(smtp)
    first = reopen(app, number, code, "第一次：還是壞的。").json["case_number"]
    smtp.clear()
    second = reopen(app, number, code, "第二次：依然沒修好。")
    assert second.status_code == 201
    again = case_by_number(db, second.json["case_number"])
    assert again.state == "registered" and again.unit_id is None
    assert again.reopened_from_id == case_by_number(db, number).id
    assert smtp.to("secretariat@example.tw") and smtp.to("intake@example.tw")
    assert not smtp.to("roads.chief@example.tw")
    page = staff_client(app, "secretariat@example.tw").get(f"/staff/cases/{again.number}")
    assert page.status_code == 200 and "再次重啟" in page.text

    # Reopening the reopened case (once answered) also goes to the secretariat.
    close_again = case_by_number(db, first)
    assert close_again.state == "routed"
    from tests.support import act

    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, first, "assign", handler="roads.handler@example.tw")
    act(staff_client(app, "roads.handler@example.tw"), first, "draft-reply", body="再次答覆。", outcome="met")
    assert act(chief, first, "approve-reply").status_code == 303
    third = reopen(app, first, code, "第三次。")
    assert third.status_code == 201 and case_by_number(db, third.json["case_number"]).state == "registered"


def test_a_retried_request_gives_the_same_case(app, db, smtp):
    from cases.models import Case

    make_agency(db)
    number = close_with_reply(app, db)
    code = access_code(smtp)
    first = reopen(app, number, code)
    again = reopen(app, number, code)  # a double click: the same reason within seconds
    assert first.status_code == 201 and again.status_code == 201
    assert again.json["case_number"] == first.json["case_number"]
    keyed = reopen(app, number, code, "另一個理由。", **{"Idempotency-Key": "k-1"})
    retried = reopen(app, number, code, "另一個理由。", **{"Idempotency-Key": "k-1"})
    assert keyed.json["case_number"] == retried.json["case_number"] != first.json["case_number"]
    reopened = sa.select(sa.func.count()).select_from(Case).where(Case.reopened_from_id.is_not(None))
    assert db.session.scalar(reopened) == 2


def test_wrong_code_open_case_and_bad_input(app, db, smtp):
    from tests.support import register_case

    make_agency(db)
    number = close_with_reply(app, db)
    code = access_code(smtp)
    wrong = reopen(app, number, "WRONGCODE123")
    unknown = reopen(app, "1159999999", code)
    tracking = tracking_client(app).post("/api/v1/track", json={"case_number": number, "access_code": "WRONGCODE123"})
    assert wrong.status_code == unknown.status_code == tracking.status_code == 404
    assert wrong.json["message"] == tracking.json["message"]

    assert reopen(app, number, code, "   ").status_code == 422
    assert reopen(app, number, code, "x" * 10_001).status_code == 422
    nul = reopen(app, number, code, "路燈\x00不亮")
    assert nul.status_code in (400, 422) and "NUL" in nul.json["message"]

    open_number = register_case(db, email="other@example.tw").number
    open_code = access_code(smtp, "other@example.tw")
    refused = reopen(app, open_number, open_code)
    assert refused.status_code == 409 and "補充" in refused.json["message"]


def test_reopen_from_the_tracking_page_and_the_survey_page(app, db, smtp):
    make_agency(db)
    number = close_with_reply(app, db)
    code = access_code(smtp)
    link = survey_link(smtp, "citizen@example.tw")

    visitor = tracking_client(app)
    page = visitor.post("/track", data={"csrf_token": csrf_token(visitor.get("/track").text), "case_number": number,
                                        "access_code": code})
    assert page.status_code == 200 and 'id="reopen-heading"' in page.text
    answer = visitor.post("/track/reopen", data={"csrf_token": csrf_token(page.text), "case_number": number,
                                                 "reason": "網頁：還是壞的。"})
    assert answer.status_code == 303
    shown = visitor.get(answer.headers["Location"])
    new_number = re.search(r"case=\d+&done=reopened&new=(\d+)", answer.headers["Location"]).group(1)
    assert shown.status_code == 200 and new_number in shown.text and "重啟" in shown.text

    # Without the look-up (another browser): nothing happens.
    stranger = tracking_client(app)
    token = csrf_token(stranger.get("/track").text)
    assert stranger.post("/track/reopen", data={"csrf_token": token, "case_number": number,
                                                "reason": "x"}).status_code == 404

    citizen = tracking_client(app)
    form = citizen.get(link)
    assert form.status_code == 200 and 'id="reopen-heading"' in form.text
    reopened = citizen.post(f"{link}/reopen", data={"csrf_token": csrf_token(form.text),
                                                    "reason": "問卷：依然沒修好。"})
    assert reopened.status_code == 200
    second = re.search(r"(\d{10})", reopened.text.split("<main", 1)[1]).group(1)
    assert case_by_number(db, second).state == "registered"  # the second reopen of the same case: the secretariat


def test_statistics_show_the_reopen_rate_per_unit(app, db, smtp):
    from cases import statistics
    from core.clock import today

    make_agency(db)
    number = close_with_reply(app, db)
    close_with_reply(app, db, email="b@example.tw")
    reopen(app, number, access_code(smtp))
    with app.test_request_context("/"):
        # A reopening counts on the day the new case is received: on a Saturday clock, the next working day.
        rows = [r for r in statistics.statistics(today(), today() + timedelta(days=40), today()) if r.unit == "ROADS"]
        assert sum(r.reopened for r in rows) == 1 and sum(r.closed for r in rows) == 2
        table = statistics.table(rows)
        assert 0.5 in [cell for row in table.rows for cell in row]
    page = staff_client(app, "secretariat@example.tw").get("/staff/statistics")
    assert page.status_code == 200 and "重啟率" in page.text

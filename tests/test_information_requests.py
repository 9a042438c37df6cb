"""補陳 with stop-the-clock (issue 13, deliver 3): the handler asks, the petitioner answers on the tracking API or
page, the due date moves later by exactly the working days the clock stood still, on named dates of the official
DGPA calendar (2025-12-25 行憲紀念日 is a day off; 2025-12-27/28 a weekend)."""

from __future__ import annotations

import base64
import itertools
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.support import access_code, act, client_from, csrf_token, make_agency, register_case, staff_client

TAIPEI = ZoneInfo("Asia/Taipei")
_addresses = itertools.count(1)
QUESTION = "請提供路燈電桿上的編號，或拍攝現場照片。"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def _at(clock, day: date, hour: int = 10) -> None:  # noqa: ANN001
    clock.move_to(datetime(day.year, day.month, day.day, hour, 0, tzinfo=TAIPEI))


def _public(app):  # noqa: ANN001, ANN202
    n = next(_addresses)
    return client_from(app, f"10.97.{n // 256 % 256}.{n % 256}")


def _case_in_progress(app, db, smtp, clock, *, language: str = "zh_Hant_TW", email: str = "citizen@example.tw"):  # noqa: ANN001, ANN202
    """A petition (30 working days) received Tuesday 2025-12-23 10:00, routed and assigned: due 2026-02-05."""
    _at(clock, date(2025, 12, 23))
    make_agency(db)
    case = register_case(db, language=language, email=email)
    number, code = case.number, access_code(smtp, email)
    assert act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS").status_code == 303
    chief = staff_client(app, "roads.chief@example.tw")
    assert act(chief, number, "assign", handler="roads.handler@example.tw").status_code == 303
    return number, code


def _handler(app):  # noqa: ANN001, ANN202
    # Signed in after each move of the clock: a session left idle for a day has ended.
    return staff_client(app, "roads.handler@example.tw")


def _chief(app):  # noqa: ANN001, ANN202
    return staff_client(app, "roads.chief@example.tw")


def _track(app, number: str, code: str) -> dict:  # noqa: ANN001
    answer = _public(app).post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert answer.status_code == 200, answer.text
    return answer.json


def test_answered_across_a_holiday_and_a_weekend_moves_the_due_date_by_the_paused_working_days(app, db, smtp, clock):
    number, code = _case_in_progress(app, db, smtp, clock)
    assert _track(app, number, code)["due_on"] == "2026-02-05"

    # Wednesday 2025-12-24: the handler asks; the petitioner is mailed the question (default: 10 working days).
    _at(clock, date(2025, 12, 24))
    handler, chief = _handler(app), _chief(app)
    smtp.clear()
    assert act(handler, number, "request-information", question=QUESTION).status_code == 303
    mail = smtp.last_to("citizen@example.tw")
    text = smtp.text(mail)
    assert QUESTION in text and "2026-01-09" in text and "補陳" in smtp.subject(mail) + text
    assert "行政程序法第171條" in text and "/track" in text
    tracked = _track(app, number, code)
    assert tracked["status"] == "awaiting_information" and tracked["status_label"] == "待民眾補充資料"
    assert tracked["information_request"] == {"question": QUESTION, "asked_on": "2025-12-24",
                                              "reply_by": "2026-01-09"}
    assert tracked["events"][-1]["kind"] == "information_requested" and QUESTION in tracked["events"][-1]["text"]

    # The paused case is neither due soon nor overdue for anyone while it waits.
    _at(clock, date(2026, 2, 6))
    handler, chief = _handler(app), _chief(app)
    home = handler.get("/staff/?queue=mine&due=overdue").text
    assert number not in home

    # Monday 2025-12-29: the answer. Paused: 12-26 (Fri) and 12-29 (Mon); 12-25 is 行憲紀念日, 12-27/28 a weekend.
    _at(clock, date(2025, 12, 29))
    handler, chief = _handler(app), _chief(app)
    answer = _public(app).post("/api/v1/track/information", json={
        "case_number": number, "access_code": code, "answer": "電桿編號 A-1234，照片如附件。",
        "attachments": [{"filename": "photo.png", "content_base64": base64.b64encode(PNG).decode()}]})
    assert answer.status_code == 200, answer.text
    assert answer.json == {"case_number": number, "status": "in_progress", "due_on": "2026-02-09",
                           "paused_working_days": 2}

    tracked = _track(app, number, code)
    assert tracked["due_on"] == "2026-02-09" and tracked["information_request"] is None
    assert [e["kind"] for e in tracked["events"]][-2:] == ["information_requested", "answer_received"]
    assert "2 個工作天" in tracked["events"][-1]["text"] and "2026-02-09" in tracked["events"][-1]["text"]

    # The handler is told, and sees the answer, its file and the timeline's parts on the case page.
    page = handler.get(f"/staff/cases/{number}").text
    assert "電桿編號 A-1234" in page and f"{number}-1.png" in page
    assert "2025-12-29" in page and "2026-02-05 → 2026-02-09" in page
    notices = handler.get("/staff/notifications").text
    assert number in notices

    # A second answer is refused clearly, never a server error.
    again = _public(app).post("/api/v1/track/information",
                              json={"case_number": number, "access_code": code, "answer": "再補充"})
    assert again.status_code == 409 and "本案目前無需您補充說明" in again.json["message"]

    # On time against the moved due date; the days used leave the pause out; statistics count it apart.
    _at(clock, date(2026, 2, 9))
    handler, chief = _handler(app), _chief(app)
    assert act(handler, number, "draft-reply", body="已修復。", outcome="met").status_code == 303
    assert act(chief, number, "approve-reply").status_code == 303
    stats = staff_client(app, "secretariat@example.tw").get("/staff/statistics.csv?start=2026-02-01&end=2026-02-28")
    lines = [line for line in stats.text.splitlines() if "ROADS" in line]
    assert len(lines) == 1, stats.text
    header = stats.text.splitlines()[0].lstrip("\ufeff").split(",")
    row = dict(zip(header, lines[0].split(","), strict=True))
    assert row["暫停等候民眾補充之工作天數"] == "2" and row["依限辦結"] == "1"


def test_unanswered_past_the_reply_by_date_is_closable_as_not_handled_with_notice(app, db, smtp, clock):
    number, code = _case_in_progress(app, db, smtp, clock, language="en", email="en@example.tw")
    _at(clock, date(2025, 12, 24))
    handler = _handler(app)
    smtp.clear()
    assert act(handler, number, "request-information", question="Which lamp post is it?",
               reply_within_days="3").status_code == 303
    mail = smtp.last_to("en@example.tw")
    assert "Which lamp post is it?" in smtp.text(mail) and "2025-12-30" in smtp.text(mail)
    assert "article 171" in smtp.text(mail) and "Please tell us more about your case" in smtp.subject(mail)

    # On the reply-by day the petitioner still has time.
    _at(clock, date(2025, 12, 30))
    handler = _handler(app)
    early = act(handler, number, "close-unanswered")
    assert early.status_code == 409
    _at(clock, date(2025, 12, 31))
    handler = _handler(app)
    smtp.clear()
    assert act(handler, number, "close-unanswered", note="No answer").status_code == 303
    text = smtp.text(smtp.last_to("en@example.tw"))
    assert "Which lamp post is it?" in text and "173 (1)" in text and "2025-12-30" in text
    tracked = _track(app, number, code)
    assert tracked["status"] == "not_handled" and tracked["events"][-1]["kind"] == "not_handled"
    assert "was not received by 2025-12-30" in tracked["events"][-1]["text"]
    page = handler.get(f"/staff/cases/{number}").text
    assert "APA art. 173 (1)" in page or "行政程序法第173條第1款" in page

    # The answer that comes too late is refused clearly.
    late = _public(app).post("/api/v1/track/information",
                             json={"case_number": number, "access_code": code, "answer": "Post 12"})
    assert late.status_code == 409


def test_a_wrong_access_code_cannot_answer(app, db, smtp, clock):
    number, code = _case_in_progress(app, db, smtp, clock)
    _at(clock, date(2025, 12, 24))
    handler = _handler(app)
    assert act(handler, number, "request-information", question=QUESTION).status_code == 303
    wrong = _public(app).post("/api/v1/track/information",
                              json={"case_number": number, "access_code": "WRONGCODE234", "answer": "x"})
    unknown = _public(app).post("/api/v1/track/information",
                                json={"case_number": "1149999999", "access_code": code, "answer": "x"})
    tracking = _public(app).post("/api/v1/track", json={"case_number": number, "access_code": "WRONGCODE234"})
    assert wrong.status_code == unknown.status_code == tracking.status_code == 404
    assert wrong.json["message"] == tracking.json["message"] == unknown.json["message"]
    empty = _public(app).post("/api/v1/track/information",
                              json={"case_number": number, "access_code": code, "answer": "   "})
    assert empty.status_code == 422 and "您的補充說明" in empty.json["message"]
    assert _track(app, number, code)["status"] == "awaiting_information"


def test_two_staff_asking_at_once_one_wins(app, db, smtp, clock):
    number, _code_ = _case_in_progress(app, db, smtp, clock)
    _at(clock, date(2025, 12, 24))
    handler, chief = _handler(app), _chief(app)
    smtp.clear()
    # Both opened the case page (the same version), both send the form.
    pages = [c.get(f"/staff/cases/{number}").text for c in (handler, chief)]
    answers = []
    for client, page in zip((handler, chief), pages, strict=True):
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        answers.append(client.post(f"/staff/cases/{number}/request-information", data={
            "csrf_token": csrf_token(page), "version": version, "question": QUESTION, "reply_within_days": "5"}))
    assert sorted(a.status_code for a in answers) == [303, 409]
    assert len(smtp.to("citizen@example.tw")) == 1
    from cases.models import InformationRequest

    assert db.session.query(InformationRequest).count() == 1


def test_the_answer_from_the_tracking_page(app, db, smtp, clock):
    number, code = _case_in_progress(app, db, smtp, clock, language="en", email="en@example.tw")
    _at(clock, date(2025, 12, 31))
    handler = _handler(app)
    assert act(handler, number, "request-information", question="Which lamp post?").status_code == 303
    _at(clock, date(2026, 1, 3), hour=15)  # a Saturday: the answer counts as received Monday 2026-01-05
    handler = _handler(app)
    visitor = _public(app)
    page = visitor.post("/track", data={"csrf_token": csrf_token(visitor.get("/track").text),
                                        "case_number": number, "access_code": code})
    assert "Which lamp post?" in page.text and 'name="answer"' in page.text
    done = visitor.post("/track/information", data={"csrf_token": csrf_token(page.text), "case_number": number,
                                                    "answer": "Post 12 on Zhongshan Road"})
    assert done.status_code == 303, done.text
    # Paused: 2026-01-02 (Fri) and 2026-01-05 (Mon); 2026-01-01 is a holiday, 01-03/04 a weekend.
    tracked = _track(app, number, code)
    assert tracked["status"] == "in_progress" and tracked["due_on"] == "2026-02-09"
    assert "2 working days" in tracked["events"][-1]["text"]


@pytest.mark.parametrize("language", ["zh_Hant_TW", "en"])
def test_the_mail_templates_render_in_both_languages(app, language):
    from notifications.mail import render

    with app.test_request_context("/"):
        for template in ("information_request", "information_unanswered"):
            subject, body = render(template, language, {
                "name": "", "case_number": "1140000001", "subject": "路燈", "agency": "測試市政府",
                "question": "Q?", "reply_by": "2026-01-09", "track_url": "http://localhost/track"})
            assert "1140000001" in subject and "Q?" in body and "2026-01-09" in body

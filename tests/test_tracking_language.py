"""The petitioner's timeline in the reader's language (issue 12, deliver 6): the tracking page words the steps in
the page's language, whatever the submission's; POST /api/v1/track answers in the `language` asked for, else in
the language the request chose (lang cookie, Accept-Language), else in the submission's. Public pages show dates
in the reader's style (民國 on Chinese pages when `roc_dates` is on)."""

from __future__ import annotations

import itertools
import re

from tests.support import (
    act,
    client_from,
    confirm,
    csrf_token,
    make_agency,
    post_form,
    register_case,
    staff_client,
)

_addresses = itertools.count(1)
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def _code(smtp, email: str) -> str:  # noqa: ANN001
    return re.search(r"(?:查詢密碼：|Access code: )([A-Z0-9]+)", smtp.text(smtp.last_to(email))).group(1)


def _visitor(app, language: str | None = None):  # noqa: ANN001, ANN202
    n = next(_addresses)
    client = client_from(app, f"10.97.{n // 256 % 256}.{n % 256}")
    if language:
        client.set_cookie("lang", language)
    return client


def _steps(app, number: str, code: str, language: str) -> str:  # noqa: ANN001
    visitor = _visitor(app, language)
    page = visitor.post("/track", data={"csrf_token": csrf_token(visitor.get("/track").text),
                                        "case_number": number, "access_code": code})
    assert page.status_code == 200, page.text
    return page.text.split('<ol class="timeline"', 1)[1].split("</ol>", 1)[0]


def _routed(app, db, smtp, language: str) -> tuple[str, str]:  # noqa: ANN001
    email = f"{language[:2]}@example.tw"
    number = register_case(db, email=email, language=language).number
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, number, "route", unit="ROADS").status_code == 303
    return number, _code(smtp, email)


def test_the_tracking_page_words_the_steps_in_the_pages_language(app, db, smtp):
    make_agency(db)
    chinese, chinese_code = _routed(app, db, smtp, "zh_Hant_TW")
    english, english_code = _routed(app, db, smtp, "en")

    steps = _steps(app, chinese, chinese_code, "en")
    assert "Your case was passed to 養護工程處 for handling." in steps
    assert not CJK.search(re.sub(r"<[^>]+>", " ", steps).replace("養護工程處", ""))
    steps = _steps(app, english, english_code, "zh_Hant_TW")
    assert "您的案件已分由 養護工程處 辦理。" in steps and "Your case" not in steps


def test_the_api_answers_in_the_language_asked_else_the_requests_else_the_submissions(app, db, smtp):
    make_agency(db)
    english, code = _routed(app, db, smtp, "en")

    def track(headers: dict | None = None, **body: str) -> dict:
        answer = _visitor(app).post("/api/v1/track", json={"case_number": english, "access_code": code, **body},
                                    headers=headers or {})
        assert answer.status_code == 200, answer.text
        return answer.json

    said_nothing = track()
    assert said_nothing["events"][1]["text"] == "Your case was passed to 養護工程處 for handling."
    assert said_nothing["status_label"] == "Assigned to a unit"  # one answer, one language
    chinese = track({"Accept-Language": "zh-TW,zh;q=0.9"})
    assert chinese["events"][1]["text"] == "您的案件已分由 養護工程處 辦理。" and CJK.search(chinese["status_label"])
    asked = track({"Accept-Language": "zh-TW"}, language="en")
    assert asked["events"][1]["text"].startswith("Your case") and asked["status_label"] == "Assigned to a unit"
    assert _visitor(app).post("/api/v1/track", json={"case_number": english, "access_code": code,
                                                     "language": "fr"}).status_code == 422


def test_public_pages_show_roc_dates_on_chinese_pages_when_asked(app, db, smtp):
    from core.settings import set_setting

    make_agency(db)
    set_setting("roc_dates", True)
    db.session.commit()
    citizen = _visitor(app)
    assert post_form(citizen, "/mailbox", {
        "name": "王小明", "email": "roc@example.tw", "subject": "中山路路燈不亮", "consent": "y",
        "body": "中山路二段與南京東路口的路燈已經三天沒有亮，晚上行人很危險，請儘速修復。"}).status_code == 303
    receipt = confirm(citizen, smtp.only_link_to("roc@example.tw"))
    number = re.search(r'class="code">(\d+)<', receipt.text).group(1)
    code = _code(smtp, "roc@example.tw")

    from cases.models import Case
    from core.extensions import db as database

    received = database.session.query(Case).filter_by(number=number).one().received_on
    roc = f"{received.year - 1911}/{received.month:02d}/{received.day:02d}"
    iso = received.isoformat()
    assert roc in receipt.text and iso not in receipt.text

    def page(language: str) -> str:
        visitor = _visitor(app, language)
        text = visitor.post("/track", data={"csrf_token": csrf_token(visitor.get("/track").text),
                                            "case_number": number, "access_code": code}).text
        return re.sub(r"<[^>]+>", " ", text.split("<main", 1)[1])  # what is read, not the datetime attributes

    chinese, english = page("zh_Hant_TW"), page("en")
    assert roc in chinese and iso not in chinese
    assert iso in english and roc not in english


def test_the_case_page_shows_dates_in_the_readers_style_and_keeps_iso_in_its_forms(app, db, smtp):
    from datetime import timedelta

    from core.settings import set_setting

    make_agency(db)
    case = register_case(db)
    received = case.received_on
    roc, iso = f"{received.year - 1911}/{received.month:02d}/{received.day:02d}", received.isoformat()
    sender_deadline = (received + timedelta(days=20)).isoformat()
    set_setting("roc_dates", True)
    db.session.commit()
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, case.number, "classify", limit_class="petition",
               sender_deadline=sender_deadline).status_code == 303

    page = intake.get(f"/staff/cases/{case.number}").text
    deadline = page.split('id="deadline-h"', 1)[1].split("</section>", 1)[0]
    assert roc in deadline and iso not in deadline
    assert f'name="sender_deadline" value="{sender_deadline}"' in page  # a form keeps ISO
    intake.set_cookie("lang", "en")
    english = intake.get(f"/staff/cases/{case.number}").text.split('id="deadline-h"', 1)[1].split("</section>")[0]
    assert iso in english and roc not in english and "（" not in english

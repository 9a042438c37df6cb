"""The citizen's whole journey through HTTP, against a real SMTP server."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.support import confirm, post_form, table_count, valid_letter


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_director_mailbox_letter_is_registered_after_verification(client, smtp, db):
    from cases.models import Case

    page = post_form(client, "/mailbox", valid_letter(), follow_redirects=True)
    assert page.status_code == 200
    assert "請至信箱點選確認連結" in page.text
    assert table_count(db, Case) == 0  # nothing is registered before the e-mail is confirmed

    verification = smtp.last_to("citizen@example.tw")
    assert "確認" in smtp.subject(verification)
    link = smtp.only_link_to("citizen@example.tw")
    assert link.startswith("http://localhost/verify/")

    receipt_page = confirm(client, link)
    assert receipt_page.status_code == 200
    assert "已登記" in receipt_page.text or "登記" in receipt_page.text

    receipt = smtp.last_to("citizen@example.tw")
    text = smtp.text(receipt)
    number = re.search(r"案件編號：(\d+)", text).group(1)
    code = re.search(r"查詢密碼：([A-Z0-9]+)", text).group(1)
    assert number in smtp.subject(receipt)
    assert number in receipt_page.text
    assert code not in receipt_page.text  # the code travels only in the mail

    tracked = post_form(client, "/track", {"case_number": number, "access_code": code})
    assert tracked.status_code == 200
    assert "已登記" in tracked.text
    assert number in tracked.text


def test_second_click_shows_the_same_receipt_and_registers_nothing_new(client, smtp, db):
    from cases.models import Case

    post_form(client, "/petition", valid_letter())
    link = _path(smtp.only_link_to("citizen@example.tw"))
    first = confirm(client, link)
    second = client.get(link)  # the link opened again shows the same receipt
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert table_count(db, Case) == 1
    assert len(smtp.to("citizen@example.tw")) == 2  # verification + one receipt


def test_the_api_journey(client, smtp):
    answer = client.post("/api/v1/submissions", json={
        "channel": "complaint", "category": "service", "name": "Jane Doe", "email": "jane@example.com",
        "subject": "Rude answer at the counter", "body": "The clerk at counter 3 refused to explain the form.",
        "consent": True, "language": "en",
    })
    assert answer.status_code == 202
    assert answer.json["status"] == "pending_verification"
    assert isinstance(answer.json["id"], int)

    verification = smtp.last_to("jane@example.com")
    assert "confirm" in smtp.subject(verification).lower()  # English mail for an English letter
    confirm(client, smtp.only_link_to("jane@example.com"))
    text = smtp.text(smtp.last_to("jane@example.com"))
    number = re.search(r"Case number: (\d+)", text).group(1)
    code = re.search(r"Access code: ([A-Z0-9]+)", text).group(1)

    tracked = client.post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert tracked.status_code == 200
    assert tracked.json["status"] == "registered"
    assert tracked.json["case_number"] == number
    assert tracked.json["unit"] is None
    assert tracked.json["due_on"] > tracked.json["received_on"]  # a mailbox letter's limit is known at once
    assert "handler" not in tracked.json


def test_case_numbers_are_roc_year_and_sequence(client, smtp, db):
    from cases.models import Case
    from core.clock import roc_year, taipei_now

    for i in range(3):
        email = f"p{i}@example.tw"
        post_form(client, "/petition", valid_letter(email=email))
        confirm(client, smtp.only_link_to(email))
    numbers = list(db.session.scalars(sa.select(Case.number).order_by(Case.id)))
    year = roc_year(taipei_now().date())
    assert numbers == [f"{year}{n:07d}" for n in (1, 2, 3)]


def test_once_closed_the_tracking_page_shows_the_reply(app, client, smtp, db):
    from tests.support import act, make_agency, staff_client, submit_and_verify

    make_agency(db)
    number, code = submit_and_verify(client, smtp)
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    before = client.post("/api/v1/track", json={"case_number": number, "access_code": code}).json
    assert before["status"] == "in_progress" and before["unit"] == "養護工程處" and before["reply"] is None
    act(staff_client(app, "roads.handler@example.tw"), number, "draft-reply", body="路燈已於今日修復。")
    drafted = client.post("/api/v1/track", json={"case_number": number, "access_code": code}).json
    assert drafted["reply"] is None  # a draft is never shown
    act(chief, number, "approve-reply")
    after = client.post("/api/v1/track", json={"case_number": number, "access_code": code}).json
    assert after["status"] == "closed" and after["reply"] == "路燈已於今日修復。" and after["closed_on"]
    from tests.support import csrf_token

    page = client.get("/track")
    html = client.post("/track", data={"csrf_token": csrf_token(page.text), "case_number": number,
                                       "access_code": code}).text
    assert "路燈已於今日修復。" in html and "已結案" in html


def test_an_api_submission_carries_its_place_to_the_staff_case_page(app, client, smtp, db):
    from tests.support import make_agency, staff_client

    make_agency(db)
    answer = client.post("/api/v1/submissions", json={
        "channel": "petition", "name": "王小明", "email": "citizen@example.tw", "subject": "路燈不亮",
        "body": "中山路二段與南京東路口的路燈已經三天沒有亮，晚上行人很危險。", "consent": True,
        "latitude": 25.052, "longitude": "121.5201", "address_string": "中山路二段100號前",
    })
    assert answer.status_code == 202, answer.json
    confirm(client, smtp.only_link_to("citizen@example.tw"))
    number = re.search(r"案件編號：(\d+)", smtp.text(smtp.last_to("citizen@example.tw"))).group(1)

    page = staff_client(app, "intake@example.tw").get(f"/staff/cases/{number}").text
    assert "事件地點" in page and "中山路二段100號前" in page
    assert "北緯 25.052°、東經 121.5201°" in page
    assert "https://www.openstreetmap.org/?mlat=25.052&amp;mlon=121.5201" in page

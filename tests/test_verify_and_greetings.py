"""Issue 13, delivers 1 and 8: a link scanner confirms nothing; the name on the web forms; natural greetings."""

from __future__ import annotations

import re

from tests.support import confirm, csrf_token, path_of, post_form, table_count, valid_letter


def test_a_scanners_get_and_head_confirm_nothing_and_the_button_confirms_once(client, smtp, db):
    from cases.models import Case

    assert post_form(client, "/petition", valid_letter()).status_code == 303
    link = path_of(smtp.only_link_to("citizen@example.tw"))
    scanner = client.application.test_client()  # another machine: no cookie, no session
    assert scanner.head(link).status_code == 200
    page = scanner.get(link)
    assert page.status_code == 200
    assert "確認並登記我的案件" in page.text and 'method="post"' in page.text
    assert table_count(db, Case) == 0
    assert len(smtp.to("citizen@example.tw")) == 1  # no receipt: only the verification mail

    first = client.post(link, data={"csrf_token": csrf_token(client.get(link).text)})
    assert first.status_code == 200 and "已登記" in first.text
    assert table_count(db, Case) == 1
    # A double click, a retry of the POST, a reload of the page: the same confirmed page, one case, one receipt.
    again = client.post(link, data={"csrf_token": csrf_token(page.text)})
    reopened = client.get(link)
    assert again.status_code == reopened.status_code == 200
    number = db.session.scalar(__import__("sqlalchemy").select(Case.number))
    assert number in first.text and number in again.text and number in reopened.text
    assert table_count(db, Case) == 1
    assert len(smtp.to("citizen@example.tw")) == 2


def test_a_post_without_the_pages_token_confirms_nothing_and_offers_the_button_again(client, smtp, db):
    from cases.models import Case

    post_form(client, "/mailbox", valid_letter())
    link = path_of(smtp.only_link_to("citizen@example.tw"))
    answer = client.application.test_client().post(link)
    assert answer.status_code == 400
    assert "請再按一次按鈕確認" in answer.text and 'id="confirm"' in answer.text
    assert table_count(db, Case) == 0
    assert confirm(client, link).status_code == 200
    assert table_count(db, Case) == 1


def test_unknown_and_expired_links_keep_their_answers_for_get_head_and_post(client, smtp, db):
    from datetime import timedelta

    import sqlalchemy as sa

    from cases.case_file import Submission
    from core.db import utcnow

    assert client.get("/verify/not-a-token").status_code == 404
    assert client.head("/verify/not-a-token").status_code == 404
    assert client.post("/verify/not-a-token").status_code == 404
    post_form(client, "/mailbox", valid_letter())
    link = path_of(smtp.only_link_to("citizen@example.tw"))
    db.session.execute(sa.update(Submission).values(verification_expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert client.get(link).status_code == 410
    assert client.post(link).status_code == 410


def test_the_confirmation_page_is_in_the_submissions_language(client, smtp):
    answer = client.post("/api/v1/submissions", json={
        "channel": "petition", "email": "jane@example.com", "subject": "Broken streetlight",
        "body": "The streetlight at the corner has been dark for three nights.", "consent": True, "language": "en",
    })
    assert answer.status_code == 202
    text = smtp.text(smtp.last_to("jane@example.com"))
    assert text.startswith("Hello,")  # no name given through the API: no "Dear citizen"
    assert "press the \"Confirm\" button" in text
    link = path_of(smtp.only_link_to("jane@example.com"))
    page = client.application.test_client().get(link)
    assert "Confirm and register my case" in page.text and 'lang="en"' in page.text
    receipt = confirm(client.application.test_client(), link)
    assert "Your case is registered" in receipt.text


def test_the_web_forms_require_the_name_they_mark_as_required(client, smtp, db):
    from cases.case_file import Submission

    for channel, extra in (("petition", {}), ("mailbox", {}), ("complaint", {"category": "service"})):
        page = post_form(client, f"/{channel}", valid_letter(name="  ", **extra))
        assert page.status_code == 400, channel
        assert "請填寫您的姓名" in page.text
        assert "中山路路燈不亮" in page.text  # what was typed is kept
    english = client.application.test_client()
    english.set_cookie("lang", "en")
    page = post_form(english, "/petition", valid_letter(name=""))
    assert page.status_code == 400 and "Please give your name." in page.text
    assert table_count(db, Submission) == 0
    assert smtp.messages == []


def test_the_api_keeps_the_name_optional_and_mails_greet_naturally_without_one(app, client, smtp, db):
    from tests.support import act, make_agency, staff_client

    make_agency(db)
    answer = client.post("/api/v1/submissions", json={
        "channel": "petition", "email": "anon@example.tw", "subject": "路燈不亮",
        "body": "中山路二段的路燈已經三天沒有亮。", "consent": True})
    assert answer.status_code == 202
    verification = smtp.text(smtp.last_to("anon@example.tw"))
    assert verification.startswith("您好：") and "您 您好" not in verification
    confirm(client, smtp.only_link_to("anon@example.tw"))
    receipt = smtp.text(smtp.last_to("anon@example.tw"))
    assert receipt.startswith("您好：")
    number = re.search(r"案件編號：(\d+)", receipt).group(1)
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    act(staff_client(app, "roads.handler@example.tw"), number, "draft-reply", body="路燈已修復。")
    act(chief, number, "approve-reply")
    reply = smtp.text(smtp.last_to("anon@example.tw"))
    assert "路燈已修復。" in reply and reply.startswith("您好：")


def test_a_named_petitioner_is_greeted_by_name_in_both_languages(client, smtp):
    post_form(client, "/petition", valid_letter())
    assert smtp.text(smtp.last_to("citizen@example.tw")).startswith("王小明 您好：")
    client.post("/api/v1/submissions", json={
        "channel": "petition", "name": "Wang Xiaoming", "email": "wang@example.com", "subject": "Streetlight",
        "body": "The streetlight at the corner has been dark for three nights.", "consent": True, "language": "en"})
    assert smtp.text(smtp.last_to("wang@example.com")).startswith("Dear Wang Xiaoming,")

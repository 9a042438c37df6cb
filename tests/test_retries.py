"""A citizen who sends twice (a double click, a reload, a client retrying after a timeout) makes one
submission; a citizen over the limit keeps what they typed; refused forms do not count against the limit."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.support import client_from, csrf_token, post_form, valid_letter

API_LETTER = {"channel": "petition", "email": "api@example.tw", "subject": "人行道破損",
              "body": "忠孝東路人行道地磚破損，請修補。", "consent": True}


def _submissions(db) -> int:  # noqa: ANN001
    from cases.case_file import Submission

    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Submission))


def test_the_same_form_sent_twice_makes_one_submission_and_one_mail(app, db, smtp):
    citizen = client_from(app, "198.51.100.10")
    page = citizen.get("/mailbox")
    form = {"csrf_token": csrf_token(page.text), **valid_letter()}
    form["submission_token"] = page.text.split('name="submission_token"', 1)[1].split('value="', 1)[1].split('"')[0]
    first = citizen.post("/mailbox", data=form)
    again = citizen.post("/mailbox", data=form)  # the reload after a slow answer
    assert first.status_code == again.status_code == 303
    assert _submissions(db) == 1 and len(smtp.to("citizen@example.tw")) == 1
    # A new form is a new submission.
    assert post_form(citizen, "/mailbox", valid_letter(subject="另一件事")).status_code == 303
    assert _submissions(db) == 2


def test_an_api_retry_with_the_same_idempotency_key_gets_the_first_answer(app, db, smtp):
    client = client_from(app, "198.51.100.11")
    headers = {"Idempotency-Key": "order-42"}
    first = client.post("/api/v1/submissions", json=API_LETTER, headers=headers)
    again = client.post("/api/v1/submissions", json=API_LETTER, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json == again.json
    assert _submissions(db) == 1 and len(smtp.to("api@example.tw")) == 1
    # The same key with another letter is another petition: a careless client must not lose one.
    other = client.post("/api/v1/submissions", json={**API_LETTER, "subject": "路燈不亮"}, headers=headers)
    assert other.status_code == 202 and other.json["id"] != first.json["id"]
    # So is the same letter sent again with a forgotten file added: the file must not be dropped.
    import base64

    from tests.test_bad_input import PDF

    with_file = client_from(app, "198.51.100.13").post("/api/v1/submissions", headers=headers, json={
        **API_LETTER, "attachments": [{"filename": "照片.pdf", "content_base64": base64.b64encode(PDF).decode()}]})
    assert with_file.status_code == 202 and with_file.json["id"] not in (first.json["id"], other.json["id"])
    bad = client_from(app, "198.51.100.12").post("/api/v1/submissions", json=API_LETTER,
                                                 headers={"Idempotency-Key": "x" * 201})
    assert bad.status_code == 422


def test_two_retries_at_the_same_moment_make_one_submission(app, db, smtp):
    from tests.conftest import is_postgres, need

    # SQLite serialises writers, so only PostgreSQL can race; under REQUIRE_SERVICES=1 (CI) this fails, not skips.
    need("PostgreSQL", is_postgres(app), "set DATABASE_URL to a PostgreSQL server")
    answers: list[int] = []

    def send(n: int) -> None:
        client = client_from(app, f"198.51.100.{20 + n}")
        answer = client.post("/api/v1/submissions", json=API_LETTER, headers={"Idempotency-Key": "same-moment"})
        answers.append((answer.status_code, answer.json["id"]))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _id in answers} == {202} and len({i for _s, i in answers}) == 1
    assert _submissions(db) == 1


def test_over_the_limit_the_citizen_keeps_the_text_and_is_told_when(app, db, smtp):
    app.config["RATELIMIT_SUBMIT"], before = "2 per hour", app.config["RATELIMIT_SUBMIT"]
    try:
        citizen = client_from(app, "198.51.100.30")
        # Refused forms (a missing subject) do not count.
        for _ in range(3):
            assert post_form(citizen, "/petition", valid_letter(subject="")).status_code == 400
        for n in range(2):
            assert post_form(citizen, "/petition", valid_letter(subject=f"第{n}件")).status_code == 303
        page = citizen.get("/petition")
        answer = citizen.post("/petition", data={"csrf_token": csrf_token(page.text),
                                                 **valid_letter(subject="第三件：請保留我打的字")})
        assert answer.status_code == 429
        assert "第三件：請保留我打的字" in answer.text and "中山路二段與南京東路口的路燈" in answer.text
        assert "分鐘" in answer.text
        assert _submissions(db) == 2
    finally:
        app.config["RATELIMIT_SUBMIT"] = before

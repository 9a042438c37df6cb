"""The petitioner is told their reopen or addition arrived (issue 13, delivers 4 and 6): a mail (and an SMS when they
opted in) in the submission's language, through the outbox in the same transaction, each sent once — through the
real SMTP server and a local HTTP server standing in for the SMS gateway."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.support import (
    access_code,
    act,
    add_information,
    case_by_number,
    close_with_reply,
    make_agency,
    register_case,
    reopen,
    staff_client,
)
from tests.test_sms import E164, _submit_with_sms, gateway  # noqa: F401 - the fixture

REOPEN_SUBJECT = "案件重新辦理通知"
ADDITION_SUBJECT = "補充資料收件通知"


def _subject(message) -> str:  # noqa: ANN001
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))


def _subjects(smtp, email: str = "citizen@example.tw") -> list[str]:  # noqa: ANN001
    return [_subject(m) for m in smtp.to(email)]


def _answer(app, number: str) -> None:  # noqa: ANN001
    chief = staff_client(app, "roads.chief@example.tw")
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    act(staff_client(app, "roads.handler@example.tw"), number, "draft-reply", body="已修復。", outcome="met")
    assert act(chief, number, "approve-reply").status_code == 303


def test_a_reopen_is_confirmed_once_by_mail_with_the_new_number_and_the_expected_date(app, db, smtp):
    make_agency(db)
    number = close_with_reply(app, db)
    code = access_code(smtp)
    smtp.clear()

    answer = reopen(app, number, code, **{"Idempotency-Key": "k-1"})
    assert answer.status_code == 201, answer.text
    new_number = answer.json["case_number"]
    again = reopen(app, number, code, **{"Idempotency-Key": "k-1"})  # the client's retry: the same case, no mail
    assert again.json["case_number"] == new_number

    [mail] = [m for m in smtp.to("citizen@example.tw") if REOPEN_SUBJECT in _subject(m)]
    text = smtp.text(mail)
    new = case_by_number(db, new_number)
    assert f"案件 {number}" in text and f"新案件編號為 {new_number}" in text
    assert new.due_on is not None and f"預計於 {new.due_on.isoformat()} 前答覆" in text
    assert "原查詢密碼" in text and "/track" in text and "王小明 您好" in text
    assert code not in text  # the code itself is never mailed again
    assert f"{REOPEN_SUBJECT}（案件編號 {new_number}）" in _subject(mail)
    from notifications.models import OutboxMessage

    [row] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "cases.reopen_confirmation"))
    assert row.status == "sent" and row.channel == "email"


def test_an_english_reopen_is_confirmed_in_english(app, db, smtp):
    make_agency(db)
    number = close_with_reply(app, db, language="en", name="")
    code = access_code(smtp)
    smtp.clear()
    new_number = reopen(app, number, code, reason="The light went out again.").json["case_number"]
    [mail] = smtp.to("citizen@example.tw")
    text = smtp.text(mail)
    assert text.startswith("Hello,")
    assert f"Your case {number} was reopened as case {new_number}" in _subjects(smtp)[0]
    assert f"reopened it as case {new_number}" in text and "same access code" in text
    assert f"reply by {case_by_number(db, new_number).due_on.isoformat()}" in text


def test_an_addition_is_confirmed_once_by_mail_with_its_date(app, db, smtp):
    from core.clock import today

    make_agency(db)
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    code = access_code(smtp)
    smtp.clear()

    assert add_information(app, number, code, **{"Idempotency-Key": "a-1"}).status_code == 201
    retried = add_information(app, number, code, **{"Idempotency-Key": "a-1"})
    assert retried.status_code in (200, 201)  # a retry: no mail
    subjects = [s for s in _subjects(smtp) if ADDITION_SUBJECT in s]
    assert len(subjects) == 1 and subjects[0].endswith(f"{ADDITION_SUBJECT}（案件編號 {number}）")
    [mail] = [m for m in smtp.to("citizen@example.tw") if ADDITION_SUBJECT in _subject(m)]
    text = smtp.text(mail)
    assert f"本機關已於 {today().isoformat()} 收到您對案件 {number}" in text
    # A second, different addition is confirmed on its own.
    assert add_information(app, number, code, message="再補充：路燈編號 A-12。").status_code == 201
    assert len([s for s in _subjects(smtp) if ADDITION_SUBJECT in s]) == 2


def test_an_english_addition_is_confirmed_in_english(app, db, smtp):
    make_agency(db)
    number = register_case(db, language="en").number
    code = access_code(smtp)
    smtp.clear()
    assert add_information(app, number, code, message="It is next to the bus stop.").status_code == 201
    [mail] = smtp.to("citizen@example.tw")
    assert _subjects(smtp)[0].endswith(f"We received your addition to case {number}")
    assert "Dear 王小明," in smtp.text(mail)


def test_the_confirmations_go_by_sms_once_when_the_petitioner_opted_in(app, db, client, smtp, gateway):  # noqa: F811
    make_agency(db)
    number = _submit_with_sms(client, smtp)
    code = access_code(smtp)
    assert add_information(app, number, code, **{"Idempotency-Key": "s-1"}).status_code == 201
    assert add_information(app, number, code, **{"Idempotency-Key": "s-1"}).status_code in (200, 201)
    added = [t for t in gateway.texts_to(E164) if "補充資料" in t]
    assert len(added) == 1 and number in added[0] and added[0].rstrip().endswith("/track")

    _answer(app, number)
    new_number = reopen(app, number, code).json["case_number"]
    reopen(app, number, code)  # the same reason again at once: the same request, nothing sent twice
    reopened = [t for t in gateway.texts_to(E164) if "重新辦理" in t]
    assert len(reopened) == 1 and new_number in reopened[0] and "原查詢密碼" in reopened[0]
    assert re.search(r"預計\d{4}-\d{2}-\d{2}前答覆", reopened[0])
    # The new case keeps the petitioner's SMS choice.
    assert case_by_number(db, new_number).submission.sms_to == E164
    assert len([s for s in _subjects(smtp) if REOPEN_SUBJECT in s]) == 1

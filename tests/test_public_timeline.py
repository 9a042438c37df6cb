"""The petitioner's timeline on the tracking page and POST /api/v1/track (issue 13, deliver 2): every step they
may know, in the submission's language; never a member of staff's name, never what staff keep to themselves."""

from __future__ import annotations

import itertools
import re

from tests.support import act, client_from, csrf_token, make_agency, register_case, staff_client, submit_and_verify

_addresses = itertools.count(1)
STAFF_NAMES = ("intake", "roads.chief", "roads.handler", "secretariat", "ethics")
INTERNAL = ("內部備註", "請補充", "疑似收賄", "草稿", "催辦", "政風", "分類", "Classified", "Assigned")


def _track(app, number: str, code: str):  # noqa: ANN001, ANN202
    # Each look-up from an address of its own: the tracking rate limit is not what this is about.
    n = next(_addresses)
    client = client_from(app, f"10.99.{n // 256 % 256}.{n % 256}")
    answer = client.post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert answer.status_code == 200, answer.text
    return answer.json


def _code(smtp, email: str) -> str:  # noqa: ANN001
    return re.search(r"(?:查詢密碼：|Access code: )([A-Z0-9]+)", smtp.text(smtp.last_to(email))).group(1)


def test_routed_and_extended_in_chinese_without_names_or_internal_steps(app, db, smtp):
    make_agency(db)
    number, code = submit_and_verify(client_from(app, "10.98.0.1"), smtp)
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, number, "classify", limit_class="petition").status_code == 303
    assert act(intake, number, "route", unit="ROADS", note="內部備註").status_code == 303
    chief, handler = staff_client(app, "roads.chief@example.tw"), staff_client(app, "roads.handler@example.tw")
    assert act(chief, number, "assign", handler="roads.handler@example.tw").status_code == 303
    assert act(handler, number, "request-extension", days="5", reason="需會同廠商會勘").status_code == 303
    assert act(chief, number, "approve-extension").status_code == 303
    assert act(handler, number, "draft-reply", body="草稿", outcome="met").status_code == 303
    assert act(chief, number, "return-reply", reason="請補充").status_code == 303
    assert act(handler, number, "refer-to-ethics", reason="疑似收賄").status_code == 303

    tracked = _track(app, number, code)
    due = tracked["due_on"]
    assert [e["kind"] for e in tracked["events"]] == ["received", "routed", "extended"]
    texts = [e["text"] for e in tracked["events"]]
    assert texts[0] == "您的案件已收件並登記。"
    assert texts[1] == "您的案件已分由 養護工程處 辦理。"
    assert texts[2] == f"答覆期限已延長 5 個工作天，延至 {due}。理由：需會同廠商會勘"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", e["on"]) for e in tracked["events"])
    body = str(tracked["events"])
    assert not any(name in body for name in STAFF_NAMES) and not any(note in body for note in INTERNAL)

    # The page: the same steps as an ordered list.
    visitor = client_from(app, "10.98.0.2")
    page = visitor.post(
        "/track",
        data={"csrf_token": csrf_token(visitor.get("/track").text), "case_number": number, "access_code": code},
    ).text
    steps = page.split('<ol class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert steps.count("<li>") == 3 and "您的案件已分由 養護工程處 辦理。" in steps and "需會同廠商會勘" in steps
    assert not any(name in steps for name in STAFF_NAMES) and not any(note in steps for note in INTERNAL)


def test_transfer_in_english_and_not_handled_in_plain_words(app, db, smtp):
    make_agency(db)
    moved = register_case(db, email="en@example.tw", language="en").number
    moved_code = _code(smtp, "en@example.tw")
    refused = register_case(db, email="zh@example.tw").number
    refused_code = _code(smtp, "zh@example.tw")
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, moved, "transfer", agency="Ministry of the Interior", reason="Not our remit").status_code == 303
    assert act(intake, refused, "not-handled", ground="repeat", note="內部備註").status_code == 303

    tracked = _track(app, moved, moved_code)
    assert [e["kind"] for e in tracked["events"]] == ["received", "transferred"]
    assert tracked["events"][1]["text"] == (
        "Your case was transferred to Ministry of the Interior, the agency responsible. Reason: Not our remit"
    )
    assert not re.search(r"[\u3400-\u9fff]", str(tracked["events"]))

    tracked = _track(app, refused, refused_code)
    assert [e["kind"] for e in tracked["events"]] == ["received", "not_handled"]
    text = tracked["events"][1]["text"]
    assert "同一事由已經適當處理並明確答覆" in text and "repeat" not in text and "173" not in text
    assert "內部備註" not in str(tracked) and "intake" not in str(tracked["events"])


def test_the_reply_is_a_step_and_the_receipt_states_the_expected_date(app, db, smtp):
    make_agency(db)
    client = client_from(app, "10.98.0.3")
    number, code = submit_and_verify(client, smtp)
    receipt = smtp.text(smtp.last_to("citizen@example.tw"))
    assert "預計於" in receipt and "前答覆" in receipt
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, number, "route", unit="ROADS").status_code == 303
    chief = staff_client(app, "roads.chief@example.tw")
    assert act(chief, number, "assign", handler="roads.handler@example.tw").status_code == 303
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(handler, number, "draft-reply", body="已修復，謝謝。", outcome="met").status_code == 303
    assert act(chief, number, "approve-reply").status_code == 303
    tracked = _track(app, number, code)
    assert [e["kind"] for e in tracked["events"]][-1] == "replied" and tracked["reply"] == "已修復，謝謝。"

"""Bad input on every public field and endpoint: a clear message, a 4xx, never a 5xx,
never a half-written record. HTML is stored as typed and shown escaped."""

from __future__ import annotations

import base64
import io
import re

import pytest

from tests.support import csrf_token, post_form, table_count, valid_letter

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64

# field → (bad value, words of the message shown next to that field, in zh-TW)
BAD_FIELDS = [
    ("email", "", "電子郵件"),
    ("email", "not-an-address", "電子郵件"),
    ("email", "a@" + "b" * 260 + ".tw", "電子郵件"),
    ("subject", "", "主旨"),
    ("subject", "字" * 201, "200"),
    ("body", "太短", "10"),
    ("body", "長" * 10_001, "10000"),
    ("name", "名" * 101, "100"),
    ("phone", "call me maybe", "電話"),
    ("address", "址" * 301, "300"),
    ("consent", "", "個人資料"),
]


def _submissions(db) -> int:
    from cases.case_file import Submission

    return table_count(db, Submission)


@pytest.mark.parametrize(("field", "value", "words"), BAD_FIELDS)
def test_each_bad_field_is_named_next_to_it_and_nothing_is_stored(client, db, smtp, field, value, words):
    data = valid_letter(**{field: value})
    if field == "consent":
        data.pop("consent")
    page = post_form(client, "/mailbox", data)
    assert page.status_code == 400
    error_block = re.search(rf'<ul class="errors" id="{field}-error">(.*?)</ul>', page.text, re.S)
    assert error_block, f"no error shown next to {field}"
    assert words in error_block.group(1)
    assert f'aria-describedby="{field}-hint {field}-error"' in page.text or f'{field}-error' in page.text
    assert _submissions(db) == 0
    assert smtp.messages == []
    # Nothing the user typed is lost (except the field at fault may be shown as typed, too).
    for other, typed in valid_letter().items():
        if other not in (field, "consent") and typed:
            assert typed in page.text or typed.replace("'", "&#39;") in page.text


def test_complaint_requires_a_category_and_other_channels_refuse_one(client, db):
    page = post_form(client, "/complaint", valid_letter())
    assert page.status_code == 400
    assert 'id="category-error"' in page.text
    answer = client.post("/api/v1/submissions", json={
        "channel": "petition", "category": "integrity", "confidential": True, "email": "a@example.tw",
        "subject": "s", "body": "0123456789 body", "consent": True,
    })
    assert answer.status_code == 422
    assert set(answer.json["errors"]["json"]) == {"category", "confidential"}
    assert _submissions(db) == 0


def test_forms_without_a_csrf_token_are_refused(client, db):
    for url in ("/petition", "/mailbox", "/complaint", "/track", "/staff/login"):
        answer = client.post(url, data=valid_letter())
        assert answer.status_code == 400, url
        assert "表單" in answer.text
    assert _submissions(db) == 0


def test_html_is_stored_as_typed_and_shown_escaped(client, db, smtp):
    from cases.case_file import Submission

    nasty = '<script>alert("x")</script><b>粗體</b>'
    post_form(client, "/mailbox", valid_letter(subject=nasty, body=nasty + " 這是內容說明"))
    stored = db.session.scalar(__import__("sqlalchemy").select(Submission))
    assert stored.subject == nasty  # as typed
    assert stored.body.startswith(nasty)
    link = re.sub(r"^https?://[^/]+", "", smtp.only_link_to("citizen@example.tw"))
    from tests.support import confirm

    assert "<script>" not in client.get(link).text  # the confirmation page shows the subject escaped too
    receipt = confirm(client, link)
    assert "<script>" not in receipt.text
    assert "&lt;script&gt;" in receipt.text
    # A re-displayed form escapes as well.
    page = post_form(client, "/mailbox", valid_letter(subject=nasty, consent=""))
    assert "<script>alert" not in page.text


def test_control_characters_are_removed_not_crashing(client, db):
    from cases.case_file import Submission

    page = post_form(client, "/petition", valid_letter(subject="路燈\x00不亮\x07", name="王\x00小明"))
    assert page.status_code == 303
    stored = db.session.scalar(__import__("sqlalchemy").select(Submission))
    assert stored.subject == "路燈不亮" and stored.name == "王小明"


def test_attachment_type_is_checked_by_content_not_name(client, db):
    page = post_form(client, "/mailbox", {
        **valid_letter(), "attachments": [(io.BytesIO(EXE), "invoice.pdf")],
    }, content_type="multipart/form-data")
    assert page.status_code == 400
    assert "invoice.pdf" in page.text and 'id="attachments-error"' in page.text
    assert _submissions(db) == 0

    page = post_form(client, "/mailbox", {
        **valid_letter(), "attachments": [(io.BytesIO(PDF), "scan.bin"), (io.BytesIO(PNG), "photo")],
    }, content_type="multipart/form-data")
    assert page.status_code == 303
    from cases.case_file import Attachment

    types = sorted(a.content_type for a in db.session.scalars(__import__("sqlalchemy").select(Attachment)))
    assert types == ["application/pdf", "image/png"]


def test_attachment_count_and_size_limits(client, db):
    from core.settings import set_setting

    set_setting("attachment_max_count", 1)
    set_setting("attachment_max_megabytes", 1)
    db.session.commit()
    two = [(io.BytesIO(PNG), "a.png"), (io.BytesIO(PNG), "b.png")]
    page = post_form(client, "/mailbox", {**valid_letter(), "attachments": two}, content_type="multipart/form-data")
    assert page.status_code == 400 and "1" in page.text
    big = PDF + b"0" * (1024 * 1024)
    page = post_form(client, "/mailbox", {**valid_letter(), "attachments": [(io.BytesIO(big), "big.pdf")]},
                     content_type="multipart/form-data")
    assert page.status_code == 400 and "big.pdf" in page.text
    assert _submissions(db) == 0


def test_an_upload_over_the_request_limit_gets_413_not_500(client, app, db):
    page = client.get("/mailbox")
    huge = b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    answer = client.post("/mailbox", data={
        **valid_letter(), "csrf_token": csrf_token(page.text), "attachments": [(io.BytesIO(huge), "x.pdf")],
    }, content_type="multipart/form-data")
    assert answer.status_code == 413
    assert _submissions(db) == 0


API_BAD = [
    ({"channel": "nope"}, "channel"),
    ({"email": "nope"}, "email"),
    ({"email": 42}, "email"),
    ({"subject": ""}, "subject"),
    ({"body": "short"}, "body"),
    ({"consent": False}, "consent"),
    ({"consent": "yes please"}, "consent"),
    ({"attachments": [{"filename": "a.pdf", "content_base64": "***"}]}, "attachments"),
    ({"attachments": [{"filename": "a.exe", "content_base64": base64.b64encode(EXE).decode()}]}, "attachments"),
    ({"language": "fr"}, "language"),
    ({"unexpected": 1}, "unexpected"),
    # The place (issue 14): numbers in range, both or neither, a bounded description; named as the API names them.
    ({"latitude": "north", "longitude": 121.5}, "latitude"),
    ({"latitude": 25.05, "longitude": True}, "longitude"),
    ({"latitude": 91, "longitude": 121.5}, "latitude"),
    ({"latitude": 25.05, "longitude": -180.5}, "longitude"),
    ({"latitude": 25.05}, "longitude"),
    ({"longitude": 121.5, "latitude": None}, "latitude"),
    ({"address_string": "中" * 301}, "address_string"),
]


@pytest.mark.parametrize(("change", "field"), API_BAD)
def test_api_submission_errors_are_422_per_field(client, db, change, field):
    body = {"channel": "mailbox", "email": "a@example.tw", "subject": "主旨", "body": "具體內容具體內容具體內容",
            "consent": True, **change}
    answer = client.post("/api/v1/submissions", json=body)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"]["json"]
    assert all(answer.json["errors"]["json"][field]), answer.json  # a message, not only the field's name
    assert _submissions(db) == 0


@pytest.mark.parametrize("payload", [b"{not json", b"[]", b'"text"', b"null"])
def test_api_malformed_bodies_are_4xx(client, db, payload):
    for url in ("/api/v1/submissions", "/api/v1/track"):
        answer = client.post(url, data=payload, content_type="application/json")
        assert 400 <= answer.status_code < 500, (url, payload, answer.status_code)
        assert answer.is_json
    assert _submissions(db) == 0


def test_api_without_json_content_type_is_4xx(client):
    answer = client.post("/api/v1/submissions", data="channel=mailbox")
    assert 400 <= answer.status_code < 500


def test_unknown_and_malformed_verification_links(client):
    assert client.get("/verify/not-a-token").status_code == 404
    assert client.get("/verify/" + "A" * 3000).status_code == 404


def test_track_form_with_garbage(client):
    page = client.get("/track")
    for number, code in [("", ""), ("x" * 5000, "y" * 5000), ("<script>", "'; DROP TABLE cases; --")]:
        answer = client.post("/track", data={"csrf_token": csrf_token(page.text), "case_number": number,
                                             "access_code": code})
        assert answer.status_code == 404
        assert "<script>" not in answer.text.split("<main", 1)[1]

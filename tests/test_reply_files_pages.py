"""Issue 13, deliver 7 on the pages: the tracking page lists the sent reply's files (links to the page that asks for
the access code), in the reader's language; a refused upload shows the case page again with the reason (400)."""

from __future__ import annotations

import re

from tests.support import act, client_from, csrf_token, make_agency
from tests.test_bad_input import PDF
from tests.test_reply_attachments import _attach, _drafted


def _look_up(client, number: str, code: str):  # noqa: ANN001, ANN202
    form = client.get("/track")
    return client.post("/track", data={"csrf_token": csrf_token(form.text), "case_number": number,
                                       "access_code": code})


def test_the_tracking_page_lists_the_sent_replys_files_in_the_readers_language(app, client, smtp, db):
    make_agency(db)
    number, code, handler, chief = _drafted(app, client, smtp)
    assert _attach(handler, number, [(PDF, "現場照片.pdf")]).status_code == 303

    reader = client_from(app, "10.79.0.1")
    before = _look_up(reader, number, code)
    assert before.status_code == 200 and "現場照片.pdf" not in before.text  # a draft's file is not shown
    act(chief, number, "approve-reply")

    page = _look_up(reader, number, code)
    assert page.status_code == 200 and "答覆附件" in page.text
    link = re.search(rf'href="(/track/{number}/files/(\d+))">現場照片\.pdf</a> \(PDF, [\d.]+ KB\)', page.text)
    assert link, page.text
    asked = reader.get(link.group(1))
    assert asked.status_code == 200 and "查詢密碼" in asked.text and PDF not in asked.data
    got = reader.post(link.group(1), data={"csrf_token": csrf_token(asked.text), "access_code": code})
    assert got.status_code == 200 and got.data == PDF

    english = client_from(app, "10.79.0.2")
    english.get("/language/en?next=/track")
    page = _look_up(english, number, code)
    assert "Attachments of the reply" in page.text and "asks for your access code" in page.text
    assert f'href="/track/{number}/files/{link.group(2)}"' in page.text
    # Coming back from an action on the page (the remembered look-up) lists them too.
    again = english.get(f"/track?case={number}")
    assert "Attachments of the reply" in again.text


def test_a_refused_upload_shows_the_case_page_with_the_reason_in_the_readers_language(app, client, smtp, db):
    make_agency(db)
    number, _code, handler, _chief = _drafted(app, client, smtp)
    refused = _attach(handler, number, [(b"MZ\x90\x00 not a document", "run.exe")])
    assert refused.status_code == 400
    assert 'id="error-summary"' in refused.text and "run.exe 不是可接受的檔案類型" in refused.text
    assert 'id="reply-files-input"' in refused.text  # the case page, its upload form ready for another try

    handler.get("/language/en?next=/staff/")
    empty = _attach(handler, number, [(b"", "empty.pdf")])
    assert empty.status_code == 400 and 'id="error-summary"' in empty.text
    assert "empty.pdf is empty." in empty.text and 'id="reply-files-input"' in empty.text
    assert 'lang="en"' in empty.text

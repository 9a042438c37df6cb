"""Issue 13, deliver 7: the handler attaches files to the reply draft; the approved reply's mail links to them; the
petitioner downloads them with the access code; the letter lists them; another unit sees nothing."""

from __future__ import annotations

import io
import re

from tests.support import act, csrf_token, make_agency, path_of, staff_client, submit_and_verify
from tests.test_bad_input import PDF


def _attach(client, number: str, files: list[tuple[bytes, str]]):  # noqa: ANN001
    page = client.get(f"/staff/cases/{number}")
    return client.post(f"/staff/cases/{number}/reply-files", data={
        "csrf_token": csrf_token(page.text), "files": [(io.BytesIO(data), name) for data, name in files]},
        content_type="multipart/form-data")


def _drafted(app, client, smtp) -> tuple[str, str, object, object]:  # noqa: ANN001
    number, code = submit_and_verify(client, smtp)
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    act(handler, number, "draft-reply", body="路燈已修復，現場照片如附件。")
    return number, code, handler, chief


def test_attached_on_the_draft_linked_in_the_mail_downloaded_with_the_code(app, client, smtp, db):
    make_agency(db)
    number, code, handler, chief = _drafted(app, client, smtp)
    attached = _attach(handler, number, [(PDF, "現場照片.pdf")])
    assert attached.status_code == 303
    page = handler.get(f"/staff/cases/{number}")
    assert "現場照片.pdf" in page.text
    staff_link = re.search(r'href="(/staff/reply-files/\d+)"', page.text).group(1)
    assert handler.get(staff_link).data == PDF
    # A draft's file is not public yet: even the right code gets nothing before the approval.
    file_id = staff_link.rsplit("/", 1)[1]
    early = client.get(f"/track/{number}/files/{file_id}")
    assert client.post(f"/track/{number}/files/{file_id}", data={
        "csrf_token": csrf_token(early.text), "access_code": code}).status_code == 404

    act(chief, number, "approve-reply")
    mail = smtp.text(smtp.last_to("citizen@example.tw"))
    assert "附件" in mail and "現場照片.pdf" in mail
    link = path_of(re.search(r"現場照片\.pdf：(\S+)", mail).group(1))
    assert link == f"/track/{number}/files/{file_id}"

    petitioner = app.test_client()
    form = petitioner.get(link)
    assert form.status_code == 200 and "查詢密碼" in form.text
    assert PDF not in form.data  # the link alone gives nothing
    wrong = petitioner.post(link, data={"csrf_token": csrf_token(form.text), "access_code": "WRONGCODE"})
    assert wrong.status_code == 404 and PDF not in wrong.data
    right = petitioner.post(link, data={"csrf_token": csrf_token(form.text), "access_code": code})
    assert right.status_code == 200 and right.data == PDF
    assert right.headers["Content-Disposition"].endswith(f"{number}-R1.pdf")
    # Another case's number with this code, or this file under another case: nothing.
    assert petitioner.post(f"/track/1150009999/files/{file_id}", data={
        "csrf_token": csrf_token(form.text), "access_code": code}).status_code == 404

    letter = handler.get(f"/staff/cases/{number}/letter")
    assert letter.status_code == 200 and "現場照片.pdf" in letter.text

    other_unit = staff_client(app, "parks.handler@example.tw")
    assert other_unit.get(staff_link).status_code == 404


def test_refused_files_and_people_attach_nothing(app, client, smtp, db):
    import sqlalchemy as sa

    from cases.models import ReplyAttachment

    make_agency(db)
    number, _code, handler, _chief = _drafted(app, client, smtp)
    refused = _attach(handler, number, [(b"MZ\x90\x00 not a document", "run.exe")])
    assert refused.status_code == 400 and "run.exe" in refused.text
    other_unit = staff_client(app, "parks.handler@example.tw")
    own_page = other_unit.get("/staff/")  # their own token: the case page itself answers them 404
    assert other_unit.post(f"/staff/cases/{number}/reply-files", data={
        "csrf_token": csrf_token(own_page.text), "files": [(io.BytesIO(PDF), "a.pdf")]},
        content_type="multipart/form-data").status_code in (403, 404)
    no_csrf = handler.post(f"/staff/cases/{number}/reply-files", data={"files": [(io.BytesIO(PDF), "a.pdf")]},
                           content_type="multipart/form-data")
    assert no_csrf.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyAttachment)) == 0

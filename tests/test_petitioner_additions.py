"""The petitioner adds information and files to an open case (issue 13, deliver 6): from the tracking page after the
code check and through POST /api/v1/track/messages, with intake's attachment rules; the handler (or whoever holds the
case) is told; the staff page lists the additions; the petitioner's timeline says only that they added information."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from tests.support import (
    access_code,
    act,
    add_information,
    close_with_reply,
    csrf_token,
    make_agency,
    register_case,
    staff_client,
    tracking_client,
)
from tests.test_bad_input import EXE, PDF


def _assigned_case(app, db):  # noqa: ANN001, ANN202
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    act(staff_client(app, "roads.chief@example.tw"), number, "assign", handler="roads.handler@example.tw")
    return number


def test_an_addition_with_an_attachment_reaches_the_case_page_and_the_handler(app, db, smtp):
    from cases.case_file import Attachment

    make_agency(db)
    number = _assigned_case(app, db)
    code = access_code(smtp)
    smtp.clear()

    answer = add_information(app, number, code, attachments=[("../照片<script>.pdf", PDF)])
    assert answer.status_code == 201, answer.text
    assert answer.json["case_number"] == number and answer.json["attachments"] == 1

    # The handler is told by mail; the supervisor is not (someone holds the case).
    assert number in smtp.text(smtp.last_to("roads.handler@example.tw"))
    assert not smtp.to("roads.chief@example.tw")

    handler = staff_client(app, "roads.handler@example.tw")
    page = handler.get(f"/staff/cases/{number}").text
    additions = page.split('id="additions-h"', 1)[1].split("</section>", 1)[0]
    assert "補充：破損處在公車站牌旁。" in additions
    attachment = db.session.scalar(sa.select(Attachment).where(Attachment.petitioner_message_id.is_not(None)))
    assert attachment.filename.startswith(f"{number}-add") and attachment.filename.endswith(".pdf")
    assert f"/staff/attachments/{attachment.id}" in additions and "照片" not in page
    served = handler.get(f"/staff/attachments/{attachment.id}")
    assert served.status_code == 200 and served.data == PDF
    # The staff timeline has the whole text; the petitioner's only that they added information.
    timeline = page.split('id="timeline-h"', 1)[1]
    assert "補充：破損處在公車站牌旁。" in timeline
    tracked = tracking_client(app).post("/api/v1/track", json={"case_number": number, "access_code": code}).json
    assert tracked["events"][-1]["kind"] == "added_information"
    assert "補充了資料" in tracked["events"][-1]["text"] and "公車站牌" not in str(tracked)


def test_who_is_told_unassigned_and_unrouted(app, db, smtp):
    make_agency(db)
    unrouted = register_case(db, email="a@example.tw").number
    routed = register_case(db, email="b@example.tw").number
    codes = {"a": access_code(smtp, "a@example.tw"), "b": access_code(smtp, "b@example.tw")}
    act(staff_client(app, "intake@example.tw"), routed, "route", unit="ROADS")
    smtp.clear()
    assert add_information(app, unrouted, codes["a"]).status_code == 201  # not routed: intake
    assert smtp.to("intake@example.tw") and not smtp.to("roads.chief@example.tw")
    smtp.clear()
    assert add_information(app, routed, codes["b"]).status_code == 201  # routed, nobody assigned: the unit's supervisor
    assert smtp.to("roads.chief@example.tw") and not smtp.to("intake@example.tw")


def test_from_the_tracking_page_after_the_code_check(app, db, smtp):
    from cases.models import PetitionerMessage

    make_agency(db)
    number = _assigned_case(app, db)
    code = access_code(smtp)
    visitor = tracking_client(app)
    page = visitor.post("/track", data={"csrf_token": csrf_token(visitor.get("/track").text), "case_number": number,
                                        "access_code": code})
    assert page.status_code == 200 and 'id="add-heading"' in page.text and 'id="reopen-heading"' not in page.text
    form = {"csrf_token": csrf_token(page.text), "case_number": number, "message": "網頁補充。",
            "form_token": re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)}
    answer = visitor.post("/track/messages", data={**form, "attachments": [(io.BytesIO(PDF), "a.pdf")]},
                          content_type="multipart/form-data")
    assert answer.status_code == 303
    shown = visitor.get(answer.headers["Location"])
    assert shown.status_code == 200 and "補充的資料已加入案件" in shown.text
    # The same form sent again (a reload, a double click): one addition.
    again = visitor.post("/track/messages", data={**form, "attachments": [(io.BytesIO(PDF), "a.pdf")]},
                         content_type="multipart/form-data")
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionerMessage)) == 1

    # A file intake would refuse is refused here too, with intake's words; the text typed is kept.
    refused = visitor.post("/track/messages", data={**form, "message": "第二次", "form_token": "t2",
                                                    "attachments": [(io.BytesIO(EXE), "x.exe")]},
                           content_type="multipart/form-data")
    assert refused.status_code == 400 and "不是可接受的檔案類型" in refused.text and "第二次" in refused.text

    # Another browser, without the code check: nothing is added.
    stranger = tracking_client(app)
    token = csrf_token(stranger.get("/track").text)
    assert stranger.post("/track/messages", data={"csrf_token": token, "case_number": number,
                                                  "message": "x"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionerMessage)) == 1


def test_a_closed_case_is_refused_pointing_to_reopen(app, db, smtp):
    make_agency(db)
    number = close_with_reply(app, db)
    answer = add_information(app, number, access_code(smtp))
    assert answer.status_code == 409 and "重啟" in answer.json["message"]
    english = tracking_client(app).post("/api/v1/track/messages", headers={"Accept-Language": "en"}, json={
        "case_number": number, "access_code": access_code(smtp), "message": "more"})
    assert english.status_code == 409 and "reopen" in english.json["message"]


def test_wrong_code_limits_nul_and_huge_input(app, db, smtp):
    from cases.models import PetitionerMessage

    make_agency(db)
    number = _assigned_case(app, db)
    code = access_code(smtp)
    wrong = add_information(app, number, "WRONGCODE123")
    tracking = tracking_client(app).post("/api/v1/track", json={"case_number": number, "access_code": "WRONGCODE123"})
    assert wrong.status_code == tracking.status_code == 404 and wrong.json["message"] == tracking.json["message"]

    assert add_information(app, number, code, "").status_code == 422
    assert add_information(app, number, code, "x" * 10_001).status_code == 422
    nul = add_information(app, number, code, "補充\x00資料")
    assert nul.status_code in (400, 422) and "NUL" in nul.json["message"]
    too_many = add_information(app, number, code, attachments=[(f"{i}.pdf", PDF) for i in range(6)])
    assert too_many.status_code == 422 and "attachments" in too_many.json["errors"]["json"]
    big = add_information(app, number, code, attachments=[("big.pdf", PDF + b"0" * (5 * 1024 * 1024))])
    assert big.status_code == 422 and "5 MB" in str(big.json["errors"])
    bad_base64 = add_information(app, number, code, attachments=[("a.pdf", b"")])
    assert bad_base64.status_code == 422
    huge = tracking_client(app).post("/api/v1/track/messages", data=b"{" + b" " * (31 * 1024 * 1024) + b"}",
                                     content_type="application/json")
    assert huge.status_code == 413
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionerMessage)) == 0

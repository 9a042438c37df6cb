"""Uploaded files are stored and served under derived names, never the name the citizen's computer gave."""

from __future__ import annotations

import io

import sqlalchemy as sa

from tests.support import confirm, make_agency, post_form, staff_client, valid_letter
from tests.test_bad_input import PDF


def test_an_attachment_is_stored_and_served_under_a_derived_name(app, db, smtp):
    from cases.case_file import Attachment
    from cases.models import Case

    make_agency(db)
    client = app.test_client()
    data = {**valid_letter(), "attachments": [(io.BytesIO(PDF), "../../王小明身分證<script>.exe.pdf")]}
    assert post_form(client, "/mailbox", data, content_type="multipart/form-data").status_code == 303
    confirm(client, smtp.only_link_to("citizen@example.tw"))
    number = db.session.scalar(sa.select(Case.number))
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.filename == f"{number}-1.pdf"
    intake = staff_client(app, "intake@example.tw")
    page = intake.get(f"/staff/cases/{number}").text
    assert "身分證" not in page and "script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    answer = intake.get(f"/staff/attachments/{attachment.id}")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{number}-1.pdf"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.mimetype == "application/pdf"

"""Petitions received by phone, at the counter or by letter, typed in by intake staff."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.support import login, make_staff, post_form


def _intake_officer(client, db):  # noqa: ANN001
    make_staff("intake@example.tw", ["intake"], unit_code="SEC")
    db.session.commit()
    login(client, "intake@example.tw")


def test_a_phone_petition_without_name_or_contact_is_registered_and_flagged(client, db, smtp):
    from cases.models import Case, CaseEvent

    _intake_officer(client, db)
    page = post_form(client, "/staff/intake", {
        "channel": "petition", "received_via": "phone", "language": "zh_Hant_TW",
        "subject": "匿名來電反映噪音", "body": "來電者表示某工地夜間施工噪音擾人，不願留下姓名與電話。",
    })
    assert page.status_code == 200
    number = re.search(r'<dd class="code">(\d+)</dd>', page.text).group(1)
    code = re.findall(r'<dd class="code">([A-Z0-9]+)</dd>', page.text)[1]
    assert "不予處理" in page.text  # the flag is shown to the officer
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    assert case.lacks_identity and case.state == "registered"
    assert case.submission.received_via == "phone" and case.submission.source == "staff"
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert event.actor.email == "intake@example.tw" and event.action == "register"
    assert smtp.messages == []  # nobody to mail
    tracked = client.post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert tracked.status_code == 200


def test_a_counter_petition_with_e_mail_gets_the_receipt_mailed_in_its_language(client, db, smtp):
    _intake_officer(client, db)
    page = post_form(client, "/staff/intake", {
        "channel": "mailbox", "received_via": "counter", "language": "en",
        "name": "John Smith", "email": "john@example.com",
        "subject": "Bus stop sign", "body": "The sign at the bus stop on Roosevelt Road is missing.",
    })
    assert page.status_code == 200
    receipt = smtp.last_to("john@example.com")
    assert "Case number" in smtp.text(receipt)


def test_staff_form_errors_are_shown_and_nothing_is_stored(client, db):
    from cases.case_file import Submission

    _intake_officer(client, db)
    page = post_form(client, "/staff/intake", {"channel": "petition", "received_via": "pigeon",
                                               "subject": "", "body": "短"})
    assert page.status_code == 400
    for field in ("received_via", "subject", "body"):
        assert f'id="{field}-error"' in page.text
    future = post_form(client, "/staff/intake", {"channel": "petition", "received_via": "letter",
                                                 "received_at": "2999-01-01T09:00", "subject": "主旨",
                                                 "body": "一封信的內容，足夠長。"})
    assert future.status_code == 400 and 'id="received_at-error"' in future.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0


def test_a_letter_received_weeks_ago_keeps_its_date(client, db):
    from cases.models import Case

    _intake_officer(client, db)
    # Named dates before every instant the suite runs at (tests/conftest.py CLOCKS).
    for stamped in ("2025-11-17T10:30", "2025-11-17T23:30"):
        post_form(client, "/staff/intake", {"channel": "petition", "received_via": "letter",
                                            "received_at": stamped, "name": "李四", "address": "臺南市",
                                            "subject": "來函", "body": "一封信的內容，足夠長。"})
    in_hours, after_hours = db.session.scalars(sa.select(Case).order_by(Case.id))
    assert in_hours.received_on.isoformat() == "2025-11-17"  # a Monday
    assert after_hours.received_on.isoformat() == "2025-11-18"  # after 17:00: the next working day
    assert not in_hours.lacks_identity

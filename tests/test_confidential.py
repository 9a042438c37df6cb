"""Confidential complaints: the reporter's identity is masked everywhere but for the ethics office,
every view of identifying data is logged, and a reveal needs an ethics officer's approval."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa

from tests.support import act, confirm, csrf_token, make_agency, post_form, staff_client, valid_letter

NAME, EMAIL, PHONE = "林告發", "whistle@example.tw", "0912-345-678"
SECRETS = (NAME, EMAIL, PHONE, "0912345678")


def _confidential_complaint(app, db, smtp, category: str = "service") -> str:  # noqa: ANN001
    from tests.test_bad_input import PDF

    client = app.test_client()
    data = {**valid_letter(name=NAME, email=EMAIL, phone=PHONE, subject="櫃台人員收受禮品"),
            "category": category, "confidential": "y", "attachments": [(io.BytesIO(PDF), "證據.pdf")]}
    assert post_form(client, "/complaint", data, content_type="multipart/form-data").status_code == 303
    confirm(client, smtp.only_link_to(EMAIL))
    from cases.models import Case

    return db.session.scalar(sa.select(Case.number).order_by(Case.id.desc()).limit(1))


def _readable(response) -> str:  # noqa: ANN001
    """The text a person would read: XLSX cells unpacked, everything else decoded."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.data))
        return " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row)
    return response.data.decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_no_page_api_export_search_or_notification_shows_the_reporter(app, db, smtp):
    from cases.models import Case
    from cases.reminders import sweep
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    make_agency(db)
    number = _confidential_complaint(app, db, smtp)
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    act(staff_client(app, "roads.chief@example.tw"), number, "assign", handler="roads.handler@example.tw")
    smtp.clear()
    with app.app_context():  # a due-today reminder goes to handler and supervisor
        db.session.execute(sa.update(Case).where(Case.number == number).values(due_on=date(2026, 11, 23)))
        sweep(date(2026, 11, 23))
        db.session.commit()
    assert smtp.messages and all(not _leaks(smtp.text(m)) for m in smtp.messages)

    for email in ("roads.handler@example.tw", "roads.chief@example.tw", "secretariat@example.tw",
                  "admin@example.tw", "intake@example.tw"):
        client = staff_client(app, email)
        pages = [client.get(f"/staff/cases/{number}"), client.get("/staff/?queue=all"),
                 client.get(f"/staff/?q={NAME}"), client.get(f"/staff/?q={number}"),
                 client.get("/staff/statistics.csv"), client.get("/staff/statistics.xlsx"),
                 client.get("/staff/satisfaction.csv"), client.get("/staff/outbox?status=sent"),
                 client.get("/staff/outbox?status=pending")]
        for page in pages:
            assert page.status_code in (200, 403), (email, page.status_code)
            body = _readable(page).replace(f'value="{NAME}"', "")  # the search box echoes what was typed
            assert not _leaks(body), email
        case_page = pages[0].text
        assert "＊＊＊" in case_page and "證據.pdf" not in case_page, email
        assert number not in pages[2].text, email  # not found by the reporter's name
        token = {"Authorization": "Bearer " + issue_token(find_staff(email))}
        db.session.commit()
        for url in (f"/api/v1/cases/{number}", "/api/v1/cases?queue=all", f"/api/v1/cases?q={NAME}"):
            answer = app.test_client().get(url, headers=token)
            assert answer.status_code == 200, (email, url)
            assert not _leaks(answer.text), (email, url)
    from cases.case_file import Attachment

    attachment_id = db.session.scalar(sa.select(Attachment.id))
    assert staff_client(app, "roads.chief@example.tw").get(f"/staff/attachments/{attachment_id}").status_code == 404


def test_the_ethics_officer_sees_the_reporter_and_the_view_is_logged(app, db, smtp):
    from cases.models import PersonalDataAccess

    make_agency(db)
    number = _confidential_complaint(app, db, smtp)
    ethics = staff_client(app, "ethics@example.tw")
    page = ethics.get(f"/staff/cases/{number}")
    assert page.status_code == 200 and NAME in page.text and EMAIL in page.text and PHONE in page.text
    from cases.case_file import Attachment

    attachment_id = db.session.scalar(sa.select(Attachment.id))
    assert ethics.get(f"/staff/attachments/{attachment_id}").status_code == 200
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    token = {"Authorization": "Bearer " + issue_token(find_staff("ethics@example.tw"))}
    db.session.commit()
    answer = app.test_client().get(f"/api/v1/cases/{number}", headers=token).json
    assert answer["petitioner"] == {"name": NAME, "email": EMAIL, "phone": PHONE, "address": answer["petitioner"][
        "address"], "masked": False}
    rows = db.session.execute(sa.select(PersonalDataAccess.purpose, PersonalDataAccess.staff_id)).all()
    assert sorted(p for p, _s in rows) == ["api", "attachment", "page"]
    log = staff_client(app, "admin@example.tw").get(f"/staff/access-log?case={number}")
    assert log.status_code == 200 and "ethics@example.tw" in log.text
    assert staff_client(app, "roads.chief@example.tw").get("/staff/access-log").status_code == 403


def test_a_reveal_needs_the_ethics_officers_approval_and_is_logged(app, db, smtp):
    from cases.models import IdentityReveal, PersonalDataAccess

    make_agency(db)
    number = _confidential_complaint(app, db, smtp)
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    page = chief.get(f"/staff/cases/{number}")
    assert NAME not in page.text
    # Asking is not seeing.
    asked = chief.post(f"/staff/cases/{number}/identity-request",
                       data={"csrf_token": csrf_token(page.text), "reason": "需約談陳情人釐清事實"})
    assert asked.status_code == 303
    assert NAME not in chief.get(f"/staff/cases/{number}").text
    # Nobody but the ethics office can approve.
    reveal_id = db.session.scalar(sa.select(IdentityReveal.id))
    own = chief.post(f"/staff/ethics/reveals/{reveal_id}", data={"csrf_token": csrf_token(page.text),
                                                                 "decision": "approve", "note": "自己核准"})
    assert own.status_code == 403
    ethics = staff_client(app, "ethics@example.tw")
    desk = ethics.get("/staff/ethics")
    assert "需約談陳情人釐清事實" in desk.text
    assert ethics.post(f"/staff/ethics/reveals/{reveal_id}", data={
        "csrf_token": csrf_token(desk.text), "decision": "approve", "note": "經政風室主任核准"}).status_code == 303
    revealed = chief.get(f"/staff/cases/{number}")
    assert NAME in revealed.text and PHONE in revealed.text
    purposes = db.session.scalars(sa.select(PersonalDataAccess.purpose)
                                  .where(PersonalDataAccess.reveal_id == reveal_id)).all()
    assert purposes == ["reveal"]
    # The handler of the same unit, without an approved request, still sees nothing.
    assert NAME not in staff_client(app, "roads.handler@example.tw").get(f"/staff/cases/{number}").text


def test_integrity_complaints_go_to_the_ethics_office_unless_the_setting_is_off(app, db, smtp):
    from cases.models import Case
    from core.settings import set_setting

    make_agency(db)
    number = _confidential_complaint(app, db, smtp, category="integrity")
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    assert case.state == "routed" and case.unit.code == "ETHICS"
    assert number in staff_client(app, "ethics@example.tw").get("/staff/?queue=unit").text
    set_setting("route_integrity_complaints_to_ethics", False)
    db.session.commit()
    smtp.clear()
    other = _confidential_complaint(app, db, smtp, category="integrity")
    assert db.session.scalar(sa.select(Case.state).where(Case.number == other)) == "registered"


def test_a_handler_refers_a_case_and_the_ethics_office_opens_its_own(app, db, smtp):
    from cases.models import Case, CaseLink, EthicsReferral
    from tests.support import register_case

    make_agency(db)
    number = register_case(db, subject="工程驗收疑似收受回扣").number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(handler, number, "refer-to-ethics", reason="陳情內容涉及廠商行賄").status_code == 303
    # One open referral per case: the second colleague is told it is already with the ethics office.
    chief = staff_client(app, "roads.chief@example.tw")
    assert act(chief, number, "refer-to-ethics", reason="同一件事").status_code == 409
    assert staff_client(app, "parks.handler@example.tw").get(f"/staff/cases/{number}").status_code == 404
    ethics = staff_client(app, "ethics@example.tw")
    desk = ethics.get("/staff/ethics")
    assert number in desk.text and "陳情內容涉及廠商行賄" in desk.text
    referral_id = db.session.scalar(sa.select(EthicsReferral.id))
    opened = ethics.post(f"/staff/ethics/referrals/{referral_id}/open", data={"csrf_token": csrf_token(desk.text)})
    assert opened.status_code == 303
    new_number = opened.headers["Location"].rsplit("/", 1)[1]
    new_case = db.session.scalar(sa.select(Case).where(Case.number == new_number))
    assert new_case.confidential and new_case.unit.code == "ETHICS" and new_case.category == "integrity"
    assert db.session.scalar(sa.select(CaseLink.earlier_case_id).where(CaseLink.case_id == new_case.id)) == \
        db.session.scalar(sa.select(Case.id).where(Case.number == number))
    again = ethics.post(f"/staff/ethics/referrals/{referral_id}/open", data={"csrf_token": csrf_token(desk.text)})
    assert again.status_code == 303 and db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 2
    assert staff_client(app, "roads.handler@example.tw").get("/staff/ethics").status_code == 403


def test_the_outbox_shows_a_reporters_address_only_to_the_ethics_office_and_logs_it(app, db, smtp):
    from cases.models import PersonalDataAccess
    from core.accounts.services import create_staff

    make_agency(db)
    number = _confidential_complaint(app, db, smtp)
    admin_page = staff_client(app, "admin@example.tw").get("/staff/outbox?status=sent").text
    assert EMAIL not in admin_page and "w******@example.tw" in admin_page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalDataAccess)) == 0
    # An ethics officer who also administers the system sees it, and that view is in the access log.
    create_staff("ethics.admin@example.tw", "政風兼管理", "ETHICS", ["ethics", "admin"], "correct-horse-battery")
    db.session.commit()
    ethics_page = staff_client(app, "ethics.admin@example.tw").get("/staff/outbox?status=sent").text
    assert EMAIL in ethics_page
    [logged] = db.session.scalars(sa.select(PersonalDataAccess)).all()
    assert (logged.purpose, logged.case.number) == ("outbox", number)

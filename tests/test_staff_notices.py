"""Staff notifications (issue 12, deliver 2): who is told of what, once, by mail (at once or in a daily digest)
and on the notifications page with an unread count in the header; a deputy for a person away; never a
confidential reporter's identity."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from tests.support import (
    ALL_FIVES,
    act,
    close_with_reply,
    csrf_token,
    make_agency,
    register_case,
    staff_client,
    survey_link,
)

NOTICE = "【案件通知】"
DIGEST = "【每日通知摘要】"


def _notices(smtp, prefix: str = NOTICE) -> list[tuple[str, str]]:  # noqa: ANN001
    """(recipient, text) of the staff notice mails received, in order."""
    return [(m["To"], smtp.subject(m) + "\n" + smtp.text(m)) for m in smtp.messages
            if smtp.subject(m).startswith(prefix)]


def _told(smtp) -> list[str]:  # noqa: ANN001
    found = sorted(to for to, _text in _notices(smtp))
    smtp.clear()
    return found


def _routed(app, db, smtp, **case) -> str:  # noqa: ANN001
    number = register_case(db, **case).number
    assert act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS").status_code == 303
    return number


def test_each_case_event_tells_the_right_people_once(app, db, smtp):
    make_agency(db)
    smtp.clear()
    number = _routed(app, db, smtp)
    assert _told(smtp) == ["roads.chief@example.tw"]  # routed to the unit: its supervisor

    chief = staff_client(app, "roads.chief@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(chief, number, "assign", handler="roads.handler@example.tw").status_code == 303
    assert _told(smtp) == ["roads.handler@example.tw"]

    assert act(handler, number, "draft-reply", body="初稿。", outcome="met").status_code == 303
    [(to, text)] = _notices(smtp)
    assert to == "roads.chief@example.tw" and number in text and "待您核定" in text and "人行道破損" in text
    smtp.clear()

    assert act(chief, number, "return-reply", reason="請補充修復日期").status_code == 303
    [(to, text)] = _notices(smtp)
    assert to == "roads.handler@example.tw" and "退回" in text and "請補充修復日期" in text
    assert f"/staff/cases/{number}" in text
    smtp.clear()

    assert act(handler, number, "draft-reply", body="修正稿。", outcome="met").status_code == 303
    assert _told(smtp) == ["roads.chief@example.tw"]
    page = chief.get(f"/staff/cases/{number}")
    form = {"csrf_token": csrf_token(page.text), "version": re.search(r'name="version" value="(\d+)"',
                                                                      page.text).group(1)}
    assert chief.post(f"/staff/cases/{number}/approve-reply", data=form).status_code == 303
    [(to, text)] = _notices(smtp)
    assert to == "roads.handler@example.tw" and "核定並寄出" in text
    smtp.clear()
    # The same form sent again (a double click, a retried request) is refused and tells nobody again.
    assert chief.post(f"/staff/cases/{number}/approve-reply", data=form).status_code == 409
    assert _notices(smtp) == []


def test_extensions_and_a_return_to_intake_tell_the_deciders_and_the_requester(app, db, smtp):
    make_agency(db)
    number = _routed(app, db, smtp)
    chief = staff_client(app, "roads.chief@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    smtp.clear()

    assert act(handler, number, "request-extension", days="5", reason="需會勘").status_code == 303
    [(to, text)] = _notices(smtp)
    assert to == "roads.chief@example.tw" and "展期 5 日" in text
    smtp.clear()
    assert act(chief, number, "refuse-extension", reason="期限內可完成").status_code == 303
    [(to, text)] = _notices(smtp)
    assert to == "roads.handler@example.tw" and "未獲核准" in text and "期限內可完成" in text
    smtp.clear()

    act(handler, number, "request-extension", days="3", reason="需會勘")
    assert _told(smtp) == ["roads.chief@example.tw"]
    assert act(chief, number, "approve-extension").status_code == 303
    from cases.models import Case

    due_on = db.session.scalar(sa.select(Case.due_on).where(Case.number == number))
    [text] = [text for to, text in _notices(smtp) if to == "roads.handler@example.tw"]
    assert "已核准" in text and str(due_on) in text
    assert len(_notices(smtp)) == 1
    smtp.clear()

    other = _routed(app, db, smtp)
    smtp.clear()
    assert act(chief, other, "return-to-intake", reason="非本處業務").status_code == 303
    [(to, text)] = _notices(smtp)
    assert to == "intake@example.tw" and "退回收文" in text and "非本處業務" in text


def test_the_notifications_page_the_header_count_and_marking_read(app, db, smtp):
    make_agency(db)
    first, second = _routed(app, db, smtp), _routed(app, db, smtp)
    chief = staff_client(app, "roads.chief@example.tw")
    home = chief.get("/staff/")
    assert "2 則未讀" in home.text
    page = chief.get("/staff/notifications")
    assert page.status_code == 200
    assert page.text.index(second) < page.text.index(first)  # newest first
    assert page.text.count("notice-unread") == 2
    from notifications.models import StaffNotice

    oldest = db.session.scalar(sa.select(StaffNotice.id).order_by(StaffNotice.id))
    # Someone else's notice cannot be marked read by a colleague.
    handler = staff_client(app, "roads.handler@example.tw")
    assert handler.post("/staff/notifications/read", data={
        "csrf_token": csrf_token(handler.get("/staff/notifications").text), "notice": str(oldest)}).status_code == 303
    assert "2 則未讀" in chief.get("/staff/").text

    answer = chief.post("/staff/notifications/read", data={"csrf_token": csrf_token(page.text), "notice": oldest})
    assert answer.status_code == 303
    page = chief.get("/staff/notifications")
    assert page.text.count("notice-unread") == 1 and "1 則未讀" in page.text
    assert chief.post("/staff/notifications/read", data={"csrf_token": csrf_token(page.text)}).status_code == 303
    page = chief.get("/staff/notifications")
    assert "notice-unread" not in page.text and "則未讀" not in page.text
    # Without the form's token nothing changes.
    assert chief.post("/staff/notifications/read", data={}).status_code == 400


def test_a_daily_digest_holds_the_mails_back_and_sends_them_in_one(app, db, smtp):
    make_agency(db)
    chief = staff_client(app, "roads.chief@example.tw")
    account = chief.get("/staff/account")
    assert chief.post("/staff/account/notices", data={"csrf_token": csrf_token(account.text),
                                                      "delivery": "daily"}).status_code == 303
    assert 'value="daily" checked' in chief.get("/staff/account").text
    smtp.clear()
    first, second = _routed(app, db, smtp), _routed(app, db, smtp)
    assert _notices(smtp) == []  # held back
    assert "2 則未讀" in chief.get("/staff/").text  # but on the page at once

    from notifications.staff_notices import send_staff_digests

    with app.app_context():
        send_staff_digests.apply()
    [(to, text)] = _notices(smtp, DIGEST)
    assert to == "roads.chief@example.tw" and first in text and second in text and "共 2 則" in text
    with app.app_context():
        send_staff_digests.apply()  # nothing held any more; nothing sent twice
    assert len(_notices(smtp, DIGEST)) == 1
    third = _routed(app, db, smtp)
    with app.app_context():
        send_staff_digests.apply()  # today's digest is gone: the next one waits for tomorrow
    assert len(_notices(smtp, DIGEST)) == 1
    from core.clock import today
    from notifications.staff_notices import send_digests

    with app.app_context():
        from core.extensions import db as app_db

        assert send_digests(today() + timedelta(days=1)) == 1
        app_db.session.commit()
    texts = [text for _to, text in _notices(smtp, DIGEST)]
    assert len(texts) == 2 and third in texts[1] and first not in texts[1]


def test_a_person_away_has_their_deputy_told(app, db, smtp):
    make_agency(db)
    result = app.test_cli_runner().invoke(args=[
        "staff", "away", "roads.chief@example.tw", "--from", str(date.today() - timedelta(days=1)),
        "--until", str(date.today() + timedelta(days=30)), "--deputy", "roads.deputy@example.tw"])
    assert result.exit_code == 0, result.output
    smtp.clear()
    number = _routed(app, db, smtp)
    [(to, text)] = _notices(smtp)
    assert to == "roads.deputy@example.tw" and number in text and "代理" in text
    deputy = staff_client(app, "roads.deputy@example.tw")
    assert number in deputy.get("/staff/notifications").text


def test_confidential_reporters_never_appear_in_notices(app, db, smtp):
    from tests.support import valid_letter
    from tests.test_confidential import SECRETS, _confidential_complaint

    make_agency(db)
    number = _confidential_complaint(app, db, smtp)
    subject = "櫃台人員收受禮品"
    smtp.clear()
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    act(handler, number, "request-extension", days="2", reason="需調查")
    act(chief, number, "approve-extension")
    act(handler, number, "draft-reply", body="答覆。", outcome="met")
    act(chief, number, "return-reply", reason="請改寫")
    act(handler, number, "draft-reply", body="答覆。", outcome="met")
    act(chief, number, "approve-reply")
    page = chief.get(f"/staff/cases/{number}")
    assert chief.post(f"/staff/cases/{number}/identity-request",
                      data={"csrf_token": csrf_token(page.text), "reason": "需約談"}).status_code == 303
    from cases.models import IdentityReveal

    reveal_id = db.session.scalar(sa.select(IdentityReveal.id))
    ethics = staff_client(app, "ethics@example.tw")
    desk = ethics.get("/staff/ethics")
    assert ethics.post(f"/staff/ethics/reveals/{reveal_id}", data={
        "csrf_token": csrf_token(desk.text), "decision": "refuse", "note": "理由不足"}).status_code == 303

    mails = _notices(smtp)
    kinds = {to: [] for to, _text in mails}
    for to, text in mails:
        kinds[to].append(text)
    assert sorted(kinds) == ["ethics@example.tw", "roads.chief@example.tw", "roads.handler@example.tw"]
    assert any("申請查閱" in t for t in kinds["ethics@example.tw"])
    assert any("未獲核准" in t and "理由不足" in t for t in kinds["roads.chief@example.tw"])
    assert len(kinds["roads.handler@example.tw"]) == 4  # assigned, extension approved, reply returned, approved
    pages = [staff_client(app, who).get("/staff/notifications").text for who in kinds]
    for text in [t for _to, t in mails] + pages:
        for secret in (*SECRETS, valid_letter()["address"], subject):
            assert secret not in text, (secret, text)
    assert all("保密案件" in t for to, t in mails if "申請" not in t)


def test_a_dissatisfied_answer_tells_the_units_supervisors(app, db, smtp):
    make_agency(db)
    close_with_reply(app, db)
    link = survey_link(smtp, "citizen@example.tw")
    citizen = app.test_client()
    form = citizen.get(link)
    smtp.clear()
    answer = citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES, "overall": "1"})
    assert answer.status_code == 200
    [(to, text)] = _notices(smtp)
    assert to == "roads.chief@example.tw" and "不滿意" in text and "/staff/follow-ups/" in text


def test_deadline_reminders_are_on_the_notifications_page_too(app, db, smtp):
    from cases.models import Case
    from tests.test_reminders import MONDAY, THURSDAY, WEDNESDAY, _sweep

    make_agency(db)
    number = _routed(app, db, smtp)
    act(staff_client(app, "roads.chief@example.tw"), number, "assign", handler="roads.handler@example.tw")
    db.session.execute(sa.update(Case).where(Case.number == number).values(due_on=WEDNESDAY))
    db.session.commit()
    _sweep(app, MONDAY)
    _sweep(app, MONDAY)
    page = staff_client(app, "roads.handler@example.tw").get("/staff/notifications").text
    assert page.count("2026-11-25") == 1 and number in page
    _sweep(app, THURSDAY)
    chief = staff_client(app, "roads.chief@example.tw").get("/staff/notifications").text
    assert "1 件案件逾期" in chief


def test_what_a_supervisor_drafted_goes_to_who_may_approve_it(app, db, smtp):
    from tests.support import make_staff

    make_agency(db)
    make_staff("roads.second@example.tw", ["supervisor"], "ROADS", name="副處長")
    db.session.commit()
    number = _routed(app, db, smtp)
    assert _told(smtp) == ["roads.chief@example.tw", "roads.second@example.tw"]
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, number, "assign", handler="roads.chief@example.tw")
    assert _told(smtp) == []  # nobody is told of their own action
    assert act(chief, number, "draft-reply", body="答覆。", outcome="met").status_code == 303
    assert _told(smtp) == ["roads.second@example.tw"]  # four eyes: not the one who drafted it


def test_notices_and_digests_come_in_each_persons_language(app, db, smtp):
    """Staff.language: a handler who chose English on their account page gets the assignment notice in English;
    one who kept Chinese gets it in Chinese; an administrator sets a colleague's language on the staff page, and
    that colleague's digest comes in it."""
    from core.accounts.services import find_staff
    from notifications.staff_notices import send_staff_digests

    make_agency(db)
    handler = staff_client(app, "roads.handler@example.tw")
    account = handler.get("/staff/account")
    assert 'name="language"' in account.text
    assert handler.post("/staff/account/notices", data={"csrf_token": csrf_token(account.text),
                                                        "language": "en"}).status_code == 303
    assert 'value="en" selected' in handler.get("/staff/account").text
    db.session.expire_all()
    assert find_staff("roads.handler@example.tw").notice_delivery == "immediate"  # the other choice kept

    first, second = _routed(app, db, smtp), _routed(app, db, smtp)
    smtp.clear()
    chief = staff_client(app, "roads.chief@example.tw")
    assert act(chief, first, "assign", handler="roads.handler@example.tw").status_code == 303
    assert act(chief, second, "assign", handler="roads.deputy@example.tw").status_code == 303
    [english] = smtp.to("roads.handler@example.tw")
    text = smtp.subject(english) + "\n" + smtp.text(english)
    assert text.startswith("[Case notice]") and first in text and "Dear" in text
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("人行道破損", "").replace(app.config["AGENCY_NAME"], ""))
    [chinese] = smtp.to("roads.deputy@example.tw")
    assert smtp.subject(chinese).startswith(NOTICE) and second in smtp.text(chinese)

    # The administrator sets the supervisor's language to English on the staff page; their digest is English.
    admin = staff_client(app, "admin@example.tw")
    boss = find_staff("roads.chief@example.tw")
    page = admin.get(f"/staff/admin/staff/{boss.id}")
    assert admin.post(f"/staff/admin/staff/{boss.id}", data={
        "csrf_token": csrf_token(page.text), "name": boss.name, "unit": str(boss.unit_id), "roles": ["supervisor"],
        "deputy": "", "away_from": "", "away_until": "", "language": "en"}).status_code == 303
    boss = find_staff("roads.chief@example.tw")
    db.session.refresh(boss)
    assert boss.language == "en"
    boss.notice_delivery = "daily"
    db.session.commit()
    smtp.clear()
    third = _routed(app, db, smtp)
    with app.app_context():
        send_staff_digests.apply()
    [digest] = smtp.to("roads.chief@example.tw")
    assert third in smtp.text(digest) and not smtp.subject(digest).startswith(DIGEST)
    assert not re.search(r"[\u4e00-\u9fff]", smtp.subject(digest))

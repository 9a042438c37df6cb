"""The whole staff path through HTTP, with the petitioner's mail on a real SMTP server."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.support import act, make_agency, register_case, staff_client


def _to_petitioner(smtp) -> list:  # noqa: ANN001
    """The mails sent, but the staff notices (tests/test_staff_notices.py)."""
    return [m for m in smtp.messages if not smtp.subject(m).startswith("【案件通知】")]

def _case(db, number):  # noqa: ANN001
    from cases.models import Case

    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.number == number))


def test_register_route_assign_draft_approve_reply_closes_the_case(app, db, smtp):
    make_agency(db)
    case = register_case(db)
    number = case.number
    smtp.clear()  # the receipt

    intake = staff_client(app, "intake@example.tw")
    queue = intake.get("/staff/?queue=intake")
    assert number in queue.text
    petition_due = case.due_on
    assert act(intake, number, "classify", limit_class="ordinary", topic="道路").status_code == 303
    classified = _case(db, number)
    assert classified.limit_class == "ordinary" and classified.limit_days == 6
    # The reclassification moved the due date, and the timeline says from when to when and why.
    moved = classified.events[-1]
    assert (moved.action, moved.due_before, moved.due_after) == ("due_date_changed", petition_due, classified.due_on)
    assert moved.detail["cause"] == "reclassification" and moved.note == ""
    page = intake.get(f"/staff/cases/{number}").text
    assert "處理期限變更" in page and f"{petition_due.isoformat()} → {classified.due_on.isoformat()}" in page
    assert act(intake, number, "route", unit="ROADS").status_code == 303
    assert _case(db, number).state == "routed"

    chief = staff_client(app, "roads.chief@example.tw")
    assert number in chief.get("/staff/?queue=unit").text
    assert act(chief, number, "assign", handler="roads.handler@example.tw").status_code == 303
    assert _case(db, number).state == "in_progress"

    handler = staff_client(app, "roads.handler@example.tw")
    assert number in handler.get("/staff/?queue=mine").text
    answer = act(handler, number, "draft-reply", body="已派員於11月25日完成修補，謝謝您的反映。", outcome="met",
                 remedy_notice="1")
    assert answer.status_code == 303
    assert _case(db, number).state == "awaiting_approval"
    assert _to_petitioner(smtp) == []  # nothing leaves before the supervisor approves (staff are told)

    assert number in chief.get("/staff/?queue=approval").text
    assert act(chief, number, "approve-reply").status_code == 303
    closed = _case(db, number)
    assert closed.state == "closed" and closed.closed_on is not None and closed.outcome == "met"
    assert closed.days_used is not None
    mail = smtp.text(smtp.last_to("citizen@example.tw"))
    assert "已派員於11月25日完成修補" in mail and number in mail
    assert "訴願" in mail  # the legal-remedy notice was asked for
    actions = [e.action for e in closed.events]
    assert actions == ["register", "classify", "due_date_changed", "route", "assign", "draft_reply", "approve_reply"]
    assert all(e.actor is not None for e in closed.events)

    tracked = intake.post("/api/v1/track", json={"case_number": number, "access_code": "WRONG"})
    assert tracked.status_code == 404


def test_returned_reply_goes_back_to_the_handler_and_nothing_is_sent(app, db, smtp):
    make_agency(db)
    number = register_case(db).number
    smtp.clear()
    intake, chief, handler = (staff_client(app, e) for e in
                              ("intake@example.tw", "roads.chief@example.tw", "roads.handler@example.tw"))
    act(intake, number, "route", unit="ROADS")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    act(handler, number, "draft-reply", body="草稿")
    assert act(chief, number, "return-reply", reason="請補充法令依據").status_code == 303
    case = _case(db, number)
    assert case.state == "in_progress" and case.replies[0].status == "returned"
    assert "請補充法令依據" in handler.get(f"/staff/cases/{number}").text
    assert _to_petitioner(smtp) == []


def test_transfer_tells_the_petitioner_where_and_why(app, db, smtp):
    make_agency(db)
    number = register_case(db).number
    smtp.clear()
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, number, "transfer", agency="交通部公路局", reason="省道養護屬公路局權責").status_code == 303
    case = _case(db, number)
    assert case.state == "transferred"
    mail = smtp.text(smtp.last_to("citizen@example.tw"))
    assert "交通部公路局" in mail and "省道養護屬公路局權責" in mail


def test_not_handled_stays_in_the_register_with_its_ground_and_no_reply(app, db, smtp):
    from cases.models import Reply

    make_agency(db)
    number = register_case(db).number
    smtp.clear()
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, number, "not-handled", ground="repeat", note="同 1150000001 已答覆").status_code == 303
    case = _case(db, number)
    assert case.state == "not_handled" and case.not_handled_ground == "repeat"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reply)) == 0
    assert "第173條" in smtp.text(smtp.last_to("citizen@example.tw"))
    assert number in intake.get("/staff/?queue=all").text  # still in the register


def test_the_supervisor_can_send_a_case_back_to_intake(app, db):
    make_agency(db)
    number = register_case(db).number
    intake, chief = staff_client(app, "intake@example.tw"), staff_client(app, "roads.chief@example.tw")
    act(intake, number, "route", unit="ROADS")
    assert act(chief, number, "return-to-intake", reason="非本處業務，應屬公園處").status_code == 303
    case = _case(db, number)
    assert case.state == "registered" and case.unit_id is None
    assert number in intake.get("/staff/?queue=intake").text


def test_extension_is_requested_approved_and_the_petitioner_told(app, db, smtp):
    make_agency(db)
    number = register_case(db).number
    smtp.clear()
    intake, chief, handler = (staff_client(app, e) for e in
                              ("intake@example.tw", "roads.chief@example.tw", "roads.handler@example.tw"))
    act(intake, number, "route", unit="ROADS")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    before = _case(db, number).due_on
    assert act(handler, number, "request-extension", days="5", reason="需會同管線單位現場會勘").status_code == 303
    assert _case(db, number).due_on == before  # nothing changes until the supervisor approves
    assert act(chief, number, "approve-extension").status_code == 303
    case = _case(db, number)
    assert case.due_on > before and case.original_due_on == before
    mail = smtp.text(smtp.last_to("citizen@example.tw"))
    assert "需會同管線單位現場會勘" in mail and case.due_on.isoformat() in mail

    refused = act(handler, number, "request-extension", days="0", reason="x")
    assert refused.status_code == 422 and "至少" in refused.text


def test_an_impossible_action_is_refused_with_a_message_and_changes_nothing(app, db):
    make_agency(db)
    number = register_case(db).number
    handler = staff_client(app, "roads.handler@example.tw")
    intake = staff_client(app, "intake@example.tw")
    answer = act(intake, number, "approve-reply")
    assert answer.status_code == 403
    assert _case(db, number).state == "registered"
    stale = intake.get(f"/staff/cases/{number}")
    version = re.search(r'name="version" value="(\d+)"', stale.text).group(1)
    act(intake, number, "classify", limit_class="urgent")
    from tests.support import csrf_token

    late = intake.post(f"/staff/cases/{number}/route",
                       data={"csrf_token": csrf_token(stale.text), "version": version, "unit": "ROADS"})
    assert late.status_code == 409
    assert _case(db, number).state == "registered"
    assert handler.get(f"/staff/cases/{number}").status_code == 404  # not routed to the handler's unit


def test_the_queue_shows_at_a_glance_what_is_overdue_and_due_soon(app, db):
    from cases.models import Case
    from core.clock import today

    make_agency(db)
    late, soon = register_case(db).number, register_case(db, email="b@example.tw").number
    intake = staff_client(app, "intake@example.tw")
    for number in (late, soon):
        act(intake, number, "route", unit="ROADS")
    with app.app_context():
        from datetime import timedelta

        db.session.execute(sa.update(Case).where(Case.number == late).values(due_on=today() - timedelta(days=3)))
        db.session.execute(sa.update(Case).where(Case.number == soon).values(due_on=today()))
        db.session.commit()
    page = staff_client(app, "roads.chief@example.tw").get("/staff/?queue=unit").text
    assert "逾期：1" in page and "即將到期：1" in page
    overdue = staff_client(app, "roads.chief@example.tw").get("/staff/?queue=unit&due=overdue").text
    assert late in overdue and soon not in overdue


def test_a_petitioner_without_e_mail_gets_a_printable_letter(app, db, smtp):
    from cases.models import PersonalDataAccess

    make_agency(db)
    number = register_case(db, email="").number
    smtp.clear()
    intake, chief = staff_client(app, "intake@example.tw"), staff_client(app, "roads.chief@example.tw")
    act(intake, number, "route", unit="ROADS")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    act(staff_client(app, "roads.handler@example.tw"), number, "draft-reply", body="已完成修補。", remedy_notice="1")
    assert chief.get(f"/staff/cases/{number}/letter").status_code == 404  # nothing sent yet
    act(chief, number, "approve-reply")
    assert _to_petitioner(smtp) == []
    page = chief.get(f"/staff/cases/{number}")
    assert "郵寄" in page.text
    letter = chief.get(f"/staff/cases/{number}/letter")
    assert letter.status_code == 200 and "已完成修補。" in letter.text and "王小明" in letter.text
    assert "訴願" in letter.text
    assert "letter" in db.session.scalars(sa.select(PersonalDataAccess.purpose)).all()

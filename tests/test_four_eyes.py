"""Four eyes (issue 12, deliver 3): whoever drafted a reply or requested an extension does not approve it; another
supervisor of the unit, the deputy or the parent unit's supervisor does. Returned replies keep their text
(deliver 4): the handler edits the returned draft, every version is kept and shown, the approved letter is the
last version."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from tests.support import PASSWORD, act, make_agency, register_case, staff_client


def _case(db, number):  # noqa: ANN001
    from cases.models import Case

    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.number == number))


def _staff(email: str, name: str, unit: str, roles: list[str]):  # noqa: ANN202
    from core.accounts.services import create_staff

    return create_staff(email, name, unit, roles, PASSWORD)


def _drafted_by_the_chief(app, db, unit: str = "ROADS", chief: str = "roads.chief@example.tw") -> str:  # noqa: ANN001
    """A case of `unit` whose supervisor assigned it to themself and drafted the reply."""
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit=unit)
    client = staff_client(app, chief)
    assert act(client, number, "assign", handler=chief).status_code == 303
    assert act(client, number, "draft-reply", body="本處已完成路面修補。", outcome="met").status_code == 303
    return number


def _events(db, number) -> list[str]:  # noqa: ANN001
    return [e.action for e in _case(db, number).events]


def _reply_mails(smtp, address: str = "citizen@example.tw") -> list:  # noqa: ANN001
    return [m for m in smtp.to(address) if "本處已完成路面修補" in smtp.text(m) or "答覆" in smtp.subject(m)]


def test_self_approval_is_refused_through_the_page_and_the_api_and_changes_nothing(app, db, smtp):
    from cases.models import Reply
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    make_agency(db)
    _staff("roads.second@example.tw", "副處長林", "ROADS", ["supervisor"])
    db.session.commit()
    number = _drafted_by_the_chief(app, db)
    smtp.clear()
    events = _events(db, number)

    chief = staff_client(app, "roads.chief@example.tw")
    page = chief.get(f"/staff/cases/{number}").text
    # The drafter is told who may approve, and is not offered the approval.
    assert "依四眼原則您不能自行核准" in page and "副處長林" in page
    assert f"/staff/cases/{number}/approve-reply" not in page
    refused = act(chief, number, "approve-reply")
    assert refused.status_code == 403 and "副處長林" in html.unescape(refused.text)

    token = issue_token(find_staff("roads.chief@example.tw"))
    db.session.commit()
    api = app.test_client().post(f"/api/v1/cases/{number}/approve-reply", json={},
                                 headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 403 and "四眼原則" in api.json["message"] and "副處長林" in api.json["message"]
    english = app.test_client().post(f"/api/v1/cases/{number}/approve-reply", json={},
                                     headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    assert english.status_code == 403 and "four eyes" in english.json["message"]

    case = _case(db, number)
    assert case.state == "awaiting_approval"
    assert [r.status for r in db.session.scalars(sa.select(Reply).where(Reply.case_id == case.id))] == ["draft"]
    assert _reply_mails(smtp) == []
    assert _events(db, number) == events

    # What awaits a decision is listed for those who may take it, not for its author: the queue and the home agree.
    assert number not in chief.get("/staff/?queue=approval").text and number not in chief.get("/staff/").text
    second = staff_client(app, "roads.second@example.tw")
    assert number in second.get("/staff/?queue=approval").text and number in second.get("/staff/").text

    # Another supervisor of the unit approves.
    assert act(second, number, "approve-reply").status_code == 303
    assert _case(db, number).state == "closed"
    assert "本處已完成路面修補" in smtp.text(smtp.last_to("citizen@example.tw"))


def test_the_deputy_of_the_supervisor_approves(app, db, smtp):
    from core.accounts.services import find_staff

    make_agency(db)
    chief = find_staff("roads.chief@example.tw")
    chief.deputy_id = find_staff("roads.deputy@example.tw").id
    db.session.commit()
    number = _drafted_by_the_chief(app, db)
    page = staff_client(app, "roads.chief@example.tw").get(f"/staff/cases/{number}").text
    assert "roads.deputy" in page  # named as who may approve
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(handler, number, "approve-reply").status_code == 403  # a handler who is nobody's deputy
    deputy = staff_client(app, "roads.deputy@example.tw")
    assert f"/staff/cases/{number}/approve-reply" in deputy.get(f"/staff/cases/{number}").text
    assert act(deputy, number, "approve-reply").status_code == 303
    closed = _case(db, number)
    assert closed.state == "closed" and closed.replies[0].decided_by.email == "roads.deputy@example.tw"


def test_the_parent_units_supervisor_approves(app, db, smtp):
    from core.accounts.services import create_unit, find_unit

    make_agency(db)
    works = create_unit("WORKS", "工務局")
    find_unit("ROADS").parent_id = works.id
    _staff("works.chief@example.tw", "局長陳", "WORKS", ["supervisor"])
    db.session.commit()
    number = _drafted_by_the_chief(app, db)
    assert "局長陳" in staff_client(app, "roads.chief@example.tw").get(f"/staff/cases/{number}").text
    parent = staff_client(app, "works.chief@example.tw")
    assert number in parent.get("/staff/?queue=all").text  # the sub-unit's cases are in sight
    assert act(parent, number, "approve-reply").status_code == 303
    assert _case(db, number).state == "closed"
    # A supervisor of an unrelated unit still sees nothing.
    assert staff_client(app, "parks.chief@example.tw").get(f"/staff/cases/{number}").status_code == 404


def test_an_extension_requested_by_a_supervisor_is_approved_by_someone_else(app, db, smtp):
    from core.accounts.services import create_unit, find_unit

    make_agency(db)
    works = create_unit("WORKS", "工務局")
    find_unit("ROADS").parent_id = works.id
    _staff("works.chief@example.tw", "局長陳", "WORKS", ["supervisor"])
    db.session.commit()
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    due = _case(db, number).due_on
    assert act(chief, number, "request-extension", days="5", reason="需會同管線單位會勘").status_code == 303
    page = chief.get(f"/staff/cases/{number}").text
    assert "本展期由您申請" in page and "局長陳" in page
    refused = act(chief, number, "approve-extension")
    assert refused.status_code == 403 and "四眼原則" in html.unescape(refused.text)
    case = _case(db, number)
    assert case.due_on == due and case.extensions[0].status == "requested"
    assert act(staff_client(app, "works.chief@example.tw"), number, "approve-extension").status_code == 303
    assert _case(db, number).due_on > due


def test_a_one_person_unit_may_approve_its_own_reply_when_the_setting_relaxes_the_rule(app, db, smtp):
    from core.accounts.services import create_unit
    from core.settings import set_setting

    make_agency(db)
    create_unit("SOLO", "里民服務站")
    _staff("solo.chief@example.tw", "主任王", "SOLO", ["supervisor"])
    db.session.commit()
    number = _drafted_by_the_chief(app, db, unit="SOLO", chief="solo.chief@example.tw")
    solo = staff_client(app, "solo.chief@example.tw")
    assert "請系統管理員指定代理人" in solo.get(f"/staff/cases/{number}").text
    refused = act(solo, number, "approve-reply")
    assert refused.status_code == 403 and "沒有其他可核准者" in html.unescape(refused.text)
    assert _case(db, number).state == "awaiting_approval"

    set_setting("four_eyes_relaxed_for_one_person_units", True)
    db.session.commit()
    page = solo.get(f"/staff/cases/{number}").text
    assert "您可自行核准" in page and f"/staff/cases/{number}/approve-reply" in page
    assert act(solo, number, "approve-reply").status_code == 303
    assert _case(db, number).state == "closed"
    assert _events(db, number)[-2:] == ["approve_reply", "four_eyes_relaxed"]
    timeline = solo.get(f"/staff/cases/{number}").text
    assert "放寬" in timeline and "four_eyes_relaxed" not in timeline
    assert "本處已完成路面修補" in smtp.text(smtp.last_to("citizen@example.tw"))


def test_the_relaxation_does_not_apply_where_someone_else_may_approve(app, db, smtp):
    from core.settings import set_setting

    make_agency(db)
    _staff("roads.second@example.tw", "副處長林", "ROADS", ["supervisor"])
    set_setting("four_eyes_relaxed_for_one_person_units", True)
    db.session.commit()
    number = _drafted_by_the_chief(app, db)
    assert act(staff_client(app, "roads.chief@example.tw"), number, "approve-reply").status_code == 403
    assert "four_eyes_relaxed" not in _events(db, number)


def test_a_returned_reply_is_edited_and_every_version_is_kept_and_shown(app, db, smtp):
    from cases.models import Reply, ReplyVersion

    make_agency(db)
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    first = "本處已派員勘查，將儘速修復。"
    second = "本處已派員勘查，將於12月30日前修復完成。"
    assert act(handler, number, "draft-reply", body=first, outcome="explained").status_code == 303
    assert act(chief, number, "return-reply", reason="請寫明完工日期").status_code == 303
    smtp.clear()

    # The form holds the returned text, to be edited rather than typed again.
    page = handler.get(f"/staff/cases/{number}").text
    assert "修改退回的答覆" in page and "請寫明完工日期" in page
    body = re.search(r'<textarea id="body" name="body"[^>]*>([^<]*)</textarea>', page).group(1)
    assert html.unescape(body) == first
    assert re.search(r'<option value="explained" selected>', page)
    assert act(handler, number, "draft-reply", body=second, outcome="met").status_code == 303

    case = _case(db, number)
    [reply] = db.session.scalars(sa.select(Reply).where(Reply.case_id == case.id)).all()
    versions = db.session.scalars(sa.select(ReplyVersion).where(ReplyVersion.reply_id == reply.id)
                                  .order_by(ReplyVersion.number)).all()
    assert [(v.number, v.body, v.outcome, v.return_reason) for v in versions] == [
        (1, first, "explained", ""), (2, second, "met", "請寫明完工日期")]
    assert {v.edited_by.email for v in versions} == {"roads.handler@example.tw"}
    assert reply.status == "draft" and reply.body == second

    assert act(chief, number, "approve-reply").status_code == 303
    mail = smtp.text(smtp.last_to("citizen@example.tw"))
    assert second in mail and first not in mail  # the approved letter is the last version

    page = html.unescape(chief.get(f"/staff/cases/{number}").text)
    assert "答覆版本（2）" in page and "第 1 版" in page and "第 2 版" in page
    assert first in page and second in page and "退回後修改，退回理由：請寫明完工日期" in page
    assert page.count("roads.handler") >= 2  # who wrote each version
    assert "<del>" in page and "<ins>" in page  # what changed, without JavaScript
    assert len(re.findall(r'<time datetime="[^"]+">', page)) >= 2


def test_whoever_edited_a_returned_reply_does_not_approve_it(app, db, smtp):
    """The supervisor who returned a reply and then rewrote it himself is one of its authors."""
    make_agency(db)
    _staff("roads.second@example.tw", "副處長林", "ROADS", ["supervisor"])
    db.session.commit()
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    act(staff_client(app, "roads.handler@example.tw"), number, "draft-reply", body="初稿。")
    act(chief, number, "return-reply", reason="我來改")
    assert act(chief, number, "draft-reply", body="主管改寫後的答覆。").status_code == 303
    assert act(chief, number, "approve-reply").status_code == 403
    assert act(staff_client(app, "roads.second@example.tw"), number, "approve-reply").status_code == 303


def _awaiting_my_decision(client) -> tuple[str, str]:  # noqa: ANN001
    """The home's list of what awaits my decision, and the approval queue."""
    home = client.get("/staff/").text
    caption = "待我核定的答覆與展期"
    listed = home.split(caption, 1)[1].split("</table>", 1)[0] if caption in home else ""
    return listed, client.get("/staff/?queue=approval").text


def test_a_deputy_from_another_unit_sees_what_awaits_their_decision_on_home_and_queue(app, db, smtp):
    """The supervisor is away; their deputy works in another unit and is a handler there. The reply the unit's
    handler drafted and the extension the supervisor requested reach the deputy's home and approval queue (and
    no one else's outside the unit); the deputy decides from there. After the time away only the extension the
    supervisor requested stays the deputy's."""
    from core.accounts.services import find_staff
    from core.clock import today

    make_agency(db)
    chief = find_staff("roads.chief@example.tw")
    chief.deputy_id = find_staff("parks.handler@example.tw").id
    chief.away_from = chief.away_until = today()
    db.session.commit()
    intake = staff_client(app, "intake@example.tw")
    reply_case, extension_case = register_case(db).number, register_case(db, subject="路燈不亮").number
    roads = staff_client(app, "roads.chief@example.tw")
    for number in (reply_case, extension_case):
        act(intake, number, "route", unit="ROADS")
        act(roads, number, "assign", handler="roads.handler@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(handler, reply_case, "draft-reply", body="本處已完成路面修補。", outcome="met").status_code == 303
    assert act(roads, extension_case, "request-extension", days="5", reason="需會同管線單位會勘").status_code == 303

    deputy = staff_client(app, "parks.handler@example.tw")
    home, queue = _awaiting_my_decision(deputy)
    assert reply_case in home and extension_case in home
    assert reply_case in queue and extension_case in queue
    # Nobody else outside the unit; the unit's handler who drafted it neither.
    for other in ("parks.chief@example.tw", "roads.handler@example.tw"):
        home, queue = _awaiting_my_decision(staff_client(app, other))
        assert reply_case not in home + queue and extension_case not in home + queue, other
    # The chief's own queue keeps the handler's reply but not the extension they requested themselves.
    home, queue = _awaiting_my_decision(roads)
    assert reply_case in home and extension_case not in home and reply_case in queue and extension_case not in queue

    assert act(deputy, reply_case, "approve-reply").status_code == 303
    assert _case(db, reply_case).state == "closed"
    home, queue = _awaiting_my_decision(deputy)
    assert reply_case not in home and reply_case not in queue and extension_case in queue

    # Back from time away: the chief's extension is still the deputy's to decide (the chief wrote it).
    chief = find_staff("roads.chief@example.tw")
    chief.away_from = chief.away_until = None
    db.session.commit()
    home, queue = _awaiting_my_decision(deputy)
    assert extension_case in home and extension_case in queue
    assert act(deputy, extension_case, "approve-extension").status_code == 303


def test_the_parent_units_supervisor_sees_the_sub_units_pending_decisions(app, db, smtp):
    from core.accounts.services import create_unit, find_unit

    make_agency(db)
    works = create_unit("WORKS", "工務局")
    find_unit("ROADS").parent_id = works.id
    _staff("works.chief@example.tw", "局長陳", "WORKS", ["supervisor"])
    db.session.commit()
    number = _drafted_by_the_chief(app, db)
    parent = staff_client(app, "works.chief@example.tw")
    home, queue = _awaiting_my_decision(parent)
    assert number in home and number in queue
    home, queue = _awaiting_my_decision(staff_client(app, "roads.chief@example.tw"))  # who drafted it
    assert number not in home and number not in queue
    assert act(parent, number, "approve-reply").status_code == 303

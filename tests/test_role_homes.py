"""Each role's home on /staff/ (issue 12): what needs doing today with counts that match the lists they open,
sorting and filters in the URL, bulk route and bulk assign (a stale case refused by number, the others done),
and the secretariat's chase (催辦) mailing the unit's supervisor and recorded on the timeline."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from tests.support import act, csrf_token, make_agency, register_case, staff_client


def _staff(email: str):  # noqa: ANN202
    from core.accounts.services import find_staff

    return find_staff(email)


def _long_ago(days: int) -> datetime:
    from core.clock import TAIPEI

    now = datetime.now(TAIPEI)
    return now.replace(hour=10, minute=0) - timedelta(days=days)


def _case(app, db, *, unit: str | None = None, handler: str | None = None, days_ago: int = 0,  # noqa: ANN001
          limit_class: str | None = None, subject: str = "人行道破損"):
    from cases import services

    with app.test_request_context("/"):
        case = register_case(db, subject=subject, received_at=_long_ago(days_ago) if days_ago else None)
        if limit_class:
            services.classify(case, _staff("intake@example.tw"), limit_class=limit_class)
        if unit:
            services.route(case, _staff("intake@example.tw"), unit_code=unit)
        if handler:
            services.assign(case, _staff(f"{unit.lower()}.chief@example.tw"), handler_email=handler)
        db.session.commit()
        return SimpleNamespace(id=case.id, number=case.number, routing_due_on=case.routing_due_on)


def _section(page: str, role: str) -> str:
    """The text of one role's section of the home."""
    start = page.index(f'<section class="home-role" aria-labelledby="home-{role}">')
    return page[start:page.index("</section>", start)]


def _table(text: str, caption: str) -> list[str]:
    """The case numbers of the home table whose caption starts with `caption`, in order."""
    start = text.index(f"{caption}")
    end = text.index("</table>", start)
    return re.findall(r'<th scope="row"><a href="/staff/cases/(\d+)">', text[start:end])


def _queue_rows(client, link: str) -> list[str]:  # noqa: ANN001
    page = client.get(html.unescape(link)).text
    return re.findall(r'<td><a href="/staff/cases/(\d+)">', page)


def _count_and_link(text: str, label: str) -> tuple[int, str]:
    match = re.search(r'<a href="([^"]+)">' + re.escape(label) + r"(\d+)</a>", text)
    assert match, f"no count {label!r} in {text[:2000]}"
    return int(match.group(2)), match.group(1)


def test_the_intake_home_lists_new_cases_by_routing_date_and_returned_ones_with_the_reason(app, db):
    make_agency(db)
    old = _case(app, db, days_ago=7)   # its routing date has passed
    new = _case(app, db)
    returned = _case(app, db, unit="ROADS")
    act(staff_client(app, "roads.chief@example.tw"), returned.number, "return-to-intake", reason="非本處業務")
    intake = staff_client(app, "intake@example.tw")
    page = intake.get("/staff/").text
    section = _section(page, "intake")

    listed = _table(section, "新進待分文案件")
    assert listed[0] == old.number and set(listed) == {old.number, new.number, returned.number}
    count, link = _count_and_link(section, "待分文：")
    assert count == 3 and sorted(_queue_rows(intake, link)) == sorted(listed)
    assert "分文逾期" in section  # the old case's routing date is marked
    assert old.routing_due_on.isoformat() in section
    back = section[section.index("退回收文案件"):]
    assert _table(back, "退回收文案件") == [returned.number] and "非本處業務" in back
    assert "退回收文：1" in section


def test_the_supervisor_home_shows_the_units_unassigned_overdue_due_soon_and_awaiting_cases(app, db):
    make_agency(db)
    unassigned = _case(app, db, unit="ROADS")
    overdue = _case(app, db, unit="ROADS", handler="roads.deputy@example.tw", days_ago=70)  # not "mine"
    soon = _case(app, db, unit="ROADS", handler="roads.handler@example.tw", limit_class="most-urgent")
    other_unit = _case(app, db, unit="PARKS", days_ago=70, handler="parks.handler@example.tw")
    chief = staff_client(app, "roads.chief@example.tw")
    act(staff_client(app, "roads.handler@example.tw"), soon.number, "request-extension", days="2", reason="會勘")
    section = _section(chief.get("/staff/").text, "supervisor")

    assert _table(section, "尚未分派") == [unassigned.number]
    assert _table(section, "本單位逾期案件") == [overdue.number]
    assert _table(section, "本單位即將到期案件") == [soon.number]
    assert _table(section, "待我核定的答覆與展期") == [soon.number]
    assert other_unit.number not in section
    for label, expected in (("待分派：", 1), ("逾期：", 1), ("即將到期：", 1), ("待我核定：", 1)):
        count, link = _count_and_link(section, label)
        assert count == expected and len(_queue_rows(chief, link)) == expected, label


def test_the_handler_home_sorts_my_cases_by_due_date_with_the_working_days_left(app, db):
    make_agency(db)
    later = _case(app, db, unit="ROADS", handler="roads.handler@example.tw")
    late = _case(app, db, unit="ROADS", handler="roads.handler@example.tw", days_ago=70)
    soon = _case(app, db, unit="ROADS", handler="roads.handler@example.tw", limit_class="most-urgent")
    _case(app, db, unit="ROADS", handler="roads.deputy@example.tw")  # a colleague's
    handler = staff_client(app, "roads.handler@example.tw")
    section = _section(handler.get("/staff/").text, "handler")
    assert _table(section, "我的案件（依期限）") == [late.number, soon.number, later.number]
    assert re.search(r"逾期 \d+ 日", section)
    soon_row = section[section.index(soon.number):]
    # Working days left: those after today up to the due date, on the official calendar (1 on a weekday; more
    # when today is a day off, as on the Saturday clock that opens the Lunar New Year holidays).
    from cases.deadlines import load_calendar
    from core.clock import today

    with app.app_context():
        calendar, day = load_calendar(), today()
    from cases.models import Case

    due_on = db.session.scalar(sa.select(Case.due_on).where(Case.number == soon.number))
    left = sum(calendar.is_working_day(day + timedelta(days=n)) for n in range(1, (due_on - day).days + 1))
    assert left >= 1 and re.search(rf"<td>{left}</td>", soon_row[:soon_row.index("</tr>")]), left
    count, link = _count_and_link(section, "我的未結案件：")
    assert count == 3 and len(_queue_rows(handler, link)) == 3


def test_the_secretariat_home_counts_per_unit_and_lists_the_oldest_overdue_first(app, db):
    make_agency(db)
    oldest = _case(app, db, unit="ROADS", handler="roads.handler@example.tw", days_ago=90)
    older = _case(app, db, unit="PARKS", handler="parks.handler@example.tw", days_ago=70)
    _case(app, db, unit="ROADS", limit_class="most-urgent")  # due soon
    unrouted = _case(app, db, days_ago=7)
    secretariat = staff_client(app, "secretariat@example.tw")
    section = _section(secretariat.get("/staff/").text, "secretariat")

    assert _table(section, "逾期案件（最久者在前）") == [oldest.number, older.number]
    assert _table(section, "逾分文期限未分文") == [unrouted.number]
    roads = re.search(r'<th scope="row">養護工程處</th>\s*<td><a href="([^"]+)"[^>]*>(\d+)</a></td>\s*'
                      r'<td><a href="([^"]+)">(\d+)</a></td>', section)
    assert roads and (roads.group(2), roads.group(4)) == ("1", "1")
    assert _queue_rows(secretariat, roads.group(1)) == [oldest.number]
    assert len(_queue_rows(secretariat, roads.group(3))) == 1
    count, link = _count_and_link(section, "逾期：")
    assert count == 2 and sorted(_queue_rows(secretariat, link)) == sorted([oldest.number, older.number])
    count, _link = _count_and_link(section, "分文逾期：")
    assert count == 1


def test_sorting_and_filters_stay_in_the_url(app, db):
    make_agency(db)
    first = _case(app, db, unit="ROADS", handler="roads.handler@example.tw", days_ago=90)
    second = _case(app, db, unit="PARKS", handler="parks.handler@example.tw", days_ago=80)
    secretariat = staff_client(app, "secretariat@example.tw")
    by_unit = _section(secretariat.get("/staff/?sort=unit").text, "secretariat")
    assert _table(by_unit, "逾期案件") == [second.number, first.number]  # 公園處 before 養護工程處
    by_received = _section(secretariat.get("/staff/?sort=received").text, "secretariat")
    assert _table(by_received, "逾期案件") == [first.number, second.number]
    only_roads = secretariat.get("/staff/?sort=received&unit=ROADS").text
    assert _table(_section(only_roads, "secretariat"), "逾期案件") == [first.number]
    assert 'href="/staff/?sort=due&amp;unit=ROADS"' in only_roads  # the sort links keep the filter
    assert 'name="home_unit" value="ROADS"' in only_roads           # and the forms send it back


def _selection(page: str) -> list[str]:
    return re.findall(r'name="case" value="(\d+:\d+)"', page)


def test_bulk_assignment_of_20_cases_refuses_the_stale_one_by_number_and_does_the_other_19(app, db):
    from cases.models import Case, CaseEvent

    make_agency(db)
    cases = [_case(app, db, unit="ROADS", subject=f"路燈不亮 {i}") for i in range(20)]
    chief = staff_client(app, "roads.chief@example.tw")
    page = chief.get("/staff/").text
    chosen = _selection(_section(page, "supervisor"))
    assert len(chosen) == 20
    stale = cases[7]
    # Another request changes that case first: intake links it to an earlier case (its version moves).
    answer = act(staff_client(app, "intake@example.tw"), stale.number, "link", to=cases[0].number)
    assert answer.status_code == 303, answer.text

    answer = chief.post("/staff/bulk/assign", data={"csrf_token": csrf_token(page), "case": chosen,
                                                    "handler": "roads.handler@example.tw"},
                        follow_redirects=True)
    assert answer.status_code == 200
    assert f"案件 {stale.number} 未變更" in answer.text
    db.session.expire_all()
    states = dict(db.session.execute(sa.select(Case.number, Case.state).where(
        Case.id.in_([c.id for c in cases]))).all())
    assert states.pop(stale.number) == "routed"
    assert set(states.values()) == {"in_progress"} and len(states) == 19
    events = db.session.execute(sa.select(CaseEvent.case_id, sa.func.count()).where(
        CaseEvent.action == "assign").group_by(CaseEvent.case_id)).all()
    assert len(events) == 19 and all(n == 1 for _case_id, n in events)
    assert stale.id not in {case_id for case_id, _n in events}


def test_bulk_route_routes_each_selected_case_with_its_own_event(app, db):
    from cases.models import Case, CaseEvent

    make_agency(db)
    cases = [_case(app, db) for _ in range(3)]
    intake = staff_client(app, "intake@example.tw")
    page = intake.get("/staff/").text
    chosen = _selection(_section(page, "intake"))[:2]
    answer = intake.post("/staff/bulk/route", data={"csrf_token": csrf_token(page), "case": chosen,
                                                    "unit": "PARKS"})
    assert answer.status_code == 303
    db.session.expire_all()
    routed = db.session.scalars(sa.select(Case.id).where(Case.state == "routed")).all()
    assert len(routed) == 2 and set(routed) == {int(v.split(":")[0]) for v in chosen}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
        CaseEvent.action == "route")) == 2
    assert len(cases) == 3
    # A supervisor cannot route in bulk.
    chief = staff_client(app, "roads.chief@example.tw")
    assert chief.post("/staff/bulk/route", data={"csrf_token": csrf_token(chief.get("/staff/").text),
                                                 "case": chosen, "unit": "ROADS"}).status_code == 403


def test_the_chase_mails_the_units_supervisor_once_and_is_on_the_timeline(app, db, smtp):
    from cases.models import CaseEvent

    make_agency(db)
    late = _case(app, db, unit="ROADS", handler="roads.handler@example.tw", days_ago=70)
    secretariat = staff_client(app, "secretariat@example.tw")
    page = secretariat.get("/staff/").text
    assert f'form="chase-{late.id}"' in page
    smtp.clear()
    answer = secretariat.post("/staff/chase", data={"csrf_token": csrf_token(page), "case": str(late.id)},
                              follow_redirects=True)
    assert answer.status_code == 200 and "已催辦" in answer.text
    mails = smtp.to("roads.chief@example.tw")
    assert len(mails) == 1 and late.number in smtp.subject(mails[0]) and "催辦" in smtp.subject(mails[0])
    assert smtp.to("parks.chief@example.tw") == [] and smtp.to("roads.handler@example.tw") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == late.id, CaseEvent.action == "chased")) == 1
    timeline = staff_client(app, "roads.chief@example.tw").get(f"/staff/cases/{late.number}").text
    assert "秘書室催辦" in timeline and "chased" not in timeline
    # Only the secretariat (and administrators) chase.
    handler = staff_client(app, "roads.handler@example.tw")
    assert handler.post("/staff/chase", data={"csrf_token": csrf_token(handler.get("/staff/").text),
                                              "case": str(late.id)}).status_code == 403


def test_the_ethics_home_shows_integrity_cases_referrals_and_identity_requests(app, db):
    from cases.models import EthicsReferral, IdentityReveal

    make_agency(db)
    case = _case(app, db, unit="ROADS", handler="roads.handler@example.tw")
    handler = _staff("roads.handler@example.tw")
    db.session.add(EthicsReferral(case_id=case.id, reason="疑似收賄", referred_by_id=handler.id))
    db.session.add(IdentityReveal(case_id=case.id, requested_by_id=_staff("roads.chief@example.tw").id, reason="r"))
    db.session.commit()
    integrity = _case(app, db, unit="ETHICS")
    section = _section(staff_client(app, "ethics@example.tw").get("/staff/").text, "ethics")
    assert "待受理移請：1" in section and "待決定身分調閱：1" in section
    assert _table(section, "廉政案件") == [integrity.number]


def test_a_person_with_several_roles_gets_a_section_per_role(app, db):
    from core.accounts.services import create_staff
    from tests.support import PASSWORD

    make_agency(db)
    create_staff("both@example.tw", "兼任", "ROADS", ["supervisor", "handler"], PASSWORD)
    db.session.commit()
    page = staff_client(app, "both@example.tw").get("/staff/").text
    assert 'aria-labelledby="home-supervisor"' in page and 'aria-labelledby="home-handler"' in page
    assert 'aria-labelledby="home-intake"' not in page


def test_statistics_count_the_cases_still_waiting_for_intake_past_their_routing_date(app, db):
    """The routing milestone (I5) in the statistics: transfers and "not handled" were already counted against it
    (tests/test_due_dates.py); a case not yet routed after its routing date is counted too, by month of receipt."""
    from core.clock import today

    make_agency(db)
    late = _case(app, db, days_ago=7)
    _case(app, db)  # received today: its routing date has not passed
    _case(app, db, unit="ROADS", days_ago=7)  # routed: not waiting
    secretariat = staff_client(app, "secretariat@example.tw")
    day = today()
    text = secretariat.get(f"/staff/statistics.csv?from={day.replace(day=1) - timedelta(days=40)}&to={day}").text
    header, *rows = [line.split(",") for line in text.lstrip("\ufeff").strip().splitlines()]
    assert "逾分文期限尚未分文" in header
    total = sum(int(dict(zip(header, r, strict=True))["逾分文期限尚未分文"]) for r in rows)
    assert total == 1 and late.routing_due_on < day
    assert "逾分文期限尚未分文" in secretariat.get("/staff/statistics").text


def test_the_home_leads_to_the_reply_templates_and_the_faq_for_whoever_may_keep_them(app, db):
    """Issue 14's staff pages are reached from the home, by the people the policy lets in, in their language."""
    from core.policy import can
    from tests.support import AGENCY_STAFF

    make_agency(db)
    links = {"/staff/reply-templates": ("manage_reply_templates", "答覆範本（常見問答集）", "Reply templates"),
             "/staff/faq": ("manage_faq", "業務問與答管理", "FAQ entries")}
    shown: dict[str, set[str]] = {path: set() for path in links}
    for email in AGENCY_STAFF:
        client = staff_client(app, email)
        home = client.get("/staff/").text
        for path, (action, chinese, _english) in links.items():
            offered = f'href="{path}"' in home
            assert offered == can(_staff(email), action), (email, path)
            if offered:
                shown[path].add(email)
                assert f'<a href="{path}">{chinese}</a>' in home, (email, path)
            # The link is there exactly when the page opens.
            assert client.get(path).status_code == (200 if offered else 403), (email, path)
    assert shown["/staff/faq"] == {"secretariat@example.tw"}
    assert shown["/staff/reply-templates"] == {"secretariat@example.tw", "roads.chief@example.tw",
                                               "parks.chief@example.tw"}
    secretariat = staff_client(app, "secretariat@example.tw")
    secretariat.get("/language/en")
    home = secretariat.get("/staff/").text
    for path, (_action, _chinese, english) in links.items():
        assert f'<a href="{path}">{english}</a>' in home

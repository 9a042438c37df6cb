"""Administration on the web (issue 12, part 9): units, staff, settings, time-limit classes, the office calendar
and questionnaire versions, each change in the audit log with its old and new value; refusals write nothing."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from core.clock import TAIPEI
from tests.support import PASSWORD, csrf_token, login, make_agency, path_of, register_case, staff_client, table_count

ADMIN_PAGES = ["/staff/admin/", "/staff/admin/audit", "/staff/admin/units", "/staff/admin/staff/new",
               "/staff/admin/settings", "/staff/admin/time-limits", "/staff/admin/calendar",
               "/staff/admin/questionnaires"]


def post(client, page: str, data: dict, url: str | None = None):  # noqa: ANN001, ANN201
    """Open `page`, send its form (to `url`, or back to the page) with the page's CSRF token."""
    answer = client.get(page)
    assert answer.status_code == 200, answer.status_code
    return client.post(url or page, data={"csrf_token": csrf_token(answer.text), **data})


def audit_rows(db, entity: str | None = None) -> list:  # noqa: ANN001
    from core.audit import AuditEntry

    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    db.session.expire_all()
    return list(db.session.scalars(query))


@pytest.fixture
def admin(app, db):  # noqa: ANN001
    make_agency(db)
    return staff_client(app, "admin@example.tw")


def test_only_administrators_open_the_pages_and_see_the_link(app, db, admin):
    handler = staff_client(app, "roads.handler@example.tw")
    for page in ADMIN_PAGES:
        assert admin.get(page).status_code == 200, page
        assert handler.get(page).status_code == 403, page
        assert app.test_client().get(page).status_code == 302, page  # to the login page
    assert "/staff/admin/" in admin.get("/staff/").text
    assert "/staff/admin/" not in handler.get("/staff/").text
    index = admin.get("/staff/admin/").text
    for page in ADMIN_PAGES[1:]:
        if page != "/staff/admin/staff/new":
            assert page in index, page
    # A non-administrator's post changes nothing.
    answer = handler.post("/staff/admin/units", data={"csrf_token": csrf_token(handler.get("/staff/").text),
                                                      "code": "X", "name": "X"})
    assert answer.status_code == 403 and audit_rows(db) == []


def test_units_tree_rename_move_cycle_and_deactivation(app, db, admin):
    from core.accounts.models import Unit
    from core.accounts.services import find_unit

    answer = post(admin, "/staff/admin/units", {"code": "works", "name": "工務局", "parent": ""})
    assert answer.status_code == 303, answer.text
    works = find_unit("WORKS")
    answer = post(admin, "/staff/admin/units", {"code": "BRIDGES", "name": "橋梁科", "parent": str(works.id)})
    assert answer.status_code == 303
    bridges = find_unit("BRIDGES")
    assert bridges.parent_id == works.id
    tree = admin.get("/staff/admin/units").text.split("<table", 1)[1]
    assert tree.index("工務局") < tree.index("橋梁科")  # the child under its parent
    entries = audit_rows(db, "unit")
    assert [(e.action, e.new_value["code"]) for e in entries] == [("create", "WORKS"), ("create", "BRIDGES")]
    assert entries[0].actor.email == "admin@example.tw"

    # Rename and move under another parent: one entry with the old and the new values.
    roads = find_unit("ROADS")
    answer = post(admin, f"/staff/admin/units/{bridges.id}", {"name": "橋梁工程科", "parent": str(roads.id)})
    assert answer.status_code == 303
    change = audit_rows(db, "unit")[-1]
    assert change.action == "update" and change.entity_id == str(bridges.id)
    assert change.old_value == {"name": "橋梁科", "parent": "WORKS"}
    assert change.new_value == {"name": "橋梁工程科", "parent": "ROADS"}

    # A cycle: ROADS under its own sub-unit BRIDGES is refused, and nothing is written.
    count = len(audit_rows(db))
    refused = post(admin, f"/staff/admin/units/{roads.id}", {"name": "養護工程處", "parent": str(bridges.id)})
    assert refused.status_code == 400
    assert "不能放在自己或自己的下級單位之下" in refused.text
    assert re.search(r'aria-describedby="[^"]*parent-error"', refused.text)  # the message tied to its field
    db.session.expire_all()
    assert db.session.get(Unit, roads.id).parent_id is None and len(audit_rows(db)) == count

    # Bad input: 400 with the message, no unit, no entry.
    bad = post(admin, "/staff/admin/units", {"code": "a b", "name": "", "parent": ""})
    assert bad.status_code == 400 and "請輸入名稱" in bad.text
    bad = post(admin, "/staff/admin/units", {"code": "WORKS", "name": "重複", "parent": ""})
    assert bad.status_code == 400 and "已有代碼為 WORKS 的單位" in bad.text
    assert table_count(db, Unit) == 6 and len(audit_rows(db)) == count

    # Deactivation is refused while the unit has active staff (ROADS), sub-units, or open cases.
    refused = post(admin, "/staff/admin/units", {}, url=f"/staff/admin/units/{roads.id}/deactivate")
    assert refused.status_code == 409
    assert "仍有 3 位在職人員" in refused.text
    assert db.session.get(Unit, roads.id).active is True and len(audit_rows(db)) == count
    parks_case = register_case(db)
    act_route(app, parks_case.number, "PARKS")
    for email in ("parks.chief@example.tw", "parks.handler@example.tw"):
        db.session.execute(sa.text("UPDATE staff SET active = :f WHERE email = :e"), {"f": False, "e": email})
    db.session.commit()
    parks = find_unit("PARKS")
    refused = post(admin, "/staff/admin/units", {}, url=f"/staff/admin/units/{parks.id}/deactivate")
    assert refused.status_code == 409 and "仍有 1 件未結案件" in refused.text
    # A unit with nothing left in it is deactivated, and the entry says so.
    answer = post(admin, "/staff/admin/units", {}, url=f"/staff/admin/units/{works.id}/deactivate")
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(Unit, works.id).active is False
    last = audit_rows(db, "unit")[-1]
    assert last.action == "deactivate" and last.old_value["active"] is True and last.new_value["active"] is False


def act_route(app, number: str, unit: str) -> None:  # noqa: ANN001
    from tests.support import act

    assert act(staff_client(app, "intake@example.tw"), number, "route", unit=unit).status_code == 303


def test_staff_created_changed_and_reset_by_a_link_that_works_once(app, db, admin, smtp):
    from core.accounts.services import find_staff, find_unit

    parks = find_unit("PARKS")
    answer = post(admin, "/staff/admin/staff/new", {"email": "New.Colleague@example.tw", "name": "新同仁",
                                                    "unit": str(parks.id), "roles": ["handler"]})
    assert answer.status_code == 303, answer.text
    colleague = find_staff("new.colleague@example.tw")
    assert colleague.unit_id == parks.id and colleague.role_names == {"handler"}
    created = audit_rows(db, "staff")
    assert [e.action for e in created] == ["create", "password_reset_sent"]
    assert created[0].new_value["roles"] == ["handler"] and created[0].new_value["unit"] == "PARKS"

    # The mailed link (through the real SMTP server) sets the password once; the new password logs in.
    link = path_of(smtp.only_link_to("new.colleague@example.tw"))
    assert "設定" in smtp.subject(smtp.last_to("new.colleague@example.tw"))
    visitor = app.test_client()
    short = post(visitor, link, {"new_password": "short", "confirm": "short"})
    assert short.status_code == 400
    answer = post(visitor, link, {"new_password": "a-brand-new-password", "confirm": "a-brand-new-password"})
    assert answer.status_code == 303
    assert visitor.get(link).status_code == 410
    assert login(app.test_client(), "new.colleague@example.tw", "a-brand-new-password").status_code == 302

    # Change roles, unit and time away with a deputy: one entry with old and new values.
    roads, deputy = find_unit("ROADS"), find_staff("parks.handler@example.tw")
    page = f"/staff/admin/staff/{colleague.id}"
    answer = post(admin, page, {"name": "新同仁", "unit": str(roads.id), "roles": ["handler", "supervisor"],
                                "deputy": str(deputy.id), "away_from": "2026-01-05", "away_until": "2026-01-09"})
    assert answer.status_code == 303, answer.text
    change = audit_rows(db, "staff")[-1]
    assert change.action == "update"
    assert change.old_value == {"unit": "PARKS", "roles": ["handler"], "deputy": None, "away_from": None,
                                "away_until": None}
    assert change.new_value == {"unit": "ROADS", "roles": ["handler", "supervisor"],
                                "deputy": "parks.handler@example.tw", "away_from": "2026-01-05",
                                "away_until": "2026-01-09"}
    db.session.expire_all()
    colleague = find_staff("new.colleague@example.tw")
    assert colleague.is_away(date(2026, 1, 7)) and colleague.deputy_id == deputy.id

    # Bad input: 400, the message next to its field, nothing written.
    count = len(audit_rows(db))
    bad = post(admin, page, {"name": "新同仁", "unit": str(roads.id), "roles": ["handler"], "deputy": "",
                             "away_from": "2026-02-05", "away_until": "2026-02-01"})
    assert bad.status_code == 400 and "最後一天不能早於第一天" in bad.text
    assert 'id="away_until-error"' in bad.text
    bad = post(admin, page, {"name": "新同仁", "unit": str(roads.id), "roles": [], "deputy": ""})
    assert bad.status_code == 400 and "請至少選擇一個角色" in bad.text
    bad = post(admin, "/staff/admin/staff/new", {"email": "roads.chief@example.tw", "name": "重複",
                                                 "unit": str(roads.id), "roles": ["handler"]})
    assert bad.status_code == 400 and "已有使用此電子郵件地址的帳號" in bad.text
    assert len(audit_rows(db)) == count
    db.session.expire_all()
    assert find_staff("new.colleague@example.tw").role_names == {"handler", "supervisor"}

    # An administrator mails a reset link to an existing account: the old password stops at the new one.
    smtp.clear()
    chief = find_staff("roads.chief@example.tw")
    answer = post(admin, f"/staff/admin/staff/{chief.id}", {}, url=f"/staff/admin/staff/{chief.id}/reset-password")
    assert answer.status_code == 303
    link = path_of(smtp.only_link_to("roads.chief@example.tw"))
    assert audit_rows(db, "staff")[-1].action == "password_reset_sent"
    assert post(app.test_client(), link, {"new_password": "chief-new-password", "confirm": "chief-new-password"}
                ).status_code == 303
    assert login(app.test_client(), "roads.chief@example.tw", PASSWORD).status_code == 401
    assert login(app.test_client(), "roads.chief@example.tw", "chief-new-password").status_code == 302

    # Deactivation (the existing page) is audited too.
    answer = post(admin, "/staff/admin/staff", {}, url=f"/staff/admin/staff/{chief.id}/deactivate")
    assert answer.status_code == 303
    last = audit_rows(db, "staff")[-1]
    assert last.action == "deactivate" and last.new_value["active"] is False


def test_an_expired_reset_link_is_refused(app, db, admin, smtp, clock):
    from core.accounts.services import find_staff

    chief = find_staff("roads.chief@example.tw")
    post(admin, f"/staff/admin/staff/{chief.id}", {}, url=f"/staff/admin/staff/{chief.id}/reset-password")
    link = path_of(smtp.only_link_to("roads.chief@example.tw"))
    clock.shift(25 * 3600)  # password_reset_valid_hours is 24
    answer = app.test_client().get(link)
    assert answer.status_code == 410 and "已過期或已使用" in answer.text


def settings_form(app, **changes) -> dict:  # noqa: ANN001
    from core.settings import SPECS

    data = {}
    for key, spec in SPECS.items():
        if isinstance(spec.default, bool):
            if spec.default:
                data[key] = "y"
        elif isinstance(spec.default, dict):
            data.update({f"{key}.{sub}": value for sub, value in spec.default.items()})
        else:
            data[key] = str(spec.default)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_settings_saved_together_validated_and_audited(app, db, admin):
    from core.settings import Setting, get_setting

    page = admin.get("/staff/admin/settings").text
    assert "電子郵件驗證連結的有效天數" in page  # help text in the user's language
    assert 'type="checkbox" id="route_integrity_complaints_to_ethics"' in page
    assert 'type="number" id="survey_valid_days"' in page
    assert '<select id="default_limit_class-mailbox"' in page and 'value="most-urgent"' in page

    answer = post(admin, "/staff/admin/settings", settings_form(
        app, survey_valid_days="21", transfer_and_not_handled_notices=None,
        **{"default_limit_class.mailbox": "ordinary"}))
    assert answer.status_code == 303, answer.text
    db.session.expire_all()
    assert get_setting("survey_valid_days") == 21
    assert get_setting("transfer_and_not_handled_notices") is False
    assert get_setting("default_limit_class")["mailbox"] == "ordinary"
    entries = {e.entity_id: e for e in audit_rows(db, "setting")}
    assert set(entries) == {"survey_valid_days", "transfer_and_not_handled_notices", "default_limit_class"}
    assert entries["survey_valid_days"].old_value == {"value": 14}
    assert entries["survey_valid_days"].new_value == {"value": 21}
    assert entries["default_limit_class"].old_value["value"]["mailbox"] == "director-mailbox"

    # One wrong value: 400, its message next to its field, and nothing saved (not even the good values).
    rows_before, count = table_count(db, Setting), len(audit_rows(db))
    for bad, message in (({"survey_valid_days": "0"}, "請輸入 1 至 100000 之間的整數"),
                         ({"office_closes_at": "25:99"}, "請以 HH:MM 格式填寫時間"),
                         ({"default_limit_class.petition": "no-such-class"}, "請選擇一個使用中的時限類別"),
                         ({"attachment_max_count": "many"}, "請輸入整數")):
        answer = post(admin, "/staff/admin/settings", settings_form(app, survey_reminder_after_days="3", **bad))
        assert answer.status_code == 400, bad
        assert message in answer.text, bad
        field = next(iter(bad)).replace(".", "-")
        assert f'id="{field}-error"' in answer.text and f'{field}-error"' in answer.text
    db.session.expire_all()
    assert get_setting("survey_reminder_after_days") == 0
    assert table_count(db, Setting) == rows_before and len(audit_rows(db)) == count


@pytest.fixture
def restore_classes(db):  # noqa: ANN001
    from cases.models import TimeLimitClass

    saved = {row.code: (row.name_zh, row.name_en, row.days, row.counts_holidays, row.active)
             for row in db.session.scalars(sa.select(TimeLimitClass))}
    yield
    db.session.rollback()
    for row in db.session.scalars(sa.select(TimeLimitClass)).all():
        if row.code not in saved:
            db.session.delete(row)
        else:
            row.name_zh, row.name_en, row.days, row.counts_holidays, row.active = saved[row.code]
    db.session.commit()


def test_time_limit_classes_added_changed_and_cases_keep_their_snapshot(app, db, admin, restore_classes):
    from cases.models import Case, TimeLimitClass

    case = register_case(db, channel="mailbox", received_at=datetime(2026, 11, 16, 10, tzinfo=TAIPEI))
    assert (case.limit_class, case.limit_days) == ("director-mailbox", 6)
    page = admin.get("/staff/admin/time-limits").text
    assert "已登記的案件保留其分類時的期限" in page

    answer = post(admin, "/staff/admin/time-limits", {"code": "works", "name_zh": "工程急件", "name_en": "Works",
                                                      "days": "4"})
    assert answer.status_code == 303, answer.text
    assert db.session.get(TimeLimitClass, "works").days == 4
    answer = post(admin, "/staff/admin/time-limits/director-mailbox",
                  {"name_zh": "首長信箱", "name_en": "Director's mailbox", "days": "10", "counts_holidays": "y"})
    assert answer.status_code == 303
    entries = audit_rows(db, "time_limit_class")
    assert [(e.entity_id, e.action) for e in entries] == [("works", "create"), ("director-mailbox", "update")]
    assert entries[1].old_value == {"days": 6, "counts_holidays": False}
    assert entries[1].new_value == {"days": 10, "counts_holidays": True}
    db.session.expire_all()
    assert db.session.get(Case, case.id).limit_days == 6  # the registered case keeps its snapshot

    count = len(audit_rows(db))
    bad = post(admin, "/staff/admin/time-limits/works", {"name_zh": "工程急件", "name_en": "Works", "days": "0"})
    assert bad.status_code == 400 and "請輸入 1 到 365 之間的天數" in bad.text
    bad = post(admin, "/staff/admin/time-limits", {"code": "works", "name_zh": "重複", "name_en": "Dup", "days": "3"})
    assert bad.status_code == 400 and "已有代碼為 works 的類別" in bad.text
    # The class new petitions are given cannot be deactivated.
    refused = post(admin, "/staff/admin/time-limits", {}, url="/staff/admin/time-limits/petition/deactivate")
    assert refused.status_code == 409 and db.session.get(TimeLimitClass, "petition").active
    assert len(audit_rows(db)) == count
    answer = post(admin, "/staff/admin/time-limits", {}, url="/staff/admin/time-limits/works/deactivate")
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(TimeLimitClass, "works").active is False
    assert audit_rows(db, "time_limit_class")[-1].action == "deactivate"


def test_calendar_preview_lists_exactly_the_moved_cases_and_confirming_moves_them(app, db, admin):
    from cases.models import CalendarDay, Case, CaseEvent

    received = datetime(2026, 11, 16, 10, tzinfo=TAIPEI)  # Monday: a 6-working-day case is due Tue 2026-11-24
    moved_one = register_case(db, channel="mailbox", received_at=received)
    moved_two = register_case(db, channel="petition", received_at=received, email="b@example.tw")
    later = register_case(db, channel="mailbox", received_at=datetime(2026, 11, 20, 10, tzinfo=TAIPEI),
                          email="c@example.tw")
    closed = register_case(db, channel="mailbox", received_at=received, email="d@example.tw")
    db.session.execute(sa.update(Case).where(Case.id == closed.id).values(state="closed"))
    db.session.commit()
    before = {c.number: c.due_on for c in (moved_one, moved_two, later, closed)}
    events = table_count(db, CaseEvent)

    change = {"op": "add", "day": "2026-11-19", "kind": "closed", "reason": "颱風停止上班"}
    preview = post(admin, "/staff/admin/calendar", change, url="/staff/admin/calendar/preview")
    assert preview.status_code == 200, preview.text
    listed = dict((n, (date.fromisoformat(a), date.fromisoformat(b))) for n, a, b in re.findall(
        r'<th scope="row"><a [^>]*>(\d+)</a></th><td>([\d-]+)</td><td>([\d-]+)</td>', preview.text))
    assert set(listed) == {moved_one.number, moved_two.number}
    # Nothing written by the preview: no override, no moved date, no timeline event, no audit entry.
    db.session.expire_all()
    assert table_count(db, CalendarDay) == 0 and table_count(db, CaseEvent) == events and audit_rows(db) == []
    assert {c.number: c.due_on for c in db.session.scalars(sa.select(Case))} == before

    answer = post(admin, "/staff/admin/calendar", change, url="/staff/admin/calendar/apply")
    assert answer.status_code == 303
    db.session.expire_all()
    after = {c.number: c.due_on for c in db.session.scalars(sa.select(Case))}
    assert {n: (before[n], after[n]) for n in after if after[n] != before[n]} == listed
    assert listed[moved_one.number] == (date(2026, 11, 24), date(2026, 11, 25))
    entry = audit_rows(db, "calendar_day")[-1]
    assert (entry.entity_id, entry.action, entry.old_value) == ("2026-11-19", "create", None)
    assert entry.new_value == {"working_day": False, "reason": "颱風停止上班"}

    # Removing it: the preview lists the same cases moving back; confirming moves them back.
    remove = {"op": "remove", "day": "2026-11-19"}
    preview = post(admin, "/staff/admin/calendar", remove, url="/staff/admin/calendar/preview")
    back = dict((n, (date.fromisoformat(a), date.fromisoformat(b))) for n, a, b in re.findall(
        r'<th scope="row"><a [^>]*>(\d+)</a></th><td>([\d-]+)</td><td>([\d-]+)</td>', preview.text))
    assert back == {n: (new, old) for n, (old, new) in listed.items()}
    assert post(admin, "/staff/admin/calendar", remove, url="/staff/admin/calendar/apply").status_code == 303
    db.session.expire_all()
    assert {c.number: c.due_on for c in db.session.scalars(sa.select(Case))} == before
    assert audit_rows(db, "calendar_day")[-1].action == "remove"

    # A make-up working day on a Saturday pulls the due dates in; bad input is refused and writes nothing.
    makeup = {"op": "add", "day": "2026-11-21", "kind": "working", "reason": "補行上班"}
    preview = post(admin, "/staff/admin/calendar", makeup, url="/staff/admin/calendar/preview")
    assert moved_one.number in preview.text and "2026-11-23" in preview.text
    count = len(audit_rows(db))
    for bad, message in (({**change, "reason": ""}, "請填寫原因"), ({**change, "day": "2026-13-01"}, "YYYY-MM-DD"),
                         ({"op": "remove", "day": "2026-11-30"}, "該日沒有")):
        for step in ("preview", "apply"):
            answer = post(admin, "/staff/admin/calendar", bad, url=f"/staff/admin/calendar/{step}")
            assert answer.status_code == 400 and message in answer.text, (bad, step)
    assert len(audit_rows(db)) == count and table_count(db, CalendarDay) == 0


@pytest.fixture
def restore_questionnaires(db):  # noqa: ANN001
    from surveys.models import Questionnaire

    yield
    db.session.rollback()
    db.session.execute(sa.delete(Questionnaire).where(Questionnaire.version > 1))
    db.session.commit()


def test_a_new_questionnaire_version_becomes_current(app, db, admin, restore_questionnaires):
    from surveys.models import Questionnaire
    from surveys.services import current_questionnaire

    page = admin.get("/staff/admin/questionnaires").text
    assert 'value="speed"' in page and 'value="overall"' in page  # the form starts from the current version
    rows = {f"q-{i}-{part}": q[part] for i, q in enumerate(current_questionnaire().questions, 1)
            for part in ("key", "zh", "en")}
    rows.update({"q-6-key": "reachable", "q-6-zh": "聯絡承辦人是否容易", "q-6-en": "How easy it was to reach us"})
    answer = post(admin, "/staff/admin/questionnaires", rows)
    assert answer.status_code == 303, answer.text
    assert current_questionnaire().version == 1  # prepared, not yet current
    answer = post(admin, "/staff/admin/questionnaires", {}, url="/staff/admin/questionnaires/2/make-current")
    assert answer.status_code == 303
    db.session.expire_all()
    current = current_questionnaire()
    assert current.version == 2 and current.questions[-1]["key"] == "reachable"
    entries = audit_rows(db, "questionnaire")
    assert [(e.entity_id, e.action) for e in entries] == [("2", "create"), ("2", "make_current")]
    assert entries[1].old_value == {"current_version": 1} and entries[1].new_value == {"current_version": 2}

    # Bad input: a moved key, no "overall", half a question: 400, and no version, no entry.
    count = len(audit_rows(db))
    moved = {**rows, "q-1-key": "attitude", "q-2-key": "speed"}
    for bad, message in ((moved, "必須維持為第 1 題"), ({**rows, "q-5-key": "total"}, "overall"),
                         ({**rows, "q-7-key": "extra"}, "請以兩種語言撰寫題目")):
        answer = post(admin, "/staff/admin/questionnaires", bad)
        assert answer.status_code == 400 and message in answer.text, message
    assert table_count(db, Questionnaire) == 2 and len(audit_rows(db)) == count
    refused = post(admin, "/staff/admin/questionnaires", {}, url="/staff/admin/questionnaires/1/make-current")
    assert refused.status_code == 409


def test_audit_log_page_filters_by_entity_person_and_period_and_pages(app, db, admin, clock):
    from core import audit
    from core.accounts.services import find_staff
    from core.pagination import PAGE_SIZE

    other = find_staff("intake@example.tw")
    me = find_staff("admin@example.tw")
    for n in range(PAGE_SIZE + 3):
        audit.record(me, "setting", f"key{n}", "update", {"value": n}, {"value": n + 1})
    audit.record(other, "unit", 1, "update", {"name": "舊名稱"}, {"name": "新名稱"})
    db.session.commit()

    page = admin.get("/staff/admin/audit?entity=unit").text
    assert "舊名稱" in page and "新名稱" in page and "key1<" not in page
    page = admin.get("/staff/admin/audit?person=intake@example.tw").text
    assert "新名稱" in page and "key0" not in page
    first = admin.get("/staff/admin/audit?entity=setting")
    assert first.status_code == 200 and "key52" in first.text and "key2<" not in first.text
    link = re.search(r'href="([^"]*before=\d+[^"]*)"', first.text).group(1).replace("&amp;", "&")
    assert "entity=setting" in link
    second = admin.get(link).text
    assert "key2<" in second and "key0<" in second and "key52" not in second
    today = datetime.now(TAIPEI).date()
    assert "新名稱" not in admin.get(f"/staff/admin/audit?from=2020-01-01&to={date(today.year - 1, 1, 1)}").text
    assert admin.get("/staff/admin/audit?entity=nothing").status_code == 400
    assert admin.get("/staff/admin/audit?from=2026-99-01").status_code == 400


def test_the_pages_in_english(app, db, admin):
    admin.get("/language/en")
    for page in ADMIN_PAGES:
        text = admin.get(page).text
        assert 'lang="en"' in text, page
    assert "Time-limit class given to a new case, per channel" in admin.get("/staff/admin/settings").text
    assert "A registered case keeps the limit" in admin.get("/staff/admin/time-limits").text
    answer = post(admin, "/staff/admin/units", {"code": "", "name": "", "parent": ""})
    assert answer.status_code == 400 and "Please enter a code." in answer.text

"""Hostile input in the path, the query string, forms and JSON: a 4xx with a message in the user's language,
never a 5xx (each of these was a 500 on PostgreSQL: NUL in text, ids beyond INTEGER, dates past 9999), and
never a half-written record. Caching headers, the CSP-clean chart, and a database that went away (503)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import is_postgres, need
from tests.support import (
    ALL_FIVES,
    client_from,
    close_with_reply,
    csrf_token,
    make_agency,
    post_form,
    register_case,
    staff_client,
    survey_link,
    table_count,
    valid_letter,
)
from tests.test_staff_api import _tokens

CONTROL_MESSAGE_ZH = "控制字元"


def _counts(db) -> tuple[int, int, int]:  # noqa: ANN001
    from cases.case_file import Submission
    from cases.models import Case
    from notifications.models import OutboxMessage

    db.session.rollback()
    return table_count(db, Submission), table_count(db, Case), table_count(db, OutboxMessage)


# ------------------------------------------------------------------ the staff API


API_REFUSALS = [  # url, status, the query field named in the answer
    ("/api/v1/cases?before=3000000000", 422, "before"),   # beyond INTEGER
    ("/api/v1/cases?before=0", 422, "before"),
    ("/api/v1/cases?before=-1", 422, "before"),
    ("/api/v1/cases?q=%00", 422, "q"),
    ("/api/v1/cases?unit=%00", 422, "unit"),
    ("/api/v1/cases?q=a%01b", 422, "q"),
    ("/api/v1/cases?st%00ate=x", 422, None),
    ("/api/v1/cases/%00", 400, None),
    ("/api/v1/cases/12%0034", 400, None),
    ("/api/v1/reports/satisfaction?from=0001-01-01&to=2026-01-01", 422, "from"),
    ("/api/v1/reports/satisfaction?from=2026-01-01&to=9999-12-31", 422, "to"),
]


def test_the_api_refuses_what_the_database_cannot_hold(app, db):
    make_agency(db)
    register_case(db)
    headers = _tokens(db, "admin@example.tw")["admin@example.tw"]
    client = app.test_client()
    for url, status, field in API_REFUSALS:
        answer = client.get(url, headers=headers)
        assert answer.status_code == status, (url, answer.status_code, answer.text[:300])
        assert answer.is_json and (answer.json.get("message") or answer.json.get("errors")), url
        if field:
            assert field in answer.json["errors"]["query"], url


def test_api_messages_follow_the_language(app, db):
    make_agency(db)
    headers = _tokens(db, "admin@example.tw")["admin@example.tw"]
    client = app.test_client()
    zh = client.get("/api/v1/cases?q=%00", headers=headers)
    en = client.get("/api/v1/cases?q=%00", headers={**headers, "Accept-Language": "en"})
    assert CONTROL_MESSAGE_ZH in zh.json["errors"]["query"]["q"][0]
    assert "control characters" in en.json["errors"]["query"]["q"][0]


def test_unknown_case_numbers_answer_404(app, db):
    make_agency(db)
    register_case(db)
    headers = _tokens(db, "admin@example.tw")["admin@example.tw"]
    client = app.test_client()
    for number in ("0", "99999999999999999999", "9" * 200, "案件", "%E2%80%8B", "..%2F..%2Fetc"):
        answer = client.get(f"/api/v1/cases/{number}", headers=headers)
        assert answer.status_code == 404, (number, answer.status_code)
        answer = client.post(f"/api/v1/cases/{number}/route", json={"unit": "ROADS"}, headers=headers)
        assert answer.status_code == 404, (number, answer.status_code)


@pytest.mark.parametrize("body", [
    {"reason": "需要\x00會勘"},
    {"reason": "tab\tand\nnewline are fine, \x1b is not"},
    {"reason": "ok", "no\x00te": "x"},
    {"reason": "lone surrogate \ud800"},
])
def test_api_json_with_control_characters_is_refused_and_changes_nothing(app, db, body):
    make_agency(db)
    number = register_case(db).number
    headers = _tokens(db, "intake@example.tw")["intake@example.tw"]
    before = _counts(db)
    import json

    raw = json.dumps(body)  # \ud800 goes out as the JSON escape it is
    answer = app.test_client().post(f"/api/v1/cases/{number}/return-to-intake", data=raw,
                                    content_type="application/json", headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json["errors"]["json"]
    assert _counts(db) == before


def test_free_text_may_carry_tabs_and_newlines(app, db):
    make_agency(db)
    number = register_case(db).number
    headers = _tokens(db, "intake@example.tw")["intake@example.tw"]
    answer = app.test_client().post(f"/api/v1/cases/{number}/classify",
                                    json={"limit_class": "urgent", "topic": "第一行\r\n第二行\t完"}, headers=headers)
    assert answer.status_code == 200, answer.text


def test_deeply_nested_json_is_refused_not_a_crash(app, db):
    make_agency(db)
    headers = _tokens(db, "intake@example.tw")["intake@example.tw"]
    client = app.test_client()
    deep = "[" * 100_000 + "]" * 100_000  # deeper than the JSON parser's stack
    answer = client.post("/api/v1/cases/1/route", data=deep, content_type="application/json", headers=headers)
    assert 400 <= answer.status_code < 500
    nested = '{"unit": ' + "[" * 40 + "]" * 40 + "}"
    answer = client.post("/api/v1/cases/1/route", data=nested, content_type="application/json", headers=headers)
    assert 400 <= answer.status_code < 500


def test_api_submissions_clean_stray_control_characters(app, db, smtp):
    """Citizen free text: a paste may carry a stray control character; it is removed, the letter accepted."""
    from cases.case_file import Submission

    answer = app.test_client().post("/api/v1/submissions", json={
        "channel": "mailbox", "email": "citizen@example.tw", "subject": "路燈\x00不亮\x07",
        "body": "中山路二段的路燈\x00已經三天沒有亮，\x0b請儘速修復。\n謝謝", "name": "王\x00小明", "consent": True,
    })
    assert answer.status_code == 202, answer.text
    stored = db.session.scalar(sa.select(Submission))
    assert stored.subject == "路燈不亮" and stored.name == "王小明"
    assert "\x00" not in stored.body and "\x0b" not in stored.body and "\n謝謝" in stored.body
    # A lone surrogate is no text at all: refused, not cleaned (it was a 500: UTF-8 cannot encode it).
    raw = ('{"channel": "mailbox", "email": "a@example.tw", "subject": "x\\ud800y", "body": "0123456789 body",'
           ' "consent": true}')
    answer = app.test_client().post("/api/v1/submissions", data=raw, content_type="application/json")
    assert answer.status_code == 422 and "subject" in answer.json["errors"]["json"]
    assert table_count(db, Submission) == 1


def test_dates_in_actions_are_range_checked(app, db):
    make_agency(db)
    number = register_case(db).number
    headers = _tokens(db, "intake@example.tw")["intake@example.tw"]
    client = app.test_client()
    for day in ("9999-12-31", "0001-01-01", "1911-12-31"):
        answer = client.post(f"/api/v1/cases/{number}/classify",
                             json={"limit_class": "urgent", "sender_deadline": day}, headers=headers)
        assert answer.status_code == 422, (day, answer.text)
        assert "1912-01-01" in answer.json["message"]
    answer = client.post(f"/api/v1/cases/{number}/request-extension", json={"days": 10**12, "reason": "x"},
                         headers=headers)
    assert 400 <= answer.status_code < 500


# ------------------------------------------------------------------ staff pages


PAGE_REFUSALS = [  # who, url, status, words of the message (zh-TW)
    ("admin@example.tw", "/staff/satisfaction?unit=%00", 400, CONTROL_MESSAGE_ZH),
    ("admin@example.tw", "/staff/cases/%00", 400, "無法使用的字元"),
    ("admin@example.tw", "/staff/?q=%00", 400, CONTROL_MESSAGE_ZH),
    ("admin@example.tw", "/staff/?unit=R%00", 400, CONTROL_MESSAGE_ZH),
    ("admin@example.tw", "/staff/?before=3000000000", 400, "2147483647"),
    ("admin@example.tw", "/staff/outbox?before=99999999999999999999", 400, "2147483647"),
    ("ethics@example.tw", "/staff/access-log?to=9999-12-31", 400, "9998-12-31"),
    ("ethics@example.tw", "/staff/access-log?from=2025-02-30", 400, "YYYY-MM-DD"),
    ("ethics@example.tw", "/staff/access-log?before=abc", 400, "before"),
    ("ethics@example.tw", "/staff/access-log?case=%00", 400, CONTROL_MESSAGE_ZH),
    ("secretariat@example.tw", "/staff/statistics?from=1900-01-01", 400, "1912-01-01"),
    ("secretariat@example.tw", "/staff/statistics.csv?to=99999-01-01", 400, "YYYY-MM-DD"),
    ("secretariat@example.tw", "/staff/satisfaction.xlsx?to=9999-12-31", 400, "9998-12-31"),
    ("admin@example.tw", "/staff/cases/00000000", 404, None),
    ("admin@example.tw", "/staff/attachments/99999999999", 404, None),
    ("admin@example.tw", "/staff/follow-ups/99999999999", 404, None),
    ("ethics@example.tw", "/staff/ethics/reports/%00", 400, None),
]


def test_staff_pages_refuse_hostile_filters_with_a_message(app, db):
    make_agency(db)
    register_case(db)
    clients = {}
    for who, url, status, words in PAGE_REFUSALS:
        if who not in clients:
            clients[who] = staff_client(app, who)
        client = clients[who]
        answer = client.get(url)
        assert answer.status_code == status, (url, answer.status_code)
        if words:
            assert words in answer.text, (url, answer.text[:2000])


def test_a_valid_period_still_works_and_an_empty_one_takes_the_default(app, db):
    make_agency(db)
    secretariat = staff_client(app, "secretariat@example.tw")
    assert secretariat.get("/staff/statistics?from=&to=").status_code == 200
    assert secretariat.get("/staff/statistics?from=2026-12-31&to=2026-01-01").status_code == 200  # swapped
    assert staff_client(app, "ethics@example.tw").get("/staff/access-log?to=9998-12-31").status_code == 200


def test_messages_are_in_english_on_request(app, db):
    make_agency(db)
    client = staff_client(app, "admin@example.tw")
    client.get("/language/en")
    answer = client.get("/staff/?q=%00")
    assert answer.status_code == 400 and "control characters" in answer.text


def test_login_with_a_nul_in_the_address_is_a_400(app, db):
    make_agency(db)
    client = client_from(app, "10.250.0.1")
    answer = post_form(client, "/staff/login", {"email": "admin\x00@example.tw", "password": "x"})
    assert answer.status_code == 400
    assert CONTROL_MESSAGE_ZH in answer.text


def test_staff_forms_refuse_control_characters_and_keep_the_case_unchanged(app, db):
    from cases.models import Case

    make_agency(db)
    number = register_case(db).number
    intake = staff_client(app, "intake@example.tw")
    page = intake.get(f"/staff/cases/{number}")
    token = csrf_token(page.text)
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    answer = intake.post(f"/staff/cases/{number}/route",
                         data={"csrf_token": token, "version": version, "unit": "ROADS", "note": "請\x00處理"})
    assert answer.status_code == 400 and CONTROL_MESSAGE_ZH in answer.text
    db.session.expire_all()
    assert db.session.scalar(sa.select(Case.state)) == "registered"
    garbage = intake.post(f"/staff/cases/{number}/route",
                          data={"csrf_token": token, "version": "99999999999999", "unit": "ROADS"})
    assert garbage.status_code == 400
    answer = intake.post(f"/staff/cases/{number}/route",
                         data={"csrf_token": token, "version": version, "unit": "ROADS", "note": "第一行\r\n第二行"})
    assert answer.status_code == 303


def test_the_calendar_refuses_dates_out_of_range(app, db):
    from cases.models import CalendarDay

    make_agency(db)
    admin = staff_client(app, "admin@example.tw")
    for day in ("9999-12-31", "0001-01-01", "2026-02-30", ""):
        page = admin.get("/staff/calendar")
        answer = admin.post("/staff/calendar", data={"csrf_token": csrf_token(page.text), "day": day,
                                                      "kind": "closure", "reason": "颱風停止上班"})
        assert answer.status_code == 400, (day, answer.status_code)
    assert table_count(db, CalendarDay) == 0


def test_registration_by_staff_refuses_a_receipt_before_1912(app, db):
    """Year 1 at 07:00 Taipei is year 0 in UTC, which does not exist: this was a 500."""
    make_agency(db)
    intake = staff_client(app, "intake@example.tw")
    for moment, status in (("0001-01-01T07:00", 400), ("1900-01-01T10:00", 400), ("2025-12-22T09:30", 200)):
        page = intake.get("/staff/intake")
        answer = intake.post("/staff/intake", data={
            "csrf_token": csrf_token(page.text), **valid_letter(), "channel": "petition", "received_via": "phone",
            "received_at": moment, "language": "zh_Hant_TW"})
        assert answer.status_code == status, (moment, answer.status_code)
        if status == 400:
            assert "1912-01-01" in answer.text
    assert _counts(db)[1] == 1


def test_a_follow_up_extension_of_absurd_length_is_refused_at_once(app, db, smtp):
    from surveys.models import SurveyFollowUp

    make_agency(db)
    close_with_reply(app, db, outcome="refused")
    citizen, link = app.test_client(), survey_link(smtp, "citizen@example.tw")
    form = citizen.get(link)
    citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES, "overall": "1"})
    follow_up = db.session.scalar(sa.select(SurveyFollowUp))
    chief = staff_client(app, "roads.chief@example.tw")
    token = csrf_token(chief.get(f"/staff/follow-ups/{follow_up.id}").text)
    for days in ("999999999", "99999999999999999999", "-5", "三"):
        answer = chief.post(f"/staff/follow-ups/{follow_up.id}",
                            data={"csrf_token": token, "action": "extend", "days": days, "reason": "需調閱資料"})
        assert answer.status_code in (400, 422), (days, answer.status_code)
    db.session.expire_all()
    assert db.session.get(SurveyFollowUp, follow_up.id).extended_by_id is None


def test_survey_answers_in_other_digits_are_refused_not_a_crash(app, db, smtp):
    from surveys.models import SurveyResponse

    make_agency(db)
    close_with_reply(app, db)
    citizen, link = app.test_client(), survey_link(smtp, "citizen@example.tw")
    form = citizen.get(link)
    answer = citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES, "overall": "²"})
    assert answer.status_code == 400
    assert table_count(db, SurveyResponse) == 0


def test_citizen_forms_still_clean_rather_than_refuse(client, db, smtp):
    page = post_form(client, "/petition", valid_letter(subject="路燈\x00不亮\x07", body="請修復路燈\x0b謝謝您的協助"))
    assert page.status_code == 303
    assert _counts(db)[0] == 1


# ------------------------------------------------------------------ headers


def test_staff_pages_and_personal_answers_are_not_stored(app, db, smtp):
    make_agency(db)
    staff = staff_client(app, "admin@example.tw")
    for url in ("/staff/", "/staff/login", "/staff/outbox"):
        answer = staff.get(url)
        assert answer.headers["Cache-Control"] == "no-store", url
        assert answer.headers["Pragma"] == "no-cache", url
    headers = _tokens(db, "admin@example.tw")["admin@example.tw"]
    assert app.test_client().get("/api/v1/cases", headers=headers).headers["Cache-Control"] == "no-store"

    from tests.support import submit_and_verify

    number, code = submit_and_verify(app.test_client(), smtp)
    tracked = app.test_client().post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert tracked.status_code == 200 and tracked.headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/track").headers["Cache-Control"] == "no-store"
    refused = post_form(app.test_client(), "/mailbox", valid_letter(consent=""))  # shows back what was typed
    assert refused.status_code == 400 and refused.headers["Cache-Control"] == "no-store"


def test_the_home_page_and_the_api_document_may_be_cached(client):
    for url in ("/", "/api/v1/openapi.json"):
        answer = client.get(url)
        assert answer.status_code == 200
        assert "no-store" not in answer.headers.get("Cache-Control", ""), url
        assert "Pragma" not in answer.headers
    assert "style-src 'self'" in client.get("/").headers["Content-Security-Policy"]


def test_an_attachment_keeps_its_private_no_store(app, db):
    from core.headers import must_not_be_stored

    assert must_not_be_stored("/staff/attachments/1", "GET")
    assert must_not_be_stored("/petition", "POST") and not must_not_be_stored("/petition", "GET")


def test_the_satisfaction_chart_has_no_inline_style(app, db, smtp):
    make_agency(db)
    close_with_reply(app, db)
    citizen, link = app.test_client(), survey_link(smtp, "citizen@example.tw")
    citizen.post(link, data={"csrf_token": csrf_token(citizen.get(link).text), **ALL_FIVES})
    page = staff_client(app, "secretariat@example.tw").get("/staff/satisfaction")
    assert page.status_code == 200 and "<svg" in page.text
    assert not re.search(r"\sstyle\s*=", page.text), "an inline style attribute is blocked by style-src 'self'"
    assert "<style" not in page.text
    css = app.test_client().get("/static/site.css").text
    assert ".chart-svg" in css


# ------------------------------------------------------------------ the database went away


def _operational_error(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
    from sqlalchemy.exc import OperationalError

    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_a_lost_database_answers_503_with_retry_after(app, db, monkeypatch):
    import cases.api
    import cases.views

    make_agency(db)
    staff = staff_client(app, "admin@example.tw")
    headers = _tokens(db, "admin@example.tw")["admin@example.tw"]
    monkeypatch.setattr(cases.views, "page_of", _operational_error)
    monkeypatch.setattr(cases.api, "page_of", _operational_error)

    page = staff.get("/staff/")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "暫時無法使用" in page.text
    answer = app.test_client().get("/api/v1/cases", headers={**headers, "Accept-Language": "en"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "briefly unavailable" in answer.json["message"]


def test_a_lost_database_while_the_page_asks_who_is_logged_in_still_answers_503(app, db, monkeypatch):
    """If even the error page's header cannot load the user, a bare page says the same."""
    import feedback.views
    from core.extensions import login_manager

    make_agency(db)
    staff = staff_client(app, "admin@example.tw")
    monkeypatch.setattr(feedback.views, "render_template", _operational_error)
    monkeypatch.setattr(login_manager, "_user_callback", _operational_error)
    page = staff.get("/")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "暫時無法使用" in page.text


def test_other_database_errors_stay_500(app, db, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    import cases.views

    def integrity(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    make_agency(db)
    monkeypatch.setattr(cases.views, "page_of", integrity)
    page = staff_client(app, "admin@example.tw").get("/staff/")
    assert page.status_code == 500 and "Retry-After" not in page.headers


def test_connections_killed_between_requests_are_replaced(app, db):
    """What a PostgreSQL restart does to the pool: every connection of the app is terminated. pool_pre_ping
    notices on the next checkout and reconnects, so the next requests answer 200 (at worst 503), never 500.
    Only this test database's own connections are terminated: the server is shared."""
    need("PostgreSQL", is_postgres(app), "set DATABASE_URL=postgresql://…")
    make_agency(db)
    number = register_case(db).number
    staff = staff_client(app, "admin@example.tw")
    headers = _tokens(db, "admin@example.tw")["admin@example.tw"]
    api = app.test_client()
    assert staff.get("/staff/").status_code == 200 and api.get("/api/v1/cases", headers=headers).status_code == 200

    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    try:
        for _round in range(3):
            with killer.connect() as conn:
                killed = conn.execute(sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
            assert killed >= 1
            statuses = [staff.get("/staff/").status_code, staff.get(f"/staff/cases/{number}").status_code,
                        api.get("/api/v1/cases", headers=headers).status_code,
                        api.get(f"/api/v1/cases/{number}", headers=headers).status_code]
            assert all(s in (200, 503) for s in statuses), statuses
            assert statuses.count(200) >= 3, statuses  # pre-ping reconnects
    finally:
        killer.dispose()
    db.session.rollback()

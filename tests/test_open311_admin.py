"""Administrators manage the Open311 client applications' keys on the web (issue 14, deliver 3): a key is shown
once and files a request; a revoked key is refused; only administrators may; bad names are refused with a message
and write nothing; every issue and revocation is in the audit log, as from `flask open311 …`."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.support import csrf_token, make_agency, staff_client, table_count
from tests.test_open311 import BASE, request_form

PAGE = "/staff/admin/open311-clients"
KEY = re.compile(r'id="new-key" value="(o311_[A-Za-z0-9_-]+)"')


@pytest.fixture
def admin(app, db):  # noqa: ANN001
    make_agency(db)
    return staff_client(app, "admin@example.tw")


def issue(client, name: str):  # noqa: ANN001, ANN201
    return client.post(PAGE, data={"csrf_token": csrf_token(client.get(PAGE).text), "name": name})


def audit_entries(db) -> list[tuple]:  # noqa: ANN001
    from core.audit import AuditEntry

    db.session.expire_all()
    return [(e.entity, e.action, e.actor.email if e.actor else None, e.new_value)
            for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def client_id(db, name: str) -> int:  # noqa: ANN001
    from feedback.models import Open311Client

    return db.session.scalar(sa.select(Open311Client.id).where(Open311Client.name == name))


def test_an_administrator_issues_a_key_that_is_shown_once_and_files_a_request(app, db, admin, smtp):  # noqa: ANN001
    index = admin.get("/staff/admin/").text
    assert PAGE in index and "Open311 用戶端應用程式" in index  # on the administration menu
    assert "目前沒有任何用戶端應用程式持有金鑰。" in admin.get(PAGE).text

    answer = issue(admin, "台北通 app")
    assert answer.status_code == 201, answer.text
    assert "只顯示這一次，之後無法再顯示" in answer.text  # the warning, with the key
    [key] = KEY.findall(answer.text)
    assert "no-store" in answer.headers["Cache-Control"]
    listed = admin.get(PAGE).text
    assert key not in listed and "台北通 app" in listed and "啟用中" in listed and "從未" in listed
    assert audit_entries(db) == [("open311_client", "create", "admin@example.tw", {"name": "台北通 app"})]

    filed = app.test_client().post(f"{BASE}/requests.json", data=request_form(key))
    assert filed.status_code == 200, filed.text
    assert filed.json[0]["token"]
    assert smtp.only_link_to("citizen@example.tw")  # the petitioner is asked to confirm, as from the web form
    assert "從未" not in admin.get(PAGE).text  # its last use is shown

    english = staff_client(app, "admin@example.tw")
    english.set_cookie("lang", "en")
    page = english.get(PAGE).text
    assert "Open311 client applications" in page and "Active" in page and "Last used" in page
    assert "True" not in page and "False" not in page
    # The audit page names the entry in the reader's language, not by its codes.
    audit = english.get("/staff/admin/audit").text
    assert "Open311 client application" in audit and "台北通 app (#" in audit  # the entry names the application


def test_a_revoked_key_no_longer_files_requests(app, db, admin, smtp):  # noqa: ANN001
    [key] = KEY.findall(issue(admin, "里長通報 app").text)
    issue(admin, "另一個 app")  # another application's key stays valid
    number = client_id(db, "里長通報 app")
    confirm_page = admin.get(f"{PAGE}/{number}/revoke")
    assert confirm_page.status_code == 200
    assert "要撤銷「里長通報 app」的金鑰嗎？" in confirm_page.text and "撤銷後" in confirm_page.text
    assert f'href="{PAGE}/{number}/revoke"' in admin.get(PAGE).text  # the list links to the confirmation

    # Without the form's CSRF token nothing is revoked.
    assert admin.post(f"{PAGE}/{number}/revoke", data={}).status_code == 400
    citizen = app.test_client()
    assert citizen.post(f"{BASE}/requests.json", data=request_form(key)).status_code == 200

    revoked = admin.post(f"{PAGE}/{number}/revoke", data={"csrf_token": csrf_token(confirm_page.text)},
                         follow_redirects=True)
    assert revoked.status_code == 200 and "「里長通報 app」的金鑰已撤銷" in revoked.text
    assert "已於" in revoked.text and "撤銷" in revoked.text
    refused = citizen.post(f"{BASE}/requests.json", data=request_form(key, email="other@example.tw"))
    assert refused.status_code == 403 and "api_key" in refused.json[0]["description"]
    assert [(e[1], e[3]) for e in audit_entries(db)] == [
        ("create", {"name": "里長通報 app"}), ("create", {"name": "另一個 app"}),
        ("revoke", {"name": "里長通報 app", "active": False})]

    # Again: nothing more happens, and the page says so.
    again = admin.post(f"{PAGE}/{number}/revoke", data={"csrf_token": csrf_token(confirm_page.text)},
                       follow_redirects=True)
    assert "先前已撤銷" in again.text and len(audit_entries(db)) == 3
    assert admin.get(f"{PAGE}/999999/revoke").status_code == 404


def test_only_administrators_manage_keys(app, db, admin):  # noqa: ANN001
    from feedback.models import Open311Client

    issue(admin, "台北通 app")
    number = client_id(db, "台北通 app")
    for email in ("intake@example.tw", "secretariat@example.tw", "ethics@example.tw", "roads.chief@example.tw"):
        other = staff_client(app, email)
        token = csrf_token(other.get("/staff/").text)
        assert other.get(PAGE).status_code == 403, email
        assert other.post(PAGE, data={"csrf_token": token, "name": "偷偷申請"}).status_code == 403, email
        assert other.get(f"{PAGE}/{number}/revoke").status_code == 403, email
        assert other.post(f"{PAGE}/{number}/revoke", data={"csrf_token": token}).status_code == 403, email
        assert PAGE not in other.get("/staff/").text
    anonymous = app.test_client().get(PAGE)
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    assert table_count(db, Open311Client) == 1 and db.session.get(Open311Client, number).revoked_at is None
    assert len(audit_entries(db)) == 1


@pytest.mark.parametrize(("name", "message"), [
    ("", "請輸入應用程式名稱。"),
    ("   ", "請輸入應用程式名稱。"),
    ("字" * 101, "最多 100 個字。"),
    ("a\x00b", "無法使用的控制字元"),        # refused before any view (core/hygiene.py)
    ("a\x1b[31mb", "無法使用的控制字元"),
    ("台北通\u202eppa", "名稱不可包含控制字元。"),  # a bidi override: refused by the service
])
def test_bad_names_are_refused_with_a_message_and_write_nothing(app, db, admin, name, message):  # noqa: ANN001
    from feedback.models import Open311Client

    answer = issue(admin, name)
    assert answer.status_code in (400, 422), answer.status_code
    assert message in answer.text and "o311_" not in answer.text
    assert table_count(db, Open311Client) == 0 and audit_entries(db) == []


def test_bad_names_are_refused_in_english_too(app, db, admin):  # noqa: ANN001
    admin.set_cookie("lang", "en")
    answer = issue(admin, "")
    assert answer.status_code == 400 and "Please enter the application" in answer.text
    assert issue(admin, "x\u2066y").status_code == 400
    assert "The name may not contain control characters." in issue(admin, "x\u2066y").text


def test_the_command_and_the_page_share_the_rules_and_the_log(app, db, admin):  # noqa: ANN001
    """`flask open311 create-key` refuses what the page refuses; its entries have no person, the page's have one."""
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["open311", "create-key", "x\u202ey"])
    assert refused.exit_code != 0 and "控制字元" in refused.output
    assert runner.invoke(args=["open311", "create-key", "命令列 app"]).exit_code == 0
    issue(admin, "網頁 app")
    assert [(e[2], e[3]["name"]) for e in audit_entries(db)] == [(None, "命令列 app"),
                                                                 ("admin@example.tw", "網頁 app")]
    listed = admin.get(PAGE).text
    assert "命令列 app" in listed and "網頁 app" in listed

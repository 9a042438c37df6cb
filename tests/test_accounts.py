"""Staff accounts: the administrator's commands, login with argon2 and lock-out, the policy."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.support import PASSWORD, client_from, csrf_token, login, make_staff, make_unit, post_form


def test_units_and_staff_are_created_with_the_commands(app, db):
    from core.accounts.models import Staff, Unit

    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "create", "SEC", "秘書室"]).exit_code == 0
    assert runner.invoke(args=["units", "create", "ETHICS", "政風室", "--ethics-office"]).exit_code == 0
    result = runner.invoke(args=["units", "create", "LIGHT", "路燈科", "--parent", "SEC"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["units", "create", "X", "無", "--parent", "NOPE"]).exit_code != 0
    assert runner.invoke(args=["units", "create", "SEC", "重複"]).exit_code != 0

    result = runner.invoke(args=["staff", "create", "Lin@Example.TW", "--name", "林小姐", "--unit", "SEC",
                                 "--role", "intake", "--role", "secretariat", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    prompted = runner.invoke(args=["staff", "create", "chen@example.tw", "--name", "陳先生", "--unit", "LIGHT",
                                   "--role", "handler"], input="another-password\nanother-password\n")
    assert prompted.exit_code == 0, prompted.output
    assert runner.invoke(args=["staff", "create", "x@example.tw", "--name", "x", "--unit", "SEC",
                               "--role", "wizard", "--password", "a-long-password"]).exit_code != 0
    assert runner.invoke(args=["staff", "create", "y@example.tw", "--name", "y", "--unit", "SEC",
                               "--role", "admin", "--password", "short"]).exit_code != 0

    units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    assert units["ETHICS"].is_ethics_office and not units["SEC"].is_ethics_office
    assert units["LIGHT"].parent.code == "SEC"
    lin = db.session.scalar(sa.select(Staff).where(Staff.email == "lin@example.tw"))
    assert lin.role_names == {"intake", "secretariat"}
    assert lin.password_hash.startswith("$argon2id$")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 2


def test_login_and_logout(client, db):
    make_staff("intake@example.tw", ["intake"])
    db.session.commit()
    assert client.get("/staff/").status_code == 302  # anonymous → login page
    answer = login(client, "intake@example.tw")
    assert answer.status_code == 302
    home = client.get("/staff/")
    assert home.status_code == 200 and "測試同仁" in home.text
    token = csrf_token(home.text)
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_repeated_failures_throttle_that_address_for_that_account(client, app, db, monkeypatch):
    from core.accounts.models import LoginFailure

    # Three tries, so that one address stays within the per-minute rate limit (not what this tests).
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 3)
    make_staff("handler@example.tw", ["handler"])
    db.session.commit()
    for _ in range(2):
        answer = login(client, "handler@example.tw", "wrong-password!")
        assert answer.status_code == 401
        assert "密碼" in answer.text
    throttled = login(client, "handler@example.tw", "wrong-password!")
    assert throttled.status_code == 429 and "失敗次數過多" in throttled.text and "分鐘" in throttled.text
    # The same address waits even with the right password (the pair is throttled, not the account) ...
    assert "失敗次數過多" in login(client, "handler@example.tw", PASSWORD).text
    # ... while another address logs in: a stranger's guesses do not lock the colleague out.
    assert login(client_from(app, "198.51.100.7"), "handler@example.tw", PASSWORD).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 3
    # An unknown account answers exactly the same: no hint that the account exists.
    unknown = client_from(app, "198.51.100.8")
    answers = [login(unknown, "nobody@example.tw", "whatever-password") for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    def shown(page) -> str:  # noqa: ANN001
        return re.sub(r'value="[^"]*"', "", page.text)  # the e-mail typed and the CSRF token differ

    assert shown(answers[-1]) == shown(throttled)


def test_policy_decides_who_may_register_and_see_the_outbox(app, db):
    make_unit("SEC", "秘書室")
    make_staff("handler@example.tw", ["handler"])
    make_staff("intake@example.tw", ["intake"], unit_code="SEC")
    make_staff("admin@example.tw", ["admin"], unit_code="SEC")
    db.session.commit()
    expected = {  # who → (intake form, outbox)
        None: (302, 302),
        "handler@example.tw": (403, 403),
        "intake@example.tw": (200, 403),
        "admin@example.tw": (200, 200),
    }
    for who, (intake, outbox) in expected.items():
        client = app.test_client()
        if who:
            assert login(client, who).status_code == 302
        assert client.get("/staff/intake").status_code == intake, who
        assert client.get("/staff/outbox").status_code == outbox, who


def test_a_deactivated_account_cannot_log_in(client, db):
    staff = make_staff("gone@example.tw", ["intake"])
    staff.active = False
    db.session.commit()
    assert post_form(client, "/staff/login", {"email": "gone@example.tw", "password": PASSWORD}).status_code == 401


def test_the_away_command_refuses_an_absence_without_a_deputy_as_the_staff_page_does(app, db):
    from core.accounts.services import find_staff
    from tests.support import make_agency

    make_agency(db)
    runner = app.test_cli_runner()

    def away(*extra: str):  # noqa: ANN202
        return runner.invoke(args=["staff", "away", "parks.handler@example.tw", "--from", "2026-12-01",
                                   "--until", "2026-12-04", *extra])

    refused = away()
    assert refused.exit_code != 0 and "請選擇休假期間的代理人" in refused.output
    db.session.expire_all()
    assert find_staff("parks.handler@example.tw").away_from is None  # nothing recorded
    assert away("--deputy", "parks.handler@example.tw").exit_code != 0  # not their own deputy
    backwards = runner.invoke(args=["staff", "away", "parks.handler@example.tw", "--from", "2026-12-04",
                                    "--until", "2026-12-01", "--deputy", "parks.chief@example.tw"])
    assert backwards.exit_code != 0
    done = away("--deputy", "parks.chief@example.tw")
    assert done.exit_code == 0 and "deputy parks.chief@example.tw" in done.output
    again = away()  # the deputy already named covers the next absence
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    staff = find_staff("parks.handler@example.tw")
    assert str(staff.away_from) == "2026-12-01" and staff.deputy.email == "parks.chief@example.tw"

"""Sessions end when they should (logout, password change, deactivation, idle, lifetime); API tokens expire
and are revoked; redirects stay on the site; a stranger cannot lock a colleague out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.support import PASSWORD, client_from, csrf_token, login, make_agency, post_form, staff_client

HANDLER = "roads.handler@example.tw"


def _session_cookie(client) -> str:  # noqa: ANN001
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _with_cookie(app, value: str):  # noqa: ANN001
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def _opens_staff_pages(client) -> bool:  # noqa: ANN001
    answer = client.get("/staff/")
    if answer.status_code == 200:
        return True
    assert answer.status_code == 302 and "/staff/login?next=" in answer.headers["Location"], answer.status_code
    return False


def _logout(client):  # noqa: ANN001
    return client.post("/staff/logout", data={"csrf_token": csrf_token(client.get("/staff/").text)})


# ---------------------------------------------------------------- sessions


def test_a_cookie_copied_before_logout_no_longer_opens_staff_pages(app, db):
    make_agency(db)
    browser = staff_client(app, HANDLER)
    copied = _session_cookie(browser)
    assert _opens_staff_pages(_with_cookie(app, copied))  # the copy works while the session lasts
    assert _logout(browser).status_code == 302
    assert not _opens_staff_pages(_with_cookie(app, copied))
    assert not _opens_staff_pages(browser)
    # Logging in again starts a new session; the old copy stays dead.
    again = staff_client(app, HANDLER)
    assert _opens_staff_pages(again)
    assert not _opens_staff_pages(_with_cookie(app, copied))


def test_logout_ends_the_sessions_on_other_devices_too(app, db):
    make_agency(db)
    desk, laptop = staff_client(app, HANDLER), staff_client(app, HANDLER)
    assert _logout(desk).status_code == 302
    assert not _opens_staff_pages(laptop)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, db):
    make_agency(db)
    desk, laptop = staff_client(app, HANDLER), staff_client(app, HANDLER)
    wrong = post_form(desk, "/staff/account", {"current_password": "not-my-password",
                                               "new_password": "a-new-password-1", "confirm": "a-new-password-1"})
    assert wrong.status_code == 400 and _opens_staff_pages(laptop)
    answer = post_form(desk, "/staff/account", {"current_password": PASSWORD, "new_password": "a-new-password-1",
                                                "confirm": "a-new-password-1"})
    assert answer.status_code == 303
    assert _opens_staff_pages(desk)
    ended = laptop.get("/staff/")
    assert ended.status_code == 302
    page = laptop.get(ended.headers["Location"])
    assert "工作階段已結束" in page.text  # why, in the user's language
    assert login(client_from(app, "192.0.2.50"), HANDLER).status_code == 401  # the old password is gone
    assert login(client_from(app, "192.0.2.51"), HANDLER, "a-new-password-1").status_code == 302


def test_deactivation_ends_every_session_at_once_and_stops_the_tokens(app, db):
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    make_agency(db)
    token = {"Authorization": "Bearer " + issue_token(find_staff(HANDLER))}
    db.session.commit()
    handler, admin = staff_client(app, HANDLER), staff_client(app, "admin@example.tw")
    assert handler.get("/api/v1/cases", headers=token).status_code == 200
    page = admin.get("/staff/admin/staff")
    assert page.status_code == 200 and HANDLER in page.text
    staff_id = find_staff(HANDLER).id
    answer = admin.post(f"/staff/admin/staff/{staff_id}/deactivate", data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == 303
    assert not _opens_staff_pages(handler)
    assert app.test_client().get("/api/v1/cases", headers=token).status_code == 401
    assert login(client_from(app, "192.0.2.60"), HANDLER).status_code == 401
    # Reactivated: they log in again; the old session stays ended.
    answer = admin.post(f"/staff/admin/staff/{staff_id}/reactivate", data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == 303
    assert not _opens_staff_pages(handler)
    assert _opens_staff_pages(staff_client(app, HANDLER))
    # An administrator cannot deactivate themselves from the page (there would be no one to undo it).
    me = find_staff("admin@example.tw")
    admin.post(f"/staff/admin/staff/{me.id}/deactivate", data={"csrf_token": csrf_token(page.text)})
    db.session.expire_all()
    assert find_staff("admin@example.tw").active


def test_the_deactivate_and_reactivate_commands(app, db):
    from core.accounts.services import find_staff

    make_agency(db)
    handler = staff_client(app, HANDLER)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["staff", "deactivate", HANDLER])
    assert result.exit_code == 0, result.output
    assert not _opens_staff_pages(handler)
    db.session.expire_all()
    assert not find_staff(HANDLER).active
    assert runner.invoke(args=["staff", "reactivate", HANDLER]).exit_code == 0
    assert _opens_staff_pages(staff_client(app, HANDLER))
    assert runner.invoke(args=["staff", "deactivate", "nobody@example.tw"]).exit_code != 0
    # An administrator's password reset also ends the sessions.
    handler = staff_client(app, HANDLER)
    result = runner.invoke(args=["staff", "password", HANDLER, "--password", "reset-by-admin-1"])
    assert result.exit_code == 0, result.output
    assert not _opens_staff_pages(handler)


def test_a_session_ends_after_the_idle_time(app, db, clock):
    from core.clock import taipei_now

    make_agency(db)
    idle = app.config["SESSION_IDLE_MINUTES"]
    start = taipei_now()
    browser = staff_client(app, HANDLER)
    clock.move_to(start + timedelta(minutes=idle - 1))
    assert _opens_staff_pages(browser)  # activity: the idle time starts again
    clock.move_to(start + timedelta(minutes=2 * idle - 2))
    assert _opens_staff_pages(browser)
    clock.move_to(start + timedelta(minutes=3 * idle))
    ended = browser.get("/staff/cases/123?tab=x")
    assert ended.status_code == 302
    location = ended.headers["Location"]
    assert location.startswith("/staff/login?next=/staff/cases/123?tab")
    page = browser.get(location)
    assert f"閒置 {idle} 分鐘" in page.text
    # The message is in the user's language, and `next` survives the login.
    browser.set_cookie("lang", "en")
    clock.move_to(start + timedelta(minutes=3 * idle, seconds=30))
    answer = browser.post(location, data={"csrf_token": csrf_token(page.text), "email": HANDLER,
                                          "password": PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"] == "/staff/cases/123?tab=x"
    clock.move_to(start + timedelta(minutes=5 * idle))
    english = browser.get(browser.get("/staff/").headers["Location"])
    assert f"logged out after {idle} minutes without activity" in english.text


def test_a_session_ends_after_its_lifetime_however_active(app, db, clock):
    from core.clock import taipei_now

    make_agency(db)
    start = taipei_now()
    browser = staff_client(app, HANDLER)
    hours = app.config["SESSION_MAX_HOURS"]
    step = app.config["SESSION_IDLE_MINUTES"] - 5
    moment = start
    while moment + timedelta(minutes=step) < start + timedelta(hours=hours):
        moment += timedelta(minutes=step)
        clock.move_to(moment)
        assert _opens_staff_pages(browser), moment
    clock.move_to(start + timedelta(hours=hours, minutes=1))
    ended = browser.get("/staff/")
    assert ended.status_code == 302
    assert f"最長 {hours} 小時" in browser.get(ended.headers["Location"]).text


def test_last_activity_is_written_at_most_once_a_minute(app, db, clock):
    from core.clock import taipei_now

    make_agency(db)
    start = taipei_now()
    browser = staff_client(app, HANDLER)
    browser.get("/staff/")  # the page's CSRF token is now in the session

    def rewrites_cookie() -> bool:
        return any(h.startswith("session=") for h in browser.get("/staff/").headers.getlist("Set-Cookie"))

    clock.move_to(start + timedelta(seconds=20))
    assert not rewrites_cookie()
    clock.move_to(start + timedelta(seconds=90))
    assert rewrites_cookie()


# ---------------------------------------------------------------- API tokens


def test_an_expired_token_and_a_revoked_token_answer_401(app, db, clock):
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token
    from core.clock import taipei_now

    make_agency(db)
    start = taipei_now()
    handler = find_staff(HANDLER)
    default = {"Authorization": "Bearer " + issue_token(handler)}
    short = {"Authorization": "Bearer " + issue_token(handler, days=1)}
    revoked = {"Authorization": "Bearer " + issue_token(handler, name="to revoke")}
    db.session.commit()
    api = app.test_client()
    for headers in (default, short, revoked):
        assert api.get("/api/v1/cases", headers=headers).status_code == 200

    browser = staff_client(app, HANDLER)
    page = browser.get("/staff/tokens")
    from core.accounts.models import ApiToken

    token_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "to revoke"))
    answer = browser.post(f"/staff/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == 303
    assert api.get("/api/v1/cases", headers=revoked).status_code == 401

    clock.move_to(start + timedelta(days=1, minutes=1))
    assert api.get("/api/v1/cases", headers=short).status_code == 401
    assert api.get("/api/v1/cases", headers=default).status_code == 200
    clock.move_to(start + timedelta(days=app.config["API_TOKEN_DAYS"], minutes=1))
    assert api.get("/api/v1/cases", headers=default).status_code == 401


def test_the_token_page_shows_the_secret_once_and_never_again(app, db):
    from core.accounts.models import ApiToken

    make_agency(db)
    browser = staff_client(app, HANDLER)
    answer = post_form(browser, "/staff/tokens", {"name": "公文系統", "days": "30"})
    assert answer.status_code == 201
    secret = answer.text.split('id="new-token" value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("cfb_")
    assert app.test_client().get("/api/v1/cases", headers={"Authorization": "Bearer " + secret}).status_code == 200
    again = browser.get("/staff/tokens")
    assert "公文系統" in again.text and secret not in again.text and secret[4:12] not in again.text
    assert secret not in str(browser.get_cookie("session").value)  # nor kept in the session
    row = db.session.scalar(sa.select(ApiToken))
    assert (row.name, (row.expires_at - row.created_at).days) == ("公文系統", 30)
    # Bad input is refused with the form again, not a 500.
    assert post_form(browser, "/staff/tokens", {"name": "x", "days": "9999"}).status_code == 400


def test_staff_see_and_revoke_only_their_own_tokens_and_administrators_everyone_s(app, db):
    from core.accounts.models import ApiToken
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    make_agency(db)
    issue_token(find_staff("roads.chief@example.tw"), name="主管的權杖")
    mine = issue_token(find_staff(HANDLER), name="我的權杖")
    db.session.commit()
    theirs = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "主管的權杖"))
    browser = staff_client(app, HANDLER)
    page = browser.get("/staff/tokens")
    assert "我的權杖" in page.text and "主管的權杖" not in page.text and mine not in page.text
    assert browser.post(f"/staff/tokens/{theirs}/revoke",
                        data={"csrf_token": csrf_token(page.text)}).status_code == 404
    assert browser.get("/staff/admin/tokens").status_code == 403
    admin = staff_client(app, "admin@example.tw")
    listing = admin.get("/staff/admin/tokens")
    assert "我的權杖" in listing.text and "主管的權杖" in listing.text and mine not in listing.text
    answer = admin.post(f"/staff/admin/tokens/{theirs}/revoke", data={"csrf_token": csrf_token(listing.text)})
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(ApiToken, theirs).revoked_at is not None


def test_the_token_commands(app, db, clock):
    from core.clock import taipei_now

    make_agency(db)
    runner = app.test_cli_runner()
    made = runner.invoke(args=["staff", "token", HANDLER, "--days", "7", "--name", "hotline"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[0]
    assert secret.startswith("cfb_")
    listed = runner.invoke(args=["staff", "tokens", HANDLER])
    assert listed.exit_code == 0 and "hotline" in listed.output and "in use" in listed.output
    assert secret not in listed.output
    token_id = listed.output.split()[0]
    assert runner.invoke(args=["staff", "token", HANDLER, "--days", "0"]).exit_code != 0
    revoked = runner.invoke(args=["staff", "revoke-token", token_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert app.test_client().get("/api/v1/cases", headers={"Authorization": "Bearer " + secret}).status_code == 401
    assert "revoked" in runner.invoke(args=["staff", "tokens", HANDLER]).output
    assert runner.invoke(args=["staff", "revoke-token", "999999"]).exit_code != 0
    clock.move_to(taipei_now() + timedelta(days=8))
    runner.invoke(args=["staff", "token", HANDLER, "--days", "7"])
    clock.move_to(taipei_now() + timedelta(days=8))
    assert "expired" in runner.invoke(args=["staff", "tokens", HANDLER]).output


# ---------------------------------------------------------------- redirects

BYPASSES = [
    "/%09/evil.example", "/\t/evil.example", "/%0d%0aSet-Cookie:x=1", "/\r\n/evil.example", "//evil.example",
    "/\\evil.example", "/%5Cevil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)",
    "/%2509/evil.example", "/%E2%80%AE/evil.example", "", "evil.example", "/%2F/evil.example",
]


def _home_or_refused(answer, home: str) -> bool:  # noqa: ANN001
    """A safe answer: a redirect to the default, or 400 from the input hygiene (core/hygiene.py refuses a
    control character in a query string before any view runs). Never off-site, never 500."""
    if answer.status_code == 400:
        return True
    return answer.status_code == 302 and answer.headers["Location"] == home


@pytest.mark.parametrize("target", BYPASSES)
def test_the_language_switch_redirects_only_to_a_path_of_this_site(client, target):
    from urllib.parse import quote

    assert _home_or_refused(client.get("/language/en?next=" + quote(target, safe="%/:")), "/")


def test_the_known_language_switch_bypasses_answer_a_safe_redirect(client):
    # Reproduces the bypasses: the first two redirected to //evil.example, the third answered 500.
    for answer in (client.get("/language/en?next=/%09/evil.example"),
                   client.get("/language/en", query_string={"next": "/\t/evil.example"}),
                   client.get("/language/en?next=/%0d%0aSet-Cookie:%20x=1")):
        assert _home_or_refused(answer, "/"), (answer.status_code, answer.headers.get("Location"))


def test_the_language_switch_keeps_an_ordinary_path(client):
    answer = client.get("/language/en?next=/staff/cases%3Fq%3D%E8%B7%AF%E7%87%88%26before%3D5")
    assert answer.headers["Location"] == "/staff/cases?q=%E8%B7%AF%E7%87%88&before=5"


@pytest.mark.parametrize("target", BYPASSES)
def test_the_login_redirects_only_to_a_path_of_this_site(app, db, target):
    from urllib.parse import quote

    make_agency(db)
    browser = client_from(app, "192.0.2.70")
    url = "/staff/login?next=" + quote(target, safe="%/:")
    page = browser.get(url)
    if page.status_code == 400:  # refused by the input hygiene before the login page
        return
    answer = browser.post(url, data={"csrf_token": csrf_token(page.text), "email": HANDLER, "password": PASSWORD})
    assert _home_or_refused(answer, "/staff/"), answer.status_code


def test_safe_next_accepts_paths_and_refuses_the_rest():
    from core.redirects import safe_next

    assert safe_next("/staff/cases/12?tab=log", "/d") == "/staff/cases/12?tab=log"
    assert safe_next("/search?q=a%20b", "/d") == "/search?q=a%20b"
    for bad in BYPASSES + [None, "/\x00", "/a\u2028b", "/" + "a" * 3000, "/%25252509"]:
        assert safe_next(bad, "/d") == "/d", bad


# ---------------------------------------------------------------- login throttling
# Each address sends at most 5 logins a minute here: the per-address rate limit (RATELIMIT_LOGIN, kept in
# Redis on real time when REDIS_URL is set, which the frozen clock does not move) is not what these test.

THROTTLED_ZH, THROTTLED_EN = "登入此帳號失敗次數過多", "Too many failed attempts to log in to this account"


@pytest.fixture
def three_tries(app, monkeypatch):  # noqa: ANN001
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 3)


def _throttled(answer, marker: str = THROTTLED_ZH) -> bool:  # noqa: ANN001
    return answer.status_code == 429 and marker in answer.text


def test_a_strangers_failures_do_not_lock_the_real_user_out(app, db, clock, three_tries):
    from core.clock import taipei_now

    make_agency(db)
    start = taipei_now()
    stranger, colleague = client_from(app, "203.0.113.9"), client_from(app, "198.51.100.7")
    for _ in range(2):
        assert login(stranger, HANDLER, "guess-password!").status_code == 401
    locked = login(stranger, HANDLER, "guess-password!")
    minutes = app.config["LOGIN_LOCKOUT_MINUTES"]
    assert _throttled(locked) and f"{minutes} 分鐘" in locked.text
    assert (minutes - 1) * 60 < int(locked.headers["Retry-After"]) <= minutes * 60
    # The stranger is throttled even with the right password; the colleague, from their desk, is not.
    clock.move_to(start + timedelta(minutes=2))
    assert _throttled(login(stranger, HANDLER, PASSWORD))
    assert login(colleague, HANDLER, PASSWORD).status_code == 302
    # The wait runs out.
    clock.move_to(start + timedelta(minutes=minutes + 1))
    assert login(stranger, HANDLER, "guess-password!").status_code == 401


def test_the_remaining_wait_is_shown_in_minutes_in_both_languages(app, db, clock, three_tries):
    from core.clock import taipei_now

    make_agency(db)
    start = taipei_now()
    stranger = client_from(app, "203.0.113.10")
    for _ in range(3):
        login(stranger, HANDLER, "guess-password!")
    clock.move_to(start + timedelta(minutes=10, seconds=30))
    stranger.set_cookie("lang", "en")
    answer = login(stranger, HANDLER, "guess-password!")
    assert _throttled(answer, THROTTLED_EN) and "Please wait 5 minutes" in answer.text


def test_an_unknown_address_is_throttled_like_a_real_one(app, db, three_tries):
    make_agency(db)
    answers = {}
    for email, address in ((HANDLER, "203.0.113.11"), ("nobody@example.tw", "203.0.113.12")):
        client = client_from(app, address)
        answers[email] = [login(client, email, "guess-password!") for _ in range(3)]
    assert [a.status_code for a in answers[HANDLER]] == [401, 401, 429]
    assert [a.status_code for a in answers["nobody@example.tw"]] == [401, 401, 429]
    assert _throttled(answers[HANDLER][-1]) and _throttled(answers["nobody@example.tw"][-1])


def test_many_addresses_slow_the_account_down_without_locking_the_real_user_out(app, db, monkeypatch):
    make_agency(db)
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_SLOWDOWN_FAILURES", 7)
    # A guesser spreads failures over addresses, staying under the per-address lock-out.
    for n in range(3):
        bot = client_from(app, f"203.0.113.{100 + n}")
        for _ in range(2):
            assert login(bot, HANDLER, "guess-password!").status_code == 401
    # The next failure reaches the account's ceiling: from then on each address has one attempt per window.
    fresh = client_from(app, "203.0.113.200")
    assert _throttled(login(fresh, HANDLER, "guess-password!"))
    assert _throttled(login(fresh, HANDLER, PASSWORD))
    # The real user with the right password from their own address still gets in at once.
    assert login(client_from(app, "198.51.100.20"), HANDLER, PASSWORD).status_code == 302


def test_an_ipv6_client_counts_by_its_network():
    from core.accounts.throttle import client_key

    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("192.0.2.1") == "192.0.2.1"

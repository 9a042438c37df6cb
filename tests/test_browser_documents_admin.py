"""The printable documents, the staff notifications and the administration pages in a real browser at a laptop's
1280 px and a phone's 390 px (issue 12, deliver 8 to 10): axe finds nothing serious or critical, and the page itself
never scrolls sideways. One browser; one page per person, resized for each width."""

from __future__ import annotations

import pytest

from tests.test_browser import WIDTHS, browser, live_server, log_in, page_problems  # noqa: F401 - the fixtures


@pytest.fixture
def agency(app, db, smtp):  # noqa: ANN001
    """A case closed with its reply (the letter; notices for the unit's supervisor), an open case whose due date a
    closure moves (the calendar preview lists it), an agency override and changes in the audit log."""
    from core.accounts.services import find_staff, find_unit
    from tests.support import close_with_reply, make_agency
    from tests.test_role_homes import _case

    make_agency(db)
    number = close_with_reply(app, db)
    _case(app, db, unit="ROADS", handler="roads.handler@example.tw", subject="開放中的案件")
    runner = app.test_cli_runner()
    for args in (["calendar", "close", "2099-08-12", "--reason", "颱風停止上班"],
                 ["settings", "set", "extension_max_count", "2"], ["open311", "create-key", "舊版通報 app"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    revoked = result.output.split()[1]  # "client ID (NAME): api_key KEY"
    assert runner.invoke(args=["open311", "revoke-key", revoked]).exit_code == 0
    client = runner.invoke(args=["open311", "create-key", "台北通 app"]).output.split()[1]
    return {"letter": f"/staff/cases/{number}/letter", "unit": find_unit("ROADS").id,
            "staff": find_staff("roads.handler@example.tw").id, "open311_client": client}


def _check(page, what: str, width: str, problems: list[str]) -> None:  # noqa: ANN001
    assert page.locator("h1, h2").first.is_visible(), what
    problems += page_problems(page, f"{what} {width}")


def _person(browser, live_server: str, email: str):  # noqa: ANN001, F811
    context = browser.new_context(locale="zh-TW")
    page = context.new_page()
    log_in(page, live_server, email)
    return context, page


def test_documents_notifications_and_administration_are_accessible_on_a_laptop_and_a_phone(
        browser, live_server, agency):  # noqa: F811
    problems: list[str] = []
    people = {email: _person(browser, live_server, email)
              for email in ("intake@example.tw", "roads.chief@example.tw", "admin@example.tw")}
    admin_pages = ["/staff/admin/", "/staff/admin/settings", "/staff/admin/units",
                   f"/staff/admin/units/{agency['unit']}", "/staff/admin/staff", "/staff/admin/staff/new",
                   f"/staff/admin/staff/{agency['staff']}", "/staff/admin/time-limits",
                   "/staff/admin/time-limits/ordinary", "/staff/admin/calendar", "/staff/admin/questionnaires",
                   "/staff/admin/tokens", "/staff/admin/audit", "/staff/admin/open311-clients",
                   f"/staff/admin/open311-clients/{agency['open311_client']}/revoke"]
    try:
        for width, (w, h) in WIDTHS.items():
            intake = people["intake@example.tw"][1]
            intake.set_viewport_size({"width": w, "height": h})
            # The counter receipt slip (臨櫃收件確認), shown after a counter intake.
            intake.goto(f"{live_server}/staff/intake")
            intake.select_option("#channel", "petition")
            intake.select_option("#received_via", "counter")
            intake.fill("#name", "王小明")
            intake.fill("#address", "臺北市信義區市府路1號")
            intake.fill("#subject", "路燈不亮")
            intake.fill("#body", "市府路口的路燈已經一週不亮，夜間行人危險，請儘速修復。")
            intake.locator('main form[enctype="multipart/form-data"] button[type="submit"]').click()
            intake.wait_for_load_state()
            assert intake.locator("article.slip").is_visible(), intake.content()[:2000]
            _check(intake, "counter slip", width, problems)
            # The reply letter (函稿).
            intake.goto(live_server + agency["letter"])
            _check(intake, "letter", width, problems)

            chief = people["roads.chief@example.tw"][1]
            chief.set_viewport_size({"width": w, "height": h})
            chief.goto(f"{live_server}/staff/notifications")
            assert chief.locator("main li, main tr").count() > 0, "no notices to show"
            _check(chief, "notifications", width, problems)

            admin = people["admin@example.tw"][1]
            admin.set_viewport_size({"width": w, "height": h})
            for path in admin_pages:
                answer = admin.goto(live_server + path)
                assert answer.status == 200, path
                _check(admin, path, width, problems)
            # The calendar's preview of a change, listing the due dates it moves.
            admin.goto(f"{live_server}/staff/admin/calendar")
            admin.fill("#day", "2099-08-13")
            admin.fill("#reason", "颱風停止上班")
            admin.locator('form[aria-labelledby="add-day"] button[type="submit"]').click()
            admin.wait_for_load_state()
            _check(admin, "calendar preview", width, problems)
            # A new Open311 key, shown once with its warning.
            admin.goto(f"{live_server}/staff/admin/open311-clients")
            admin.fill("#name", f"市府通報 app {width}")
            admin.locator('form[aria-labelledby="new-client"] button[type="submit"]').click()
            admin.wait_for_load_state()
            assert admin.locator("#new-key").is_visible(), admin.content()[:2000]
            _check(admin, "new Open311 key", width, problems)
    finally:
        for context, _page in people.values():
            context.close()
    assert problems == [], "\n".join(problems)

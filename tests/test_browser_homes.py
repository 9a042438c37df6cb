"""Each role's home, the statistics and the satisfaction report in a real browser at a laptop's 1280 px and a
phone's 390 px (issue 12, deliver 8): axe finds nothing serious or critical (the tables scroll sideways in a
focusable region named by their caption), and at 390 px the page itself never scrolls sideways."""

from __future__ import annotations

import pytest

from tests.test_browser import WIDTHS, browser, live_server, log_in, page_problems  # noqa: F401 - the fixtures

ROLES = ["intake@example.tw", "roads.chief@example.tw", "roads.handler@example.tw", "secretariat@example.tw",
         "ethics@example.tw"]


@pytest.fixture
def cases(app, db):  # noqa: ANN001
    """Every home with something on it: new, returned, routed, in progress, due soon, overdue, awaiting approval."""
    from tests.support import act, make_agency, staff_client
    from tests.test_role_homes import _case

    make_agency(db)
    _case(app, db, days_ago=7, subject="新進案件：分文逾期")
    returned = _case(app, db, unit="ROADS", subject="非本處業務")
    act(staff_client(app, "roads.chief@example.tw"), returned.number, "return-to-intake", reason="非本處業務，請改分")
    _case(app, db, unit="ROADS", subject="待分派案件，主旨稍長以便看出表格在手機上如何換行")
    _case(app, db, unit="ROADS", handler="roads.handler@example.tw", days_ago=70, subject="逾期案件")
    _case(app, db, unit="PARKS", handler="parks.handler@example.tw", days_ago=80, subject="公園逾期")
    soon = _case(app, db, unit="ROADS", handler="roads.handler@example.tw", limit_class="most-urgent")
    act(staff_client(app, "roads.handler@example.tw"), soon.number, "draft-reply", body="已修復。", outcome="met")
    _case(app, db, unit="ETHICS", subject="廉政案件")


@pytest.mark.parametrize("width", WIDTHS)
def test_each_roles_home_is_accessible_on_a_laptop_and_a_phone(browser, live_server, cases, width):  # noqa: F811
    problems = []
    for email in ROLES:
        context = browser.new_context(locale="zh-TW", viewport=dict(zip(("width", "height"), WIDTHS[width],
                                                                          strict=True)))
        page = context.new_page()
        log_in(page, live_server, email)
        page.goto(f"{live_server}/staff/")
        assert page.locator("#home-heading").is_visible(), email
        problems += page_problems(page, f"{email} {width}")
        # The case number column stays in view when a table is scrolled sideways to its end.
        regions = page.locator(".table-scroll")
        for k in range(regions.count()):
            region = regions.nth(k)
            region.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
            number = region.locator('tbody th[scope="row"] a[href^="/staff/cases/"], '
                                    'tbody td:first-child a[href^="/staff/cases/"]').first
            if number.count() and number.bounding_box()["x"] < region.bounding_box()["x"] - 1:
                problems.append(f"{email} {width}: the case number left the view in table {k + 1}")
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_statistics_and_satisfaction_are_accessible_on_a_laptop_and_a_phone(browser, live_server, cases,  # noqa: F811
                                                                            width):
    context = browser.new_context(locale="zh-TW", viewport=dict(zip(("width", "height"), WIDTHS[width],
                                                                      strict=True)))
    page = context.new_page()
    log_in(page, live_server, "secretariat@example.tw")
    problems = []
    for path in ("/staff/statistics", "/staff/satisfaction"):
        page.goto(live_server + path)
        problems += page_problems(page, f"{path} {width}")
    context.close()
    assert problems == [], "\n".join(problems)

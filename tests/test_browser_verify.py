"""Issue 13, deliver 1: the confirmation page in a real browser without JavaScript, at 1280 and 390 px, axe-clean."""

from __future__ import annotations

import pytest

from tests.support import path_of, post_form, valid_letter
from tests.test_browser import browser, live_server, serious_violations  # noqa: F401 - fixtures


@pytest.mark.parametrize("width", [1280, 390])
def test_the_confirmation_page_works_without_javascript_and_is_accessible(browser, live_server, client, smtp,  # noqa: F811
                                                                           db, width):
    from cases.models import Case
    from tests.support import table_count

    post_form(client, "/petition", valid_letter())
    context = browser.new_context(locale="zh-TW", java_script_enabled=False,
                                  viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server + path_of(smtp.only_link_to("citizen@example.tw")))
        assert table_count(db, Case) == 0
        page.get_by_role("button", name="確認並登記我的案件").click()
        page.wait_for_load_state()
        assert "案件編號" in page.content()
        assert table_count(db, Case) == 1
    finally:
        context.close()
    # axe runs in the page, so it needs JavaScript: the same page checked with it on.
    post_form(client, "/mailbox", valid_letter(email="second@example.tw"))
    context = browser.new_context(locale="zh-TW", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server + path_of(smtp.only_link_to("second@example.tw")))
        assert page.get_by_role("button", name="確認並登記我的案件").is_visible()
        assert serious_violations(page) == []
    finally:
        context.close()

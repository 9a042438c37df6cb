"""The periodic analysis (issue 14, deliver 6) in a real browser at 1280 and 390 px, in both languages: axe finds
nothing serious or critical, the page never scrolls sideways (its tables scroll in their regions), the secretariat
saves the proposals with the form, and the printed page leaves the form and the menus off the paper."""

from __future__ import annotations

import pytest

from tests.test_browser import WIDTHS, browser, live_server, log_in, page_problems  # noqa: F401 - the fixtures


@pytest.fixture
def quarter(app, db, clock):  # noqa: ANN001
    from tests.test_analysis import _seed

    _seed(db, clock)


def test_the_analysis_is_accessible_and_prints_without_the_form(browser, live_server, quarter):  # noqa: F811
    problems: list[str] = []
    context = browser.new_context(locale="zh-TW")
    page = context.new_page()
    log_in(page, live_server, "secretariat@example.tw")
    page.goto(f"{live_server}/staff/analysis/2026-Q3")
    page.fill("#proposals-text", "一、路燈案件逾期者，請養護工程處檢討派工。")
    page.fill("#presented_on", "2026-10-15")
    page.get_by_role("button", name="儲存改善建議").click()
    assert "改善建議已儲存" in page.locator(".flashes").inner_text()
    for language in ("zh-TW", "en"):
        if language == "en":
            page.goto(f"{live_server}/language/en")
        for width, (w, h) in WIDTHS.items():
            page.set_viewport_size({"width": w, "height": h})
            for path in ("/staff/analysis", "/staff/analysis/2026-Q3", "/staff/analysis?period=2026-Q9"):
                page.goto(live_server + path)
                assert page.locator("h1").is_visible(), path
                problems += page_problems(page, f"{language} {path} {width}")
    page.goto(f"{live_server}/staff/analysis/2026-Q3")
    page.emulate_media(media="print")
    assert not page.locator("textarea").first.is_visible()
    assert not page.locator("header.site-header").is_visible()
    assert "一、路燈案件逾期者" in page.locator(".proposals .body").inner_text()
    assert page.locator(".proposals .body").is_visible()
    context.close()
    assert problems == [], "\n".join(problems)

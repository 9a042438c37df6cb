"""The public statistics and open-data pages (issue 14) in a real browser at 1280 and 390 px: axe finds nothing
serious or critical, and on a phone the page itself never scrolls sideways (the tables scroll in their regions)."""

from __future__ import annotations

import pytest

from tests.test_browser import WIDTHS, browser, live_server, page_problems  # noqa: F401 - the fixtures


@pytest.fixture
def figures(app, db, clock):  # noqa: ANN001
    from tests.test_public_statistics import _seed

    _seed(db, clock)


@pytest.mark.parametrize("width", WIDTHS)
def test_public_statistics_and_open_data_are_accessible(browser, live_server, figures, width):  # noqa: F811
    problems = []
    for locale in ("zh-TW", "en"):
        context = browser.new_context(locale=locale, viewport=dict(zip(("width", "height"), WIDTHS[width],
                                                                         strict=True)))
        page = context.new_page()
        if locale == "en":
            page.goto(f"{live_server}/language/en")
        for path in ("/statistics?from=2026-10&to=2026-11", "/statistics?unit=ROADS", "/open-data"):
            page.goto(live_server + path)
            assert page.locator("h1").is_visible(), path
            problems += page_problems(page, f"{locale} {path} {width}")
        context.close()
    assert problems == [], "\n".join(problems)

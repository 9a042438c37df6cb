"""Issue 13 in a real browser at a laptop's 1280 px and a phone's 390 px, axe-clean (nothing serious or critical):
the tracking page with its timeline, the 補陳 answer form, the "add information" form, the reopen form and the reply's
attachments; the reply-file page that asks for the access code; the petition form with the SMS choice; the staff case
page with the request-information form and the reply-attachment upload. The tracking page's forms work without
JavaScript. One browser; each page checked at both widths by resizing it."""

from __future__ import annotations

import re

import pytest

from tests.support import access_code, act, make_agency, register_case, staff_client
from tests.test_bad_input import PDF
from tests.test_browser import browser, live_server, log_in, serious_violations  # noqa: F401 - the fixtures
from tests.test_reply_attachments import _attach

WIDTHS = ((1280, 800), (390, 844))


@pytest.fixture
def journey(app, db, smtp):  # noqa: ANN001, ANN201
    """Four cases of four petitioners: awaiting information, in progress, with a reply draft carrying a file, and
    answered with a file (closed). Returns {name: (number, code)}."""
    make_agency(db)
    intake = staff_client(app, "intake@example.tw")
    chief = staff_client(app, "roads.chief@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    cases = {}
    for name in ("asked", "open", "drafted", "closed"):
        email = f"{name}@example.tw"
        number = register_case(db, email=email, subject=f"路燈不亮（{name}）").number
        act(intake, number, "route", unit="ROADS")
        act(chief, number, "assign", handler="roads.handler@example.tw")
        cases[name] = (number, access_code(smtp, email))
    assert act(handler, cases["asked"][0], "request-information",
               question="請問是哪一根路燈？請提供路燈編號或附近門牌。").status_code == 303
    for name in ("drafted", "closed"):
        act(handler, cases[name][0], "draft-reply", body="路燈已修復，現場照片如附件。", outcome="met")
        assert _attach(handler, cases[name][0], [(PDF, "現場照片.pdf")]).status_code == 303
    assert act(chief, cases["closed"][0], "approve-reply").status_code == 303
    return cases


def _check(page, label: str, problems: list[str]) -> None:  # noqa: ANN001
    """axe at both widths, by resizing the page; and at 390 px the page never scrolls sideways."""
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        problems += [f"{label} {width}: {v}" for v in serious_violations(page)]
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
            problems.append(f"{label} {width}: the page scrolls sideways")


def _look_up(page, live_server: str, number: str, code: str) -> None:  # noqa: ANN001, F811
    page.goto(f"{live_server}/track")
    page.get_by_label("案件編號").fill(number)
    page.get_by_label("查詢密碼").fill(code)
    page.get_by_role("button", name="查詢").click()
    page.wait_for_load_state()


def test_the_petitioners_pages_and_the_staff_forms_are_accessible_on_a_laptop_and_a_phone(
        browser, live_server, journey):  # noqa: F811
    problems: list[str] = []
    context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 800})
    page = context.new_page()

    # The petition form with the SMS choice.
    page.goto(f"{live_server}/petition")
    assert page.get_by_role("checkbox", name=re.compile("簡訊")).count() == 1
    _check(page, "/petition", problems)

    # An answered case: the timeline, the reply and its files, the reopen form.
    number, code = journey["closed"]
    _look_up(page, live_server, number, code)
    assert page.locator("ol.timeline li").count() >= 3
    assert page.get_by_role("button", name="重啟我的案件").is_visible()
    _check(page, "track closed", problems)
    page.get_by_role("link", name="現場照片.pdf").click()
    page.wait_for_load_state()
    assert re.search(rf"/track/{number}/files/\d+$", page.url) and page.get_by_label("查詢密碼").is_visible()
    _check(page, "reply file", problems)

    # A case awaiting information: the question and the answer form; the add form under an open case.
    number, code = journey["asked"]
    _look_up(page, live_server, number, code)
    assert page.get_by_label("您的補充說明").is_visible()
    _check(page, "track awaiting information", problems)
    number, code = journey["open"]
    _look_up(page, live_server, number, code)
    assert page.locator('input[type="file"]#add-attachments').is_visible()
    _check(page, "track open", problems)
    # A refusal under the case (nothing written) is shown accessibly too.
    page.get_by_role("button", name="送出補充資料").click()
    page.wait_for_load_state()
    assert page.locator("#action-error").is_visible()
    _check(page, "track add refused", problems)

    # The staff case pages: the request-information form, the reply-attachment upload.
    log_in(page, live_server, "roads.handler@example.tw")
    page.goto(f"{live_server}/staff/cases/{journey['open'][0]}")
    assert page.locator("#info-question").is_visible()  # the request-information form
    _check(page, "staff in progress", problems)
    page.goto(f"{live_server}/staff/cases/{journey['drafted'][0]}")
    assert page.get_by_label("附加檔案至答覆").is_visible()
    _check(page, "staff drafted", problems)
    context.close()
    assert problems == [], "\n".join(problems)


def test_the_tracking_pages_forms_work_without_javascript(browser, live_server, journey, app, db,  # noqa: F811
                                                          monkeypatch):
    from cases.models import Case, PetitionerMessage
    from tests.support import table_count

    # Six look-ups and actions from one address in a minute: more than a petitioner's budget, not this test's topic.
    monkeypatch.setitem(app.config, "RATELIMIT_TRACK", "100 per minute")
    context = browser.new_context(locale="zh-TW", java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    number, code = journey["asked"]
    _look_up(page, live_server, number, code)
    page.get_by_label("您的補充說明").fill("是門牌 12 號前的那一根，編號 A-12。")
    page.get_by_role("button", name="送出補充說明").click()
    page.wait_for_load_state()
    assert "謝謝您：已收到您的補充說明" in page.content()
    db.session.expire_all()
    assert db.session.scalar(db.select(Case.state).where(Case.number == number)) == "in_progress"

    number, code = journey["open"]
    _look_up(page, live_server, number, code)
    page.get_by_label(re.compile("您要補充什麼")).fill("旁邊還有一根也不亮。")
    page.get_by_role("button", name="送出補充資料").click()
    page.wait_for_load_state()
    assert page.locator(".notice").is_visible()
    assert table_count(db, PetitionerMessage) == 1

    number, code = journey["closed"]
    _look_up(page, live_server, number, code)
    page.get_by_role("textbox", name=re.compile("哪些問題尚未解決")).fill("隔天又不亮了。")
    page.get_by_role("button", name="重啟我的案件").click()
    page.wait_for_load_state()
    assert page.locator(".notice").is_visible(), page.locator("main").inner_text()
    assert table_count(db, Case) == 5
    context.close()

"""A real browser (Debian's Chromium through Playwright) with axe-core accessibility checks."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import need
from tests.support import path_of

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    need("Chromium", shutil.which("chromium") is not None, "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def page(browser):  # noqa: ANN001
    context = browser.new_context(locale="zh-TW")
    page = context.new_page()
    yield page
    context.close()


def log_in(page, live_server: str, email: str) -> None:  # noqa: ANN001
    from tests.support import PASSWORD

    page.goto(f"{live_server}/staff/login")
    page.get_by_label("電子郵件").fill(email)
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_load_state()


def serious_violations(page) -> list[str]:  # noqa: ANN001
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


WIDTHS = {"laptop": (1280, 800), "phone": (390, 844)}


def fits(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def too_wide(page) -> list[str]:  # noqa: ANN001
    """What reaches past the window's right edge (outside the scroll regions), for the failure message."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
        .slice(0, 8)""")


def page_problems(page, label: str) -> list[str]:  # noqa: ANN001
    """What is wrong with the page as shown: axe's serious and critical findings, and the page itself scrolling
    sideways (tables scroll in their own regions)."""
    problems = [f"{label}: {v}" for v in serious_violations(page)]
    if not fits(page):
        problems.append(f"{label}: the page scrolls sideways: {too_wide(page)}")
    return problems


def test_director_mailbox_in_a_real_browser_is_accessible(page, live_server, smtp):
    page.goto(f"{live_server}/mailbox")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
    assert serious_violations(page) == []

    # Sending it empty shows the errors, which must be accessible too.
    page.get_by_role("button", name="送出").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert serious_violations(page) == []

    page.get_by_label("姓名").fill("王小明")
    page.get_by_label("電子郵件").fill("browser@example.tw")
    page.get_by_label("主旨").fill("人行道破損")
    page.get_by_label("內容").fill("忠孝東路四段人行道地磚破損翹起，已有路人絆倒，請派員修補。")
    page.get_by_label(re.compile("同意")).check()
    page.get_by_role("button", name="送出").click()
    page.wait_for_url(re.compile(r"/submitted$"))
    assert "請至信箱點選確認連結" in page.content()
    assert serious_violations(page) == []

    page.goto(live_server + path_of(smtp.only_link_to("browser@example.tw")))
    assert "案件編號" not in page.content()  # opening the link confirms nothing: one button does
    assert serious_violations(page) == []
    page.get_by_role("button", name="確認並登記我的案件").click()
    assert "案件編號" in page.content()
    assert serious_violations(page) == []

    text = smtp.text(smtp.last_to("browser@example.tw"))
    number = re.search(r"案件編號：(\d+)", text).group(1)
    code = re.search(r"查詢密碼：([A-Z0-9]+)", text).group(1)
    page.goto(f"{live_server}/track")
    page.get_by_label("案件編號").fill(number)
    page.get_by_label("查詢密碼").fill(code)
    page.get_by_role("button", name="查詢").click()
    page.wait_for_load_state()
    assert "已登記" in page.content()
    assert serious_violations(page) == []


def test_home_complaint_and_english_pages_are_accessible(page, live_server):
    for path in ("/", "/complaint", "/petition", "/staff/login"):
        page.goto(live_server + path)
        assert serious_violations(page) == [], path
    page.goto(f"{live_server}/language/en?next=/complaint")
    assert page.locator("html").get_attribute("lang") == "en"
    assert serious_violations(page) == []


def test_staff_pages_are_accessible(page, live_server, app, db):
    from tests.support import act, make_agency, register_case, staff_client

    make_agency(db)
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    page.goto(f"{live_server}/staff/login")
    assert serious_violations(page) == []
    log_in(page, live_server, "roads.chief@example.tw")
    for path in ("/staff/", "/staff/?queue=unit", f"/staff/cases/{number}"):
        page.goto(live_server + path)
        assert serious_violations(page) == [], path
    # The supervisor assigns the handler from the case page, without JavaScript tricks.
    page.get_by_role("button", name=re.compile("指派")).click()
    page.wait_for_load_state()
    assert "roads.handler" in page.content()
    assert serious_violations(page) == []


def test_the_account_pages_are_accessible(page, live_server, app, db):
    from tests.support import make_agency

    make_agency(db)
    log_in(page, live_server, "admin@example.tw")
    for path in ("/staff/account", "/staff/tokens", "/staff/admin/staff", "/staff/admin/tokens"):
        page.goto(live_server + path)
        assert serious_violations(page) == [], path
    page.goto(live_server + "/staff/tokens")
    page.get_by_label("名稱（權杖的用途）").fill("公文系統")
    page.get_by_role("button", name="建立權杖").click()
    page.wait_for_load_state()
    assert page.locator("#new-token").input_value().startswith("cfb_")  # shown once
    assert serious_violations(page) == []
    page.get_by_role("button", name=re.compile("撤銷")).click()
    page.wait_for_load_state()
    assert "權杖已撤銷" in page.content()
    assert serious_violations(page) == []


def test_answering_the_survey_in_a_real_browser_is_accessible(browser, live_server, app, db, smtp):
    from tests.support import close_with_reply, make_agency, survey_link

    make_agency(db)
    close_with_reply(app, db)
    link = survey_link(smtp, "citizen@example.tw")
    context = browser.new_context(locale="zh-TW", viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.goto(live_server + link)
    assert serious_violations(page) == []
    page.get_by_role("button", name="送出").click()  # nothing chosen: the errors must be accessible too
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert serious_violations(page) == []
    for key, score in {"speed": 4, "attitude": 5, "clarity": 4, "solved": 3, "overall": 4}.items():
        page.locator(f"#{key}-{score}").check()
    page.get_by_label(re.compile("其他意見|意見")).fill("謝謝承辦人")
    page.get_by_role("button", name="送出").click()
    page.wait_for_load_state()
    assert "謝謝" in page.content()
    assert serious_violations(page) == []
    context.close()


def test_the_satisfaction_report_is_accessible(page, live_server, app, db):
    from tests.support import make_agency

    make_agency(db)
    log_in(page, live_server, "secretariat@example.tw")
    for path in ("/staff/satisfaction", "/staff/follow-ups", "/staff/statistics"):
        page.goto(live_server + path)
        assert serious_violations(page) == [], path


def test_the_ethics_pages_are_accessible(page, live_server, app, db):
    from tests.support import make_agency

    make_agency(db)
    log_in(page, live_server, "ethics@example.tw")
    for path in ("/staff/ethics", "/staff/access-log", "/staff/ethics/reports"):
        page.goto(live_server + path)
        assert serious_violations(page) == [], path

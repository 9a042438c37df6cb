"""The FAQ (業務問與答) and the intake forms' suggestion step (issue 14, deliver 4) in a real browser, at a laptop's
1280 px and a phone's 390 px, in Chinese and English: axe finds nothing serious or critical, the page never scrolls
sideways; from the suggestion step the form still sends what was typed, and "my question is answered" sends
nothing. The suggestion step also works with JavaScript off."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support import make_agency, table_count
from tests.test_browser import WIDTHS, browser, live_server, log_in, page_problems  # noqa: F401 - the fixtures

ENTRIES = [
    {"category": "道路", "question_zh": "路燈故障怎麼辦？",
     "answer_zh": "請撥打 1999 市民當家熱線，或於本網站報修路燈。\n報修時請提供路燈桿上的編號：https://www.example.gov.tw/streetlights/reportStreetLightFailureOnlineForm",
     "question_en": "What if a street light is broken?",
     "answer_en": "Call the 1999 hotline or report it on our website, giving the number on the pole."},
    {"category": "道路", "question_zh": "人行道破損如何報修？", "answer_zh": "請於陳情表單寫明地點並附上照片。",
     "question_en": "How do I report a broken pavement?", "answer_en": "Write to us with the place and a photo."},
    {"category": "公園", "question_zh": "公園開放時間？", "answer_zh": "每日上午六時至晚上十時。",
     "question_en": "When are the parks open?", "answer_en": "From 6 a.m. to 10 p.m. every day."},
    {"category": "交通", "question_zh": "違規停車如何檢舉？", "answer_zh": "請附上照片、時間與地點，經由陳情表單送出。",
     "question_en": "How do I report illegal parking?", "answer_en": "Send a photo, the time and the place."},
]
# Written in Chinese only: the English page shows it in Chinese, marked as such.
CHINESE_ONLY = {"category": "公園", "question_zh": "公園可以遛狗嗎？", "answer_zh": "可以，但請繫上牽繩並清理排泄物。"}
UNPUBLISHED = {"category": "道路", "question_zh": "路燈草稿問題", "answer_zh": "尚未公開的答案。"}

# What the reader sees, per language: the words the page uses and the test's typed text.
WORDS = {
    "zh-TW": {
        "name": "姓名", "email": "電子郵件", "subject": "主旨", "body": "內容說明", "consent": "同意",
        "send": "送出", "continue": "繼續送出", "answered": "我的問題已獲解答",
        "asked": "您的問題是否已在這裡得到解答？", "glad": "很高興能幫上忙",
        "found": "路燈故障怎麼辦？", "parks": "公園開放時間？", "none": "查無相關問答。",
        "subject_text": "家門口路燈不亮", "body_text": "巷口路燈已經三天不亮，晚上很危險，請派員修理。",
    },
    "en": {
        "name": "Name", "email": "E-mail", "subject": "Subject", "body": "Description", "consent": "I agree",
        "send": "Send", "continue": "Continue to submit", "answered": "My question is answered",
        "asked": "Is your question answered here?", "glad": "Glad we could help",
        "found": "What if a street light is broken?", "parks": "When are the parks open?",
        "none": "No questions found.", "subject_text": "Street light out in front of my house",
        "body_text": "The street light at the corner has been out for three days; please repair it.",
    },
}


@pytest.fixture
def entries(app, db):  # noqa: ANN001
    """Published entries in both languages in three categories, and one unpublished, saved by the secretariat
    through the FAQ's own service."""
    from core.accounts.services import find_staff
    from feedback import faq

    make_agency(db)
    secretariat = find_staff("secretariat@example.tw")
    for values in [*ENTRIES, CHINESE_ONLY]:
        faq.save(None, {**values, "published": "1"}, secretariat)
    faq.save(None, UNPUBLISHED, secretariat)
    db.session.commit()


def _context(browser, width: str, locale: str, live_server: str, **options):  # noqa: ANN001, ANN202, F811
    context = browser.new_context(locale=locale, viewport=dict(zip(("width", "height"), WIDTHS[width], strict=True)),
                                  **options)
    page = context.new_page()
    if locale == "en":
        page.goto(f"{live_server}/language/en")
    return context, page


def _look(page, label: str, problems: list[str]) -> None:  # noqa: ANN001
    """axe, and no sideways scrolling, with every answer opened (a closed <details> hides its text from both)."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    problems += page_problems(page, label)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_faq_pages_are_accessible_in_both_languages(browser, live_server, entries, width):  # noqa: F811
    problems = []
    for locale, words in WORDS.items():
        context, page = _context(browser, width, locale, live_server)
        pages = {
            "/faq": [words["found"], words["parks"]],
            "/faq?q=路燈不亮": [words["found"]],
            "/faq?q=太空梭": [words["none"]],
            "/faq?category=公園": [words["parks"]],
        }
        for path, expected in pages.items():
            page.goto(live_server + path)
            assert page.locator("h1").is_visible(), path
            text = page.locator("main").inner_text()
            assert all(e in text for e in expected), (locale, path, text)
            assert "草稿" not in text, path
            if path != "/faq":
                assert words["parks" if path.startswith("/faq?q=") else "found"] not in text, (locale, path)
            _look(page, f"{locale} {path} {width}", problems)
        if locale == "en":  # what is in Chinese on the English page says so, for a screen reader (WCAG 3.1.2)
            page.goto(f"{live_server}/faq")
            assert page.locator('details[lang="zh-Hant-TW"] summary').all_inner_texts() == [
                CHINESE_ONLY["question_zh"]]
            assert page.locator('h2[lang="zh-Hant-TW"]').all_inner_texts() == ["交通", "公園", "道路"]
            assert page.locator('details:not([lang])').count() == len(ENTRIES)
        # The search form works as a person uses it: type, press the button.
        page.goto(f"{live_server}/faq")
        page.locator("#faq-q").fill("路燈")
        page.locator("#faq-q").press("Enter")
        page.wait_for_url(re.compile(r"/faq\?q="))
        assert words["found"] in page.locator("main").inner_text()
        context.close()
    assert problems == [], "\n".join(problems)


def _fill(page, words: dict, email: str, body: str) -> None:  # noqa: ANN001
    page.get_by_label(words["name"], exact=True).fill("王小明")
    page.get_by_label(words["email"], exact=True).fill(email)
    page.get_by_label(words["subject"], exact=True).fill(words["subject_text"])
    page.get_by_label(words["body"], exact=True).fill(body)
    page.get_by_label(re.compile(words["consent"])).check()
    page.get_by_role("button", name=words["send"], exact=True).click()
    page.wait_for_load_state()


def _submissions(db) -> list:  # noqa: ANN001
    from cases.case_file import Submission

    db.session.expire_all()
    return list(db.session.scalars(sa.select(Submission).order_by(Submission.id)))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_suggestion_step_is_accessible_and_sends_what_was_typed(browser, live_server, entries, db, width):  # noqa: F811
    from feedback.faq import FaqSuggestionDay

    problems = []
    for n, (locale, words) in enumerate(WORDS.items()):
        context, page = _context(browser, width, locale, live_server)
        page.goto(f"{live_server}/petition")
        body = words["body_text"]
        _fill(page, words, f"lamp{n}@example.tw", body)
        suggestions = page.locator("#faq-suggestions-h").locator("xpath=..")
        assert suggestions.get_by_role("heading", name=words["asked"]).is_visible()
        assert words["found"] in suggestions.inner_text() and words["parks"] not in suggestions.inner_text()
        assert page.get_by_label(words["body"], exact=True).input_value() == body  # the form, still filled
        _look(page, f"{locale} /petition suggestions {width}", problems)
        assert len(_submissions(db)) == n  # nothing sent yet

        # Continue: what was typed is sent.
        page.get_by_role("button", name=words["continue"], exact=True).click()
        page.wait_for_url(re.compile(r"/submitted$"))
        _look(page, f"{locale} /submitted {width}", problems)
        sent = _submissions(db)[-1]
        assert (sent.channel, sent.subject, sent.body, sent.identity.email) == (
            "petition", words["subject_text"], body, f"lamp{n}@example.tw")

        # "My question is answered": nothing is sent, the stop is counted.
        page.goto(f"{live_server}/mailbox")
        _fill(page, words, f"stop{n}@example.tw", body)
        page.get_by_role("button", name=words["answered"], exact=True).click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1, name=words["glad"]).is_visible()
        _look(page, f"{locale} /faq/answered {width}", problems)
        assert len(_submissions(db)) == n + 1
        context.close()
    db.session.expire_all()
    day = db.session.scalar(sa.select(FaqSuggestionDay))
    assert (day.shown, day.stopped) == (4, 2)
    assert problems == [], "\n".join(problems)


def test_the_suggestion_step_works_without_javascript(browser, live_server, entries, db):  # noqa: F811
    from cases.case_file import Submission

    words = WORDS["zh-TW"]
    context, page = _context(browser, "phone", "zh-TW", live_server, java_script_enabled=False)
    try:
        page.goto(f"{live_server}/petition")
        _fill(page, words, "nojs@example.tw", "巷口路燈已經三天不亮，請派員修理。")
        assert page.get_by_role("heading", name=words["asked"]).is_visible()
        # A <details> opens without JavaScript: the answer is read on the page.
        page.get_by_text(words["found"]).click()
        assert page.get_by_text("1999 市民當家熱線", exact=False).is_visible()
        # The link to the form's button is a plain anchor that brings the button into view; the button sends.
        page.get_by_role("link", name=words["continue"]).click()
        button = page.get_by_role("button", name=words["continue"], exact=True)
        expect(button).to_be_in_viewport()
        button.click()
        page.wait_for_url(re.compile(r"/submitted(#continue)?$"))  # a redirect keeps the fragment
        assert table_count(db, Submission) == 1
        assert _submissions(db)[0].body == "巷口路燈已經三天不亮，請派員修理。"

        page.goto(f"{live_server}/mailbox")
        _fill(page, words, "nojs2@example.tw", "巷口路燈不亮，想知道怎麼報修。")
        page.get_by_role("button", name=words["answered"], exact=True).click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1, name=words["glad"]).is_visible()
        assert table_count(db, Submission) == 1
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_pages_the_staff_home_now_leads_to_are_accessible(browser, live_server, entries, width):  # noqa: F811
    """The secretariat follows the home's links to the FAQ entries and the reply templates."""
    context, page = _context(browser, width, "zh-TW", live_server)
    problems: list[str] = []
    try:
        log_in(page, live_server, "secretariat@example.tw")
        for name in ("業務問與答管理", "答覆範本（常見問答集）"):
            page.goto(f"{live_server}/staff/")
            page.get_by_role("link", name=name, exact=True).click()
            page.wait_for_load_state()
            assert page.get_by_role("heading", level=1, name=re.compile(name[:4])).is_visible(), name
            _look(page, f"{name} {width}", problems)
    finally:
        context.close()
    assert problems == [], "\n".join(problems)

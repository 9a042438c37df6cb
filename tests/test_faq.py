"""Issue 14, deliver 4: the public FAQ (業務問與答) — search on Chinese text, both languages, the secretariat's
editing with versions and publishing, and the suggestion step of the intake forms with its daily count."""

from __future__ import annotations

import html

import sqlalchemy as sa

from tests.support import csrf_token, make_agency, staff_client


def _entry(client, **fields) -> None:  # noqa: ANN001
    page = client.get("/staff/faq")
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.text), "published": "1", **fields}
    assert client.post("/staff/faq", data=data).status_code == 303


def _seed(app, db):  # noqa: ANN001, ANN202
    make_agency(db)
    secretariat = staff_client(app, "secretariat@example.tw")
    _entry(secretariat, category="道路", question_zh="路燈故障怎麼辦？", answer_zh="請撥打 1999 或於網站報修路燈。",
           question_en="What if a street light is broken?", answer_en="Call 1999 or report it on our website.")
    _entry(secretariat, category="公園", category_en="Parks", question_zh="公園開放時間？",
           answer_zh="每日上午六時至晚上十時。", question_en="When are the parks open?",
           answer_en="From 6 a.m. to 10 p.m. every day.")
    _entry(secretariat, category="道路", question_zh="草稿問題", answer_zh="尚未公開", published="")
    return secretariat


def test_faq_search_finds_chinese_text_without_spaces_and_english_words(app, db, client):
    _seed(app, db)
    page = html.unescape(client.get("/faq").text)
    assert "路燈故障怎麼辦？" in page and "公園開放時間？" in page and "草稿問題" not in page
    # A Chinese query that is not a substring of the entry: its pairs of characters (路燈) find it.
    found = html.unescape(client.get("/faq", query_string={"q": "路燈不亮"}).text)
    assert "路燈故障怎麼辦？" in found and "公園開放時間？" not in found
    assert "公園開放時間？" in html.unescape(client.get("/faq", query_string={"q": "開放"}).text)
    assert "草稿問題" not in html.unescape(client.get("/faq", query_string={"q": "草稿"}).text)
    english = client.get("/faq", query_string={"q": "street light"}, headers={"Cookie": "lang=en"})
    assert "street light" in html.unescape(english.text)
    assert client.get("/faq", query_string={"q": "%_\\"}).status_code == 200
    # English words are whole words of three letters or more, not the grammar ("in" would match "parking").
    from feedback.faq import terms_of

    assert terms_of("Street light out in front of my house") == [
        "street light out in front of my house", "street", "light", "front", "house"]
    assert "公園開放時間？" not in html.unescape(client.get("/faq", query_string={"q": "is it in the"}).text)


def test_the_faq_is_linked_from_the_home_page_and_shown_in_english(app, db, client):
    _seed(app, db)
    assert 'href="/faq"' in client.get("/").text
    client.get("/language/en")
    page = html.unescape(client.get("/faq").text)
    assert "When are the parks open?" in page
    # A category with an English name shows it; one without shows its Chinese name, marked as Chinese.
    assert "<h2>Parks</h2>" in page and '<option value="公園" >Parks</option>' in page
    assert '<h2 lang="zh-Hant-TW">道路</h2>' in page
    assert "Parks" in html.unescape(client.get("/faq", query_string={"category": "公園"}).text)
    client.get("/language/zh_Hant_TW")
    assert "<h2>公園</h2>" in html.unescape(client.get("/faq").text)


def test_each_save_is_a_version_and_the_secretariat_publishes_and_withdraws(app, db, client):
    from feedback.faq import FaqEntry

    secretariat = _seed(app, db)
    entry = db.session.scalar(sa.select(FaqEntry).where(FaqEntry.question_zh == "公園開放時間？"))
    page = secretariat.get(f"/staff/faq/{entry.id}")
    token = csrf_token(page.text)
    assert secretariat.post(f"/staff/faq/{entry.id}", data={
        "csrf_token": token, "category": "公園", "question_zh": "公園開放時間？",
        "answer_zh": "每日上午五時至晚上十時。",
        "question_en": "When are the parks open?", "answer_en": "From 5 a.m.", "published": "1"}).status_code == 303
    assert secretariat.post(f"/staff/faq/{entry.id}", data={"csrf_token": token, "op": "unpublish"}).status_code == 303
    db.session.expire_all()
    entry = db.session.get(FaqEntry, entry.id)
    assert [v.number for v in entry.versions] == [1, 2, 3]
    assert entry.versions[0].answer_zh == "每日上午六時至晚上十時。"
    assert entry.versions[1].answer_zh.startswith("每日上午五時")
    assert not entry.published and "公園開放時間" not in html.unescape(client.get("/faq").text)
    assert staff_client(app, "roads.chief@example.tw").get("/staff/faq").status_code == 403


def _form(page_text: str, **fields) -> dict:
    return {"csrf_token": csrf_token(page_text), "name": "王小明", "email": "citizen@example.tw",
            "subject": "家門口路燈不亮", "body": "巷口路燈已經三天不亮，請派員修理。", "consent": "y", **fields}


def test_the_intake_form_suggests_matching_entries_before_submitting_and_counts_who_stopped(app, db, client, smtp):
    from cases.case_file import Submission
    from feedback.faq import FaqSuggestionDay

    _seed(app, db)
    page = client.get("/petition")
    assert 'name="step" value="check"' in page.text
    shown = client.post("/petition", data=_form(page.text, step="check"))
    assert shown.status_code == 200
    text = html.unescape(shown.text)
    assert "路燈故障怎麼辦？" in text and "公園開放時間？" not in text
    assert "巷口路燈已經三天不亮" in text  # the filled form below the matches
    assert 'name="step" value="submit"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0
    # "My question is answered": nothing is sent, and it is counted.
    assert client.post("/faq/answered", data={"csrf_token": csrf_token(shown.text)}).status_code == 200
    day = db.session.scalar(sa.select(FaqSuggestionDay))
    assert (day.shown, day.stopped) == (1, 1)
    # Without the form's CSRF token the answered button is refused.
    assert client.post("/faq/answered", data={}).status_code == 400
    # "Continue to submit" sends the form.
    sent = client.post("/petition", data=_form(shown.text, step="submit"))
    assert sent.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
    # A subject no entry matches goes straight on, and is not counted as shown.
    page = client.get("/mailbox")
    assert client.post("/mailbox", data=_form(page.text, step="check", subject="建議增設自行車道",
                                              email="other@example.tw")).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(FaqSuggestionDay.shown)) == 1
    counts = staff_client(app, "secretariat@example.tw").get("/staff/faq").text
    assert "faq-counts-caption" in counts
    # A letter the rules refuse (a description too short) is told so at once, before any suggestion.
    page = client.get("/petition")
    refused = client.post("/petition", data=_form(page.text, step="check", body="路燈壞了"))
    assert refused.status_code == 400 and "路燈故障怎麼辦？" not in html.unescape(refused.text)
    assert "請具體說明內容，至少 10 個字。" in html.unescape(refused.text)

"""Traditional Chinese by default, English one click away, and a complete catalogue."""

from __future__ import annotations

import subprocess
import sys

from babel.messages.pofile import read_po

from tests.conftest import ROOT

PO = ROOT / "core" / "translations" / "zh_Hant_TW" / "LC_MESSAGES" / "messages.po"


def test_pages_are_in_traditional_chinese_by_default_and_english_on_request(client):
    home = client.get("/")
    assert 'lang="zh-Hant-TW"' in home.text and "人民陳情" in home.text
    switched = client.get("/language/en?next=/mailbox", follow_redirects=True)
    assert 'lang="en"' in switched.text and "Director's mailbox" in switched.text.replace("&#39;", "'")
    back = client.get("/language/zh_Hant_TW?next=/", follow_redirects=True)
    assert "人民陳情" in back.text


def test_the_language_switch_never_redirects_off_site(client):
    answer = client.get("/language/en?next=//evil.example/")
    assert answer.headers["Location"] == "/"
    assert client.get("/language/fr").status_code == 404


def test_api_errors_follow_accept_language(client):
    body = {"channel": "mailbox", "email": "a@example.tw", "subject": "s", "body": "short", "consent": True}
    zh = client.post("/api/v1/submissions", json=body)
    en = client.post("/api/v1/submissions", json=body, headers={"Accept-Language": "en"})
    assert "10" in zh.json["errors"]["json"]["body"][0] and "字" in zh.json["errors"]["json"]["body"][0]
    assert "characters" in en.json["errors"]["json"]["body"][0]


def test_every_message_is_translated():
    with PO.open("rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_the_catalogue_has_every_message_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-o", str(pot), "--ignore-dirs=.venv migrations tests bench instance", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with PO.open("rb") as f:
        have = {m.id for m in read_po(f) if m.id}
    assert sorted(wanted - have) == [], "run `make translations` and translate the new messages"

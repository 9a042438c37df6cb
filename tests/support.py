"""Helpers shared by the tests: posting forms like a browser, factories, counting rows."""

from __future__ import annotations

import re

import sqlalchemy as sa


def csrf_token(page_text: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_text) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page_text
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client, url: str, data: dict, **kwargs):  # noqa: ANN001
    """Post a form the way a browser does: load the page, take its CSRF token, send."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={"csrf_token": csrf_token(page.text), **data}, **kwargs)


def valid_letter(**overrides) -> dict:
    data = {
        "name": "王小明",
        "email": "citizen@example.tw",
        "phone": "02-2345-6789",
        "address": "臺北市中正區重慶南路一段122號",
        "subject": "中山路路燈不亮",
        "body": "中山路二段與南京東路口的路燈已經三天沒有亮，晚上行人很危險，請儘速修復。",
        "consent": "y",
    }
    data.update(overrides)
    return data


def make_unit(code: str = "ROADS", name: str = "養護工程處", **kwargs):
    from core.accounts.services import create_unit

    return create_unit(code, name, **kwargs)


PASSWORD = "correct-horse-battery"


def make_staff(email: str, roles: list[str], unit_code: str = "ROADS", name: str = "測試同仁"):
    from core.accounts.services import create_staff, find_unit

    if find_unit(unit_code) is None:
        make_unit(unit_code, f"單位 {unit_code}")
    return create_staff(email, name, unit_code, roles, PASSWORD)


def login(client, email: str, password: str = PASSWORD):  # noqa: ANN001
    return post_form(client, "/staff/login", {"email": email, "password": password})


def table_count(db, model) -> int:  # noqa: ANN001
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def submit_and_verify(client, smtp, email: str = "citizen@example.tw", channel: str = "mailbox", **fields):  # noqa: ANN001
    """A verified web submission; returns (case number, access code) read from the receipt mail."""
    answer = post_form(client, f"/{channel}", valid_letter(email=email, **fields))
    assert answer.status_code == 303, answer.text
    client.get(path_of(smtp.only_link_to(email)))
    text = smtp.text(smtp.last_to(email))
    number = re.search(r"(?:案件編號：|Case number: )(\d+)", text).group(1)
    code = re.search(r"(?:查詢密碼：|Access code: )([A-Z0-9]+)", text).group(1)
    return number, code


def client_from(app, address: str):  # noqa: ANN001
    """A test client whose requests come from `address` (rate limits count per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client

"""Helpers shared by the tests: posting forms like a browser, factories, counting rows."""

from __future__ import annotations

import base64
import itertools
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


def confirm(client, link: str, **kwargs):  # noqa: ANN001
    """Open the verification link and press its one button, as the petitioner does (the GET confirms nothing)."""
    path = path_of(link)
    page = client.get(path)
    if page.status_code != 200 or 'id="confirm"' not in page.text:
        return page  # an unknown or expired link, or one already confirmed: the page as it is
    return client.post(path, data={"csrf_token": csrf_token(page.text)}, **kwargs)


def submit_and_verify(client, smtp, email: str = "citizen@example.tw", channel: str = "mailbox", **fields):  # noqa: ANN001
    """A verified web submission; returns (case number, access code) read from the receipt mail."""
    answer = post_form(client, f"/{channel}", valid_letter(email=email, **fields))
    assert answer.status_code == 303, answer.text
    confirm(client, smtp.only_link_to(email))
    text = smtp.text(smtp.last_to(email))
    number = re.search(r"(?:案件編號：|Case number: )(\d+)", text).group(1)
    code = re.search(r"(?:查詢密碼：|Access code: )([A-Z0-9]+)", text).group(1)
    return number, code


def client_from(app, address: str):  # noqa: ANN001
    """A test client whose requests come from `address` (rate limits count per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


# ---------------------------------------------------------------- the case tracker

AGENCY_STAFF = {
    # email: (unit, roles)
    "intake@example.tw": ("SEC", ["intake"]),
    "secretariat@example.tw": ("SEC", ["secretariat"]),
    "admin@example.tw": ("SEC", ["admin"]),
    "roads.chief@example.tw": ("ROADS", ["supervisor"]),
    "roads.handler@example.tw": ("ROADS", ["handler"]),
    "roads.deputy@example.tw": ("ROADS", ["handler"]),
    "parks.chief@example.tw": ("PARKS", ["supervisor"]),
    "parks.handler@example.tw": ("PARKS", ["handler"]),
    "ethics@example.tw": ("ETHICS", ["ethics"]),
}


def make_agency(db) -> None:  # noqa: ANN001
    """Units SEC, ROADS, PARKS, ETHICS and a member of staff for every role."""
    from core.accounts.services import create_staff

    make_unit("SEC", "秘書室")
    make_unit("ROADS", "養護工程處")
    make_unit("PARKS", "公園處")
    make_unit("ETHICS", "政風室", ethics_office=True)
    for email, (unit, roles) in AGENCY_STAFF.items():
        create_staff(email, email.split("@")[0], unit, roles, PASSWORD)
    db.session.commit()


def register_case(db, *, received_at=None, channel: str = "petition", email: str = "citizen@example.tw",  # noqa: ANN001
                  language: str = "zh_Hant_TW", subject: str = "人行道破損", name: str = "王小明"):
    """A case registered by the intake officer (as from a counter petition); returns it."""
    from datetime import datetime

    from core.accounts.services import find_staff
    from core.clock import TAIPEI
    from feedback import rules
    from feedback.services import register_by_staff

    if received_at is None:  # office hours of today, never in the future
        now = datetime.now(TAIPEI)
        received_at = now.replace(hour=10, minute=0) if now.hour >= 10 else now
    with _request_context():
        case, _code = register_by_staff(
            rules.SubmissionInput(channel=channel, subject=subject, body="忠孝東路人行道地磚破損，請修補。",
                                  name=name, email=email, received_via="counter",
                                  category="service" if channel == "complaint" else None),
            staff=find_staff("intake@example.tw"), received_at=received_at, language=language)
    db.session.commit()
    return case


def _request_context():  # noqa: ANN202
    from flask import current_app

    return current_app.test_request_context("/")


_addresses = itertools.count(1)


def staff_client(app, email: str):  # noqa: ANN001
    # Each login from an address of its own: the login rate limit is per address, and it is not
    # what these tests are about (test_accounts and test_tracking test the limits).
    n = next(_addresses)
    client = client_from(app, f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
    answer = login(client, email)
    assert answer.status_code == 302, answer.text
    return client


def act(client, number: str, action: str, **fields):  # noqa: ANN001
    """Take an action from the case page the way a person does: open it, then send its form."""
    page = client.get(f"/staff/cases/{number}")
    assert page.status_code == 200, page.status_code
    version = re.search(r'name="version" value="(\d+)"', page.text)
    data = {"csrf_token": csrf_token(page.text), "version": version.group(1) if version else "", **fields}
    return client.post(f"/staff/cases/{number}/{action}", data=data)


def close_with_reply(app, db, *, email: str = "citizen@example.tw", outcome: str = "met",  # noqa: ANN001
                     unit: str = "ROADS", language: str = "zh_Hant_TW", name: str = "王小明") -> str:
    """A case taken from registration to its approved reply through the pages; returns its number."""
    number = register_case(db, email=email, language=language, name=name).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit=unit)
    chief = staff_client(app, f"{unit.lower()}.chief@example.tw")
    act(chief, number, "assign", handler=f"{unit.lower()}.handler@example.tw")
    # A reply the quality check passes (issue 14): in the petitioner's language, with the remedy notice a refusal needs.
    act(staff_client(app, f"{unit.lower()}.handler@example.tw"), number, "draft-reply",
        body="Our reply." if language == "en" else "答覆內容。", outcome=outcome,
        **({"remedy_notice": "1"} if outcome == "refused" else {}))
    answer = act(chief, number, "approve-reply")
    assert answer.status_code == 303, answer.text
    return number


# ---------------------------------------------------------------- the petitioner after the receipt

_tracking_addresses = itertools.count(1)


def tracking_client(app):  # noqa: ANN001, ANN201
    """A client from an address of its own: the tracking rate limit is not what the tests using it are about."""
    n = next(_tracking_addresses)
    return client_from(app, f"10.77.{n // 256 % 256}.{n % 256}")


def access_code(smtp, email: str = "citizen@example.tw") -> str:  # noqa: ANN001
    """The access code, from the receipt mail (in either language)."""
    for message in smtp.to(email):
        found = re.search(r"(?:查詢密碼：|Access code: )([A-Z0-9]+)", smtp.text(message))
        if found:
            return found.group(1)
    raise AssertionError("no receipt mail")


def case_by_number(db, number: str):  # noqa: ANN001, ANN201
    """The case as the database has it now (what the requests changed, not the session's copy)."""
    from cases.models import Case

    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.number == number))


def add_information(app, number: str, code: str, message: str = "補充：破損處在公車站牌旁。", attachments=(),  # noqa: ANN001, ANN201
                    **headers):  # noqa: ANN003
    """The petitioner adds information (and files, as (name, bytes)) to their case through the API."""
    return tracking_client(app).post("/api/v1/track/messages", headers=headers, json={
        "case_number": number, "access_code": code, "message": message,
        "attachments": [{"filename": name, "content_base64": base64.b64encode(data).decode()}
                        for name, data in attachments]})


def reopen(app, number: str, code: str, reason: str = "路燈隔天又不亮了。", **headers):  # noqa: ANN001, ANN003, ANN201
    """The petitioner asks through the API to reopen their answered case ("not resolved")."""
    return tracking_client(app).post("/api/v1/track/reopen", json={"case_number": number, "access_code": code,
                                                                   "reason": reason}, headers=headers)


def survey_link(smtp, email: str) -> str:  # noqa: ANN001
    links = re.findall(r"https?://\S+/survey/\S+", smtp.text(smtp.last_to(email)))
    assert len(links) == 1, links
    return path_of(links[0])


ALL_FIVES = {"speed": "5", "attitude": "5", "clarity": "5", "solved": "5", "overall": "5"}


class Statements:
    """The SQL statements sent while the block runs, as (verb, text) pairs, on every engine (the tests' `db`
    works in a twin app with an engine of its own, the requests in the app's). The test client's requests run
    in this thread, so only this thread's statements are kept (a background publisher's are not)."""

    def __init__(self, engine=None) -> None:  # noqa: ANN001 - any engine: all are listened to
        import threading

        self.engine, self.thread, self.sent = sa.engine.Engine, threading.get_ident(), []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        import threading

        if threading.get_ident() == self.thread:
            self.sent.append((statement.lstrip().split(None, 1)[0].upper(), statement))

    def _commit(self, conn) -> None:  # noqa: ANN001
        import threading

        if threading.get_ident() == self.thread:
            self.sent.append(("COMMIT", "COMMIT"))

    def _checkout(self, *args) -> None:  # noqa: ANN002
        import threading

        if threading.get_ident() == self.thread:
            self.sent.append(("CHECKOUT", ""))

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        sa.event.listen(self.engine, "commit", self._commit)
        sa.event.listen(sa.pool.Pool, "checkout", self._checkout)
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        sa.event.remove(self.engine, "before_cursor_execute", self._record)
        sa.event.remove(self.engine, "commit", self._commit)
        sa.event.remove(sa.pool.Pool, "checkout", self._checkout)

    def _first_transaction(self) -> list[str]:
        verbs = [verb for verb, _ in self.sent]
        return verbs[:verbs.index("COMMIT")] if "COMMIT" in verbs else verbs

    def until_commit(self) -> list[str]:
        """The verbs of the first transaction (what a request writes; the test app then delivers mail eagerly)."""
        return [verb for verb in self._first_transaction() if verb != "CHECKOUT"]

    def checkouts_until_commit(self) -> int:
        """Connections taken from the pool up to the first commit (a request takes one, for its transaction)."""
        return self._first_transaction().count("CHECKOUT")

    def verbs(self) -> list[str]:
        return [verb for verb, _ in self.sent if verb != "CHECKOUT"]

    def count(self, verb: str | None = None) -> int:
        return len(self.sent) if verb is None else sum(v == verb.upper() for v in self.verbs())

    def __repr__(self) -> str:
        return "\n".join(text.split("\n", 1)[0][:160] for _, text in self.sent)

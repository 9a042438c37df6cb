"""Property-based fuzzing: no request, however odd, answers 5xx or leaves a partial row.

(a) schemathesis generates requests from the app's own OpenAPI document (`/api/v1/openapi.json`), valid ones
    and ones that break the schema, and sends them to the WSGI app in process (no server), with the bearer
    tokens of several members of staff so every staff endpoint is reached, half the time on a real case. The
    document has Open311's routes too: their requests name a real case or token half the time, and a POST
    carries a client application's real api_key (always when the request is valid, else half the time), so it
    reaches the rules, the e-mail confirmation and the outbox behind the key.
(b) hypothesis generates query strings for the staff pages' filters, the fields of the public forms (the
    three channels, tracking, the staff login, the survey form) and of the staff forms (every case action,
    registration by staff, the agency calendar).

After each request: the answer is below 500, and the row counts of submissions, cases and outbox messages
changed only if the request was a POST that answered 2xx/3xx (a refused request writes nothing).

How many: `FUZZ_EXAMPLES` unset (CI) keeps the file under a minute; `FUZZ_EXAMPLES=full` sends more than
10,000 requests in all (each test asserts its share); `FUZZ_EXAMPLES=N` runs N examples per target. Run the
full fuzz with `FUZZ_EXAMPLES=full .venv/bin/python -m pytest -q -s -o faulthandler_timeout=0 tests/test_fuzzing.py`
(it prints the counts).
A failure prints the falsifying example and how to reproduce it (hypothesis' seed).
"""

from __future__ import annotations

import os
import time
import urllib.parse
from collections import Counter

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import (
    AGENCY_STAFF,
    close_with_reply,
    csrf_token,
    make_agency,
    register_case,
    staff_client,
    survey_link,
)
from tests.test_staff_api import _tokens

MODE = os.environ.get("FUZZ_EXAMPLES", "")
FULL = MODE == "full"
# Examples per API operation and generation mode, and per page or form. Full: 31 operations × 2 modes × 150
# = 9,300 API requests, 8 staff pages × 300 = 2,400, 11 public targets × 300 = 3,300 and 4 × 300 = 1,200 staff
# forms: 16,200 at most (hypothesis may stop a target early when it runs out of distinct inputs), so each test
# asserts a share, and the shares add up to 10,000.
API_EXAMPLES = 150 if FULL else int(MODE) if MODE.isdigit() else 6
PAGE_EXAMPLES = 300 if FULL else int(MODE) if MODE.isdigit() else 20
API_SHARE, PAGES_SHARE, FORMS_SHARE, STAFF_FORMS_SHARE = (4_500, 2_200, 2_800, 500) if FULL else (0, 0, 0, 0)

# The full run takes minutes per test: past pyproject's 300 s per test (and its 120 s traceback dump; pass
# `-o faulthandler_timeout=0` to silence that).
pytestmark = pytest.mark.timeout(3600 if FULL else 300)

SETTINGS = settings(
    max_examples=1, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture, HealthCheck.large_base_example],
)

WATCHED = ("submissions", "cases", "outbox_messages")


def explore(examples: int, body) -> None:  # noqa: ANN001
    """Run `body(data)` on `examples` generated examples; body draws what it needs from `data`."""

    @settings(SETTINGS, max_examples=examples)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        body(data)

    run()


@pytest.fixture
def fuzz_app(app):
    """The session's app with the public rate limits out of the way for this test only (restored after):
    the fuzzers send hundreds of requests from one address; tests/test_tracking.py tests the limits."""
    keys = ("RATELIMIT_SUBMIT", "RATELIMIT_TRACK", "RATELIMIT_LOGIN")
    saved = {key: app.config[key] for key in keys}
    app.config.update({key: "100000 per minute" for key in keys})
    try:
        yield app
    finally:
        app.config.update(saved)


class Watch:
    """Row counts around each request, and what was sent (for the report)."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1)  # apart from the app's
        self.sql = sa.text("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in WATCHED))
        self.sent: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()

    def counts(self) -> tuple[int, ...]:
        with self.engine.connect() as conn:
            return tuple(conn.execute(self.sql).one())

    def check(self, label: str, method: str, send) -> int:  # noqa: ANN001
        before = self.counts()
        status = send()
        after = self.counts()
        self.sent[label] += 1
        self.statuses[status] += 1
        assert status < 500, f"{label}: {status}"
        if method.upper() != "POST" or status >= 400:
            assert after == before, f"{label} answered {status} but changed {WATCHED}: {before} → {after}"
        return status

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def close(self) -> None:
        self.engine.dispose()


def _report(capsys, title: str, watch: Watch, started: float) -> None:  # noqa: ANN001
    if MODE:
        with capsys.disabled():
            print(f"\n{title}: {watch.total} requests in {time.monotonic() - started:.1f} s; "
                  f"statuses {dict(sorted(watch.statuses.items()))}")


# ------------------------------------------------------------------ (a) the API, from its OpenAPI document


def _seed_cases(app, db) -> list[str]:  # noqa: ANN001
    """Cases in a few states for the generated requests to act on."""
    make_agency(db)
    numbers = [register_case(db, subject=f"人行道破損 {n}").number for n in range(3)]
    numbers.append(register_case(db, channel="complaint", subject="服務態度").number)
    h = _tokens(db, "intake@example.tw", "roads.chief@example.tw")
    client = app.test_client()
    client.post(f"/api/v1/cases/{numbers[1]}/route", json={"unit": "ROADS"}, headers=h["intake@example.tw"])
    client.post(f"/api/v1/cases/{numbers[2]}/route", json={"unit": "ROADS"}, headers=h["intake@example.tw"])
    client.post(f"/api/v1/cases/{numbers[2]}/assign", json={"handler": "roads.handler@example.tw"},
                headers=h["roads.chief@example.tw"])
    return numbers


def test_the_api_never_answers_5xx_nor_leaves_partial_rows(fuzz_app, db, capsys):
    import schemathesis
    from schemathesis import GenerationMode

    started = time.monotonic()
    numbers = _seed_cases(fuzz_app, db)
    tokens = _tokens(db, *AGENCY_STAFF)
    identities = [*tokens.values(), {}]  # every role, and nobody (401)
    # Open311: a client application's key, and the tokens of the seeded cases' submissions.
    from cases.models import Case
    from feedback.open311 import token_for
    from feedback.open311_clients import create_client

    _client, api_key = create_client("fuzz app")
    db.session.commit()
    real = {"number": numbers, "service_request_id": numbers,
            "token": [token_for(i) for i in db.session.scalars(sa.select(Case.submission_id))]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 31, [op.label for op in operations]
    open311_post = "POST /open311/v2/requests.{format}"
    assert open311_post in {op.label for op in operations}
    past_the_key: Counter[int] = Counter()  # the statuses of Open311 POSTs that carried the real key
    watch = Watch(fuzz_app)
    try:
        for operation in operations:
            named = [name for name in real if "{" + name + "}" in operation.path]
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode)

                def body(data: st.DataObject, operation=operation, strategy=strategy, named=named,  # noqa: ANN001
                         valid=mode == GenerationMode.POSITIVE) -> None:
                    case = data.draw(strategy, label="case")
                    identity = data.draw(st.sampled_from(identities), label="identity")
                    for name in named:
                        if data.draw(st.booleans(), label=f"a real {name}"):
                            case.path_parameters = {**case.path_parameters,
                                                    name: data.draw(st.sampled_from(real[name]))}
                    keyed = (operation.label == open311_post and isinstance(case.body, dict)
                             and (valid or data.draw(st.booleans(), label="the real api_key")))
                    if keyed:
                        case.body = {**case.body, "api_key": api_key}
                    status = watch.check(operation.label, operation.method,
                                         lambda: case.call(headers=identity).status_code)
                    if keyed:
                        past_the_key[status] += 1

                explore(API_EXAMPLES, body)
        _report(capsys, "API fuzz", watch, started)
        assert set(watch.sent) == {op.label for op in operations}
        assert watch.total >= API_SHARE, watch.total
        # The real key got the POSTs past the key check, to the rules and the outbox behind it.
        assert past_the_key and 403 not in past_the_key, past_the_key
    finally:
        watch.close()


# ------------------------------------------------------------------ (b) staff pages' filters and public forms

NASTY = [
    "", " ", "0", "-1", "1", "2147483647", "2147483648", "99999999999999999999", "1e9", "0x10", "١٢", "²",
    "9999-12-31", "9998-12-31", "0001-01-01", "1912-01-01", "1911-12-31", "2026-02-30", "2025-12-23", "20251223",
    "0001-01-01T07:00", "9999-12-31T23:59", "2025-12-22T09:30",
    "%", "_", "\\", "'", "' OR 1=1 --", "<script>alert(1)</script>", "\x00", "a\x00b", "\x7f", "\x1b[31m",
    "\t", "\r\n", "\u202e", "\ufeff", "𠀀", "ＲＯＡＤＳ", "ROADS", "roads", "SEC", "all", "intake", "unit", "mine",
    "approval", "soon", "overdue", "failed", "sent", "pending", "open", "answered", "petition", "complaint",
    "registered", "closed", "admin@example.tw", "x" * 300, "字" * 1000,
]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)  # control characters too
PLAIN = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=40)
VALUE = st.one_of(st.sampled_from(NASTY), PLAIN, TEXT, st.integers().map(str), st.dates().map(str),
                  st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")))
RAW_BYTES = st.binary(max_size=12).map(lambda b: urllib.parse.quote_from_bytes(b, safe=""))

PAGES = {  # page → (its filters, who looks at it)
    "/staff/": (("queue", "channel", "state", "unit", "due", "q", "before"),
                ("admin@example.tw", "roads.handler@example.tw", "intake@example.tw")),
    "/staff/statistics": (("from", "to"), ("secretariat@example.tw",)),
    "/staff/statistics.csv": (("from", "to"), ("secretariat@example.tw",)),
    "/staff/satisfaction": (("from", "to", "unit"), ("secretariat@example.tw", "roads.chief@example.tw")),
    "/staff/satisfaction.xlsx": (("from", "to", "unit"), ("secretariat@example.tw",)),
    "/staff/access-log": (("from", "to", "staff", "case", "before"), ("ethics@example.tw", "admin@example.tw")),
    "/staff/outbox": (("status", "before"), ("admin@example.tw",)),
    "/staff/follow-ups": (("show",), ("secretariat@example.tw", "roads.chief@example.tw")),
}


def _query(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    pair = st.tuples(st.one_of(st.sampled_from(keys), st.sampled_from(keys), TEXT), st.one_of(VALUE, RAW_BYTES))

    def encode(pairs: list[tuple[str, str]]) -> str:
        # RAW_BYTES values are already percent-encoded (possibly invalid UTF-8); the rest is encoded here.
        return "&".join(f"{urllib.parse.quote(k, safe='')}={v if _encoded(v) else urllib.parse.quote(v, safe='')}"
                        for k, v in pairs)

    return st.lists(pair, max_size=6).map(encode)


def _encoded(value: str) -> bool:
    return value.startswith("%") and len(value) % 3 == 0 and all(value[i] == "%" for i in range(0, len(value), 3))


def _staff_clients(app) -> dict[str, object]:  # noqa: ANN001
    return {email: staff_client(app, email) for email in AGENCY_STAFF}


def test_staff_page_filters_never_answer_5xx(fuzz_app, db, capsys):
    started = time.monotonic()
    make_agency(db)
    for n in range(3):
        register_case(db, subject=f"路燈 {n}")
    clients = _staff_clients(fuzz_app)
    watch = Watch(fuzz_app)
    try:
        for page, (keys, people) in PAGES.items():

            def body(data: st.DataObject, page=page, keys=keys, people=people) -> None:  # noqa: ANN001
                query = data.draw(_query(keys), label="query")
                client = clients[data.draw(st.sampled_from(people), label="who")]
                watch.check(page, "GET", lambda: client.get(f"{page}?{query}").status_code)

            explore(PAGE_EXAMPLES, body)
        _report(capsys, "Staff page fuzz", watch, started)
        assert watch.total >= PAGES_SHARE, watch.total
    finally:
        watch.close()


FORM_FIELDS = {
    "name": "王小明", "email": "citizen@example.tw", "phone": "02-2345-6789",
    "address": "臺北市中正區重慶南路一段122號",
    "subject": "中山路路燈不亮", "body": "中山路二段與南京東路口的路燈已經三天沒有亮，晚上行人很危險，請儘速修復。",
    "consent": "y", "category": "service", "confidential": "y",
}


def _form(fields: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
    """A valid form with up to three fields fuzzed, up to two missing and sometimes one nobody asked for:
    mostly plausible, so the requests get past the first check and reach the rules behind it."""
    keys = sorted(fields)

    def build(changes: dict[str, str], dropped: set[str], extra: dict[str, str]) -> dict[str, str]:
        form = {**extra, **fields, **changes}
        return {k: v for k, v in form.items() if k not in dropped and k != "csrf_token"}

    return st.builds(build, changes=st.dictionaries(st.sampled_from(keys), VALUE, max_size=3),
                     dropped=st.sets(st.sampled_from(keys), max_size=2),
                     extra=st.dictionaries(TEXT, VALUE, max_size=1))


def test_public_forms_never_answer_5xx_nor_leave_partial_rows(fuzz_app, db, smtp, capsys):
    from tests.support import client_from

    started = time.monotonic()
    make_agency(db)
    number = close_with_reply(fuzz_app, db)
    survey = survey_link(smtp, "citizen@example.tw")
    citizen = client_from(fuzz_app, "10.99.0.1")
    tokens = {url: csrf_token(citizen.get(url).text) for url in ("/petition", "/track", "/staff/login", survey)}
    targets = {
        "/petition": FORM_FIELDS, "/mailbox": FORM_FIELDS, "/complaint": FORM_FIELDS,
        "/track": {"case_number": number, "access_code": "ABCD2345"},
        "/staff/login": {"email": "nobody@example.tw", "password": "wrong-password"},
        survey: {"speed": "5", "attitude": "4", "clarity": "3", "solved": "2", "overall": "1", "comment": "謝謝"},
    }
    watch = Watch(fuzz_app)
    try:
        for url, fields in targets.items():
            token = tokens.get(url, tokens["/petition"])  # one session: one CSRF token for all its forms

            def post(data: st.DataObject, url=url, fields=fields, token=token) -> None:  # noqa: ANN001
                form = data.draw(_form(fields), label="form")
                query = data.draw(st.one_of(st.just(""), _query(tuple(fields))), label="query")
                label = "/survey/…" if url.startswith("/survey/") else url
                watch.check(label, "POST", lambda: citizen.post(f"{url}?{query}" if query else url,
                                                                data={"csrf_token": token, **form}).status_code)

            explore(PAGE_EXAMPLES, post)
        # A made-up survey link, and the public pages' GETs with odd query strings.
        for url in ("/survey/x", "/", "/track", "/petition", "/language/en"):

            def get(data: st.DataObject, url=url) -> None:  # noqa: ANN001
                query = data.draw(_query(("next", "lang", "q")), label="query")
                watch.check(url, "GET", lambda: citizen.get(f"{url}?{query}").status_code)

            explore(PAGE_EXAMPLES, get)
        _report(capsys, "Public form fuzz", watch, started)
        assert watch.total >= FORMS_SHARE, watch.total
    finally:
        watch.close()


STAFF_FORM_FIELDS = {  # every field a case action reads (cases/actions.py), with a plausible value
    "unit": "ROADS", "note": "請處理", "handler": "roads.handler@example.tw", "reason": "需會勘", "body": "已修復。",
    "outcome": "met", "remedy_notice": "y", "language": "zh_Hant_TW", "days": "3", "limit_class": "urgent",
    "topic": "道路", "sender_deadline": "2026-01-30", "agency": "交通部", "ground": "repeat", "to": "",
    "version": "",
}
INTAKE_FIELDS = {
    **FORM_FIELDS, "channel": "petition", "received_via": "phone", "received_at": "2025-12-22T09:30",
    "language": "zh_Hant_TW",
}


def test_staff_forms_never_answer_5xx_nor_leave_partial_rows(fuzz_app, db, capsys):
    from cases.actions import ACTIONS

    started = time.monotonic()
    numbers = _seed_cases(fuzz_app, db)
    clients = _staff_clients(fuzz_app)
    tokens = {email: csrf_token(client.get("/staff/").text) for email, client in clients.items()}
    people = ("intake@example.tw", "roads.chief@example.tw", "roads.handler@example.tw", "admin@example.tw",
              "ethics@example.tw")
    watch = Watch(fuzz_app)
    try:
        def act(data: st.DataObject) -> None:
            who = data.draw(st.sampled_from(people), label="who")
            number = data.draw(st.one_of(st.sampled_from(numbers), VALUE.filter(lambda v: "/" not in v)))
            action = data.draw(st.one_of(st.sampled_from(sorted(ACTIONS)), st.sampled_from(NASTY[:12])))
            form = data.draw(_form(STAFF_FORM_FIELDS), label="form")
            url = f"/staff/cases/{urllib.parse.quote(number, safe='')}/{urllib.parse.quote(action, safe='')}"
            watch.check("/staff/cases/<n>/<action>", "POST",
                        lambda: clients[who].post(url, data={"csrf_token": tokens[who], **form}).status_code)

        explore(PAGE_EXAMPLES * 2, act)

        def intake(data: st.DataObject) -> None:
            form = data.draw(_form(INTAKE_FIELDS), label="form")
            watch.check("/staff/intake", "POST", lambda: clients["intake@example.tw"].post(
                "/staff/intake", data={"csrf_token": tokens["intake@example.tw"], **form}).status_code)

        explore(PAGE_EXAMPLES, intake)

        def calendar(data: st.DataObject) -> None:
            form = data.draw(_form({"day": "2026-01-05", "kind": "closure", "reason": "颱風停止上班"}), label="form")
            watch.check("/staff/calendar", "POST", lambda: clients["admin@example.tw"].post(
                "/staff/calendar", data={"csrf_token": tokens["admin@example.tw"], **form}).status_code)

        explore(PAGE_EXAMPLES, calendar)
        _report(capsys, "Staff form fuzz", watch, started)
        assert watch.total >= STAFF_FORMS_SHARE, watch.total
    finally:
        watch.close()

"""The staff pages send a bounded number of SQL statements, whatever the number of rows they show: every
queue and filter of /staff/, the staff API's case list and the case page. Measured with N cases and again
with 3N (the page shows more rows, the statement count is the same), and under an absolute bound.
Templates send none: what they show is loaded before they render (and the page queries raise on a lazy load,
so a template that reaches for something not loaded fails loudly here)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import before_render_template, template_rendered

from tests.support import Statements, make_agency, register_case, staff_client

N = 16  # cases per round: every shape below twice; 3N = 48 stays on the first page (50 rows)


# ---------------------------------------------------------------- the data set


def _staff(email: str):  # noqa: ANN202
    from core.accounts.services import find_staff

    return find_staff(email)


def _attach(db, case, count: int, identifying_first: bool = False) -> None:  # noqa: ANN001
    from cases.case_file import Attachment

    for k in range(count):
        db.session.add(Attachment(submission_id=case.submission_id, filename=f"{case.number}-{k + 1}.pdf",
                                  content_type="application/pdf", size=2048 + k, sha256="0" * 64,
                                  data=b"%PDF-1.4\n", identifying=identifying_first and k == 0))


def _grow(app, db, count: int) -> None:  # noqa: ANN001
    """`count` more cases in eight shapes: two waiting for intake (one with attachments), routed, in progress
    with a pending extension, overdue without name or contact, due soon, a confidential complaint with an
    identifying attachment, and awaiting approval after an approved extension (every other one of these instead
    closed and referred to the ethics office)."""
    from cases import services
    from core.clock import TAIPEI

    now = datetime.now(TAIPEI)
    office_hours = now.replace(hour=10, minute=0) if now.hour >= 10 else now
    intake, chief, handler = (_staff(e) for e in ("intake@example.tw", "roads.chief@example.tw",
                                                  "roads.handler@example.tw"))
    parks_chief = _staff("parks.chief@example.tw")
    for i in range(count):
        shape = i % 8
        with app.test_request_context("/"):
            if shape == 6:
                case = register_case(db, channel="complaint", subject=f"承辦人態度不佳 {i}", name="林告發",
                                     email=f"whistle{i}@example.tw")
                case.confidential = case.submission.confidential = True
            elif shape == 4:
                case = register_case(db, subject=f"路面坑洞 {i}", email="", name="",
                                     received_at=office_hours - timedelta(days=70))
            else:
                case = register_case(db, channel=("petition", "mailbox")[i % 2], subject=f"人行道破損 {i}",
                                     email=f"citizen{i}@example.tw", received_at=office_hours)
            if shape == 1:
                _attach(db, case, 2)
            if shape == 5:
                services.classify(case, intake, limit_class="most-urgent")
            if shape >= 2:
                unit = "PARKS" if shape == 6 else "ROADS"
                services.route(case, intake, unit_code=unit)
            if shape in (3, 4, 7):
                services.assign(case, chief, handler_email="roads.handler@example.tw")
            if shape == 3:
                services.request_extension(case, handler, days=5, reason="需會勘")
            if shape == 7:
                services.request_extension(case, handler, days=3, reason="需會同廠商")
                services.approve_extension(case, chief)
                services.draft_reply(case, handler, body="已修復，謝謝您的反映。", outcome="met")
                if i % 16 == 7:
                    services.approve_reply(case, chief)
                    db.session.commit()  # the reply's mail leaves first (SQLite: one writer at a time)
                    services.refer_to_ethics(case, handler, reason="疑似廠商行賄")
            if shape == 6:
                services.assign(case, parks_chief, handler_email="parks.handler@example.tw")
                _attach(db, case, 1, identifying_first=True)
            db.session.commit()


# ---------------------------------------------------------------- measuring


class Rendering:
    """The statements sent while a template renders (between Flask's before_render_template and
    template_rendered signals)."""

    def __init__(self, recorder: Statements) -> None:
        self.recorder, self.during = recorder, []

    def _before(self, sender, template, context, **extra) -> None:  # noqa: ANN001, ANN003
        self.start = len(self.recorder.sent)

    def _after(self, sender, template, context, **extra) -> None:  # noqa: ANN001, ANN003
        self.during += [text for verb, text in self.recorder.sent[self.start:] if text and verb != "COMMIT"]

    def __enter__(self) -> Rendering:
        before_render_template.connect(self._before)
        template_rendered.connect(self._after)
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        before_render_template.disconnect(self._before)
        template_rendered.disconnect(self._after)


class Sent(list):
    """The statements a request sent, as their texts; its repr lists their first lines for a failure message.
    Reads of the run-time settings are left out: core.settings keeps them per process for a few seconds, so
    whether a given request reads them depends on the clock, not on the page (one statement when it does)."""

    def __init__(self, recorder: Statements) -> None:
        super().__init__(text for verb, text in recorder.sent
                         if text and verb not in ("COMMIT", "CHECKOUT") and not _reads_settings(text))

    def __repr__(self) -> str:
        return "\n".join(text.strip().split("\n", 1)[0][:150] for text in self)


def _reads_settings(text: str) -> bool:
    return re.search(r"\bFROM settings\b", text) is not None


def _measure(client, url: str, **kwargs):  # noqa: ANN001, ANN202
    """The answer to a GET and the statements it sent, after the same GET once (the per-process caches, such as
    the official calendar's, are not what is measured). No statement may be sent while a template renders."""
    client.get(url, **kwargs)
    with Statements() as s, Rendering(s) as r:
        answer = client.get(url, **kwargs)
    assert answer.status_code == 200, (url, answer.status_code)
    assert not r.during, f"{url}: the template sent SQL:\n" + "\n".join(r.during)
    return answer, Sent(s)


def _rows(answer) -> int:  # noqa: ANN001
    if answer.is_json:
        return len(answer.json["cases"])
    return len(re.findall(r'<td><a href="/staff/cases/\d+">', answer.text))


def _newest_ids(db) -> list[int]:  # noqa: ANN001
    from cases.models import Case

    return list(db.session.scalars(sa.select(Case.id).order_by(Case.id.desc())))


def _number_prefix(db) -> str:  # noqa: ANN001
    from cases.models import Case

    return db.session.scalar(sa.select(Case.number).order_by(Case.id.desc()).limit(1))[:4]


# Every queue and filter a member of staff reaches from /staff/, as the role that works in it.
QUEUE_PAGES = [
    ("intake queue", "intake@example.tw", "/staff/?queue=intake"),
    ("all cases", "intake@example.tw", "/staff/?queue=all"),
    ("all cases, overdue", "intake@example.tw", "/staff/?queue=all&due=overdue"),
    ("all cases, due soon", "intake@example.tw", "/staff/?queue=all&due=soon"),
    ("all cases, channel and status", "intake@example.tw", "/staff/?queue=all&channel=petition&state=in_progress"),
    ("all cases, unit", "intake@example.tw", "/staff/?queue=all&unit=ROADS"),
    ("all cases, search subject", "intake@example.tw", "/staff/?queue=all&q=%E7%A0%B4%E6%90%8D"),  # 破損
    ("all cases, search number", "intake@example.tw", "/staff/?queue=all&q={prefix}"),
    ("all cases, next page (keyset)", "intake@example.tw", "/staff/?queue=all&before={before}"),
    ("awaiting my approval", "roads.chief@example.tw", "/staff/?queue=approval"),
    ("my unit", "roads.chief@example.tw", "/staff/?queue=unit"),
    ("my unit, overdue", "roads.chief@example.tw", "/staff/?queue=unit&due=overdue"),
    ("my cases", "roads.handler@example.tw", "/staff/?queue=mine"),
    ("all cases (secretariat, calendar warning)", "secretariat@example.tw", "/staff/?queue=all"),
    ("all cases (administrator)", "admin@example.tw", "/staff/?queue=all"),
    ("all cases (ethics office: its unit and every confidential case)", "ethics@example.tw", "/staff/?queue=all"),
    ("API: all cases", "intake@example.tw", "/api/v1/cases?queue=all"),
    ("API: my unit, overdue", "roads.chief@example.tw", "/api/v1/cases?queue=unit&due=overdue"),
]

# The most statements a queue page may send, whatever its rows (a failure lists them):
#   the signed-in member of staff with their roles (Flask-Login's user loader, core/accounts) ......... 1
#   the header's unread notifications (one count on the (staff_id, read_at) index, notifications) ..... 1
#   the agency's calendar overrides and the official calendar's key (for "due soon") ................ 2
#   the page of cases with their submission, unit and handler (one statement, joins) .................. 1
#   the overdue and due-soon counts at a glance (one statement) ........................................ 1
#   the active units of the filter ........................................................................ 1
# = 7. Filters and searches are conditions of the page's statement, never statements of their own. The
# run-time setting of "due soon" is read at most once more (left out: see Sent). Before issue 11 it was 10:
# the handlers' roles and the submissions' attachments were loaded with every page, and the glance took two.
QUEUE_PAGE_MAX = 7
# The API's list: the token, its owner and their roles (core/accounts/tokens), the calendar (2), the page (1).
API_LIST_MAX = 6


def test_queue_pages_send_the_same_statements_for_n_and_3n_cases(app, db):
    from core.accounts.tokens import issue_token

    make_agency(db)
    tokens = {e: {"Authorization": "Bearer " + issue_token(_staff(e))} for e in ("intake@example.tw",
                                                                                  "roads.chief@example.tw")}
    db.session.commit()
    clients = {}

    def measure_all() -> dict[str, tuple[int, int, str]]:
        ids = _newest_ids(db)
        fill = {"prefix": _number_prefix(db), "before": ids[len(ids) // 4]}
        seen = {}
        for label, email, url in QUEUE_PAGES:
            url = url.format(**fill)
            if url.startswith("/api/"):
                answer, s = _measure(app.test_client(), url, headers=tokens[email])
            else:
                client = clients.get(email) or clients.setdefault(email, staff_client(app, email))
                answer, s = _measure(client, url)
            seen[label] = (_rows(answer), len(s), repr(s))
        return seen

    _grow(app, db, N)
    small = measure_all()
    _grow(app, db, 2 * N)
    large = measure_all()

    problems = []
    for label, _email, url in QUEUE_PAGES:
        (rows_n, count_n, sql_n), (rows_3n, count_3n, sql_3n) = small[label], large[label]
        bound = API_LIST_MAX if url.startswith("/api/") else QUEUE_PAGE_MAX
        if not 0 < rows_n < rows_3n:
            problems.append(f"{label}: expected more rows with 3N cases, got {rows_n} then {rows_3n}")
        if count_n != count_3n:
            problems.append(f"{label}: {count_n} statements for {rows_n} rows, {count_3n} for {rows_3n}:\n"
                            f"--- N\n{sql_n}\n--- 3N\n{sql_3n}")
        if count_3n > bound:
            problems.append(f"{label}: {count_3n} statements, more than {bound}:\n{sql_3n}")
    assert not problems, "\n\n".join(problems)


def test_queue_pages_show_what_each_queue_holds(app, db):
    make_agency(db)
    _grow(app, db, 8)
    from cases.models import Case

    cases = db.session.scalars(sa.select(Case).order_by(Case.id)).all()
    registered = [c.number for c in cases if c.state == "registered"]
    intake = staff_client(app, "intake@example.tw").get("/staff/").text
    assert all(n in intake for n in registered)
    chief = staff_client(app, "roads.chief@example.tw").get("/staff/?queue=unit").text
    roads = [c for c in cases if c.unit is not None and c.unit.code == "ROADS"]
    assert roads and all(c.number in chief for c in roads if c.is_open)
    confidential = next(c for c in cases if c.confidential)
    ethics = staff_client(app, "ethics@example.tw").get("/staff/").text
    assert confidential.number in ethics and "身分保密" in ethics  # the "Confidential" tag


# ---------------------------------------------------------------- the roles' homes (issue 12)

# /staff/ without a queue: each role's home (cases/homes.py) above the role's default queue.
HOME_PAGES = [
    ("intake's home", "intake@example.tw", "/staff/"),
    ("supervisor's home", "roads.chief@example.tw", "/staff/"),
    ("supervisor's home by unit", "roads.chief@example.tw", "/staff/?sort=unit"),
    ("handler's home", "roads.handler@example.tw", "/staff/"),
    ("secretariat's home", "secretariat@example.tw", "/staff/"),
    ("secretariat's home, one unit, by received date", "secretariat@example.tw", "/staff/?sort=received&unit=ROADS"),
    ("ethics office's home", "ethics@example.tw", "/staff/"),
    ("supervisor and handler", "both@example.tw", "/staff/"),
]
# The queue page's 7 (above), and per role's section, one statement per list, each with its whole count (a window
# count), never per row: intake 2 lists and the route form's units (3); supervisor 4 lists, the unit's handlers
# for the assign form, the unit's open follow-ups (6); handler 1 list (the days left from the one calendar);
# secretariat the per-unit counts and 2 lists (3); ethics 1 list and the referral and request counts (2).
# A supervisor who also handles cases: 7 + 6 + 1 = 14.
HOME_PAGE_MAX = 14


def _home_rows(answer) -> int:  # noqa: ANN001
    return len(re.findall(r'<(?:td|th scope="row")><a href="/staff/cases/\d+">', answer.text))


def test_role_homes_send_the_same_statements_for_n_and_3n_cases(app, db):
    from core.accounts.services import create_staff
    from tests.support import PASSWORD

    make_agency(db)
    create_staff("both@example.tw", "兼任", "ROADS", ["supervisor", "handler"], PASSWORD)
    db.session.commit()
    clients = {}

    def measure_all() -> dict[str, tuple[int, int, str]]:
        seen = {}
        for label, email, url in HOME_PAGES:
            client = clients.get(email) or clients.setdefault(email, staff_client(app, email))
            answer, s = _measure(client, url)
            seen[label] = (_home_rows(answer), len(s), repr(s))
        return seen

    _grow(app, db, N)
    small = measure_all()
    _grow(app, db, 2 * N)
    large = measure_all()
    problems = []
    for label, _email, _url in HOME_PAGES:
        (rows_n, count_n, sql_n), (rows_3n, count_3n, sql_3n) = small[label], large[label]
        if not 0 < rows_n < rows_3n:
            problems.append(f"{label}: expected more rows with 3N cases, got {rows_n} then {rows_3n}")
        if count_n != count_3n:
            problems.append(f"{label}: {count_n} statements for {rows_n} rows, {count_3n} for {rows_3n}:\n"
                            f"--- N\n{sql_n}\n--- 3N\n{sql_3n}")
        if count_3n > HOME_PAGE_MAX:
            problems.append(f"{label}: {count_3n} statements, more than {HOME_PAGE_MAX}:\n{sql_3n}")
    assert not problems, "\n\n".join(problems)


# ---------------------------------------------------------------- the case page

# The most statements the case page may send, however many events, extensions, replies, attachments and
# people its history has (a failure lists them):
#   the signed-in member of staff with their roles; the header's unread notifications count ............ 2
#   the case with its unit, handler, submission, petitioner, attachments and extensions (one statement) . 1
#   its timeline with each event's actor; its replies ................................................... 2
#   the agency's calendar overrides and the official calendar's key (the days left of an open case) ... 2
#   the identity: the viewer's reveal and pending request (masked), or the access-log INSERT (shown),
#     or a granted reveal and the INSERT ................................................................ 2
#   the referrals to the ethics office ................................................................... 1
#   the lists of the action forms offered: time-limit classes (classify), units (route), the unit's
#     handlers (assign); at most two of the three are offered at once ................................... 2
# = 12. Before issue 11 the page sent 15 to 20 statements with a short history, and two more for every
# person on the timeline from outside the unit (each actor and their roles, loaded one at a time).
CASE_PAGE_MAX = 12


def _more_history(app, db, number: str, rounds: int) -> None:  # noqa: ANN001
    """Every round adds to the case's timeline events by people new to it (inside the unit and outside), an
    attachment, and for a case in progress a refused extension and a returned reply. The case ends each round
    in the state it started in, so the page offers the same actions."""
    from cases import services
    from cases.models import Case
    from cases.services import find_case
    from core.accounts.services import create_staff
    from tests.support import PASSWORD

    chief = _staff("roads.chief@example.tw")
    earlier = db.session.scalar(sa.select(Case.number).where(Case.number != number).order_by(Case.id).limit(1))
    for r in range(rounds):
        with app.test_request_context("/"):
            case = find_case(number)
            clerk = create_staff(f"sec.c{r}.{case.id}@example.tw", f"收文 {r}", "SEC", ["intake"], PASSWORD)
            services.link(case, clerk, earlier_number=earlier, note="同一陳情人")
            if case.state == "registered":
                services.classify(case, clerk, limit_class="petition", topic=f"道路 {r}")
            else:
                handler = create_staff(f"roads.h{r}.{case.id}@example.tw", f"承辦 {r}", "ROADS", ["handler"],
                                       PASSWORD)
                services.assign(case, chief, handler_email=handler.email)
                services.request_extension(case, handler, days=2, reason=f"第 {r} 次會勘")
                services.refuse_extension(case, chief, reason="理由不足")
                services.draft_reply(case, handler, body=f"草稿 {r}", outcome="explained")
                services.return_reply(case, chief, reason="請補充")
            _attach(db, case, 1)
            db.session.commit()


def _rich_case(app, db, *, confidential: bool = False, registered: bool = False) -> str:  # noqa: ANN001
    """A case with two attachments (one identifying) and, unless still `registered`, routed to ROADS and in
    progress, with an approved extension and a referral to the ethics office. An earlier case to link to."""
    from cases import services
    from core.clock import TAIPEI

    register_case(db, subject="人行道破損（前案）", received_at=datetime.now(TAIPEI) - timedelta(days=3))
    with app.test_request_context("/"):
        if confidential:
            case = register_case(db, channel="complaint", subject="承辦人收受禮品", name="林告發",
                                 email="whistle@example.tw")
            case.confidential = case.submission.confidential = True
        else:
            case = register_case(db, subject="人行道破損", email="citizen@example.tw")
        _attach(db, case, 2, identifying_first=True)
        if not registered:
            chief = _staff("roads.chief@example.tw")
            services.route(case, _staff("intake@example.tw"), unit_code="ROADS")
            services.assign(case, chief, handler_email="roads.handler@example.tw")
            services.request_extension(case, _staff("roads.handler@example.tw"), days=3, reason="需會同廠商")
            services.approve_extension(case, chief)  # four eyes: another than who asked
            db.session.commit()  # the extension notice leaves first (SQLite: one writer at a time)
            services.refer_to_ethics(case, chief, reason="疑似廠商行賄")
        db.session.commit()
        return case.number


@pytest.mark.parametrize("viewer, kind", [
    ("roads.chief@example.tw", "in progress"),    # the unit's supervisor: the assign form, the identity (logged)
    ("roads.handler@example.tw", "in progress"),  # the handler
    ("intake@example.tw", "registered"),          # intake: the classify and route forms
    ("roads.handler@example.tw", "confidential"),  # a confidential case outside the ethics office: masked
    ("ethics@example.tw", "confidential"),        # the ethics office sees the reporter (logged)
])
def test_the_case_page_sends_the_same_statements_however_long_its_history(app, db, viewer, kind):
    make_agency(db)
    number = _rich_case(app, db, confidential=kind == "confidential", registered=kind == "registered")
    client = staff_client(app, viewer)
    short, s_short = _measure(client, f"/staff/cases/{number}")
    _more_history(app, db, number, 3)
    long, s_long = _measure(client, f"/staff/cases/{number}")

    assert long.text.count('<li><time datetime="') > short.text.count('<li><time datetime="')
    if kind != "confidential" or viewer.startswith("ethics"):
        assert long.text.count("/staff/attachments/") == short.text.count("/staff/attachments/") + 3
    assert len(s_short) == len(s_long), f"--- short history\n{s_short!r}\n--- long history\n{s_long!r}"
    assert len(s_long) <= CASE_PAGE_MAX, repr(s_long)


def test_the_page_queries_raise_on_a_lazy_load(app, db):
    """Whatever a page did not load cannot be fetched behind its back, one row at a time."""
    from cases.queries import CaseFilter, filtered, load_case_page, page_of
    from core.clock import today

    make_agency(db)
    _grow(app, db, 8)
    number = _rich_case(app, db)
    intake = _staff("intake@example.tw")
    with app.test_request_context("/"):
        # The API's list: cases with their subject, unit and handler, and nothing more.
        rows, _next = page_of(filtered(intake, CaseFilter(), today(), today()), None)
        assert rows and all(c.submission.subject and c.handler is not None for c in rows if c.handler_id)
        with pytest.raises(sa.exc.InvalidRequestError):
            rows[0].events  # noqa: B018 - the access is the test
        with pytest.raises(sa.exc.InvalidRequestError):
            rows[0].submission.body  # noqa: B018 - not even the submission's other columns
        # The pages' table: plain rows of what it shows, no objects that could load anything.
        table, _next = page_of(filtered(intake, CaseFilter(), today(), today()), None, table=True)
        assert [r.id for r in table] == [c.id for c in rows]
        assert all(isinstance(r, sa.Row) and r.subject for r in table)
        assert all(r.unit_name is None for r in table if r.state == "registered")
        # The case page: its history and attachments, never an attachment's content.
        case = load_case_page(number)
        assert case.events and case.events[0].actor is not None and case.extensions
        with pytest.raises(sa.exc.InvalidRequestError):
            case.submission.attachments[0].data  # noqa: B018 - a deferred blob is never loaded

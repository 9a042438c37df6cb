"""Every label in the reader's language (issue 12, deliver 6): each demo role crawls every staff page it can
reach by GET links from its home (the case page of a case in every state, administration, statistics,
satisfaction, notifications, calendar, access log, outbox, letters), in zh-TW and in English. A page fails
on a raw code (a state, channel, limit class, action, ground, setting key: any snake_case word), on
True/False/None, on English words on a Chinese page and on Chinese characters on an English page, once
people's data (petitioners' names, subjects and bodies, staff and unit names, replies, reasons typed by
staff, the agency's name and document-number prefix, …) is set aside, and what the page marks translate="no"
(the reply templates' placeholders, typed as shown in either language)."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import sqlalchemy as sa

from tests.test_documents_and_demo import _run

ROLES = [
    "intake@demo.tw",
    "secretariat@demo.tw",
    "supervisor.roads@demo.tw",
    "handler.roads@demo.tw",
    "deputy.roads@demo.tw",
    "ethics@demo.tw",
    "ethics.handler@demo.tw",
    "admin@demo.tw",
]
LANGUAGES = ["zh_Hant_TW", "en"]
# Pages at least one role must have reached (the case pages are checked per state).
MUST_VISIT = [
    "/staff/",
    "/staff/admin/",
    "/staff/admin/settings",
    "/staff/admin/time-limits",
    "/staff/admin/calendar",
    "/staff/admin/units",
    "/staff/admin/audit",
    "/staff/admin/questionnaires",
    "/staff/admin/open311-clients",
    "/staff/statistics",
    "/staff/satisfaction",
    "/staff/notifications",
    "/staff/calendar",
    "/staff/access-log",
    "/staff/outbox",
    "/staff/ethics",
    "/staff/follow-ups",
    "/staff/account",
    "/staff/reply-templates",
    "/staff/faq",
]
PAGE_CAP = 120  # per role and language
SKIP = re.compile(r"/logout|/attachments/|\.(csv|xlsx|pdf)$|^/staff/(statistics|satisfaction)\.")

# Words a Chinese page may show in Latin letters: file formats, protocols and standards (Open311), units of measure,
# the paper size.
# "Authorization: Bearer" is the header other systems send, quoted on the tokens page.
ZH_ALLOWED = re.compile(
    r"\b(PDF|CSV|XLSX|Excel|Word|ODF|Open311|API|CLI|SMS|TOTP|JSON|HTTP|HTTPS|URL|A4|MB|MiB|ID|DGPA|Authorization|Bearer)\b"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
LINK = re.compile(r"https?://\S+")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PYTHON_WORDS = re.compile(r"\b(True|False|None)\b")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
VISIBLE_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")


class PageText(HTMLParser):
    """The visible text of a page as separate pieces (text nodes and the attributes a reader meets), without
    scripts, styles and anything marked as being in another language (the language switcher)."""

    def __init__(self, page_lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.pieces: list[str] = []
        self.links: list[str] = []
        self._skip: list[str] = []  # open tags whose content is not checked

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.append(tag)
            return
        lang = values.get("lang")
        if tag in ("script", "style") or (tag != "html" and lang and lang[:2] != self.page_lang[:2]) or \
                values.get("translate") == "no":
            self._skip.append(tag)
            return
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name):
                self.pieces.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.pieces.append(values["value"])

    def handle_endtag(self, tag: str) -> None:
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.pieces.append(" ".join(data.split()))


def _codes() -> set[str]:
    """Every stored code a reader must never see as such."""
    from cases.models import CaseState, ExtensionStatus, ReplyStatus, TimeLimitClass
    from core.accounts.models import Role
    from core.extensions import db
    from core.settings import SPECS

    codes = {s.value for s in CaseState} | {s.value for s in ExtensionStatus} | {s.value for s in ReplyStatus}
    codes |= {r.value for r in Role} | set(SPECS)
    codes |= set(db.session.scalars(sa.select(TimeLimitClass.code)))
    codes |= {
        "petition",
        "mailbox",
        "complaint",
        "integrity",
        "service",
        "met",
        "explained",
        "refused",
        "no_identity",
        "repeat",
        "sent_to_competent",
        "pending",
        "sending",
        "failed",
        "online",
        "paper",
        "counter",
        "phone",
        "zh_Hant_TW",
        "en",
    }
    return codes


def _people_data() -> list[str]:
    """What people typed or chose as names (petitions, staff, units, replies, reasons, the agency's settings):
    shown as written, in whatever language it was written. Longest first, so that a name inside a subject
    does not break the subject apart."""
    from cases import case_file, models
    from cases.privacy import MASK
    from core.accounts.models import ApiToken, Staff, Unit
    from core.extensions import db
    from core.settings import Setting
    from feedback.models import Open311Client
    from surveys.models import SurveyFollowUp, SurveyResponse

    columns = [
        case_file.Submission.subject,
        case_file.Submission.body,
        case_file.PetitionerIdentity.name,
        case_file.PetitionerIdentity.email,
        case_file.PetitionerIdentity.phone,
        case_file.PetitionerIdentity.address,
        Staff.name,
        Staff.email,
        Staff.phone,
        Unit.name,
        Unit.code,
        ApiToken.name,
        Open311Client.name,
        models.Reply.body,
        models.Reply.return_reason,
        models.Reply.document_number,
        models.ReplyVersion.body,
        models.ReplyVersion.return_reason,
        models.Transfer.agency,
        models.Transfer.reason,
        models.Extension.reason,
        models.Extension.refusal_reason,
        models.InformationRequest.question,
        models.InformationRequest.answer,
        models.CalendarDay.reason,
        models.OfficeCalendarDay.note,
        models.CaseEvent.note,
        models.IdentityReveal.reason,
        models.IdentityReveal.decision_note,
        models.EthicsReferral.reason,
        SurveyResponse.comment,
        SurveyFollowUp.extension_reason,
        SurveyFollowUp.analysis,
        SurveyFollowUp.measures,
    ]
    found: set[str] = set()
    for column in columns:
        found |= {value for value in db.session.scalars(sa.select(column).distinct()) if value}
    found |= {s.value for s in db.session.scalars(sa.select(Setting)) if isinstance(s.value, str) and s.value}
    from core.settings import SPECS

    found |= {spec.default for spec in SPECS.values() if isinstance(spec.default, str) and spec.default}
    found.add(MASK)  # a petitioner's identity hidden from whoever may not see it
    pieces = set()
    for value in found:
        pieces.add(value)
        pieces.update(line.strip() for line in value.splitlines() if line.strip())
    return sorted((p for p in pieces if len(p) > 1 or CJK.match(p)), key=len, reverse=True)


class Checker:
    def __init__(self, codes: set[str], people: list[str]) -> None:
        self.codes = codes
        self.people = people
        # Codes no English word looks like (director-mailbox, special-control), found inside a sentence too.
        compound = sorted((c for c in codes if "-" in c or "_" in c), key=len, reverse=True)
        self.compound = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, compound)) + r")(?![\w-])")

    def without_people(self, piece: str) -> str:
        piece = EMAIL.sub(" ", LINK.sub(" ", piece))
        for value in self.people:
            if value in piece:
                piece = piece.replace(value, " ")
        for value in self.people:  # the start of a long text, cut short on a list
            start = piece.find(value[:12]) if len(value) > 12 else -1
            if start >= 0:
                end = start
                while end < len(piece) and end - start < len(value) and piece[end] == value[end - start]:
                    end += 1
                piece = piece[:start] + " " + piece[end:]
        return piece

    def problems(self, piece: str, zh: bool) -> list[str]:
        found = []
        plain = EMAIL.sub(" ", LINK.sub(" ", piece))
        if (
            piece.strip() in self.codes
            or self.compound.search(plain)
            and self.compound.search(self.without_people(piece))
        ):
            found.append("code")
        if SNAKE.search(plain) and SNAKE.search(self.without_people(piece)):
            found.append("snake_case")
        if PYTHON_WORDS.search(plain) and PYTHON_WORDS.search(self.without_people(piece)):
            found.append("True/False/None")
        if zh and LATIN_WORD.search(ZH_ALLOWED.sub(" ", plain)):
            rest = ZH_ALLOWED.sub(" ", self.without_people(piece))
            if LATIN_WORD.search(rest):
                found.append("English on a Chinese page")
        if not zh and CJK.search(piece) and CJK.search(self.without_people(piece)):
            found.append("Chinese on an English page")
        return found


def _seed(app) -> None:  # noqa: ANN001
    from tests.conftest import empty_tables

    empty_tables(app)
    _run(app, "demo", "seed")
    _run(app, "demo", "cases")
    _run(app, "demo", "surveys")
    # Open311 client applications, one of them revoked: their page shows each state in words.
    _run(app, "open311", "create-key", "台北通 app")
    old = _run(app, "open311", "create-key", "舊版通報 app").output.split()[1]  # "client ID (NAME): api_key KEY"
    _run(app, "open311", "revoke-key", old)


def _visit_key(path: str, query: str, case_states: dict[str, tuple[str, bool]]) -> tuple | None:
    """Pages that show the same template for another row are visited once: one case page per state
    (confidential or not), one query-string variant per set of parameter names."""
    match = re.fullmatch(r"/staff/cases/([^/]+)(/.*)?", path)
    if match and match.group(1) in case_states:
        return ("case", match.group(2) or "", *case_states[match.group(1)])
    names = tuple(sorted({name for name, _ in parse_qsl(query, keep_blank_values=True)} - {"page"}))
    return (re.sub(r"\d+", "#", path), names)


def _crawl(client, checker: Checker, zh: bool, case_states, visited: set[str], failures: list[str]) -> int:  # noqa: ANN001
    queue, seen_keys, fetched = ["/staff/"], set(), 0
    while queue:
        if fetched == PAGE_CAP:
            failures.append(f"more than {PAGE_CAP} pages: raise PAGE_CAP or visit fewer variants")
            break
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/staff") or SKIP.search(parts.path):
            continue
        key = _visit_key(parts.path, parts.query, case_states)
        if key in seen_keys:
            continue
        seen_keys.add(key)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = client.get(target)
        fetched += 1
        if answer.status_code in (301, 302, 303):
            continue
        if answer.status_code != 200 or not answer.content_type.startswith("text/html"):
            if answer.status_code != 200:
                failures.append(f"{target}: HTTP {answer.status_code}")
            continue
        visited.add(parts.path)
        page = PageText("zh" if zh else "en")
        page.feed(answer.get_data(as_text=True))
        assert re.search(r'<html lang="(zh|en)', answer.text).group(1) == ("zh" if zh else "en"), target
        for piece in page.pieces:
            for problem in checker.problems(piece, zh):
                failures.append(f"{target}: {problem}: {piece[:160]!r}")
        queue.extend(link for link in page.links if not link.startswith("#"))
    return fetched


def test_every_staff_page_shows_labels_in_the_readers_language(app, db, smtp):
    from cases.models import Case, CaseState
    from core.accounts.cli import DEMO_PASSWORD
    from tests.support import client_from, login

    _seed(app)
    case_states = {
        n: (s, bool(c)) for n, s, c in db.session.execute(sa.select(Case.number, Case.state, Case.confidential))
    }
    assert {s for s, _ in case_states.values()} == {s.value for s in CaseState}, "the demo lacks a state"
    checker = Checker(_codes(), [*_people_data(), app.config["AGENCY_NAME"]])
    failures: dict[str, list[str]] = defaultdict(list)
    visited: set[str] = set()
    for number, email in enumerate(ROLES):
        for language in LANGUAGES:
            client = client_from(app, f"10.98.{number}.{LANGUAGES.index(language) + 1}")
            client.set_cookie("lang", language)
            assert login(client, email, DEMO_PASSWORD).status_code == 302, email
            found: list[str] = []
            fetched = _crawl(client, checker, language != "en", case_states, visited, found)
            assert fetched > 3, (email, language, fetched)
            for line in dict.fromkeys(found):
                failures[line].append(f"{email} {language}")

    seen_states = {
        case_states[p.rsplit("/", 1)[1]][0]
        for p in visited
        if re.fullmatch(r"/staff/cases/[^/]+", p) and p.rsplit("/", 1)[1] in case_states
    }
    missing = [p for p in MUST_VISIT if p not in visited]
    missing += [f"a case page in state {s.value}" for s in CaseState if s.value not in seen_states]
    missing += ["a reply letter"] * (not any(p.endswith("/letter") for p in visited))
    report = [f"{line}   [{', '.join(who[:2])}{' …' if len(who) > 2 else ''}]" for line, who in failures.items()]
    assert not missing and not report, "\n".join(
        [f"not reached: {m}" for m in missing] + [f"{len(report)} problems:", *report]
    )


def test_roc_dates_on_chinese_pages_when_asked_iso_in_english_and_in_exports(app, db, smtp):
    """With the `roc_dates` setting on, a zh-TW page shows 民國 dates (114/12/23); the English page and the
    CSV download keep ISO."""
    from core.settings import set_setting
    from tests.support import make_agency, register_case, staff_client

    make_agency(db)
    case = register_case(db)
    received = case.received_on
    roc = f"{received.year - 1911}/{received.month:02d}/{received.day:02d}"
    iso, month = received.isoformat(), f"{received.year}-{received.month:02d}"

    intake = staff_client(app, "intake@example.tw")
    assert iso in intake.get("/staff/").text and roc not in intake.get("/staff/").text  # ISO by default
    set_setting("roc_dates", True)
    db.session.commit()

    zh = intake.get("/staff/").text
    assert roc in zh and iso not in zh.split("<main", 1)[1]
    english = staff_client(app, "intake@example.tw")
    english.set_cookie("lang", "en")
    text = english.get("/staff/").text
    assert iso in text and roc not in text
    secretariat = staff_client(app, "secretariat@example.tw")
    csv = secretariat.get(f"/staff/statistics.csv?from={iso}&to={iso}")
    assert csv.status_code == 200 and month in csv.text and f"{received.year - 1911}/" not in csv.text


def test_audit_log_names_every_field_and_value_in_the_readers_language(app, db, smtp):
    """The audit page with entries of every kind, made on the web and by commands: settings (a number, a
    yes/no, the class per channel), units, staff (roles, time away with a deputy, language, password,
    deactivation), time-limit classes and the office calendar. In both languages, no key, code or
    True/False shows, fields carry their form's labels and dates go through the date filter."""
    from core.accounts.services import find_staff, find_unit
    from core.clock import today
    from tests.support import make_agency, staff_client
    from tests.test_admin_pages import post, settings_form

    make_agency(db)
    find_staff("admin@example.tw").name = "林管理"  # its factory name "admin" reads as the role's code
    db.session.commit()
    admin = staff_client(app, "admin@example.tw")
    deputy = find_staff("roads.deputy@example.tw")
    handler = find_staff("roads.handler@example.tw")
    # On the web
    assert post(admin, "/staff/admin/units", {"code": "WORKS", "name": "工務局", "parent": "",
                                              "ethics_office": "y"}).status_code == 303
    works = find_unit("WORKS")
    assert post(admin, f"/staff/admin/units/{works.id}", {"name": "工務局本部",
                                                          "parent": str(find_unit("SEC").id)}).status_code == 303
    assert post(admin, f"/staff/admin/staff/{handler.id}", {
        "name": handler.name, "unit": str(handler.unit_id), "roles": ["handler", "supervisor"],
        "deputy": str(deputy.id), "away_from": "2026-12-07", "away_until": "2026-12-11",
        "language": "en"}).status_code == 303
    assert post(admin, "/staff/admin/staff/new", {"email": "new.colleague@example.tw", "name": "新同仁",
                                                  "unit": str(works.id), "roles": ["intake"]}).status_code == 303
    assert post(admin, "/staff/admin/settings", settings_form(
        app, routing_working_days="2", roc_dates=None, four_eyes_relaxed_for_one_person_units="y",
        **{"default_limit_class.complaint": "ordinary"})).status_code == 303
    assert post(admin, "/staff/admin/time-limits", {"code": "works", "name_zh": "工程急件", "name_en": "Works",
                                                    "days": "5"}).status_code == 303
    assert post(admin, "/staff/admin/time-limits/works", {"name_zh": "工程急件", "name_en": "Works",
                                                          "days": "6", "counts_holidays": "y"}).status_code == 303
    closure = {"op": "add", "day": "2026-12-03", "kind": "closed", "reason": "颱風停止上班"}
    assert post(admin, "/staff/admin/calendar", closure, url="/staff/admin/calendar/apply").status_code == 303
    assert post(admin, "/staff/admin/calendar", {"op": "remove", "day": "2026-12-03"},
                url="/staff/admin/calendar/apply").status_code == 303
    # By commands
    _run(app, "settings", "set", "survey_valid_days", "20")
    _run(app, "settings", "set", "transfer_and_not_handled_notices", "false")
    _run(app, "units", "create", "BRIDGES", "橋梁科")
    _run(app, "staff", "away", "parks.handler@example.tw", "--from", "2026-12-14", "--until", "2026-12-18",
         "--deputy", "roads.deputy@example.tw")
    typed = app.test_cli_runner().invoke(args=["staff", "password", "parks.handler@example.tw"],
                                         input="another-long-password\nanother-long-password\n")
    assert typed.exit_code == 0, typed.output
    _run(app, "staff", "deactivate", "parks.chief@example.tw")
    _run(app, "deadlines", "set-class", "works", "--days", "7", "--working-days")
    _run(app, "calendar", "open", "2026-12-05", "--reason", "補行上班")
    db.session.commit()

    from core.audit import AuditEntry

    kinds = set(db.session.execute(sa.select(AuditEntry.entity, AuditEntry.actor_id.is_(None))))
    assert {(e, cli) for e in ("setting", "unit", "staff", "time_limit_class", "calendar_day")
            for cli in (True, False)} <= kinds
    typed = ["颱風停止上班", "補行上班", "工程急件", "Works", "工務局", "another-long-password"]  # as people typed them
    checker = Checker(_codes(), sorted([*typed, *_people_data(), app.config["AGENCY_NAME"]], key=len, reverse=True))
    expected = {"zh_Hant_TW": ["代理人", "休假起日", "2026-12-07", "是", "否", "承辦人", "主管", "英文",
                               "工務局本部", "秘書室"],
                "en": ["Deputy", "Away from", "2026-12-07", "Yes", "No", "Handler", "Supervisor", "English",
                       "工務局本部", "Working day"]}
    for language in LANGUAGES:
        admin.set_cookie("lang", language)
        answer = admin.get(f"/staff/admin/audit?from={today()}&to={today()}")
        assert answer.status_code == 200
        page = PageText(language[:2])
        page.feed(answer.text)
        problems = [f"{problem}: {piece[:160]!r}" for piece in page.pieces
                    for problem in checker.problems(piece, language != "en")]
        assert not problems, "\n".join([language, *problems])
        for text in expected[language]:
            assert text in answer.text, (language, text)
        assert "away_from" not in answer.text and "name_zh" not in answer.text

"""Reminders and escalation (稽催): due soon, due today, and the daily overdue digest.

Each kind is one indexed query over open cases (never a loop over all cases), anti-joined with
the ledger; each reminder is written to the ledger with INSERT ... ON CONFLICT DO NOTHING, and
only the sweep whose insert took the row sends the mail. Two sweeps at once send nothing twice.

The mails are rendered at delivery from template + context (notifications/delivery.py); the sweep
writes the rows only: each case's context is built once (however many people and digests it goes
to), and the ledger and outbox rows go in bulk (core/bulk.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import NamedTuple

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from cases import staff_notices
from cases.case_file import Submission
from cases.deadlines import load_calendar
from cases.models import UNIT_CLOCK_RUNNING_STATES, Case, ReminderLedger
from core.accounts.models import Role, Staff, StaffRole, Unit
from core.bulk import insert_many_or_ignore
from core.db import utcnow
from core.extensions import db
from core.settings import get_setting
from core.urls import external_url
from notifications.outbox import enqueue_many
from notifications.staff_notices import LANGUAGES, MAIL_LANGUAGE

DIGEST_LIMIT = 200


def _language(chosen: str | None) -> str:
    """A person's mail language (Staff.language), zh-TW when it is not one we speak (as staff notices do)."""
    return chosen if chosen in LANGUAGES else MAIL_LANGUAGE


class ReminderRow(NamedTuple):
    id: int
    number: str
    due_on: date
    unit_id: int | None
    unit_name: str | None
    confidential: bool
    subject: str
    handler_id: int | None
    handler_email: str | None
    handler_name: str | None
    handler_away_from: date | None
    handler_away_until: date | None
    handler_language: str | None
    deputy_email: str | None
    deputy_name: str | None
    deputy_language: str | None


def _rows(*conditions) -> list[ReminderRow]:  # noqa: ANN002
    """Open cases matching `conditions`, with what the mails need, in one indexed query
    (columns, not ORM objects: the sweep reads thousands of rows)."""
    handler, deputy = aliased(Staff), aliased(Staff)
    query = (
        select(Case.id, Case.number, Case.due_on, Case.unit_id, Unit.name, Case.confidential, Submission.subject,
               Case.handler_id, handler.email, handler.name, handler.away_from, handler.away_until,
               handler.language, deputy.email, deputy.name, deputy.language)
        .join(Submission, Submission.id == Case.submission_id)
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .outerjoin(handler, handler.id == Case.handler_id)
        .outerjoin(deputy, deputy.id == handler.deputy_id)
        # A case awaiting the petitioner's answer (補陳) has its clock stopped: nothing is due, nothing overdue.
        .where(Case.state.in_(UNIT_CLOCK_RUNNING_STATES), *conditions)
        .order_by(Case.due_on, Case.id)
    )
    # Core execution on the session's connection: the same transaction, without ORM result handling.
    return list(map(ReminderRow._make, db.session.connection().execute(query)))


def _not_reminded(kind: str):  # noqa: ANN202
    return ~exists().where(ReminderLedger.case_id == Case.id, ReminderLedger.kind == kind,
                           ReminderLedger.on_date == Case.due_on)


def due_soon(today: date, until: date) -> list[ReminderRow]:
    return _rows(Case.due_on > today, Case.due_on <= until, _not_reminded("due_soon"))


def due_today(today: date) -> list[ReminderRow]:
    return _rows(Case.due_on == today, _not_reminded("due_today"))


def overdue(today: date) -> list[ReminderRow]:
    return _rows(Case.due_on < today)


def _claim(kind: str, rows: list[ReminderRow], now: datetime) -> set[int]:
    """Write the ledger rows in bulk; the ids of the cases this sweep claimed (and must remind of).
    A racing sweep's rows conflict on the unique key and are not returned to it."""
    return set(insert_many_or_ignore(
        ReminderLedger.__table__,
        [{"key": f"{kind}:{r.id}:{r.due_on}", "kind": kind, "on_date": r.due_on, "case_id": r.id, "created_at": now}
         for r in rows],
        "key", "case_id"))


def _digests_sent(today: date) -> bool:
    return db.session.scalar(select(exists().where(ReminderLedger.kind == "overdue_digest",
                                                   ReminderLedger.on_date == today))) or False


def _claim_digests(staff_ids: list[int], today: date, now: datetime) -> set[int]:
    """The digests' ledger rows, one per person and day: the staff this sweep must send theirs to."""
    return set(insert_many_or_ignore(
        ReminderLedger.__table__,
        [{"key": f"overdue_digest:{staff_id}:{today}", "kind": "overdue_digest", "on_date": today,
          "staff_id": staff_id, "created_at": now} for staff_id in staff_ids],
        "key", "staff_id"))


def _staff_by_role(role: Role, unit_ids: set[int] | None = None) -> dict[int | None, list[Staff]]:
    query = select(Staff).join(StaffRole).where(StaffRole.role == role.value, Staff.active.is_(True))
    if unit_ids is not None:
        query = query.where(Staff.unit_id.in_(unit_ids))
    grouped: dict[int | None, list[Staff]] = defaultdict(list)
    for staff in db.session.scalars(query):
        grouped[staff.unit_id].append(staff)
    return grouped


class Person(NamedTuple):
    id: int | None
    email: str
    name: str
    language: str = MAIL_LANGUAGE


def _working_person(row: ReminderRow, today: date) -> Person | None:
    """The handler, or the deputy while the handler is away."""
    if row.handler_email is None:
        return None
    away = bool(row.handler_away_from and row.handler_away_until
                and row.handler_away_from <= today <= row.handler_away_until)
    if away and row.deputy_email:
        return Person(None, row.deputy_email, row.deputy_name or "", _language(row.deputy_language))
    return Person(row.handler_id, row.handler_email, row.handler_name or "", _language(row.handler_language))


_URL_SAFE = re.compile(r"[0-9A-Za-z_.~-]+")


def _case_urls() -> Callable[[str], str]:
    """external_url("cases.case_page", number=...) for many numbers: the link is built once and the number put
    in its place (a number of characters that need no quoting; any other is built in full)."""
    zero, one = external_url("cases.case_page", number="0"), external_url("cases.case_page", number="1")
    cut = next(i for i, (a, b) in enumerate(zip(zero, one, strict=True)) if a != b)
    prefix, suffix = zero[:cut], zero[cut + 1:]

    def url(number: str) -> str:
        if _URL_SAFE.fullmatch(number):
            return prefix + number + suffix
        return external_url("cases.case_page", number=number)

    return url


class _Contexts:
    """Each case's part of the mail context, built once per sweep and language (a case goes to several people and
    digests). A confidential case's subject is never mailed: in its place the words "(confidential case)" in the
    recipient's language, translated once per sweep."""

    def __init__(self) -> None:
        self.url, self.agency = _case_urls(), current_app.config["AGENCY_NAME"]
        self.built: dict[tuple[int, str], dict] = {}
        self.masked: dict[str, str] = {}

    def _masked(self, language: str) -> str:
        if language not in self.masked:
            with force_locale(language):
                self.masked[language] = gettext("(confidential case)")
        return self.masked[language]

    def __call__(self, row: ReminderRow, language: str) -> dict:
        context = self.built.get((row.id, language))
        if context is None:
            context = self.built[(row.id, language)] = {
                "case_number": row.number, "due_on": str(row.due_on), "url": self.url(row.number),
                "subject": self._masked(language) if row.confidential else row.subject, "unit": row.unit_name or "",
                "agency": self.agency}
        return context


def _person(staff: Staff) -> Person:
    return Person(staff.id, staff.email, staff.name, _language(staff.language))


def _messages(kind: str, template: str, contexts: _Contexts, row: ReminderRow, people: list[Person]) -> list[dict]:
    """One mail per person, in that person's language."""
    return [dict(kind=f"cases.{kind}", to=person.email, template=template, language=person.language,
                 context={**contexts(row, person.language), "name": person.name},
                 key=f"{kind}:{row.id}:{row.due_on}:{person.email}")
            for person in people]


def sweep(today: date) -> dict[str, int]:
    """Send every reminder due today. Returns how many of each kind this run sent."""
    calendar = load_calendar()
    sent = {"due_soon": 0, "due_today": 0, "overdue_digest": 0}
    if not calendar.is_working_day(today):
        return sent
    until = calendar.add_working_days(today, get_setting("reminder_due_soon_working_days"))
    soon, today_rows = due_soon(today, until), due_today(today)
    # The digest goes once a day: later sweeps that day skip the (largest) overdue query.
    late = [] if _digests_sent(today) else overdue(today)
    unit_ids = {r.unit_id for r in (*soon, *today_rows, *late) if r.unit_id}
    supervisors = _staff_by_role(Role.SUPERVISOR, unit_ids)

    now, context = utcnow(), _Contexts()
    outgoing: list[dict] = []
    in_app: list[tuple] = []  # the same reminders on the notifications page (cases/staff_notices.py)
    claimed = _claim("due_soon", soon, now)
    for row in (r for r in soon if r.id in claimed):
        person = _working_person(row, today)
        people = [person] if person else [_person(s) for s in supervisors.get(row.unit_id, [])]
        outgoing += _messages("due_soon", "reminder_due_soon", context, row, people)
        in_app += [("due_soon", row, p.email) for p in people]
        sent["due_soon"] += 1

    claimed = _claim("due_today", today_rows, now)
    for row in (r for r in today_rows if r.id in claimed):
        people = {s.email: _person(s) for s in supervisors.get(row.unit_id, [])}
        person = _working_person(row, today)
        if person:
            people[person.email] = person
        outgoing += _messages("due_today", "reminder_due_today", context, row, list(people.values()))
        in_app += [("due_today", row, email) for email in people]
        sent["due_today"] += 1
    enqueue_many(outgoing)

    if late and not _digests_sent(today):
        digest_for: dict[int, tuple[Staff, list[ReminderRow]]] = {}
        for row in late:
            for staff in supervisors.get(row.unit_id, []):
                digest_for.setdefault(staff.id, (staff, []))[1].append(row)
        for staff in (s for group in _staff_by_role(Role.SECRETARIAT).values() for s in group):
            digest_for[staff.id] = (staff, late)  # the secretariat watches the whole agency
        claimed = _claim_digests(list(digest_for), today, now)
        list_url = external_url("cases.staff_home", queue="all", due="overdue")
        days_late: dict[date, int] = {}
        digests = []
        for staff, rows in (digest_for[staff_id] for staff_id in digest_for if staff_id in claimed):
            # The mail lists the longest-overdue cases; the full list is one click away.
            language = _language(staff.language)
            cases = []
            for r in rows[:DIGEST_LIMIT]:
                if r.due_on not in days_late:
                    days_late[r.due_on] = calendar.working_days_between(r.due_on, today)
                cases.append({**context(r, language), "days_late": days_late[r.due_on]})
            digests.append(dict(kind="cases.overdue_digest", to=staff.email, template="overdue_digest",
                                language=language, context={
                                    "name": staff.name, "today": str(today), "cases": cases, "total": len(rows),
                                    "list_url": list_url, "agency": current_app.config["AGENCY_NAME"]},
                                key=f"overdue_digest:{staff.id}:{today}"))
            in_app.append(("overdue", len(rows), staff.email))
            sent["overdue_digest"] += 1
        enqueue_many(digests)
    staff_notices.reminders_shown(in_app, today)
    db.session.flush()
    return sent

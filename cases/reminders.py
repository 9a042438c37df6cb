"""Reminders and escalation (稽催): due soon, due today, and the daily overdue digest.

Each kind is one indexed query over open cases (never a loop over all cases), anti-joined with
the ledger; each reminder is written to the ledger with INSERT ... ON CONFLICT DO NOTHING, and
only the sweep whose insert took the row sends the mail. Two sweeps at once send nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from cases.deadlines import load_calendar
from cases.models import UNIT_OPEN_STATES, Case, ReminderLedger
from core.accounts.models import Role, Staff, StaffRole
from core.extensions import db
from core.settings import get_setting
from notifications.outbox import enqueue

STAFF_LANGUAGE = "zh_Hant_TW"


def _loaded():  # noqa: ANN202 - the mails need these; load them with the rows, not one by one
    return (joinedload(Case.submission), joinedload(Case.unit),
            joinedload(Case.handler).joinedload(Staff.deputy))


def _not_reminded(kind: str, on_date):  # noqa: ANN001, ANN202
    return ~exists().where(ReminderLedger.case_id == Case.id, ReminderLedger.kind == kind,
                           ReminderLedger.on_date == on_date)


def due_soon(today: date, until: date) -> list[Case]:
    return list(db.session.scalars(
        select(Case).options(*_loaded())
        .where(Case.state.in_(UNIT_OPEN_STATES), Case.due_on > today, Case.due_on <= until,
               _not_reminded("due_soon", Case.due_on))
    ).unique())


def due_today(today: date) -> list[Case]:
    return list(db.session.scalars(
        select(Case).options(*_loaded())
        .where(Case.state.in_(UNIT_OPEN_STATES), Case.due_on == today, _not_reminded("due_today", Case.due_on))
    ).unique())


def overdue(today: date) -> list[Case]:
    return list(db.session.scalars(
        select(Case).options(*_loaded())
        .where(Case.state.in_(UNIT_OPEN_STATES), Case.due_on < today).order_by(Case.due_on, Case.id)
    ).unique())


def _record(key: str, kind: str, on_date: date, case_id: int | None = None, staff_id: int | None = None) -> bool:
    """True if this sweep wrote the ledger row (and so must send); False if it was there already."""
    dialect = db.session.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = db.session.execute(
        ins(ReminderLedger).values(key=key, kind=kind, on_date=on_date, case_id=case_id, staff_id=staff_id)
        .on_conflict_do_nothing(index_elements=["key"]).returning(ReminderLedger.id)
    ).first()
    return row is not None


def _staff_by_role(role: Role, unit_ids: set[int] | None = None) -> dict[int | None, list[Staff]]:
    query = select(Staff).join(StaffRole).where(StaffRole.role == role.value, Staff.active.is_(True))
    if unit_ids is not None:
        query = query.where(Staff.unit_id.in_(unit_ids))
    grouped: dict[int | None, list[Staff]] = defaultdict(list)
    for staff in db.session.scalars(query):
        grouped[staff.unit_id].append(staff)
    return grouped


def _working_person(handler: Staff | None, today: date) -> Staff | None:
    """The handler, or the deputy while the handler is away."""
    if handler is not None and handler.is_away(today) and handler.deputy is not None:
        return handler.deputy
    return handler


def _case_context(case: Case) -> dict:
    base = current_app.config["BASE_URL"]
    return {"case_number": case.number, "due_on": str(case.due_on), "url": f"{base}/staff/cases/{case.number}",
            "subject": case.submission.subject if not case.confidential else "（保密案件）",
            "agency": current_app.config["AGENCY_NAME"]}


def sweep(today: date) -> dict[str, int]:
    """Send every reminder due today. Returns how many of each kind this run sent."""
    calendar = load_calendar()
    sent = {"due_soon": 0, "due_today": 0, "overdue_digest": 0}
    if not calendar.is_working_day(today):
        return sent
    until = calendar.add_working_days(today, get_setting("reminder_due_soon_working_days"))
    soon, today_cases, late = due_soon(today, until), due_today(today), overdue(today)
    unit_ids = {c.unit_id for c in (*soon, *today_cases, *late) if c.unit_id}
    supervisors = _staff_by_role(Role.SUPERVISOR, unit_ids)

    for case in soon:
        if not _record(f"due_soon:{case.id}:{case.due_on}", "due_soon", case.due_on, case_id=case.id):
            continue
        person = _working_person(case.handler, today)
        recipients = [person] if person else supervisors.get(case.unit_id, [])
        for staff in recipients:
            enqueue(kind="cases.due_soon", to=staff.email, template="reminder_due_soon", language=STAFF_LANGUAGE,
                    context={**_case_context(case), "name": staff.name},
                    key=f"due_soon:{case.id}:{case.due_on}:{staff.id}")
        sent["due_soon"] += 1

    for case in today_cases:
        if not _record(f"due_today:{case.id}:{case.due_on}", "due_today", case.due_on, case_id=case.id):
            continue
        people = {s.id: s for s in supervisors.get(case.unit_id, [])}
        person = _working_person(case.handler, today)
        if person:
            people[person.id] = person
        for staff in people.values():
            enqueue(kind="cases.due_today", to=staff.email, template="reminder_due_today", language=STAFF_LANGUAGE,
                    context={**_case_context(case), "name": staff.name},
                    key=f"due_today:{case.id}:{case.due_on}:{staff.id}")
        sent["due_today"] += 1

    if late:
        digest_for: dict[int, tuple[Staff, list[Case]]] = {}
        for case in late:
            for staff in supervisors.get(case.unit_id, []):
                digest_for.setdefault(staff.id, (staff, []))[1].append(case)
        for staff in (s for group in _staff_by_role(Role.SECRETARIAT).values() for s in group):
            digest_for[staff.id] = (staff, late)  # the secretariat watches the whole agency
        for staff, cases in digest_for.values():
            if not _record(f"overdue_digest:{staff.id}:{today}", "overdue_digest", today, staff_id=staff.id):
                continue
            rows = [{**_case_context(c), "days_late": calendar.working_days_between(c.due_on, today),
                     "unit": c.unit.name if c.unit else ""} for c in cases]
            enqueue(kind="cases.overdue_digest", to=staff.email, template="overdue_digest",
                    language=STAFF_LANGUAGE, context={"name": staff.name, "today": str(today), "cases": rows,
                                                      "agency": current_app.config["AGENCY_NAME"]},
                    key=f"overdue_digest:{staff.id}:{today}")
            sent["overdue_digest"] += 1
    db.session.flush()
    return sent



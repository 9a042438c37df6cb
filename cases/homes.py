"""Each role's home on /staff/ (issue 12): what needs doing today, most urgent first, with counts that match the
lists they open; bulk route and bulk assign; the secretariat's chase (催辦).

Every list is one statement whatever its rows: the rows as plain columns (no ORM objects) with the list's
whole count alongside (a window count), at most HOME_ROWS of them, the rest behind a link to the queue page
with the same filter (keyset pages, cases/queries.py). Remaining working days come from the one calendar of
the request (cases/deadlines.load_calendar), never a query per row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select, true
from sqlalchemy.orm import aliased

from cases.case_file import Submission
from cases.models import (
    CLOCK_RUNNING_STATES,
    UNIT_CLOCK_RUNNING_STATES,
    UNIT_OPEN_STATES,
    Case,
    CaseEvent,
    CaseState,
    EthicsReferral,
    IdentityReveal,
    ReminderLedger,
)
from cases.queries import awaiting_decision
from cases.workflow import TransitionRefused
from core.accounts.models import Role, Staff, StaffRole, Unit
from core.bulk import insert_many_or_ignore
from core.clock import TAIPEI
from core.db import utcnow
from core.extensions import db
from core.policy import case_scope

HOME_ROWS = 20  # a glance, most urgent first; the count links to the whole list
SORTS = ("due", "received", "unit")

_SUBJECT = aliased(Submission, name="home_submission")
_UNIT = aliased(Unit, name="home_unit")
_HANDLER = aliased(Staff, name="home_handler")
_COLUMNS = (Case.id, Case.number, Case.version, Case.state, Case.confidential, Case.received_on, Case.due_on,
            Case.routing_due_on, _SUBJECT.subject, _UNIT.name.label("unit_name"), _UNIT.code.label("unit_code"),
            _HANDLER.name.label("handler_name"))


@dataclass
class CaseList:
    """One list of a home: its rows (at most HOME_ROWS), how many cases it holds in all, and the queue page that
    lists them all (the count's link)."""

    key: str
    rows: list[Any]
    total: int
    link_args: dict[str, str] | None = None
    extra: dict[int, Any] = field(default_factory=dict)  # per row: days left, return reason...


@dataclass
class Home:
    sort: str
    unit: str
    sections: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (role, its lists and figures)


# Sections other domains add to a role's home (surveys: the unit's follow-ups due), each a function of the user
# and today giving a (label, count, url) tuple or None. Cases never imports them: they register here.
EXTRA_SECTIONS: dict[str, list[Callable[[Staff, date], tuple[str, int, str] | None]]] = {}


def register_section(role: str, provider: Callable[[Staff, date], tuple[str, int, str] | None]) -> None:
    providers = EXTRA_SECTIONS.setdefault(role, [])
    if provider not in providers:  # each app built in a process registers it again
        providers.append(provider)


def _order(sort: str, due: Any) -> tuple:
    if sort == "received":
        return (Case.received_on, Case.id)
    if sort == "unit":
        return (_UNIT.name.asc().nulls_last(), due.asc().nulls_last(), Case.id)
    # NULLS LAST rather than "due IS NULL" first: the same order, and an index (state, due, received, id) serves it.
    return (due.asc().nulls_last(), Case.received_on, Case.id)


def _list(key: str, user: Staff, condition: Any, sort: str, unit: str, *, due: Any = Case.due_on,
          link_args: dict[str, str] | None = None, extra_columns: Iterable[Any] = (),
          extra_join: Callable[[Select], Select] | None = None, scoped: bool = True) -> CaseList:
    # `scoped=False`: the condition itself says what the user may see (what they decide, in any unit).
    def matching(query: Select) -> Select:
        query = query.where(case_scope(user).clause(Case) if scoped else true(), condition)
        if extra_join is not None:
            query = extra_join(query)
        if unit:
            query = query.where(Case.unit_id.in_(select(Unit.id).where(Unit.code == unit)))
        return query

    # The whole count as an uncorrelated scalar subquery, computed once: a window count (count(*) OVER ()) would
    # join and sort every matching case (tens of thousands at a million cases) to show twenty.
    total = matching(select(func.count()).select_from(Case)).correlate(None).scalar_subquery().label("total")
    query = matching(select(*_COLUMNS, *extra_columns, total).select_from(Case)
                     .join(_SUBJECT, _SUBJECT.id == Case.submission_id)
                     .outerjoin(_UNIT, _UNIT.id == Case.unit_id)
                     .outerjoin(_HANDLER, _HANDLER.id == Case.handler_id))
    rows = list(db.session.execute(query.order_by(*_order(sort, due)).limit(HOME_ROWS)))
    total = rows[0].total if rows else 0
    if link_args is not None and unit:
        link_args = {**link_args, "unit": unit}
    return CaseList(key, rows, total, link_args)


def _overdue(today: date) -> Any:
    return and_(Case.state.in_(CLOCK_RUNNING_STATES), Case.due_on < today)


def _due_soon(today: date, soon_until: date) -> Any:
    return and_(Case.state.in_(CLOCK_RUNNING_STATES), Case.due_on >= today, Case.due_on <= soon_until)


# ---------------------------------------------------------------- the roles' sections


def intake_section(user: Staff, today: date, sort: str, unit: str) -> dict[str, Any]:
    """New cases to classify and route (待分文) by their routing date, overdue routing marked; the cases a unit
    returned to intake, with the reason."""
    returned = (select(CaseEvent.case_id, func.max(CaseEvent.id).label("event_id"))
                .where(CaseEvent.action == "return_to_intake").group_by(CaseEvent.case_id).subquery("returns"))
    new = _list("to_route", user, Case.state == CaseState.REGISTERED.value, sort, "", due=Case.routing_due_on,
                link_args={"queue": "intake"})
    reason = aliased(CaseEvent, name="return_event")
    back = _list(
        "returned", user, Case.state == CaseState.REGISTERED.value, sort, "", due=Case.routing_due_on,
        extra_columns=(reason.note.label("reason"),),
        extra_join=lambda q: q.join(returned, returned.c.case_id == Case.id).join(reason,
                                                                                  reason.id == returned.c.event_id))
    late = sum(1 for r in new.rows if r.routing_due_on is not None and r.routing_due_on < today)
    return {"to_route": new, "returned": back, "routing_late_shown": late}


def supervisor_section(user: Staff, today: date, soon_until: date, sort: str) -> dict[str, Any]:
    """The unit's cases not yet assigned (待分派), due soon and overdue (the unit's, not only mine), replies and
    extensions awaiting my decision, and what other domains add (the unit's follow-ups due)."""
    mine = Case.unit_id == user.unit_id
    return {
        "unassigned": _list("unassigned", user, and_(mine, Case.state == CaseState.ROUTED.value), sort, "",
                            link_args={"queue": "unit", "state": CaseState.ROUTED.value}),
        "overdue": _list("overdue", user, and_(mine, Case.state.in_(UNIT_CLOCK_RUNNING_STATES), Case.due_on < today),
                         sort,
                         "", link_args={"queue": "unit", "due": "overdue"}),
        "soon": _list("soon", user, and_(mine, Case.state.in_(UNIT_OPEN_STATES), _due_soon(today, soon_until)),
                      sort, "", link_args={"queue": "unit", "due": "soon"}),
        # What I decide, in my unit or another (a deputy, the parent unit's supervisor), never what I wrote.
        "approval": _list("approval", user, awaiting_decision(user), sort, "", link_args={"queue": "approval"},
                          scoped=False),
        "handlers": db.session.execute(
            select(Staff.email, Staff.name).where(Staff.unit_id == user.unit_id, Staff.active.is_(True),
                                                  Staff.id.in_(select(StaffRole.staff_id).where(StaffRole.role.in_(
                                                      [Role.HANDLER.value, Role.SUPERVISOR.value]))))
            .order_by(Staff.name, Staff.id)).all(),
        "extras": [item for provider in EXTRA_SECTIONS.get("supervisor", ())
                   if (item := provider(user, today)) is not None],
    }


def handler_section(user: Staff, today: date, sort: str, calendar: Any) -> dict[str, Any]:
    """My cases (and those of whom I deputise for) by due date, with the working days left."""
    deputising_for = select(Staff.id).where(Staff.deputy_id == user.id)
    cases = _list("mine", user, and_(or_(Case.handler_id == user.id, Case.handler_id.in_(deputising_for)),
                                     Case.state.in_(UNIT_OPEN_STATES)), sort, "", link_args={"queue": "mine"})
    cases.extra = {row.id: days_left(calendar, today, row.due_on) for row in cases.rows}
    if not user.has_role(Role.SUPERVISOR):  # a handler named deputy of a supervisor decides in their stead
        return {"mine": cases, "approval": _list("approval", user, awaiting_decision(user), sort, "",
                                                 link_args={"queue": "approval"}, scoped=False)}
    return {"mine": cases}


def days_left(calendar: Any, today: date, due_on: date | None) -> int | None:
    """Working days from today to the due date; negative when overdue (the case page's count)."""
    if due_on is None:
        return None
    if due_on >= today:
        return calendar.working_days_between(today, due_on)
    return -calendar.working_days_between(due_on, today)


def secretariat_section(user: Staff, today: date, soon_until: date, sort: str, unit: str) -> dict[str, Any]:
    """Overdue and due-soon cases per unit across the agency (one grouped statement), the overdue cases oldest
    first with the chase, and the cases whose routing date has passed."""
    per_unit = db.session.execute(
        select(Unit.code, Unit.name,
               func.count().filter(Case.due_on < today).label("overdue"),
               func.count().filter(Case.due_on >= today).label("soon"))
        .select_from(Case).join(Unit, Unit.id == Case.unit_id)
        .where(Case.state.in_(UNIT_CLOCK_RUNNING_STATES), Case.due_on <= soon_until)
        .group_by(Unit.code, Unit.name)
        .order_by(func.count().filter(Case.due_on < today).desc(), Unit.code)).all()
    overdue = _list("overdue_all", user, and_(Case.state.in_(UNIT_CLOCK_RUNNING_STATES), Case.due_on < today),
                    sort, unit, link_args={"queue": "all", "due": "overdue"})
    routing_late = _list("routing_late", user, and_(Case.state == CaseState.REGISTERED.value,
                                                    Case.routing_due_on < today),
                         sort, "", due=Case.routing_due_on, link_args={"queue": "intake"})
    return {"per_unit": per_unit, "overdue_all": overdue, "routing_late": routing_late}


def ethics_section(user: Staff) -> dict[str, Any]:
    """The ethics office's integrity cases, the referrals not yet taken up and the requests to see a reporter's
    identity awaiting a decision (each decided at /staff/ethics)."""
    cases = _list("integrity", user, and_(Case.unit_id == user.unit_id, Case.state.in_(UNIT_OPEN_STATES)), "due", "",
                  link_args={"queue": "unit"})
    referrals, reveals = db.session.execute(select(
        select(func.count()).select_from(EthicsReferral).where(EthicsReferral.ethics_case_id.is_(None))
        .scalar_subquery(),
        select(func.count()).select_from(IdentityReveal).where(IdentityReveal.decided_at.is_(None))
        .scalar_subquery())).one()
    return {"integrity": cases, "referrals": referrals, "reveals": reveals}


def build(user: Staff, today: date, soon_until: date, calendar: Any, sort: str, unit: str) -> Home:
    home = Home(sort=sort if sort in SORTS else "due", unit=unit)
    sort = home.sort
    if user.has_role(Role.INTAKE):
        home.sections.append(("intake", intake_section(user, today, sort, unit)))
    if user.has_role(Role.SUPERVISOR):
        home.sections.append(("supervisor", supervisor_section(user, today, soon_until, sort)))
    if user.has_role(Role.HANDLER):
        home.sections.append(("handler", handler_section(user, today, sort, calendar)))
    if user.has_role(Role.SECRETARIAT):
        home.sections.append(("secretariat", secretariat_section(user, today, soon_until, sort, unit)))
    if user.has_role(Role.ETHICS):
        home.sections.append(("ethics", ethics_section(user)))
    return home


# ---------------------------------------------------------------- bulk actions and the chase


def parse_selection(values: Iterable[str], cap: int = 200) -> list[tuple[int, int | None]]:
    """The checked boxes, each "ID:VERSION" (the version the page showed), as (id, version) pairs."""
    chosen = []
    for value in list(values)[:cap]:
        head, _sep, tail = str(value).partition(":")
        if head.isascii() and head.isdigit() and 0 < int(head) < 2**31:
            version = int(tail) if tail.isascii() and tail.isdigit() and len(tail) < 10 else None
            chosen.append((int(head), version))
    return chosen


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (case number, why)
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # (case number, why): already done (AlreadyDone)


def bulk(user: Staff, selection: list[tuple[int, int | None]], act: Callable[[Case, int | None], Any]) -> BulkResult:
    """`act` on each selected case the user may see, each in a savepoint of its own: one transition, its own
    timeline event, its own optimistic lock. A refused or stale case is rolled back alone and reported by number;
    the others are done."""
    from sqlalchemy.orm.exc import StaleDataError

    result = BulkResult()
    ids = [case_id for case_id, _version in selection]
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids),
                                                                     case_scope(user).clause(Case)))}
    for case_id, version in selection:
        case = cases.get(case_id)
        if case is None:
            result.refused.append(("#" + str(case_id), _("Not found.")))
            continue
        number = case.number
        savepoint = db.session.begin_nested()
        try:
            act(case, version)
            db.session.flush()
            savepoint.commit()
            result.done.append(number)
        except StaleDataError:
            savepoint.rollback()
            result.refused.append((number, _("Someone else changed this case in the meantime. Please reload it.")))
        except AlreadyDone as exc:
            savepoint.rollback()
            result.unchanged.append((number, exc.message))
        except TransitionRefused as exc:
            savepoint.rollback()
            result.refused.append((number, exc.message))
    return result


def unit_supervisors(unit_id: int) -> list[Staff]:
    return list(db.session.scalars(
        select(Staff).join(StaffRole).where(Staff.unit_id == unit_id, Staff.active.is_(True),
                                            StaffRole.role == Role.SUPERVISOR.value).order_by(Staff.id)))


class AlreadyDone(TransitionRefused):
    """Nothing was done because it already was (a second chase of the case the same day): not an error."""


def chase(case: Case, by: Staff, today: date, url: str) -> CaseEvent:
    """催辦: the secretariat reminds the unit's supervisor(s) of an open case, by mail through the outbox, and
    records it on the case's timeline (action "chased"; the case's state and version stay as they are).

    Once a day per case: the reminder ledger's unique key ("chase:CASE:DAY", the Taipei day) is claimed first with
    INSERT … ON CONFLICT DO NOTHING, so a second chase that day — a second click, or one racing this one, which
    waits for it — records nothing, mails nobody and raises AlreadyDone with the time of the first."""
    from flask_babel import force_locale

    from notifications.outbox import enqueue
    from notifications.staff_notices import mail_language

    if not by.has_role(Role.SECRETARIAT, Role.ADMIN):
        raise TransitionRefused(_("Only the secretariat may chase a case."), 403)
    if not case.is_open or case.unit_id is None:
        raise TransitionRefused(_("Only an open case of a unit can be chased."), 409)
    supervisors = unit_supervisors(case.unit_id)
    if not supervisors:
        raise TransitionRefused(_("The unit has no supervisor to chase."), 409)
    _claim_chase(case, by, today)
    event = CaseEvent(case_id=case.id, actor_id=by.id, action="chased", from_state=case.state, to_state=case.state,
                      detail={"supervisors": [{"id": s.id, "name": s.name} for s in supervisors]})
    db.session.add(event)
    db.session.flush()
    subject = None if case.confidential else db.session.scalar(
        select(Submission.subject).where(Submission.id == case.submission_id))
    for person in supervisors:
        language = mail_language(person)  # each in their own language
        if case.confidential:
            with force_locale(language):
                subject = _("(confidential case)")
        enqueue(kind="cases.chase", to=person.email, template="case_chase", language=language,
                context={"name": person.name, "case_number": case.number, "subject": subject,
                         "due_on": str(case.due_on or ""), "today": str(today), "by": by.name, "url": url,
                         "agency": current_app.config["AGENCY_NAME"]},
                key=f"chase:{case.id}:{event.id}:{person.email}")
    return event


def _claim_chase(case: Case, by: Staff, today: date) -> None:
    """The chase's ledger row for the case and day, or AlreadyDone naming when the day's chase was."""
    key = f"chase:{case.id}:{today.isoformat()}"
    claimed = insert_many_or_ignore(ReminderLedger.__table__, [{
        "key": key, "kind": "chase", "case_id": case.id, "staff_id": by.id, "on_date": today,
        "created_at": utcnow()}], "key", "id")
    if claimed:
        return
    first = db.session.scalar(select(ReminderLedger.created_at).where(ReminderLedger.key == key))
    at = first.astimezone(TAIPEI).strftime("%H:%M") if first is not None else ""
    raise AlreadyDone(_("Case %(number)s was already chased today at %(time)s; its unit's supervisors were not "
                        "mailed again.", number=case.number, time=at), 409)

"""Who on the staff is told of what happens to a case, derived from the case timeline.

Every transition appends a `CaseEvent` (cases/workflow.py). The events a transaction flushed are noted here
(`after_flush`), and when the transaction commits (`before_commit`, so the case is in its final state: the unit
routed to, the handler assigned, the reply decided) each one is mapped to its recipients and written through
notifications.staff_notices: the in-app notices and the mail rows go in that same commit (the outbox pattern).
An event of a savepoint rolled back, or of a transaction rolled back, tells nobody.

What is not a case event calls in directly: identity reveals (cases/privacy.py), follow-ups of dissatisfied
survey answers (surveys/services.py) and the deadline reminders (cases/reminders.py, which mail them already).
No notice carries a petitioner's identity; a confidential case's subject is left out too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from cases.models import Case, CaseEvent, Extension, ExtensionStatus, IdentityReveal, Reply, ReplyStatus
from cases.workflow import authors
from core.accounts.models import Role, Staff, StaffRole, Unit
from core.clock import today
from notifications.staff_notices import case_params, notify, record_shown

_EVENTS_KEY = "staff_notice_events"


# ------------------------------------------------------------------ recipients


def _with_role(role: Role, *conditions) -> list[Staff]:  # noqa: ANN002
    from core.extensions import db

    return list(db.session.scalars(select(Staff).join(StaffRole).where(
        StaffRole.role == role.value, Staff.active.is_(True), *conditions).order_by(Staff.id)))


def supervisors(unit_id: int | None) -> list[Staff]:
    if unit_id is None:
        return []
    return _with_role(Role.SUPERVISOR, Staff.unit_id == unit_id)


def _ethics_officers() -> list[Staff]:
    return _with_role(Role.ETHICS, Staff.unit_id.in_(select(Unit.id).where(Unit.is_ethics_office.is_(True))))


def _unit_heads(case: Case) -> list[Staff]:
    """Whoever takes a case routed to the unit: its supervisors and their deputies (the ethics office's
    officers when it has no supervisor)."""
    people = supervisors(case.unit_id)
    people += [p.deputy for p in people if p.deputy is not None]
    if not people and case.unit is not None and case.unit.is_ethics_office:
        people = _ethics_officers()
    return people


def _latest(model, case: Case, *conditions):  # noqa: ANN001, ANN202
    from core.extensions import db

    return db.session.scalar(select(model).where(model.case_id == case.id, *conditions)
                             .order_by(model.id.desc()).limit(1))


# ------------------------------------------------------------------ event → notice

Recipients = tuple[str, Iterable[Staff], dict[str, Any]]


def _routed(case: Case, ev: CaseEvent) -> Recipients:
    if (ev.detail or {}).get("via") == "reopen":  # told by the "reopened_from" event, with the reason
        return "routed", [], {}
    return "routed", _unit_heads(case), {}


def _reopened(case: Case, ev: CaseEvent) -> Recipients:
    """A reopened case: the heads of the unit it went back to; a second reopen, left with intake, the secretariat
    and intake (cases/reopen.py)."""
    # A confidential case's notice carries no words of the reporter's (as it carries no subject).
    more = {"earlier": (ev.detail or {}).get("earlier", ""), "reason": "" if case.confidential else ev.note}
    if case.unit_id is not None:
        return "reopened", _unit_heads(case), more
    return "reopened_again", _with_role(Role.SECRETARIAT) + _with_role(Role.INTAKE), more


def _petitioner_added(case: Case, ev: CaseEvent) -> Recipients:
    """The handler; the unit's heads while nobody is assigned; intake while the case is not routed."""
    if case.handler is not None:
        people = [case.handler]
    elif case.unit_id is not None:
        people = _unit_heads(case)
    else:
        people = _with_role(Role.INTAKE)
    return "petitioner_added", people, {}



def _assigned(case: Case, ev: CaseEvent) -> Recipients:
    return "assigned", [case.handler] if case.handler else [], {}


def _returned_to_intake(case: Case, ev: CaseEvent) -> Recipients:
    return "returned_to_intake", _with_role(Role.INTAKE), {"reason": ev.note}


def _deciders(case: Case, decision: str) -> list[Staff]:
    """Who may approve what was put forward (four eyes): the unit's supervisors who did not write it; when there
    is none, the others core.policy lets decide (a supervisor's deputy, the parent unit's supervisors)."""
    from core.extensions import db
    from core.policy import deciders

    written_by = authors(case, decision)
    people = [p for p in supervisors(case.unit_id) if p.id not in written_by]
    if people:
        return people
    ids = [row.id for row in deciders(case.unit_id, written_by, today())]
    return list(db.session.scalars(select(Staff).where(Staff.id.in_(ids)).order_by(Staff.id))) if ids else []


def _reply_drafted(case: Case, ev: CaseEvent) -> Recipients:
    return "reply_awaiting", _deciders(case, "approve_reply"), {}


def _extension_requested(case: Case, ev: CaseEvent) -> Recipients:
    extension = _latest(Extension, case, Extension.status == ExtensionStatus.REQUESTED.value)
    return "extension_awaiting", _deciders(case, "approve_extension"), {"days": extension.days if extension else ""}


def _reply_decided(kind: str, status: ReplyStatus) -> Callable[[Case, CaseEvent], Recipients]:
    def recipients(case: Case, ev: CaseEvent) -> Recipients:
        reply = _latest(Reply, case, Reply.status == status.value)
        return kind, [reply.drafted_by] if reply else [], {"reason": ev.note}

    return recipients


def _extension_decided(kind: str, status: ExtensionStatus) -> Callable[[Case, CaseEvent], Recipients]:
    def recipients(case: Case, ev: CaseEvent) -> Recipients:
        extension = _latest(Extension, case, Extension.status == status.value)
        return kind, [extension.requested_by] if extension else [], {"reason": ev.note,
                                                                     "due_on": str(case.due_on or "")}

    return recipients


def _information_received(case: Case, ev: CaseEvent) -> Recipients:
    """補陳 answered: the handler (whoever asked, when nobody is assigned any more), with the new due date."""
    people = [case.handler] if case.handler else [p for p in (_asker(ev),) if p is not None]
    return "information_received", people, {"due_on": str(case.due_on or "")}


def _asker(ev: CaseEvent) -> Staff | None:
    from cases.models import InformationRequest
    from core.extensions import db

    request = db.session.scalar(select(InformationRequest).where(InformationRequest.case_id == ev.case_id)
                                .order_by(InformationRequest.id.desc()).limit(1))
    return request.asked_by if request is not None else None


ON_EVENT: dict[str, Callable[[Case, CaseEvent], Recipients]] = {
    "route": _routed,
    "receive_information": _information_received,
    "assign": _assigned,
    "return_to_intake": _returned_to_intake,
    "draft_reply": _reply_drafted,
    "request_extension": _extension_requested,
    "approve_reply": _reply_decided("reply_approved", ReplyStatus.SENT),
    "return_reply": _reply_decided("reply_returned", ReplyStatus.RETURNED),
    "approve_extension": _extension_decided("extension_approved", ExtensionStatus.APPROVED),
    "refuse_extension": _extension_decided("extension_refused", ExtensionStatus.REFUSED),
    "reopened_from": _reopened,
    "petitioner_added": _petitioner_added,
}


def notify_event(ev: CaseEvent) -> None:
    mapping = ON_EVENT.get(ev.action)
    if mapping is None:
        return
    case = ev.case
    kind, people, more = mapping(case, ev)
    params = case_params(case.number, case.submission.subject, case.confidential, **more)
    notify(people, kind, params, key=f"event:{ev.id}", case_id=case.id, skip=ev.actor_id)


@event.listens_for(Session, "after_flush")
def _note_events(session: Session, _context) -> None:  # noqa: ANN001
    new = [obj for obj in session.new if isinstance(obj, CaseEvent) and obj.action in ON_EVENT]
    if new:
        session.info.setdefault(_EVENTS_KEY, []).extend(new)


@event.listens_for(Session, "before_commit")
def _notify_before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer transaction commits later
        return
    while session.info.get(_EVENTS_KEY):
        events = session.info.pop(_EVENTS_KEY)
        for ev in sorted(events, key=lambda e: e.id or 0):
            if inspect(ev).persistent:  # not undone with a savepoint
                notify_event(ev)
        session.flush()


@event.listens_for(Session, "after_rollback")
def _forget_events(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_EVENTS_KEY, None)


# ------------------------------------------------------------------ what is not a case event


def reveal_requested(reveal: IdentityReveal, by: Staff) -> None:
    case = reveal.case
    notify(_ethics_officers(), "reveal_requested",
           case_params(case.number, None, True, person=by.name, reason=reveal.reason),
           key=f"reveal:{reveal.id}:requested", case_id=case.id, skip=by)


def reveal_decided(reveal: IdentityReveal, by: Staff) -> None:
    case = reveal.case
    notify([reveal.requested_by], "reveal_approved" if reveal.approved else "reveal_refused",
           case_params(case.number, None, True, reason=reveal.decision_note),
           key=f"reveal:{reveal.id}:decided", case_id=case.id, skip=by)


def follow_up_opened(follow_up_id: int, unit_id: int | None, due_on: date) -> None:
    notify(supervisors(unit_id), "follow_up_opened",
           {"due_on": str(due_on), "link": ["surveys.follow_up", {"follow_up_id": follow_up_id}]},
           key=f"follow-up:{follow_up_id}:opened")


def reminders_shown(entries: list[tuple[str, Any, str]], today: date) -> None:
    """The deadline reminders mailed by cases/reminders.py, in the app too: (kind, reminder row, e-mail) for
    due soon / due today, (kind "overdue", count, e-mail) for the overdue digest."""
    if not entries:
        return
    from core.extensions import db

    emails = {email for _kind, _row, email in entries}
    ids = dict(db.session.execute(select(Staff.email, Staff.id).where(Staff.email.in_(emails))).all())
    rows = []
    for kind, row, email in entries:
        staff_id = ids.get(email)
        if staff_id is None:
            continue
        if kind == "overdue":
            rows.append({"staff_id": staff_id, "kind": kind, "key": f"overdue:{today}:{staff_id}",
                         "params": {"count": row, "day": str(today),
                                    "link": ["cases.staff_home", {"queue": "all", "due": "overdue"}]}})
        else:
            rows.append({"staff_id": staff_id, "kind": kind, "case_id": row.id,
                         "key": f"{kind}:{row.id}:{row.due_on}:{staff_id}",
                         "params": case_params(row.number, row.subject, row.confidential, due_on=str(row.due_on))})
    record_shown(rows)

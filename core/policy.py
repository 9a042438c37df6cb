"""The one place that decides who may do what. Views, queries and the API all ask here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, true

from core.accounts.models import Role
from core.clock import today

F = TypeVar("F", bound=Callable[..., Any])

ALL_STAFF = frozenset(Role)

# action → roles that may perform it (object-level checks below narrow it further).
PERMISSIONS: dict[str, frozenset[Role]] = {
    "staff_home": ALL_STAFF,
    "register_case": frozenset({Role.INTAKE, Role.ADMIN}),
    "list_cases": ALL_STAFF,
    "view_case": ALL_STAFF,
    "view_statistics": frozenset({Role.SECRETARIAT, Role.ADMIN}),
    "manage_calendar": frozenset({Role.ADMIN}),
    # Supervisors see their own unit's figures and follow-ups; the secretariat and administrators all.
    "view_satisfaction": frozenset({Role.SECRETARIAT, Role.ADMIN, Role.SUPERVISOR}),
    "view_follow_ups": frozenset({Role.SECRETARIAT, Role.ADMIN, Role.SUPERVISOR}),
    "view_outbox": frozenset({Role.ADMIN}),
    "ethics_desk": frozenset({Role.ETHICS}),
    "ethics_reports": frozenset({Role.ETHICS}),
    "view_access_log": frozenset({Role.ETHICS, Role.ADMIN}),
    "retry_outbox": frozenset({Role.ADMIN}),
    # One's own account: the password and personal access tokens for the staff API.
    "manage_own_account": ALL_STAFF,
    "manage_own_tokens": ALL_STAFF,
    # Administrators: every account (deactivate, reactivate) and everyone's tokens (list, revoke).
    "manage_staff": frozenset({Role.ADMIN}),
    # Administration on the web (units, settings, time-limit classes, questionnaires) and its audit log.
    "administer": frozenset({Role.ADMIN}),
    "manage_units": frozenset({Role.ADMIN}),
    "manage_settings": frozenset({Role.ADMIN}),
    "manage_time_limits": frozenset({Role.ADMIN}),
    "manage_questionnaires": frozenset({Role.ADMIN}),
    "view_audit_log": frozenset({Role.ADMIN}),
    # Issue 14: the keys of the client applications that file requests through Open311.
    "manage_open311_clients": frozenset({Role.ADMIN}),
    # The roles' homes (cases/homes.py): bulk route and assign (each case still checked by the state machine),
    # and the secretariat's chase (催辦) of a unit's open case.
    "bulk_route": frozenset({Role.INTAKE, Role.ADMIN}),
    "bulk_assign": frozenset({Role.SUPERVISOR}),
    "chase_cases": frozenset({Role.SECRETARIAT, Role.ADMIN}),
    # Issue 14: reply templates (supervisors their unit's, the secretariat every one: below), the public FAQ.
    "manage_reply_templates": frozenset({Role.SUPERVISOR, Role.SECRETARIAT}),
    "manage_faq": frozenset({Role.SECRETARIAT}),
    # The periodic analysis for the management meeting (rule 32): read by the secretariat and administrators, the
    # adopted improvement proposals written by the secretariat, which prepares the meeting.
    "view_analysis": frozenset({Role.SECRETARIAT, Role.ADMIN}),
    "edit_analysis": frozenset({Role.SECRETARIAT}),
}

# Roles that see every case; everyone else sees the cases of their own unit.
AGENCY_WIDE = frozenset({Role.INTAKE, Role.SECRETARIAT, Role.ADMIN})


def can(user: Any, action: str, obj: Any = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.has_role(*PERMISSIONS[action]):
        return False
    if action == "view_case" and obj is not None:
        return may_see_case(user, obj)
    return True


@dataclass(frozen=True)
class CaseScope:
    """Which cases a user may see: the one rule, read by `may_see_case` (one case) and by the listings
    (`clause`, as SQL), so the two cannot drift apart."""

    everything: bool = False
    unit_id: int | None = None
    confidential: bool = False  # also every confidential case, whatever its unit (the ethics office)
    sub_units: bool = False     # also the cases of the unit's sub-units (a supervisor: they may approve there)

    def admits(self, case: Any) -> bool:
        if self.everything:
            return True
        if self.confidential and case.confidential:
            return True
        if self.unit_id is not None and case.unit_id == self.unit_id:
            return True
        return (self.sub_units and self.unit_id is not None and case.unit_id is not None
                and case.unit.parent_id == self.unit_id)

    def clause(self, model: Any) -> ColumnElement[bool]:
        """The same rule as a WHERE clause over `model` (a mapped class with unit_id and confidential)."""
        if self.everything:
            return true()
        own_unit = model.unit_id == self.unit_id if self.unit_id is not None else false()
        if self.sub_units and self.unit_id is not None:
            from sqlalchemy import select

            from core.accounts.models import Unit

            # One semi-join on the units (the unit and its children), which the planner serves from the index.
            own_unit = model.unit_id.in_(select(Unit.id).where(or_(Unit.id == self.unit_id,
                                                                   Unit.parent_id == self.unit_id)))
        return or_(own_unit, model.confidential.is_(True)) if self.confidential else own_unit


def case_scope(user: Any) -> CaseScope:
    if user.has_role(*AGENCY_WIDE):
        return CaseScope(everything=True)
    # The ethics office sees every confidential case (it decides who may see the reporter).
    return CaseScope(unit_id=user.unit_id, confidential=user.has_role(Role.ETHICS),
                     sub_units=user.has_role(Role.SUPERVISOR))


def may_see_case(user: Any, case: Any) -> bool:
    """The user's scope admits the case, or the user decides on it: whoever may decide what awaits a decision (a
    deputy standing in from another unit, the parent unit's supervisor) opens the case to decide, and whoever
    decided on it (approved the reply, decided an extension) still opens it and its letter afterwards."""
    if case_scope(user).admits(case):
        return True
    if any(user.id == r.decided_by_id for r in case.replies) or any(
            user.id == e.decided_by_id for e in case.extensions):
        return True
    day = today()
    return any(may_decide(user, case.unit_id, written_by, day) for written_by in pending_authors(case))


def pending_authors(case: Any, kind: str | None = None) -> list[frozenset[int]]:
    """Who put forward each thing of the case that awaits a decision: the draft reply's writers (while the case
    awaits approval), the requested extension's requester (while the case is open with a unit). `kind` ("reply"
    or "extension") keeps only that kind (cases/workflow.py asks per decision)."""
    pending = []
    if kind in (None, "reply") and case.state == "awaiting_approval":
        reply = next((r for r in reversed(case.replies) if r.status == "draft"), None)
        if reply is not None:
            pending.append(reply.authors())
    if kind in (None, "extension") and case.state in ("routed", "in_progress", "awaiting_approval"):
        pending += [frozenset({e.requested_by_id}) for e in case.extensions if e.status == "requested"]
    return pending


def require(action: str) -> Callable[[F], F]:
    """View decorator: 401 → login page for anonymous users, 403 for staff without the right."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from core.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        wrapped.policy_action = action  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


# ---------------------------------------------------------------- four eyes (陳核: the writer does not approve)
#
# What a member of staff put forward for their unit — a reply they drafted or edited, an extension they requested —
# is decided by someone else: another supervisor of the case's unit, the deputy (代理人) of a supervisor of the unit
# who wrote it or is away, or a supervisor of the parent unit. The setting four_eyes_relaxed_for_one_person_units
# lets the author approve when there is nobody else; the timeline then records it (cases/services.py).


def deciders(unit_id: int | None, authors: frozenset[int], day: date) -> list[Any]:
    """The people who may decide what `authors` put forward for the unit, authors left out, as rows (id, name),
    in one statement. Kept for the request (the case page asks for several actions)."""
    from flask import has_request_context, request

    if unit_id is None:
        return []
    key = (unit_id, authors, day)
    cache = getattr(request, "_deciders", None) if has_request_context() else None
    if cache is not None and key in cache:
        return cache[key]
    from sqlalchemy import and_, select
    from sqlalchemy.orm import aliased

    from core.accounts.models import Staff, StaffRole, Unit
    from core.extensions import db

    supervisors = select(StaffRole.staff_id).where(StaffRole.role == Role.SUPERVISOR.value)
    chief = aliased(Staff)
    stands_in = select(chief.deputy_id).where(
        chief.unit_id == unit_id, chief.active.is_(True), chief.deputy_id.is_not(None), chief.id.in_(supervisors),
        or_(chief.id.in_(authors or [0]), and_(chief.away_from <= day, chief.away_until >= day)))
    parent = select(Unit.parent_id).where(Unit.id == unit_id).scalar_subquery()
    rows = db.session.execute(
        select(Staff.id, Staff.name).where(
            Staff.active.is_(True), Staff.id.not_in(authors or [0]),
            or_(and_(Staff.unit_id == unit_id, Staff.id.in_(supervisors)),
                and_(Staff.unit_id == parent, Staff.id.in_(supervisors)),
                Staff.id.in_(stands_in)))
        .order_by(Staff.name, Staff.id)).all()
    if has_request_context():
        if cache is None:
            cache = request._deciders = {}  # type: ignore[attr-defined]
        cache[key] = rows
    return rows


def decides(user: Any, unit_id: Any, written_by: Callable[[Any], ColumnElement[bool]],
            day: date) -> ColumnElement[bool]:
    """The rule of `deciders` turned round, as a WHERE clause for the lists: `user` decides what was put forward
    for the unit in the column `unit_id` by the people for whom `written_by(staff_id)` holds (a clause over the
    pending reply or extension of the row). The same three ways in: a supervisor of the unit or of its parent
    unit; the deputy of a supervisor of the unit who wrote it or is away on `day`; never one of its writers."""
    from sqlalchemy import and_, exists, select
    from sqlalchemy.orm import aliased

    from core.accounts.models import Staff, StaffRole, Unit

    chief = aliased(Staff)
    supervisors = select(StaffRole.staff_id).where(StaffRole.role == Role.SUPERVISOR.value)
    # correlate_except: the case, reply or extension named here belong to the enclosing queries (at any depth);
    # left to auto-correlation, a table two levels up would be joined in again, unconstrained, in this subquery.
    ways = [exists().where(
        chief.deputy_id == user.id, chief.unit_id == unit_id, chief.active.is_(True), chief.id.in_(supervisors),
        or_(written_by(chief.id), and_(chief.away_from <= day, chief.away_until >= day))).correlate_except(chief)]
    if user.has_role(Role.SUPERVISOR):
        ways.append(unit_id.in_(select(Unit.id).where(or_(Unit.id == user.unit_id, Unit.parent_id == user.unit_id))))
    return and_(~written_by(user.id), or_(*ways))


def decision_units(user: Any) -> Any:
    """The units whose cases `user` may decide something of (a SELECT of unit ids): their own and its child units
    for a supervisor, and the units of the supervisors whose deputy they are. A superset of `decides` for the
    lists to start from, so a query reads a few units' cases by index instead of testing every case."""
    from sqlalchemy import select, union
    from sqlalchemy.orm import aliased

    from core.accounts.models import Staff, StaffRole, Unit

    chief = aliased(Staff)
    supervisors = select(StaffRole.staff_id).where(StaffRole.role == Role.SUPERVISOR.value)
    deputised = select(chief.unit_id).where(chief.deputy_id == user.id, chief.id.in_(supervisors))
    if not user.has_role(Role.SUPERVISOR):
        return deputised
    return union(deputised, select(Unit.id).where(or_(Unit.id == user.unit_id, Unit.parent_id == user.unit_id)))


def may_decide(user: Any, unit_id: int | None, authors: frozenset[int], day: date) -> bool:
    """Whether `user` is one of the deciders (a unit supervisor who wrote nothing needs no statement)."""
    if user.id in authors:
        return False
    if user.unit_id == unit_id and user.has_role(Role.SUPERVISOR):
        return True
    return any(row.id == user.id for row in deciders(unit_id, authors, day))


def four_eyes_relaxed(unit_id: int | None, authors: frozenset[int], day: date) -> bool:
    """The author may approve: the setting allows it and nobody else may."""
    from core.settings import get_setting

    return bool(get_setting("four_eyes_relaxed_for_one_person_units")) and not deciders(unit_id, authors, day)


# ---------------------------------------------------------------- reply templates (issue 14, deliver 5)


def reply_template_units(user: Any) -> list[int | None] | None:
    """The units whose reply templates `user` keeps: None for all (the secretariat), else their own unit."""
    if user.has_role(Role.SECRETARIAT):
        return None
    return [user.unit_id] if user.has_role(Role.SUPERVISOR) and user.unit_id is not None else []


def may_manage_reply_template(user: Any, unit_id: int | None) -> bool:
    """A template of `unit_id` (None: agency-wide, the secretariat's only)."""
    units = reply_template_units(user)
    return units is None or (unit_id is not None and unit_id in units)

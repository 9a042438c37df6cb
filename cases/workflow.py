"""The case state machine: one table of allowed transitions, with the roles that may take them.

Services call `transition()`; nothing else sets `case.state`. Object-level guards (same unit,
assigned handler) live in core.policy; this table says what each state allows and who.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import OPEN_STATES, Case, CaseEvent, CaseState
from core import policy
from core.accounts.models import Role, Staff
from core.clock import today
from core.db import utcnow
from core.errors import DomainError
from core.extensions import db

S = CaseState


@dataclass(frozen=True)
class Transition:
    sources: frozenset[CaseState]
    target: CaseState | None          # None: the state does not change (an event on the timeline only)
    roles: frozenset[Role]
    unit_bound: bool                  # the actor must belong to the case's unit
    # A decision on what someone put forward (a reply, an extension): the deciders of core.policy may take it too.
    decision: bool = False
    four_eyes: bool = False           # whoever put it forward may not take it (unless relaxed: core.policy)


def _t(sources, target, roles, unit_bound=False, decision=False, four_eyes=False) -> Transition:  # noqa: ANN001
    return Transition(frozenset(sources), target, frozenset(roles), unit_bound, decision, four_eyes)


INTAKE = {Role.INTAKE, Role.ADMIN}
WORKING = {S.ROUTED, S.IN_PROGRESS, S.AWAITING_APPROVAL}

TRANSITIONS: dict[str, Transition] = {
    "classify": _t({S.REGISTERED, S.ROUTED}, None, INTAKE),
    "route": _t({S.REGISTERED}, S.ROUTED, INTAKE),
    "transfer": _t({S.REGISTERED}, S.TRANSFERRED, INTAKE),
    "not_handled": _t({S.REGISTERED}, S.NOT_HANDLED, INTAKE),
    "link": _t({S.REGISTERED, S.ROUTED, S.IN_PROGRESS}, None, INTAKE | {Role.SUPERVISOR, Role.HANDLER}),
    "assign": _t({S.ROUTED, S.IN_PROGRESS}, S.IN_PROGRESS, {Role.SUPERVISOR}, unit_bound=True),
    "return_to_intake": _t({S.ROUTED}, S.REGISTERED, {Role.SUPERVISOR}, unit_bound=True),
    "draft_reply": _t({S.IN_PROGRESS}, S.AWAITING_APPROVAL, {Role.HANDLER, Role.SUPERVISOR}, unit_bound=True),
    "approve_reply": _t({S.AWAITING_APPROVAL}, S.CLOSED, {Role.SUPERVISOR}, unit_bound=True, decision=True,
                        four_eyes=True),
    "return_reply": _t({S.AWAITING_APPROVAL}, S.IN_PROGRESS, {Role.SUPERVISOR}, unit_bound=True, decision=True),
    "request_extension": _t(WORKING, None, {Role.HANDLER, Role.SUPERVISOR}, unit_bound=True),
    "approve_extension": _t(WORKING, None, {Role.SUPERVISOR}, unit_bound=True, decision=True, four_eyes=True),
    "refuse_extension": _t(WORKING, None, {Role.SUPERVISOR}, unit_bound=True, decision=True),
    # 補陳 (rule 25): the handler asks the petitioner for more information, which stops the clock; the petitioner's
    # answer (user None: nobody on the staff acts) starts it again; unanswered by the reply-by date, the unit may
    # close the case as not handled on ground (1) (cases/information.py checks the date).
    "request_information": _t({S.IN_PROGRESS}, S.AWAITING_INFORMATION, {Role.HANDLER, Role.SUPERVISOR},
                              unit_bound=True),
    "receive_information": _t({S.AWAITING_INFORMATION}, S.IN_PROGRESS, set()),
    "close_unanswered": _t({S.AWAITING_INFORMATION}, S.NOT_HANDLED, {Role.HANDLER, Role.SUPERVISOR},
                           unit_bound=True),
    # 移請政風室: any handler or supervisor of the unit, in any state (a closed case may reveal misconduct).
    "refer_to_ethics": _t(set(S), None, {Role.HANDLER, Role.SUPERVISOR}, unit_bound=True),
    # The petitioner's own steps (no role of staff may take them; cases/reopen.py, cases/additions.py): an answered
    # case said to be not resolved, the new case it opens, and information added to an open case.
    "reopen": _t({S.CLOSED}, None, set()),
    "reopened_from": _t({S.REGISTERED}, None, set()),
    "petitioner_added": _t({S(state) for state in OPEN_STATES}, None, set()),
}


class TransitionRefused(DomainError):
    """The action is not allowed: `status` 403 (who), 409 (the case's state or version) or 422 (input)."""


def allowed(case: Case, action: str, user: Staff) -> bool:
    return _refusal(case, action, user) is None


def authors(case: Case, action: str) -> frozenset[int]:
    """Who put forward what the decision `action` decides: the pending reply's writers, the pending extension's
    requester (none when nothing is pending)."""
    pending = policy.pending_authors(case, "reply" if action in ("approve_reply", "return_reply") else "extension")
    return pending[0] if pending else frozenset()


def _refusal(case: Case, action: str, user: Staff) -> str | None:
    """Why `user` may not take `action` on the case ("role", "unit", "state", "four_eyes"), or None. The case page
    asks for every action: no message is translated and no exception raised for those it does not offer."""
    rule = TRANSITIONS[action]
    refusal = _by_table(case, rule, user)
    if not rule.decision or refusal == "state":
        return refusal
    if refusal is not None:  # not a supervisor of the unit: a deputy standing in, or the parent unit's supervisor
        written_by = authors(case, action) if CaseState(case.state) in rule.sources else frozenset()
        if not written_by:
            return refusal  # nothing pending in this state: no need to ask who decides
        return None if policy.may_decide(user, case.unit_id, written_by, today()) else refusal
    if rule.four_eyes:
        written_by = authors(case, action)
        if user.id in written_by and not policy.four_eyes_relaxed(case.unit_id, written_by, today()):
            return "four_eyes"
    return None


def _by_table(case: Case, rule: Transition, user: Staff) -> str | None:
    if not user.has_role(*rule.roles):
        return "role"
    if rule.unit_bound and case.unit_id != user.unit_id:
        return "unit"
    if CaseState(case.state) not in rule.sources:
        return "state"
    return None


def check(case: Case, action: str, user: Staff) -> Transition:
    from flask_babel import gettext as _

    rule = TRANSITIONS[action]
    refusal = _refusal(case, action, user)
    if refusal == "four_eyes":
        names = approver_names(case, action)
        if names:
            raise TransitionRefused(_("You wrote this yourself, so someone else must approve it (four eyes). "
                                      "It may be approved by: %(names)s.", names=names), 403)
        raise TransitionRefused(_("You wrote this yourself, so someone else must approve it (four eyes), and "
                                  "nobody else may: an administrator can name a deputy or relax the rule for "
                                  "one-person units."), 403)
    if refusal == "role":
        raise TransitionRefused(_("Your role does not allow this action."), 403)
    if refusal == "unit":
        raise TransitionRefused(_("Only staff of the responsible unit may do this."), 403)
    if refusal == "state":
        raise TransitionRefused(_("This action is not possible while the case is in this state."), 409)
    return rule


def transition(case: Case, action: str, user: Staff | None, note: str = "",
               expected_version: int | None = None, actor_id: int | None = None,
               detail: dict | None = None) -> CaseEvent:
    """Apply `action` to the case and append the timeline event. The caller flushes/commits;
    the version column makes a concurrent second change fail at flush (StaleDataError).

    note: only what a person typed; detail: the parts the code knows (JSON values), worded by cases/timeline.py.

    user None: the system acts (a routing rule); roles are not checked, the state table still is.
    actor_id names the person on whose behalf it acted, if any."""
    from flask_babel import gettext as _

    if expected_version is not None and case.version != expected_version:
        raise TransitionRefused(_("Someone else changed this case in the meantime. Please reload it."), 409)
    if user is not None:
        rule = check(case, action, user)
    else:
        rule = TRANSITIONS[action]
        if CaseState(case.state) not in rule.sources:
            raise TransitionRefused(_("This action is not possible while the case is in this state."), 409)
    before = case.state
    if rule.target is not None:
        case.state = rule.target.value
    # Every action updates the row (so the version counter moves), timeline-only ones included:
    # two people acting on the same view of a case cannot both succeed.
    case.updated_at = utcnow()
    event = CaseEvent(case=case, actor_id=user.id if user else actor_id, action=action,
                      from_state=before, to_state=case.state, note=note, detail=detail or {})
    db.session.add(event)
    return event


def approver_names(case: Case, action: str) -> str:
    """The names of those who may take the decision `action` instead of its authors, in the reader's language's
    list style ("" when nobody may)."""
    from flask_babel import get_locale

    rows = policy.deciders(case.unit_id, authors(case, action), today())
    separator = "、" if str(get_locale() or "").startswith("zh") else ", "
    return separator.join(row.name for row in rows)

"""Case listings scoped by the access policy, so no page or API lists more than its user may see.
Keyset pagination (newest first, `before` an id) stays fast at any depth.

The pages load everything they show in a fixed number of statements, whatever the number of rows: the queues'
table as plain rows (columns, not objects), the API's list and the case page as objects that refuse any other
load (`raiseload(..., sql_only=True)`), so a template that reaches for a relationship the query did not load
fails at once instead of sending one query per row (tests/test_query_counts_staff.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased, defer, joinedload, lazyload, load_only, raiseload, selectinload

from cases.case_file import Attachment, PetitionerIdentity, Submission
from cases.models import (
    CLOCK_RUNNING_STATES,
    UNIT_OPEN_STATES,
    Case,
    CaseEvent,
    CaseState,
    Extension,
    ExtensionStatus,
    Reply,
    ReplyAttachment,
    ReplyVersion,
)
from core.accounts.models import Role, Staff, Unit
from core.extensions import db
from core.pagination import PAGE_SIZE, keyset_page, parse_before
from core.policy import case_scope, decides, decision_units

QUEUES = ("intake", "unit", "mine", "approval", "all")


@dataclass(frozen=True)
class CaseFilter:
    queue: str = "all"
    channel: str = ""
    state: str = ""
    unit: str = ""
    due: str = ""           # "soon" | "overdue"
    q: str = ""
    before: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any], default_queue: str = "all") -> CaseFilter:
        def text(key: str, limit: int = 100) -> str:
            value = args.get(key) or ""
            return str(value).strip()[:limit]

        before = text("before", 12)
        queue = text("queue", 20)
        return cls(
            queue=queue if queue in QUEUES else default_queue,
            channel=text("channel", 20), state=text("state", 20), unit=text("unit", 32).upper(),
            due=text("due", 10) if text("due", 10) in ("soon", "overdue") else "",
            q=text("q"), before=parse_before(before, Case.id),
        )

    def as_args(self, **changes: Any) -> dict[str, Any]:
        values = {"queue": self.queue, "channel": self.channel, "state": self.state, "unit": self.unit,
                  "due": self.due, "q": self.q, **changes}
        return {k: v for k, v in values.items() if v not in ("", None)}


def default_queue(user: Staff) -> str:
    from core.accounts.models import Role

    if user.has_role(Role.INTAKE):
        return "intake"
    if user.has_role(Role.SUPERVISOR):
        return "approval"
    if user.has_role(Role.HANDLER):
        return "mine"
    return "all"


def visible_cases(user: Any) -> Select:
    return select(Case).where(case_scope(user).clause(Case))


def filtered(user: Staff, f: CaseFilter, today: date, soon_until: date) -> Select:
    query = visible_cases(user)
    if f.queue == "intake":
        query = query.where(Case.state == CaseState.REGISTERED.value)
    elif f.queue == "unit":
        query = query.where(Case.unit_id == user.unit_id, Case.state.in_(UNIT_OPEN_STATES))
    elif f.queue == "mine":
        deputising_for = select(Staff.id).where(Staff.deputy_id == user.id)
        query = query.where(or_(Case.handler_id == user.id, Case.handler_id.in_(deputising_for)),
                            Case.state.in_(UNIT_OPEN_STATES))
    elif f.queue == "approval":  # what the user decides, in whichever unit (a deputy, a parent unit's supervisor)
        query = select(Case).where(awaiting_decision(user))
    if f.channel:
        query = query.where(Case.channel == f.channel)
    if f.state:
        query = query.where(Case.state == f.state)
    if f.unit:
        query = query.where(Case.unit_id.in_(select(Unit.id).where(Unit.code == f.unit)))
    if f.due == "soon":
        query = query.where(Case.state.in_(CLOCK_RUNNING_STATES), Case.due_on >= today, Case.due_on <= soon_until)
    elif f.due == "overdue":  # a stopped clock (補陳) is neither due soon nor overdue
        query = query.where(Case.state.in_(CLOCK_RUNNING_STATES), Case.due_on < today)
    if f.q:
        query = query.where(_text_match(f.q))
    return query


def awaiting_decision(user: Staff) -> Any:
    """A reply or an extension awaits a decision `user` may take (core/policy.py decides who: a supervisor of the
    unit or of its parent unit, the deputy of a supervisor who wrote it or is away, never its writer), or, when the
    one-person-unit setting relaxes four eyes, anything awaiting a decision in the user's own unit. A condition
    on the row's case, whatever unit it belongs to: the approval queue and the supervisor's home list the same."""
    from core.clock import today
    from core.settings import get_setting

    day = today()

    def reply_written_by(staff_id: Any) -> Any:
        return or_(Reply.drafted_by_id == staff_id,
                   exists().where(ReplyVersion.reply_id == Reply.id, ReplyVersion.edited_by_id == staff_id)
                   .correlate_except(ReplyVersion))

    reply = [Reply.case_id == Case.id, Reply.status == "draft"]
    extension = [Extension.case_id == Case.id, Extension.status == ExtensionStatus.REQUESTED.value]
    reply_waits = and_(Case.state == CaseState.AWAITING_APPROVAL.value,
                       exists().where(*reply, decides(user, Case.unit_id, reply_written_by, day)))
    extension_waits = and_(Case.state.in_(UNIT_OPEN_STATES), exists().where(
        *extension, decides(user, Case.unit_id, lambda staff_id: Extension.requested_by_id == staff_id, day)))
    waits = [reply_waits, extension_waits]
    if get_setting("four_eyes_relaxed_for_one_person_units") and user.has_role(Role.SUPERVISOR):
        waits.append(and_(Case.unit_id == user.unit_id, or_(
            Case.state == CaseState.AWAITING_APPROVAL.value,
            and_(Case.state.in_(UNIT_OPEN_STATES), exists().where(*extension)))))
    return and_(Case.unit_id.in_(decision_units(user)), or_(*waits))


def _text_match(q: str):  # noqa: ANN202
    if q.isdigit():
        # A prefix as a range, so the unique index on number serves it (case numbers are all digits).
        return Case.number.between(q, q + "9" * (20 - len(q)))
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    by_subject = select(Submission.id).where(Submission.subject.ilike(pattern, escape="\\"))
    # A confidential petitioner is never found by name: the search would reveal who reported.
    by_name = (select(PetitionerIdentity.submission_id)
               .join(Submission, Submission.id == PetitionerIdentity.submission_id)
               .where(PetitionerIdentity.name.ilike(pattern, escape="\\"), Submission.confidential.is_(False)))
    return or_(Case.submission_id.in_(by_subject), Case.submission_id.in_(by_name))


def glance(user: Staff, queue: str, today: date, soon_until: date) -> dict[str, int]:
    """How many open cases of the queue are overdue and how many due soon (the filters `due=overdue` and
    `due=soon` count the same), in one statement: one range of the (state, due_on) index, counted twice."""
    due = filtered(user, CaseFilter(queue=queue), today, soon_until).where(
        Case.state.in_(CLOCK_RUNNING_STATES), Case.due_on <= soon_until)
    overdue, soon = db.session.execute(due.with_only_columns(
        func.count().filter(Case.due_on < today), func.count().filter(Case.due_on >= today))).one()
    return {"overdue": overdue, "soon": soon}


# Loader options for the pages. What belongs to the page's cases alone (the case, its submission, petitioner,
# timeline, extensions, replies, attachments) refuses any further load. The people and units they point to
# are loaded in the same statements but keep their usual lazy loads (roles not eagerly): the signed-in member
# of staff may be one of them, and the policy still reads their roles after the page's query.
_PERSON = lazyload(Staff.roles)
_NO_MORE = raiseload("*", sql_only=True)

# A row of the staff pages' table (cases/templates/cases/staff_home.html): the columns it shows, as plain rows in
# the page's one statement (no ORM objects to build, nothing that could load more). The submission and the unit
# are joined under names of their own, so the filters' subqueries on those tables stay uncorrelated.
_ROW_SUBMISSION = aliased(Submission, name="row_submission")
_ROW_UNIT = aliased(Unit, name="row_unit")
_TABLE_COLUMNS = (Case.id, Case.number, Case.channel, Case.state, Case.confidential, Case.lacks_identity,
                  Case.received_on, Case.due_on,
                  # "Open" for the due-date tags: a stopped clock (補陳) is neither due today nor overdue.
                  Case.state.in_(CLOCK_RUNNING_STATES).label("is_open"),
                  _ROW_SUBMISSION.subject, _ROW_UNIT.name.label("unit_name"))
# A row of the API's list (cases.api.case_json): the whole case, its submission's subject, its unit and its
# handler.
_API_ROW = (
    joinedload(Case.submission).options(load_only(Submission.subject, raiseload=True), _NO_MORE),
    joinedload(Case.unit),
    joinedload(Case.handler).options(_PERSON),
    _NO_MORE,
)


def page_of(query: Select, before: int | None, size: int = PAGE_SIZE, *,
            table: bool = False) -> tuple[list[Any], int | None]:
    """A page of `query`'s cases: the API's Case objects with what case_json shows, or with `table` the rows of
    the pages' table (id, number, channel, state, confidential, lacks_identity, received_on, due_on, is_open,
    subject, unit_name)."""
    if table:
        query = (query.with_only_columns(*_TABLE_COLUMNS).select_from(Case)
                 .join(_ROW_SUBMISSION, _ROW_SUBMISSION.id == Case.submission_id)
                 .outerjoin(_ROW_UNIT, _ROW_UNIT.id == Case.unit_id))
        return keyset_page(query, Case.id, before, size)
    return keyset_page(query.options(*_API_ROW), Case.id, before, size)


# What the case page shows, in three statements whatever the case's history: the case with its unit, handler,
# submission, petitioner, attachments and extensions (the two short lists joined: a submission has at most a
# handful of attachments, a case a few extensions, so the rows are their product, a few dozen at worst); then
# its timeline with each event's actor, and its replies with their versions and who wrote each (long texts, not
# to be repeated per row). An attachment's content is never loaded with the page.
_CASE_PAGE = (
    joinedload(Case.unit),
    joinedload(Case.handler).options(_PERSON),
    joinedload(Case.submission).options(
        joinedload(Submission.identity).options(_NO_MORE),
        joinedload(Submission.attachments).options(defer(Attachment.data, raiseload=True), _NO_MORE),
        _NO_MORE),
    joinedload(Case.extensions).options(_NO_MORE),
    joinedload(Case.information_requests).options(_NO_MORE),  # 補陳: a case asks a question or two at most
    selectinload(Case.events).options(joinedload(CaseEvent.actor).options(_PERSON), _NO_MORE),
    # Each reply with its versions and who wrote each (joined: a reply's text is its last version's, so the reply's
    # own copy of the long text is not loaded again).
    selectinload(Case.replies).options(
        defer(Reply.body, raiseload=True),
        joinedload(Reply.versions).options(joinedload(ReplyVersion.edited_by).options(_PERSON), _NO_MORE),
        joinedload(Reply.attachments).options(defer(ReplyAttachment.data, raiseload=True), _NO_MORE),
        _NO_MORE),
    _NO_MORE,
)


def load_case_page(number: str, *, again: bool = False) -> Case | None:
    """The case of the case page with everything the page shows (see _CASE_PAGE). `again`: the page is shown
    again after a refused action was rolled back, and what the session holds is read again with these options."""
    query = select(Case).where(Case.number == number.strip()).options(*_CASE_PAGE)
    if again:
        query = query.execution_options(populate_existing=True)
    return db.session.scalars(query).unique().one_or_none()  # every row: the joined lists span several

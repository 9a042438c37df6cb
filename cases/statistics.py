"""On-time statistics per unit, channel and month (依限/逾限辦結), computed by SQL aggregation."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from cases.models import CLOCK_RUNNING_STATES, Case, CaseState, InformationRequest, InformationStatus
from core import exports
from core.accounts.models import Unit
from core.extensions import db


@dataclass
class StatRow:
    month: str
    unit: str
    unit_name: str
    channel: str
    # Filled only when asked to group by category (the public figures, issue 14); "" otherwise.
    category: str = ""
    confidential: bool = False         # only when asked to group by it (the public figures)
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0            # against the extended limit
    closed_late: int = 0
    closed_on_time_original: int = 0   # against the original limit (rule 16: extensions do not erase delay)
    # Of the closed: not handled because the petitioner never answered a request for information (補陳). The unit
    # the case was routed to asked and closed it on its own clock, so it counts as the unit's closure, judged against
    # its due date moved by the paused days (cases/information.close_unanswered), not against the routing date.
    closed_unanswered: int = 0
    open_overdue: int = 0
    average_days_used: float | None = None
    days_used_sum: float = 0.0         # unrounded, so that rows add up exactly (the public figures' totals)
    # 補陳: working days the closed cases' clocks stood still awaiting the petitioner. Counted apart: the due dates
    # the on-time counts use already moved by them, and the days used leave them out (cases/pauses.py).
    days_paused: int = 0
    # Transfers (移文) and "not handled" (不予處理) answer to the routing milestone (I5); not the unit's closures above.
    transferred: int = 0
    not_handled: int = 0
    transferred_or_not_handled_on_time: int = 0
    transferred_or_not_handled_late: int = 0
    # Still waiting for intake (not routed, transferred or declared "not handled") after the routing date (I5).
    routing_overdue: int = 0
    # Issue 13: answered cases of the unit its petitioner reopened ("not resolved"), by month of the reopening and
    # the unit and channel of the answered case; the page's reopen rate is reopened ÷ closed (cases/reopen.py).
    reopened: int = 0


COLUMNS = [f.name for f in fields(StatRow)]


def month_of(column):  # noqa: ANN001, ANN202
    """A date column as its month, YYYY-MM, in the database's own words (the statistics' and surveys' key)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def statistics(start: date, end: date, today: date, *, by_category: bool = False, published_only: bool = False,
               by_confidential: bool = False) -> list[StatRow]:
    """Rows for months from `start` to `end` (inclusive): received by month of receipt, closed by
    month of closing, open overdue (as of `today`) by month of receipt.

    By default one row per month, unit and channel (the staff page). The public figures (issue 14, reports/
    public_statistics.py) ask the same rules for other groupings: `by_category` adds the complaint category to the
    key, `by_confidential` (with `by_category`) whether the cases are confidential, so that one scan gives both the
    agency's totals with them and the rows without; `published_only` skips the figure sets the public figures do
    not show (days paused, transfers and "not handled"). One GROUP BY per figure set either way."""
    assert by_category or not by_confidential
    rows: dict[tuple, StatRow] = {}

    def dims(entity) -> list:  # noqa: ANN001 - the case (or the answered case, for reopenings) grouped on
        keys = [func.coalesce(Unit.code, ""), func.coalesce(Unit.name, ""), entity.channel]
        if by_category:
            keys.append(func.coalesce(entity.category, ""))
        return [*keys, entity.confidential] if by_confidential else keys

    def row(month: str, *key: str) -> StatRow:
        if (month, *key) not in rows:
            code, name, channel, category, confidential = (*key, "", "", "", "", False)[:5]
            rows[(month, *key)] = StatRow(month=month, unit=code, unit_name=name, channel=channel,
                                          category=category, confidential=bool(confidential))
        return rows[(month, *key)]

    received_month = month_of(Case.received_on)
    keys = dims(Case)
    received = db.session.execute(
        select(received_month, *keys, func.count(),
               func.sum(when((Case.state.in_(CLOCK_RUNNING_STATES) & (Case.due_on < today), 1), else_=0)),
               func.sum(when(((Case.state == CaseState.REGISTERED.value) & (Case.routing_due_on < today), 1),
                             else_=0)))
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(Case.received_on.between(start, end))
        .group_by(received_month, *keys)
    )
    for month, *key, count, overdue, routing_overdue in received:
        r = row(month, *key)
        r.received, r.open_overdue, r.routing_overdue = count, int(overdue or 0), int(routing_overdue or 0)

    closed_month = month_of(Case.closed_on)
    unanswered, by_unit = closed_unanswered(Case), closed_by_unit(Case)
    closed = db.session.execute(
        select(closed_month, *keys, func.count(),
               func.sum(when((Case.closed_on <= Case.due_on, 1), else_=0)),
               func.sum(when((Case.closed_on <= Case.original_due_on, 1), else_=0)),
               func.avg(Case.days_used), func.sum(when((unanswered, 1), else_=0)), func.sum(Case.days_used))
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(by_unit, Case.closed_on.between(start, end))
        .group_by(closed_month, *keys)
    )
    for month, *key, count, on_time, on_time_original, average, not_answered, days in closed:
        r = row(month, *key)
        r.closed, r.closed_on_time = count, int(on_time or 0)
        r.closed_late = count - r.closed_on_time
        r.closed_on_time_original = int(on_time_original or 0)
        r.average_days_used = round(float(average), 2) if average is not None else None
        r.closed_unanswered = int(not_answered or 0)
        r.days_used_sum = float(days or 0)

    if not published_only:
        _count_paused_and_routed_out(start, end, row, keys, by_unit, unanswered)
    _count_reopened(start, end, row, dims)
    return sorted(rows.values(), key=lambda r: (r.month, r.unit, r.channel, r.category, r.confidential))


def _count_paused_and_routed_out(start: date, end: date, row, keys, by_unit, unanswered) -> None:  # noqa: ANN001
    closed_month = month_of(Case.closed_on)
    paused = db.session.execute(
        select(closed_month, *keys, func.sum(InformationRequest.paused_days))
        .select_from(InformationRequest).join(Case, Case.id == InformationRequest.case_id)
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(by_unit, Case.closed_on.between(start, end))
        .group_by(closed_month, *keys)
    )
    for month, *key, days in paused:
        row(month, *key).days_paused = int(days or 0)

    milestone = func.coalesce(Case.routing_due_on, Case.due_on)
    routed_out = db.session.execute(
        select(closed_month, *keys,
               func.sum(when((Case.state == CaseState.TRANSFERRED.value, 1), else_=0)),
               func.sum(when((Case.state == CaseState.NOT_HANDLED.value, 1), else_=0)),
               func.sum(when((Case.closed_on <= milestone, 1), else_=0)), func.count())
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(Case.state.in_([CaseState.TRANSFERRED.value, CaseState.NOT_HANDLED.value]), ~unanswered,
               Case.closed_on.between(start, end))
        .group_by(closed_month, *keys)
    )
    for month, *key, transferred, not_handled, on_time, count in routed_out:
        r = row(month, *key)
        r.transferred, r.not_handled = int(transferred or 0), int(not_handled or 0)
        r.transferred_or_not_handled_on_time = int(on_time or 0)
        r.transferred_or_not_handled_late = count - r.transferred_or_not_handled_on_time


def closed_unanswered(entity=Case):  # noqa: ANN001, ANN201 - a mapped Case or an alias of it
    """Not handled because the request for information went unanswered: the unit's closure (see StatRow)."""
    asked = aliased(InformationRequest, name="asked")
    return (entity.state == CaseState.NOT_HANDLED.value) & (
        select(asked.id).where(asked.case_id == entity.id, asked.status == InformationStatus.UNANSWERED.value)
        .correlate(entity).exists())


def closed_by_unit(entity=Case):  # noqa: ANN001, ANN201
    """The unit's closures, which the on-time counts and days used judge: answered, or closed unanswered."""
    return (entity.state == CaseState.CLOSED.value) | closed_unanswered(entity)


def _count_reopened(start: date, end: date, row, dims) -> None:  # noqa: ANN001
    """Reopenings in the period, on the row of the answered case's unit and channel (by month of the reopening)."""
    original = aliased(Case, name="original")
    reopened_month = month_of(Case.received_on)
    keys = dims(original)
    counted = db.session.execute(
        select(reopened_month, *keys, func.count())
        .select_from(Case).join(original, original.id == Case.reopened_from_id)
        .outerjoin(Unit, Unit.id == original.unit_id)
        .where(Case.reopened_from_id.is_not(None), Case.received_on.between(start, end))
        .group_by(reopened_month, *keys)
    )
    for month, *key, count in counted:
        row(month, *key).reopened = int(count)


# Columns of the page's table and of both downloads, in order: (field, kind). "on_time_rate" is derived.
TABLE_COLUMNS = [
    ("month", "text"), ("unit", "text"), ("unit_name", "text"), ("channel", "text"),
    ("received", "int"), ("closed", "int"), ("closed_on_time", "int"), ("closed_late", "int"),
    ("on_time_rate", "percent"), ("closed_on_time_original", "int"), ("closed_unanswered", "int"),
    ("open_overdue", "int"),
    ("average_days_used", "number"), ("days_paused", "int"), ("transferred", "int"), ("not_handled", "int"),
    ("transferred_or_not_handled_on_time", "int"), ("transferred_or_not_handled_late", "int"),
    ("routing_overdue", "int"), ("reopened", "int"), ("reopen_rate", "percent"),
]


def table(rows: list[StatRow]) -> exports.Table:
    """The statistics as the reader sees them (in the request's language): unit and channel by name,
    the on-time rate as a share of the cases closed."""
    from flask_babel import gettext

    from cases.labels import CHANNEL_LABELS, STAT_HEADINGS

    def cell(r: StatRow, name: str):  # noqa: ANN202
        if name == "on_time_rate":
            return round(r.closed_on_time / r.closed, 4) if r.closed else None
        if name == "reopen_rate":
            return round(r.reopened / r.closed, 4) if r.closed else None
        if name == "channel":
            return str(CHANNEL_LABELS[r.channel]) if r.channel in CHANNEL_LABELS else r.channel
        if name == "unit_name":
            return r.unit_name or gettext("(intake)")
        return getattr(r, name) if getattr(r, name) != "" else None

    columns = [exports.Column(str(STAT_HEADINGS[name]), kind) for name, kind in TABLE_COLUMNS]
    return exports.Table.typed(columns, [[cell(r, name) for name, _kind in TABLE_COLUMNS] for r in rows])


def as_csv(rows: list[StatRow]) -> str:
    return exports.as_csv(table(rows))


def as_xlsx(rows: list[StatRow]) -> bytes:
    return exports.as_xlsx(table(rows), "statistics")

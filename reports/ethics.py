"""The monthly report to the ethics office (政風室): generated on the first working day of each
month for the previous month, kept, and announced to the ethics office's mailbox through the outbox.
Figures only: no petitioner is named, so no confidential reporter can be."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cases.deadlines import load_calendar
from cases.models import CLOCK_RUNNING_STATES, CLOCK_STOPPED_STATES, Case, EthicsReferral, Extension, ExtensionStatus
from core import exports
from core.accounts.models import Role, Staff, StaffRole, Unit
from core.clock import TAIPEI
from core.extensions import db
from core.urls import external_url
from notifications.outbox import enqueue
from reports.models import EthicsReport
from surveys.models import SurveyFollowUp

SECTIONS = {
    "complaints": ["unit", "category", "state", "count"],
    "referrals": ["unit", "count"],
    "overdue": ["unit", "count", "paused"],
    "extensions": ["unit", "count", "days"],
    "follow_ups": ["unit", "opened", "answered", "overdue"],
}


def first_working_day(day: date) -> bool:
    calendar = load_calendar()
    return day == calendar.on_or_after(day.replace(day=1))


def previous_month(day: date) -> tuple[date, date, str]:
    end = day.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    return start, end, f"{start:%Y-%m}"


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0), TAIPEI)


def figures(start: date, end: date, as_of: date) -> dict[str, list[list]]:
    unit = func.coalesce(Unit.code, "")
    after_end = _moment(end + timedelta(days=1))
    complaints = db.session.execute(
        select(unit, func.coalesce(Case.category, ""), Case.state, func.count())
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(Case.channel == "complaint", Case.received_on.between(start, end))
        .group_by(unit, Case.category, Case.state).order_by(unit, Case.category, Case.state))
    referrals = db.session.execute(
        select(unit, func.count()).select_from(EthicsReferral).join(Case, Case.id == EthicsReferral.case_id)
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(EthicsReferral.referred_at >= _moment(start), EthicsReferral.referred_at < after_end)
        .group_by(unit).order_by(unit))
    # Overdue as in the staff statistics: only cases whose clock runs. A case awaiting the petitioner's information
    # (補陳) has its clock stopped, its due date moving later on the answer: counted apart as paused, never overdue.
    running, stopped = Case.state.in_(CLOCK_RUNNING_STATES), Case.state.in_(CLOCK_STOPPED_STATES)
    overdue = db.session.execute(
        select(unit, func.sum(when((running & (Case.due_on < as_of), 1), else_=0)),
               func.sum(when((stopped, 1), else_=0)))
        .select_from(Case).outerjoin(Unit, Unit.id == Case.unit_id)
        .where((running & (Case.due_on < as_of)) | stopped).group_by(unit).order_by(unit))
    extensions = db.session.execute(
        select(unit, func.count(), func.sum(Extension.days)).select_from(Extension)
        .join(Case, Case.id == Extension.case_id).outerjoin(Unit, Unit.id == Case.unit_id)
        .where(Extension.status == ExtensionStatus.APPROVED.value, Extension.decided_at >= _moment(start),
               Extension.decided_at < after_end)
        .group_by(unit).order_by(unit))
    answered = SurveyFollowUp.answered_at.is_not(None)
    follow_ups = db.session.execute(
        select(unit, func.count(), func.sum(when((answered, 1), else_=0)),
               func.sum(when((~answered & (SurveyFollowUp.due_on < as_of), 1), else_=0)))
        .select_from(SurveyFollowUp).outerjoin(Unit, Unit.id == SurveyFollowUp.unit_id)
        .where(SurveyFollowUp.opened_on.between(start, end)).group_by(unit).order_by(unit))
    return {
        "complaints": [list(r) for r in complaints],
        "referrals": [list(r) for r in referrals],
        "overdue": [[u, int(n or 0), int(p or 0)] for u, n, p in overdue],
        "extensions": [[u, n, int(d or 0)] for u, n, d in extensions],
        "follow_ups": [[u, n, int(a or 0), int(o or 0)] for u, n, a, o in follow_ups],
    }


def workbook(period: str, data: dict[str, list[list]]) -> bytes:
    """One sheet per section: the period, the headings, the figures."""
    return exports.as_xlsx_sheets({name: exports.Table(headings=columns, rows=data[name], caption=period)
                                   for name, columns in SECTIONS.items()})


def tables(data: dict[str, list[list]]) -> dict[str, exports.Table]:
    """The report's sections as the reader sees them (in the request's language): units, categories and states
    by name, for the page and the download."""
    from flask_babel import gettext

    from cases.labels import CATEGORY_LABELS, STATE_LABELS

    names = dict(db.session.execute(select(Unit.code, Unit.name)).all())

    def unit(code: str) -> str:
        return names.get(code, code) if code else gettext("(no unit)")

    def label(labels: dict, code: str | None) -> str | None:
        return str(labels[code]) if code in labels else (code or None)

    Column = exports.Column
    columns = {
        "complaints": [Column(gettext("Unit")), Column(gettext("Category")), Column(gettext("State")),
                       Column(gettext("Cases"), "int")],
        "referrals": [Column(gettext("Unit")), Column(gettext("Referrals"), "int")],
        "overdue": [Column(gettext("Unit")), Column(gettext("Overdue cases"), "int"),
                    Column(gettext("Paused awaiting the petitioner"), "int")],
        "extensions": [Column(gettext("Unit")), Column(gettext("Extensions"), "int"),
                       Column(gettext("Days extended"), "int")],
        "follow_ups": [Column(gettext("Unit")), Column(gettext("Opened"), "int"), Column(gettext("Answered"), "int"),
                       Column(gettext("Overdue"), "int")],
    }
    # Reports kept before a section gained a column show it as 0 (the overdue section's paused count).
    rows = {name: [[unit(r[0]), *r[1:], *[0] * (len(SECTIONS[name]) - len(r))] for r in data.get(name, [])]
            for name in SECTIONS}
    rows["complaints"] = [[u, label(CATEGORY_LABELS, c), label(STATE_LABELS, s), n]
                          for u, c, s, n in rows["complaints"]]
    return {name: exports.Table.typed(columns[name], rows[name]) for name in SECTIONS}


def localized_workbook(period: str, data: dict[str, list[list]]) -> bytes:
    """The report's workbook in the request's language: one sheet per section, the period above the headings."""
    return exports.as_xlsx_sheets({name: exports.Table.typed(
        [exports.Column(h, k) for h, k in zip(t.headings, t.kinds or (), strict=True)], t.rows, caption=period)
        for name, t in tables(data).items()})


def recipients() -> list[str]:
    """The ethics office's mailbox: the ethics officers of the ethics office unit."""
    return list(db.session.scalars(
        select(Staff.email).join(StaffRole).join(Unit, Unit.id == Staff.unit_id)
        .where(StaffRole.role == Role.ETHICS.value, Unit.is_ethics_office.is_(True), Staff.active.is_(True))
        .order_by(Staff.email)))


def run_monthly(day: date) -> EthicsReport | None:
    """From the first working day of a month on, generate last month's report once and announce it. A day the
    scheduler missed (down on the first working day) is caught up by the next run, not lost."""
    if day < load_calendar().on_or_after(day.replace(day=1)):
        return None
    start, end, period = previous_month(day)
    return generate(start, end, period, day)


def month_period(text: str, today: date) -> tuple[date, date, str]:
    """'YYYY-MM' of a month that has ended → (first day, last day, period); ValueError otherwise."""
    try:
        start = datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError("write the month as YYYY-MM") from None
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if end >= today:
        raise ValueError(f"{text} has not ended yet")
    return start, end, f"{start:%Y-%m}"


def generate(start: date, end: date, period: str, as_of: date) -> EthicsReport | None:
    """The report of one period, once (None if it exists); announced to the ethics officers."""
    if db.session.scalar(select(EthicsReport.id).where(EthicsReport.period == period)):
        return None
    data = figures(start, end, as_of)
    report = EthicsReport(period=period, figures=data, xlsx=workbook(period, data))
    try:
        with db.session.begin_nested():  # a racing run's insert fails on the unique period
            db.session.add(report)
    except IntegrityError:
        return None
    link = external_url("reports.ethics_report", period=period)
    for email in recipients():
        enqueue(kind="reports.ethics_monthly", to=email, template="ethics_monthly_report", language="zh_Hant_TW",
                context={"period": period, "url": link, "agency": _agency()}, key=f"ethics-report:{period}:{email}")
    db.session.flush()
    return report


def _agency() -> str:
    from flask import current_app

    return current_app.config["AGENCY_NAME"]

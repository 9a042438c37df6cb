"""Staff pages: work queues, the case page and its actions, statistics, the agency calendar."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from cases import deadlines, statistics
from cases.actions import available, perform
from cases.labels import CHANNEL_LABELS, GROUND_LABELS, OUTCOME_LABELS, STAT_HEADINGS, STATE_LABELS
from cases.models import CalendarDay, Case
from cases.queries import QUEUES, CaseFilter, default_queue, filtered, page_of
from cases.services import find_case, today
from cases.workflow import TransitionRefused
from core.accounts.models import Role, Staff, StaffRole, Unit
from core.extensions import db
from core.periods import period_from
from core.policy import can, may_see_case, require
from core.settings import get_setting

bp = Blueprint("cases", __name__, template_folder="templates")


def _soon_until() -> date:
    return deadlines.load_calendar().add_working_days(today(), get_setting("reminder_due_soon_working_days"))


@bp.route("/staff/")
@require("staff_home")
def staff_home():
    f = CaseFilter.from_args(request.args, default_queue(current_user))
    soon_until = _soon_until()
    rows, next_before = page_of(filtered(current_user, f, today(), soon_until), f.before)
    # At a glance: what the user is accountable for that is overdue or due soon.
    glance = {due: db.session.scalar(select(func.count()).select_from(
        filtered(current_user, CaseFilter(queue=f.queue, due=due), today(), soon_until).subquery()))
        for due in ("overdue", "soon")}
    units = db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)).all()
    return render_template(
        "cases/staff_home.html", rows=rows, f=f, next_before=next_before, queues=QUEUES, units=units,
        channel_labels=CHANNEL_LABELS, state_labels=STATE_LABELS, today=today(), glance=glance,
        may_register=can(current_user, "register_case"), may_see_outbox=can(current_user, "view_outbox"),
        may_see_statistics=can(current_user, "view_statistics"),
        may_manage_calendar=can(current_user, "manage_calendar"),
        may_see_satisfaction=can(current_user, "view_satisfaction"),
    )


def _case_or_404(number: str) -> Case:
    case = find_case(number)
    # A case of another unit answers exactly like a missing one.
    if case is None or not may_see_case(current_user, case):
        abort(404)
    return case


def _render_case(case: Case, status: int = 200, error: str | None = None):
    unit_staff = []
    if case.unit_id:
        unit_staff = db.session.scalars(
            select(Staff).join(StaffRole).where(Staff.unit_id == case.unit_id, Staff.active.is_(True),
                                                StaffRole.role.in_([Role.HANDLER.value, Role.SUPERVISOR.value]))
            .order_by(Staff.name)
        ).unique().all()
    calendar = deadlines.load_calendar()
    days_left = None
    if case.due_on and case.is_open:
        t = today()
        days_left = (calendar.working_days_between(t, case.due_on) if case.due_on >= t
                     else -calendar.working_days_between(case.due_on, t))
    return render_template(
        "cases/case.html", case=case, actions=available(case, current_user), error=error,
        units=db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)).all(),
        unit_staff=unit_staff, limit_classes=deadlines.limit_classes(), days_left=days_left,
        channel_labels=CHANNEL_LABELS, state_labels=STATE_LABELS, outcome_labels=OUTCOME_LABELS,
        ground_labels=GROUND_LABELS, pending_reply=next((r for r in reversed(case.replies) if r.status == "draft"),
                                                        None),
    ), status


@bp.route("/staff/cases/<number>")
@require("view_case")
def case_page(number: str):
    return _render_case(_case_or_404(number))


@bp.route("/staff/cases/<number>/<action>", methods=["POST"])
@require("view_case")
def case_action(number: str, action: str):
    case = _case_or_404(number)
    version = request.form.get("version", type=int)
    try:
        perform(case, current_user, action, request.form, version)
        db.session.commit()
    except TransitionRefused as exc:
        db.session.rollback()
        return _render_case(_case_or_404(number), exc.status, exc.message)
    except StaleDataError:
        db.session.rollback()
        return _render_case(_case_or_404(number), 409,
                            _("Someone else changed this case in the meantime. Please check it and try again."))
    flash(_("Done."), "success")
    return redirect(url_for("cases.case_page", number=number), code=303)


@bp.route("/staff/attachments/<int:attachment_id>")
@require("view_case")
def attachment(attachment_id: int):
    from feedback.models import Attachment

    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    case = db.session.scalar(select(Case).where(Case.submission_id == item.submission_id))
    if case is None or not may_see_case(current_user, case):
        abort(404)
    return Response(item.data, mimetype=item.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(item.filename)}",
        "Cache-Control": "private, no-store",
    })


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _period() -> tuple[date, date]:
    return period_from(request.args, today())


@bp.route("/staff/statistics")
@require("view_statistics")
def statistics_page():
    start, end = _period()
    rows = statistics.statistics(start, end, today())
    return render_template("cases/statistics.html", rows=rows, start=start, end=end, headings=STAT_HEADINGS,
                           channel_labels=CHANNEL_LABELS)


@bp.route("/staff/statistics.<fmt>")
@require("view_statistics")
def statistics_download(fmt: str):
    start, end = _period()
    rows = statistics.statistics(start, end, today())
    name = f"statistics-{start}-{end}"
    if fmt == "csv":
        return Response(statistics.as_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    if fmt == "xlsx":
        return Response(statistics.as_xlsx(rows, [str(STAT_HEADINGS[c]) for c in statistics.COLUMNS]),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
    abort(404)


@bp.route("/staff/calendar", methods=["GET", "POST"])
@require("manage_calendar")
def calendar_page():
    from cases.calendar_admin import CalendarError, set_calendar_day

    status = 200
    if request.method == "POST":
        try:
            day = date.fromisoformat(request.form.get("day", ""))
        except ValueError:
            flash(_("Write dates as YYYY-MM-DD."), "error")
            status = 400
        else:
            try:
                changed = set_calendar_day(day, request.form.get("kind") == "working", request.form.get("reason", ""),
                                           current_user)
            except CalendarError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                status = 400
            else:
                db.session.commit()
                flash(_("Saved. Due dates of %(n)d open case(s) were recomputed.", n=changed), "success")
                return redirect(url_for("cases.calendar_page"), code=303)
    days = db.session.scalars(select(CalendarDay).order_by(CalendarDay.day.desc()).limit(200)).all()
    return render_template("cases/calendar.html", days=days), status



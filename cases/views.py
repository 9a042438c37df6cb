"""Staff pages: work queues, the case page and its actions, statistics, the agency calendar."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import raiseload
from sqlalchemy.orm.exc import StaleDataError

from cases import additions, deadlines, homes, privacy, reopen, statistics
from cases.actions import available, perform
from cases.case_file import Attachment
from cases.diffs import changes
from cases.labels import (
    ACCESS_PURPOSE_LABELS,
    ACTION_LABELS,
    CATEGORY_LABELS,
    CAUSE_LABELS,
    CHANNEL_LABELS,
    EXTENSION_LABELS,
    GROUND_LABELS,
    LANGUAGE_LABELS,
    OUTCOME_LABELS,
    REPLY_STATUS_LABELS,
    STATE_LABELS,
)
from cases.models import (
    CLOCK_STOPPED_STATES,
    CalendarDay,
    Case,
    EthicsReferral,
    IdentityReveal,
    OfficeCalendarYear,
    PersonalDataAccess,
)
from cases.queries import QUEUES, CaseFilter, default_queue, filtered, glance, load_case_page, page_of
from cases.services import find_case, returned_reply
from cases.workflow import TransitionRefused, approver_names, authors
from core import policy
from core.accounts.models import Role, Staff, StaffRole, Unit
from core.clock import today
from core.extensions import db
from core.hygiene import BadInput, parse_date, parse_int
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
    rows, next_before = page_of(filtered(current_user, f, today(), soon_until), f.before, table=True)
    # At a glance: what the user is accountable for that is overdue or due soon.
    at_a_glance = glance(current_user, f.queue, today(), soon_until)
    # /staff/ without a queue chosen opens on each role's home above the default queue (cases/homes.py).
    # A search or a filter asks for the list only: the homes' lists would show cases the search did not find.
    listing = any(request.args.get(key) for key in ("queue", "q", "channel", "state", "due", "before"))
    home = None if listing else homes.build(
        current_user, today(), soon_until, deadlines.load_calendar(), request.args.get("sort", ""), f.unit)
    return render_template(
        "cases/staff_home.html", calendar_warning=_calendar_warning(), rows=rows, f=f, next_before=next_before,
        queues=QUEUES, unit_options=_unit_options(f.unit), links=_case_links(rows),
        channel_labels=_translated(CHANNEL_LABELS), state_labels=_translated(STATE_LABELS), today=today(),
        glance=at_a_glance, home=home, case_url_prefix=url_for("cases.case_page", number="0")[:-1],
        route_unit_options=_unit_options(None) if home and home.sections and home.sections[0][0] == "intake" else "",
        may_register=can(current_user, "register_case"), may_see_outbox=can(current_user, "view_outbox"),
        may_see_statistics=can(current_user, "view_statistics"), may_see_analysis=can(current_user, "view_analysis"),
        may_manage_calendar=can(current_user, "manage_calendar"),
        may_see_satisfaction=can(current_user, "view_satisfaction"),
        may_use_ethics_desk=can(current_user, "ethics_desk"), may_see_access_log=can(current_user, "view_access_log"),
        may_keep_reply_templates=can(current_user, "manage_reply_templates"),
        may_edit_faq=can(current_user, "manage_faq"),
    )


def _translated(labels: dict) -> dict:
    """The labels in the request's language, translated once for the page rather than once per row. As Markup,
    which is what a lazy label gives a template (its __html__), so the page reads exactly as before."""
    return {key: Markup(str(label)) for key, label in labels.items()}


# The active units as (code, name) rows, for the unit filter and the route form.
_ACTIVE_UNITS = select(Unit.code, Unit.name).where(Unit.active.is_(True)).order_by(Unit.code)


def _unit_options(selected: str | None) -> Markup:
    """The <option>s of every active unit (hundreds in a large agency), written here rather than by the
    templates, whose loop cost a millisecond of the page, and kept for the same units and choice: the filter's
    mark the chosen unit (`selected`, "" for none), the route form's (None) mark none."""
    return _options_of(tuple(db.session.execute(_ACTIVE_UNITS).all()), selected)


@lru_cache(maxsize=64)
def _options_of(units: tuple, selected: str | None) -> Markup:
    # As the templates wrote them, escaped as they escape: <option value="CODE" [selected]>NAME</option> in the
    # filter, <option value="CODE">NAME</option> in the route form.
    if selected is None:
        return Markup("".join(f'<option value="{escape(code)}">{escape(name)}</option>' for code, name in units))
    return Markup("".join(f'<option value="{escape(code)}" {"selected" if code == selected else ""}>{escape(name)}'
                          "</option>" for code, name in units))


def _case_links(rows: list) -> dict[int, str]:
    """Each row's link to its case page, with one url_for for the page: a case number is ASCII digits
    (cases.services.allocate_case_number), whose link is the page's path with the number at its end. Any other
    number (none should exist) gets url_for's own."""
    prefix = url_for("cases.case_page", number="0")[:-1]
    return {case.id: prefix + case.number if case.number.isascii() and case.number.isdigit()
            else url_for("cases.case_page", number=case.number) for case in rows}


# How long before a year begins the secretariat is warned that its official office calendar is missing.
CALENDAR_WARNING_DAYS = 92


def _calendar_warning() -> str | None:
    """For the secretariat and administrators: the year (current, or starting within three months) whose
    due dates are provisional because its official office calendar is not imported (I7)."""
    if not current_user.has_role(Role.SECRETARIAT, Role.ADMIN):
        return None
    years = deadlines.load_calendar().official_years
    t = today()
    if t.year not in years:
        return _("The official office calendar of %(year)d is not imported: due dates this year are provisional. "
                 "Import the DGPA file with “flask calendar import FILE”.", year=t.year)
    if (date(t.year + 1, 1, 1) - t).days <= CALENDAR_WARNING_DAYS and t.year + 1 not in years:
        return _("The official office calendar of %(year)d is not imported yet: due dates that reach into %(year)d "
                 "are provisional. Import the DGPA file with “flask calendar import FILE” when it is published.",
                 year=t.year + 1)
    return None


def _case_or_404(number: str, *, for_page: bool = False, again: bool = False) -> Case:
    # The case page loads what it shows at once (cases.queries.load_case_page); the actions load the case alone.
    case = load_case_page(number, again=again) if for_page else find_case(number)
    # A case of another unit answers exactly like a missing one.
    if case is None or not may_see_case(current_user, case):
        abort(404)
    return case


def _render_case(case: Case, status: int = 200, error: str | None = None, typed: dict | None = None,
                 flagged: dict | None = None):
    """The case page of a case from `_case_or_404(number, for_page=True)`. Everything the template shows is
    loaded here; the lists of the action forms only when the form is offered.

    typed: what the reply form had (after a refusal, or with a template inserted), shown again; flagged: the
    reply-quality flags of the refused form, by action name (issue 14: cases/reply_quality.py)."""
    from cases import reply_quality, reply_templates

    actions = available(case, current_user)
    unit_staff = []
    if case.unit_id and "assign" in actions:
        # Handlers and supervisors of the unit: the names and addresses the form offers, nothing more.
        unit_staff = db.session.execute(
            select(Staff.id, Staff.email, Staff.name)
            .where(Staff.unit_id == case.unit_id, Staff.active.is_(True),
                   Staff.id.in_(select(StaffRole.staff_id).where(
                       StaffRole.role.in_([Role.HANDLER.value, Role.SUPERVISOR.value]))))
            .order_by(Staff.name, Staff.id)
        ).all()
    days_left = None
    if case.due_on and case.is_open and case.state not in CLOCK_STOPPED_STATES:  # 補陳: no days run out
        calendar = deadlines.load_calendar()
        t = today()
        days_left = (calendar.working_days_between(t, case.due_on) if case.due_on >= t
                     else -calendar.working_days_between(case.due_on, t))
    person = privacy.petitioner(current_user, case, "page")  # logs a view of identifying data
    pending_reveal = db.session.scalar(select(IdentityReveal.id).where(
        IdentityReveal.case_id == case.id, IdentityReveal.requested_by_id == current_user.id,
        IdentityReveal.decided_at.is_(None)).limit(1)) if person["masked"] else None
    referrals = db.session.scalars(select(EthicsReferral).where(EthicsReferral.case_id == case.id)
                                   .options(raiseload("*", sql_only=True))).all()
    return render_template(
        "cases/case.html", case=case, actions=actions, error=error, person=person,
        pending_reveal=pending_reveal, referrals=referrals,
        unit_options=_unit_options(None) if "route" in actions else "", unit_staff=unit_staff,
        limit_classes=deadlines.limit_classes() if "classify" in actions else [], days_left=days_left,
        channel_labels=CHANNEL_LABELS, state_labels=STATE_LABELS, outcome_labels=OUTCOME_LABELS,
        ground_labels=GROUND_LABELS, action_labels=ACTION_LABELS, extension_labels=EXTENSION_LABELS,
        cause_labels=CAUSE_LABELS, reply_status_labels=REPLY_STATUS_LABELS, category_labels=CATEGORY_LABELS,
        language_labels=LANGUAGE_LABELS,
        information_reply_days=get_setting("information_reply_working_days") if "request-information" in actions
        else None,
        pending_reply=next((r for r in reversed(case.replies) if r.status == "draft"),
                                                        None),
        returned_reply=returned_reply(case) if "draft-reply" in actions else None,
        four_eyes_notes=_four_eyes_notes(case), version_changes=_version_changes(case),
        # Issue 13: where a reopened case came from (reason, original reply), and what the petitioner added since.
        reopened_from=reopen.page_context(case), petitioner_additions=additions.for_case_page(case),
        # Issue 14: the reply templates offered, what the form had, and the reply-quality flags for the handler
        # (of the refused draft) and the approver (of the pending reply).
        reply_templates=reply_templates.for_case(case) if "draft-reply" in actions else [],
        typed=typed or {}, draft_flags=reply_quality.messages((flagged or {}).get("draft-reply", [])),
        approve_flags=reply_quality.messages(_approve_flags(case, actions, flagged)),
    ), status


def _approve_flags(case: Case, actions: list[str], flagged: dict | None) -> list[str]:
    from cases.reply_quality import flags_of_reply

    if flagged and "approve-reply" in flagged:
        return flagged["approve-reply"]
    pending = next((r for r in reversed(case.replies) if r.status == "draft"), None)
    if pending is None or "approve-reply" not in actions:
        return []
    # The page loads the versions, not the reply's own text: the last version is what would be sent.
    return flags_of_reply(pending.versions[-1] if pending.versions else pending, case)


def _four_eyes_notes(case: Case) -> list[str]:
    """For whoever wrote what awaits approval (a reply, an extension): who may approve it instead (four eyes)."""
    notes = []
    pending = {"approve_reply": case.state == "awaiting_approval",
               "approve_extension": case.is_open and any(e.status == "requested" for e in case.extensions)}
    for action, waiting in pending.items():
        written_by = authors(case, action) if waiting else frozenset()
        if current_user.id not in written_by:
            continue
        names = approver_names(case, action)
        if names and action == "approve_reply":
            notes.append(_("You drafted this reply, so you cannot approve it yourself (four eyes). It may be "
                           "approved by: %(names)s.", names=names))
        elif names:
            notes.append(_("You requested this extension, so you cannot approve it yourself (four eyes). It may be "
                           "approved by: %(names)s.", names=names))
        elif policy.four_eyes_relaxed(case.unit_id, written_by, today()):
            notes.append(_("Nobody else may approve what you wrote here: as the unit has no one else, you may "
                           "approve it yourself, and the timeline will record that the four-eyes rule was relaxed."))
        else:
            notes.append(_("Nobody else may approve what you wrote here: an administrator can name a deputy, or "
                           "relax the four-eyes rule for one-person units."))
    return notes


def _version_changes(case: Case) -> dict[int, Markup]:
    """Each later version of a reply: what changed from the version before it."""
    removed, added = _("removed:"), _("added:")
    return {later.id: changes(earlier.body, later.body, removed=removed, added=added)
            for reply in case.replies for earlier, later in zip(reply.versions, reply.versions[1:],
                                                                           strict=False)}


@bp.route("/staff/cases/<number>")
@require("view_case")
def case_page(number: str):
    page = _render_case(_case_or_404(number, for_page=True))
    return page


@bp.route("/staff/cases/<number>/<action>", methods=["POST"])
@require("view_case")
def case_action(number: str, action: str):
    case = _case_or_404(number)
    version = parse_int(request.form.get("version"), "version")
    try:
        perform(case, current_user, action, request.form, version)
    except TransitionRefused as exc:
        db.session.rollback()  # the refused action; the page it shows again still logs what it shows
        # The reply forms keep what was typed; a reply the quality check flagged shows its flags at the form.
        typed = request.form.to_dict() if action in ("draft-reply", "approve-reply") else None
        flags = getattr(exc, "flags", None)
        return _render_case(_case_or_404(number, for_page=True, again=True), exc.status,
                            exc.message if flags is None else _("Please check the reply before it goes on."),
                            typed=typed, flagged={action: flags} if flags else None)
    except StaleDataError:
        db.session.rollback()
        return _render_case(_case_or_404(number, for_page=True, again=True), 409,
                            _("Someone else changed this case in the meantime. Please check it and try again."))
    flash(_("Done."), "success")
    return redirect(url_for("cases.case_page", number=number), code=303)


@bp.route("/staff/attachments/<int:attachment_id>")
@require("view_case")
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    case = db.session.scalar(select(Case).where(Case.submission_id == item.submission_id))
    if case is None or not may_see_case(current_user, case):
        abort(404)
    if item.identifying:
        if not privacy.identity_visible(current_user, case)[0]:
            abort(404)
        privacy.petitioner(current_user, case, "attachment")  # logged like any view of the identity
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
    return render_template("cases/statistics.html", rows=rows, start=start, end=end,
                           table=statistics.table(rows))


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
        return Response(statistics.as_xlsx(rows),
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
            day = parse_date(request.form.get("day"))
            if day is None:
                raise BadInput(_("Write dates as YYYY-MM-DD."))
        except BadInput as exc:
            flash(exc.message, "error")
            status = 400
        else:
            try:
                changed = set_calendar_day(day, request.form.get("kind") == "working", request.form.get("reason", ""),
                                           current_user)
            except CalendarError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                status = 400
            except StaleDataError:  # a case it moves was changed at the same moment: nothing was saved
                db.session.rollback()
                flash(_("Some of the cases it affects were changed at the same moment. Please try again."), "error")
                status = 409
            else:
                flash(_("Saved. Due dates of %(n)d open case(s) were recomputed.", n=changed), "success")
                return redirect(url_for("cases.calendar_page"), code=303)
    days = db.session.scalars(select(CalendarDay).order_by(CalendarDay.day.desc()).limit(200)).all()
    official_years = db.session.scalars(select(OfficeCalendarYear).order_by(OfficeCalendarYear.year.desc())).all()
    return render_template("cases/calendar.html", days=days, official_years=official_years), status




@bp.route("/staff/cases/<number>/identity-request", methods=["POST"])
@require("view_case")
def request_identity(number: str):
    case = _case_or_404(number)
    try:
        privacy.request_reveal(case, current_user, request.form.get("reason", ""))
    except TransitionRefused as exc:
        db.session.rollback()
        return _render_case(_case_or_404(number, for_page=True, again=True), exc.status, exc.message)
    flash(_("Your request was sent to the ethics office."), "success")
    return redirect(url_for("cases.case_page", number=number), code=303)


@bp.route("/staff/ethics")
@require("ethics_desk")
def ethics_desk():
    from cases.ethics import open_referrals

    reveals = db.session.scalars(select(IdentityReveal).where(IdentityReveal.decided_at.is_(None))
                                 .order_by(IdentityReveal.id)).all()
    decided = db.session.scalars(select(IdentityReveal).where(IdentityReveal.decided_at.is_not(None))
                                 .order_by(IdentityReveal.decided_at.desc()).limit(50)).all()
    return render_template("cases/ethics.html", reveals=reveals, decided=decided, referrals=open_referrals())


@bp.route("/staff/ethics/reveals/<int:reveal_id>", methods=["POST"])
@require("ethics_desk")
def decide_reveal(reveal_id: int):
    reveal = db.session.get(IdentityReveal, reveal_id) or abort(404)
    try:
        privacy.decide_reveal(reveal, current_user, request.form.get("decision") == "approve",
                              request.form.get("note", ""))
    except TransitionRefused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("cases.ethics_desk"), code=303)
    flash(_("Decision recorded."), "success")
    return redirect(url_for("cases.ethics_desk"), code=303)


@bp.route("/staff/ethics/referrals/<int:referral_id>/open", methods=["POST"])
@require("ethics_desk")
def open_referral(referral_id: int):
    from cases.ethics import open_case_from_referral

    referral = db.session.get(EthicsReferral, referral_id) or abort(404)
    try:
        case = open_case_from_referral(referral, current_user)
    except TransitionRefused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("cases.ethics_desk"), code=303)
    return redirect(url_for("cases.case_page", number=case.number), code=303)


@bp.route("/staff/access-log")
@require("view_access_log")
def access_log():
    from datetime import datetime, time, timedelta

    from core.accounts.services import find_staff
    from core.clock import TAIPEI
    from core.pagination import keyset_page

    start, end = period_from(request.args, today())
    since = datetime.combine(start, time(0), TAIPEI)
    until = datetime.combine(end + timedelta(days=1), time(0), TAIPEI)
    query = select(PersonalDataAccess).where(PersonalDataAccess.at >= since, PersonalDataAccess.at < until)
    who = (request.args.get("staff") or "").strip()[:254]
    number = (request.args.get("case") or "").strip()[:20]
    if who:
        staff = find_staff(who)
        query = query.where(PersonalDataAccess.staff_id == (staff.id if staff else -1))
    if number:
        query = query.where(PersonalDataAccess.case_id.in_(select(Case.id).where(Case.number == number)))
    before = request.args.get("before")
    rows, next_before = keyset_page(query, PersonalDataAccess.id, before, 100)
    return render_template("cases/access_log.html", rows=rows, start=start, end=end, who=who, number=number,
                           next_before=next_before, paged=bool(before), purpose_labels=ACCESS_PURPOSE_LABELS)


@bp.route("/staff/cases/<number>/letter")
@require("view_case")
def reply_letter(number: str):
    """The sent reply as a printable letter, for petitioners without e-mail (letter, phone, counter)."""
    case = _case_or_404(number)
    reply = case.sent_reply
    if reply is None:
        abort(404)
    person = privacy.petitioner(current_user, case, "letter")
    return render_template("cases/letter.html", case=case, reply=reply, person=person)

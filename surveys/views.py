"""The survey form (public), the satisfaction report and the units' follow-ups (staff)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cases.labels import OUTCOME_LABELS
from core import ratelimit
from core.accounts.models import Role, Unit
from core.extensions import db
from core.hygiene import INT_MAX, BadInput, parse_int
from core.periods import period_from
from core.policy import require
from surveys import aggregates, reopening, services
from surveys.models import Questionnaire, SurveyFollowUp, SurveyResponse

bp = Blueprint("surveys", __name__, template_folder="templates")


@bp.route("/survey/<token>", methods=["GET", "POST"])
@ratelimit.limit(lambda: current_app.config["RATELIMIT_SUBMIT"])
def form(token: str):
    # GET only shows the form: mail link-scanners that open links never answer anything.
    try:
        invitation = services.find_invitation(token)
    except services.SurveyError as exc:
        db.session.rollback()
        return render_template("surveys/unavailable.html", reason=exc.reason), exc.status
    questionnaire = db.session.get(Questionnaire, invitation.questionnaire_id)
    errors: dict[str, str] = {}
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        scores, comment, errors = services.check_answers(questionnaire, request.form)
        if not errors:
            try:
                services.answer(invitation, scores, comment)
            except services.SurveyError as exc:
                db.session.rollback()
                return render_template("surveys/unavailable.html", reason=exc.reason), exc.status
            return _in_language(invitation.language, "surveys/thanks.html", token=token,
                                reopen=reopening.offer(invitation.case_id))
    page = _in_language(invitation.language, "surveys/form.html", questionnaire=questionnaire, errors=errors,
                        values=values, token=token, reopen=reopening.offer(invitation.case_id))
    return page, (400 if errors else 200)


@bp.route("/survey/<token>/reopen", methods=["POST"])
@ratelimit.limit(lambda: current_app.config["RATELIMIT_TRACK"], scope="feedback.track")  # tracking's budget
def reopen(token: str):
    """Not resolved (issue 13, deliver 4): the survey link stands for the access code."""
    from cases.case_file import Source
    from cases.reopen import ReopenRefused, reopen_retrying

    case = reopening.invited_case(token)
    if case is None:
        return render_template("surveys/unavailable.html", reason="unknown"), 404
    language = case.language
    try:
        new, _new = reopen_retrying(case, reason=request.form.get("reason", ""), source=Source.WEB,
                                    idempotency_key=request.form.get("form_token") or None)
    except ReopenRefused as exc:
        db.session.rollback()
        return _in_language(language, "surveys/reopened.html", error=exc.message), exc.status
    return _in_language(language, "surveys/reopened.html", number=new.number)


def _in_language(language: str, template: str, **context) -> str:  # noqa: ANN003
    """The petitioner's language, unless they chose one on the site."""
    from flask_babel import force_locale

    from core.i18n import LANG_COOKIE

    if request.cookies.get(LANG_COOKIE):
        return render_template(template, **context)
    with force_locale(language):
        return render_template(template, **context)


def _today() -> date:
    from core.clock import today

    return today()


def _report_scope() -> tuple[date, date, str | None]:
    start, end = period_from(request.args, _today())
    unit = (request.args.get("unit") or "").strip().upper()[:32] or None
    if not current_user.has_role(Role.SECRETARIAT, Role.ADMIN):
        unit = current_user.unit.code  # a supervisor sees their own unit
    return start, end, unit


@bp.route("/staff/satisfaction")
@require("view_satisfaction")
def report():
    start, end, unit = _report_scope()
    figures = aggregates.by_unit(start, end, unit)
    questionnaire = services.current_questionnaire()
    units = db.session.scalars(select(Unit).order_by(Unit.code)).all()
    months = aggregates.by_month(start, end, unit)
    unit_items = [{"label": f.unit_name or "—", "value": f.satisfied_share, "ci": f.satisfied_ci} for f in figures]
    month_items = [{"label": m["key"], "value": m["satisfied_share"], "ci": None} for m in months]
    return render_template("surveys/report.html", figures=figures, start=start,
                           table=aggregates.table(figures, questionnaire.questions, str(get_locale())),
                           end=end, unit=unit, units=units,
                           questions=questionnaire.questions, outcomes=aggregates.by_outcome(start, end, unit),
                           months=months, unit_items=unit_items, month_items=month_items, outcome_labels=OUTCOME_LABELS,
                           follow_up_rows=aggregates.follow_ups_by_unit(start, end, _today(), unit),
                           all_units=current_user.has_role(Role.SECRETARIAT, Role.ADMIN))


@bp.route("/staff/satisfaction.<fmt>")
@require("view_satisfaction")
def report_download(fmt: str):
    start, end, unit = _report_scope()
    figures = aggregates.by_unit(start, end, unit)
    questions, locale = services.current_questionnaire().questions, str(get_locale())
    name = f"satisfaction-{start}-{end}"
    if fmt == "csv":
        return Response(aggregates.as_csv(figures, questions, locale), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    if fmt == "xlsx":
        return Response(aggregates.as_xlsx(figures, questions, locale),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
    abort(404)


def _visible_follow_ups():
    query = select(SurveyFollowUp)
    if not current_user.has_role(Role.SECRETARIAT, Role.ADMIN):
        query = query.where(SurveyFollowUp.unit_id == current_user.unit_id)
    return query


@bp.route("/staff/follow-ups")
@require("view_follow_ups")
def follow_ups():
    show = request.args.get("show", "open")
    query = _visible_follow_ups()
    if show == "open":
        query = query.where(SurveyFollowUp.answered_at.is_(None))
    rows = db.session.scalars(query.order_by(SurveyFollowUp.due_on, SurveyFollowUp.id).limit(200)).all()
    return render_template("surveys/follow_ups.html", rows=rows, show=show, today=_today())


def _follow_up_or_404(follow_up_id: int) -> SurveyFollowUp:
    follow_up = db.session.scalar(_visible_follow_ups().where(SurveyFollowUp.id == follow_up_id))
    if follow_up is None:
        abort(404)
    return follow_up


@bp.route("/staff/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@require("view_follow_ups")
def follow_up(follow_up_id: int):
    from cases.models import Case

    item = _follow_up_or_404(follow_up_id)
    status, error = 200, None
    if request.method == "POST":
        try:
            if request.form.get("action") == "extend":
                days = parse_int(request.form.get("days"), _("Days"), minimum=-INT_MAX)  # the service says how many
                services.extend_follow_up(item, current_user, days=days or 0, reason=request.form.get("reason", ""))
            else:
                services.answer_follow_up(item, current_user, analysis=request.form.get("analysis", ""),
                                          measures=request.form.get("measures", ""))
        except (services.FollowUpRefused, BadInput) as exc:
            db.session.rollback()
            status, error = exc.status, exc.message
            item = _follow_up_or_404(follow_up_id)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("surveys.follow_up", follow_up_id=follow_up_id), code=303)
    response = db.session.get(SurveyResponse, item.response_id)
    case = db.session.get(Case, response.invitation.case_id)
    questionnaire = db.session.get(Questionnaire, response.questionnaire_id)
    return render_template("surveys/follow_up.html", item=item, response=response, case=case, error=error,
                           questionnaire=questionnaire, outcome_labels=OUTCOME_LABELS,
                           may_act=current_user.has_role(Role.SUPERVISOR) and current_user.unit_id == item.unit_id
                           and item.answered_at is None), status

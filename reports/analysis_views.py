"""The periodic analysis's pages (issue 14, deliver 6): choose a period, read it (printable), download it as XLSX,
and write down the improvement proposals the management meeting adopted."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.clock import today
from core.errors import DomainError
from core.extensions import db
from core.hygiene import DATE_MAX, BadInput, parse_date, parse_int
from core.policy import can, require
from reports import analysis
from reports.models import PeriodicAnalysis
from reports.views import bp


def _period_or_404(name: str) -> analysis.AnalysisPeriod:
    try:
        return analysis.parse_period(name, today())
    except analysis.PeriodInvalid:
        abort(404)


@bp.route("/staff/analysis")
@require("view_analysis")
def analysis_index():
    error, status = None, 200
    if "period" in request.args:
        try:
            chosen = analysis.parse_period(request.args["period"], today())
        except analysis.PeriodInvalid as exc:
            error, status = str(exc), 400
        else:
            return redirect(url_for("reports.analysis_page", period=chosen.name), code=303)
    kept = [(row, analysis.parse_period(row.period, DATE_MAX)) for row in db.session.scalars(
        select(PeriodicAnalysis).order_by(PeriodicAnalysis.period.desc()).limit(40))]
    return render_template("reports/analysis_index.html", periods=analysis.recent_periods(today()), kept=kept,
                           error=error, typed=request.args.get("period", "")[:20]), status


def _render(period: analysis.AnalysisPeriod, *, status: int = 200, draft: dict | None = None):  # noqa: ANN202
    result = analysis.analyse(period, today())
    return render_template("reports/analysis.html", a=result, tables=analysis.tables(result),
                           history_chart=analysis.history_chart(result), days_chart=analysis.days_chart(result),
                           kept=analysis.adopted(period), draft=draft,
                           may_edit=can(current_user, "edit_analysis")), status


@bp.route("/staff/analysis/<period>")
@require("view_analysis")
def analysis_page(period: str):
    return _render(_period_or_404(period))


@bp.route("/staff/analysis/<period>.xlsx")
@require("view_analysis")
def analysis_xlsx(period: str):
    chosen = _period_or_404(period)
    return Response(analysis.workbook(analysis.analyse(chosen, today())),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=analysis-{chosen.name}.xlsx"})


@bp.route("/staff/analysis/<period>/proposals", methods=["POST"])
@require("edit_analysis")
def analysis_proposals(period: str):
    chosen = _period_or_404(period)
    draft = {"proposals": request.form.get("proposals", ""), "presented_on": request.form.get("presented_on", "")}
    try:
        presented_on = parse_date(draft["presented_on"].strip() or None)
        version = parse_int(request.form.get("version") or None, _("Version"), minimum=1)
        kept = analysis.save_proposals(chosen, draft["proposals"], presented_on, version, current_user)
    except BadInput as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render(chosen, status=400, draft=draft)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render(chosen, status=exc.status, draft=draft)
    db.session.commit()
    flash(_("The improvement proposals are saved.") if kept else _("There was nothing to save."),
          "success" if kept else "info")
    return redirect(url_for("reports.analysis_page", period=chosen.name, _anchor="proposals"), code=303)

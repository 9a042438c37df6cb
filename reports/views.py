from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select

from core.extensions import db
from core.policy import require
from reports.ethics import localized_workbook, tables
from reports.models import EthicsReport

bp = Blueprint("reports", __name__, template_folder="templates")


@bp.route("/staff/ethics/reports")
@require("ethics_reports")
def ethics_reports():
    reports = db.session.scalars(select(EthicsReport).order_by(EthicsReport.period.desc()).limit(120)).all()
    return render_template("reports/ethics_reports.html", reports=reports)


@bp.route("/staff/ethics/reports/<period>")
@require("ethics_reports")
def ethics_report(period: str):
    report = db.session.scalar(select(EthicsReport).where(EthicsReport.period == period)) or abort(404)
    return render_template("reports/ethics_report.html", report=report, tables=tables(report.figures))


@bp.route("/staff/ethics/reports/<period>.xlsx")
@require("ethics_reports")
def ethics_report_xlsx(period: str):
    report = db.session.scalar(select(EthicsReport).where(EthicsReport.period == period)) or abort(404)
    # Rendered from the kept figures in the reader's language (the kept workbook is the archived copy).
    return Response(localized_workbook(period, report.figures),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=ethics-report-{period}.xlsx"})

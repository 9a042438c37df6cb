"""Public pages of the reports domain (issue 14): /statistics and /open-data, with its files."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import ratelimit
from core.clock import today
from core.extensions import db
from reports import open_data
from reports import public_statistics as ps
from reports.views import bp


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC_STATISTICS"]


def _units() -> list[tuple[str, str]]:
    """The units a reader may choose: active, and not the ethics office (its cases are confidential)."""
    from core.accounts.models import Unit

    return list(db.session.execute(select(Unit.code, Unit.name).where(
        Unit.active.is_(True), Unit.is_ethics_office.is_(False)).order_by(Unit.code)))


@bp.route("/statistics")
@ratelimit.limit(_public_limit, methods=("GET",))
def public_statistics():
    from core.settings import get_setting

    now = today()
    period = ps.period(request.args, now)
    units = _units()
    names = dict(units)
    unit = request.args.get("unit") if request.args.get("unit") in names else None
    page = ps.page(period, now, unit)
    return render_template("reports/public_statistics.html", period=period, units=units, unit=unit,
                           unit_name=names.get(unit), **page,
                           min_responses=get_setting("survey_min_responses"),
                           # Translated here: Jinja's gettext %-formats every string, and these contain "%".
                           ci_headings=(gettext("95% CI, lower bound"), gettext("95% CI, upper bound")))


def _ensure_published() -> None:
    """Generate the files on the first request if the daily task has not run yet."""
    if open_data.generated_at() is not None:
        return
    try:
        open_data.publish(today())
        db.session.commit()
    except IntegrityError:  # another request published them meanwhile
        db.session.rollback()


@bp.route("/open-data")
@ratelimit.limit(_public_limit, methods=("GET",))
def open_data_index():
    _ensure_published()
    files = {f.name: f for f in db.session.scalars(select(open_data.OpenDataFile))}
    return render_template("reports/open_data.html", files=files, fields=open_data.FIELDS,
                           licence=open_data.LICENCE, generated_at=open_data.generated_at())


@bp.route("/open-data/<any('statistics.csv', 'statistics.json', 'datapackage.json'):name>")
def open_data_file(name: str):
    _ensure_published()
    item = open_data.stored(name) or abort(404)
    response = Response(item.content, mimetype=item.media_type.split(";")[0])
    if item.media_type.startswith("text/"):
        response.headers["Content-Type"] = item.media_type
    response.set_etag(item.etag)
    response.last_modified = item.generated_at
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site's script may read it
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    if name == "statistics.csv":
        response.headers["Content-Disposition"] = "attachment; filename=statistics.csv"
    return response.make_conditional(request)

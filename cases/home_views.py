"""The forms of the roles' homes (cases/homes.py): bulk route, bulk assign and the secretariat's chase (催辦)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cases import homes, services
from core.clock import today
from core.policy import require
from core.urls import external_url

bp = Blueprint("cases_home", __name__)


def _back():  # noqa: ANN202
    # Back to the home with its sort and filter (kept in the form as hidden fields).
    args = {k: v for k in ("sort", "unit") if (v := (request.form.get(f"home_{k}") or "").strip()[:32])}
    return redirect(url_for("cases.staff_home", **args), 303)


def _report(result: homes.BulkResult) -> None:
    if result.done:
        flash(_("Done for %(n)d cases: %(numbers)s", n=len(result.done), numbers=", ".join(result.done)), "success")
    for number, why in result.refused:
        flash(_("Case %(number)s was not changed: %(why)s", number=number, why=why), "error")
    if not result.done and not result.refused:
        flash(_("Select at least one case."), "error")


@bp.route("/staff/bulk/route", methods=["POST"])
@require("bulk_route")
def bulk_route():
    unit = (request.form.get("unit") or "").strip()[:32]
    result = homes.bulk(current_user, homes.parse_selection(request.form.getlist("case")),
                        lambda case, version: services.route(case, current_user, unit_code=unit, version=version))
    _report(result)
    return _back()


@bp.route("/staff/bulk/assign", methods=["POST"])
@require("bulk_assign")
def bulk_assign():
    handler = (request.form.get("handler") or "").strip()[:254]
    result = homes.bulk(current_user, homes.parse_selection(request.form.getlist("case")),
                        lambda case, version: services.assign(case, current_user, handler_email=handler,
                                                              version=version))
    _report(result)
    return _back()


@bp.route("/staff/chase", methods=["POST"])
@require("chase_cases")
def chase():
    """One case (the row's button, `case` once) or several (the checked boxes): each chased in its own savepoint."""
    day = today()

    def one(case, _version):  # noqa: ANN001, ANN202 - the chase changes no version: none is checked
        return homes.chase(case, current_user, day, external_url("cases.case_page", number=case.number))

    result = homes.bulk(current_user, homes.parse_selection(request.form.getlist("case")), one)
    if result.done:
        flash(_("Chased: %(numbers)s. The unit's supervisors were mailed.", numbers=", ".join(result.done)),
              "success")
    for _number, why in result.unchanged:  # chased already today: said, not an error
        flash(why, "info")
    for number, why in result.refused:
        flash(_("Case %(number)s was not chased: %(why)s", number=number, why=why), "error")
    if not result.done and not result.refused and not result.unchanged:
        flash(_("Select at least one case."), "error")
    return _back()


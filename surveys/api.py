"""GET /api/v1/reports/satisfaction for staff tokens."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from core.accounts.models import Role
from core.accounts.tokens import token_required
from core.hygiene import DATE_MAX, DATE_MIN
from core.policy import can
from surveys import aggregates

blp = Blueprint("satisfaction_api", __name__, url_prefix="/api/v1", description="Satisfaction reports.")


class ReportQuery(Schema):
    from_ = fields.Date(required=True, data_key="from", validate=validate.Range(min=DATE_MIN, max=DATE_MAX))
    to = fields.Date(required=True, validate=validate.Range(min=DATE_MIN, max=DATE_MAX))
    unit = fields.String(load_default=None, validate=validate.Length(max=32))


class UnitFigures(Schema):
    unit = fields.String()
    unit_name = fields.String()
    invitations = fields.Integer()
    responses = fields.Integer()
    response_rate = fields.Float(allow_none=True)
    suppressed = fields.Boolean(metadata={"description": "Fewer responses than the minimum: no scores shown."})
    satisfied_share = fields.Float(allow_none=True, metadata={"description": "Share answering 4 or 5 overall."})
    satisfied_ci = fields.List(fields.Float(), allow_none=True, metadata={"description": "95% Wilson interval."})
    means = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class Report(Schema):
    units = fields.List(fields.Nested(UnitFigures))


@blp.route("/reports/satisfaction")
class Satisfaction(MethodView):
    decorators = [token_required]

    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, Report)
    @blp.alt_response(401, description="No valid token.")
    @blp.alt_response(403, description="The token's owner may not see satisfaction figures.")
    def get(self, args: dict):
        """Satisfaction per unit (the unit that handled the case when it closed) and period."""
        if not can(g.api_user, "view_satisfaction"):
            abort(403, message=_("You do not have permission to do this."))
        start, end = args["from_"], args["to"]
        if start > end or (end - start).days > 3660:
            abort(422, message=_("Give a period of at most ten years, from before to."))
        unit = (args["unit"] or "").upper() or None
        if not g.api_user.has_role(Role.SECRETARIAT, Role.ADMIN):
            unit = g.api_user.unit.code
        return {"units": [f.as_json() for f in aggregates.by_unit(start, end, unit)]}



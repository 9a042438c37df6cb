"""Staff JSON API: case listings and every case action, authenticated by personal access tokens.
A token acts with its owner's roles and nothing more: the same policy and services as the pages."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy.orm.exc import StaleDataError

from cases import deadlines, privacy
from cases.actions import ACTIONS, perform
from cases.models import Case, CaseState
from cases.queries import QUEUES, CaseFilter, filtered, page_of
from cases.reply_quality import QualityFlagged, messages
from cases.services import NOT_HANDLED_GROUNDS, OUTCOMES, find_case
from cases.workflow import TransitionRefused
from core.accounts.tokens import token_required
from core.clock import today
from core.extensions import db
from core.hygiene import INT_MAX
from core.policy import may_see_case
from core.settings import get_setting

blp = Blueprint("staff_api", __name__, url_prefix="/api/v1",
                description="For document-management and hotline systems. Send `Authorization: Bearer TOKEN` "
                            "(`flask staff token EMAIL` issues one); the token acts with its owner's roles.")
SECURITY = [{"bearerAuth": []}]


class LimitOut(Schema):
    days = fields.Integer()
    counts = fields.String(metadata={"enum": ["working_days", "calendar_days"]})
    name_zh = fields.String()
    name_en = fields.String()


class CaseOut(Schema):
    number = fields.String()
    state = fields.String(metadata={"enum": [s.value for s in CaseState]})
    channel = fields.String()
    category = fields.String(allow_none=True)
    topic = fields.String()
    confidential = fields.Boolean()
    unit = fields.String(allow_none=True, metadata={"description": "Code of the responsible unit."})
    handler = fields.String(allow_none=True, metadata={"description": "E-mail of the assigned handler."})
    limit_class = fields.String()
    limit = fields.Nested(LimitOut, metadata={"description": "The limit the case was classified with; a later "
                                                             "change to the class does not reach it."})
    received_on = fields.Date()
    due_on = fields.Date(allow_none=True)
    due_on_provisional = fields.Boolean(metadata={
        "description": "True when the period up to the due date lies in a year whose official DGPA office "
                       "calendar is not imported yet: the date is computed from rules and may still move."})
    routing_due_on = fields.Date(allow_none=True, metadata={"description": "The intake milestone: routed, "
                                                                           "transferred or not handled by this day."})
    original_due_on = fields.Date(allow_none=True)
    days_used = fields.Float(allow_none=True, metadata={"description": "Working days used (0.5: same day)."})
    sender_deadline = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    outcome = fields.String(allow_none=True)
    subject = fields.String()
    version = fields.Integer(metadata={"description": "Send it back as `version` to act only on this version."})


class PetitionerOut(Schema):
    name = fields.String()
    email = fields.String()
    phone = fields.String()
    address = fields.String()
    masked = fields.Boolean(metadata={"description": "True when the identity is sealed from the token's owner "
                                                     "(a confidential case, outside the ethics office)."})


class CaseDetailOut(CaseOut):
    petitioner = fields.Nested(PetitionerOut, metadata={"description": "Every answer with it is logged."})


class CaseList(Schema):
    cases = fields.List(fields.Nested(CaseOut))
    next_before = fields.Integer(allow_none=True, metadata={"description": "Pass as `before` for the next page."})


class CaseQuery(Schema):
    queue = fields.String(load_default="all", validate=validate.OneOf(QUEUES))
    channel = fields.String(load_default="")
    state = fields.String(load_default="")
    unit = fields.String(load_default="")
    due = fields.String(load_default="", validate=validate.OneOf(["", "soon", "overdue"]))
    q = fields.String(load_default="", validate=validate.Length(max=100))
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=INT_MAX))


def case_json(case: Case) -> dict[str, Any]:
    return {
        "number": case.number, "state": case.state, "channel": case.channel, "category": case.category,
        "topic": case.topic, "confidential": case.confidential,
        "unit": case.unit.code if case.unit else None, "handler": case.handler.email if case.handler else None,
        "limit_class": case.limit_class,
        "limit": {"days": case.limit_days, "counts": "calendar_days" if case.limit_counts_holidays else "working_days",
                  "name_zh": case.limit_name_zh, "name_en": case.limit_name_en},
        "received_on": case.received_on, "due_on": case.due_on, "due_on_provisional": case.due_on_provisional,
        "routing_due_on": case.routing_due_on, "original_due_on": case.original_due_on,
        "days_used": case.days_used, "sender_deadline": case.sender_deadline,
        "closed_on": case.closed_on, "outcome": case.outcome, "subject": case.submission.subject,
        "version": case.version,
    }


@blp.route("/cases")
class Cases(MethodView):
    decorators = [token_required]

    @blp.doc(security=SECURITY)
    @blp.arguments(CaseQuery, location="query")
    @blp.response(200, CaseList)
    @blp.alt_response(401, description="No valid token.")
    def get(self, args: dict):
        """List the cases the token's owner may see (same queues and filters as the pages)."""
        f = CaseFilter.from_args({k: v for k, v in args.items() if v is not None})
        soon = deadlines.load_calendar().add_working_days(today(), get_setting("reminder_due_soon_working_days"))
        rows, next_before = page_of(filtered(g.api_user, f, today(), soon), f.before)
        return {"cases": [case_json(c) for c in rows], "next_before": next_before}


def _visible_case(number: str) -> Case:
    case = find_case(number)
    if case is None or not may_see_case(g.api_user, case):
        abort(404, message=_("No such case."))
    return case


@blp.route("/cases/<number>")
class OneCase(MethodView):
    decorators = [token_required]

    @blp.doc(security=SECURITY)
    @blp.response(200, CaseDetailOut)
    @blp.alt_response(404, description="No such case, or not visible to the token's owner.")
    def get(self, number: str):
        """One case, with the petitioner (masked for a confidential case outside the ethics office)."""
        case = _visible_case(number)
        answer = {**case_json(case), "petitioner": privacy.petitioner(g.api_user, case, "api")}
        return answer


class _Versioned(Schema):
    version = fields.Integer(load_default=None, metadata={"description": "Refuse (409) if the case changed."})


def _schema(name: str, **extra: fields.Field) -> type[Schema]:
    return type(name, (_Versioned,), extra)


def _OVERRIDE() -> fields.Field:  # noqa: N802
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000), metadata={
        "description": "The reply-quality check (issue 14) answers 422 with `errors.flags` for a reply that is "
                       "empty or only says it is being handled, lacks the legal-remedy notice where the case needs "
                       "it, or is in Chinese for an English petition. Give the reason to go on anyway: it is "
                       "recorded on the case's timeline."})


ACTION_SCHEMAS: dict[str, type[Schema]] = {
    "classify": _schema("ClassifyIn", limit_class=fields.String(required=True), topic=fields.String(load_default=""),
                        sender_deadline=fields.Date(load_default=None, allow_none=True)),
    "route": _schema("RouteIn", unit=fields.String(required=True, metadata={"description": "Unit code."}),
                     note=fields.String(load_default="")),
    "assign": _schema("AssignIn", handler=fields.String(required=True, metadata={"description": "Staff e-mail."})),
    "return-to-intake": _schema("ReturnToIntakeIn", reason=fields.String(required=True)),
    "draft-reply": _schema("DraftReplyIn", body=fields.String(required=True),
                           outcome=fields.String(load_default="explained", validate=validate.OneOf(OUTCOMES)),
                           remedy_notice=fields.Boolean(load_default=False),
                           language=fields.String(load_default=None, validate=validate.OneOf(["zh_Hant_TW", "en"])),
                           override_reason=_OVERRIDE()),
    "approve-reply": _schema("ApproveReplyIn", override_reason=_OVERRIDE()),
    "return-reply": _schema("ReturnReplyIn", reason=fields.String(required=True)),
    "request-extension": _schema("RequestExtensionIn", days=fields.Integer(required=True),
                                 reason=fields.String(required=True)),
    "approve-extension": _schema("ApproveExtensionIn"),
    "refuse-extension": _schema("RefuseExtensionIn", reason=fields.String(required=True)),
    "transfer": _schema("TransferIn", agency=fields.String(required=True), reason=fields.String(required=True)),
    "not-handled": _schema("NotHandledIn", ground=fields.String(required=True,
                                                                validate=validate.OneOf(NOT_HANDLED_GROUNDS)),
                           note=fields.String(load_default="")),
    "link": _schema("LinkIn", to=fields.String(required=True, metadata={"description": "Earlier case number."})),
    "refer-to-ethics": _schema("ReferToEthicsIn", reason=fields.String(required=True)),
    "request-information": _schema(
        "RequestInformationIn",
        question=fields.String(required=True, metadata={"description": "Mailed to the petitioner (補陳)."}),
        reply_within_days=fields.Integer(load_default=None, allow_none=True, metadata={
            "description": "Working days the petitioner has to answer; default: the setting "
                           "`information_reply_working_days`. The case's clock stops until the answer."})),
    "close-unanswered": _schema("CloseUnansweredIn", note=fields.String(load_default="", metadata={
        "description": "After the reply-by date: not handled on ground (1), the petitioner told."})),
}
assert set(ACTION_SCHEMAS) == set(ACTIONS), "every action needs its API schema"


def _action_view(name: str):  # noqa: ANN202
    @token_required
    def view(payload: dict, number: str):
        case = _visible_case(number)
        data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in payload.items()}
        try:
            perform(case, g.api_user, name, data, payload.get("version"))
        except QualityFlagged as exc:
            db.session.rollback()
            abort(422, message=exc.message, errors={"flags": [{"code": f, "message": m} for f, m in
                                                              zip(exc.flags, messages(exc.flags), strict=True)]})
        except TransitionRefused as exc:
            db.session.rollback()
            abort(exc.status, message=exc.message)
        except StaleDataError:
            db.session.rollback()
            abort(409, message=_("Someone else changed this case in the meantime. Please reload it."))
        # The caller was allowed to act; the answer is the case as it is now, even if the action took it
        # out of the caller's sight (returned to intake, say): a 404 here would read as "nothing changed".
        return case_json(case)

    view.__name__ = f"action_{name.replace('-', '_')}"
    view.__doc__ = f"The `{name}` action on a case.\n\nAnswers the case; 403 or 409 when refused (nothing changes)."
    view = blp.doc(security=SECURITY)(view)
    view = blp.alt_response(403, description="The token's owner may not do this.")(view)
    view = blp.alt_response(409, description="Not possible in the case's state, or the case changed.")(view)
    if name in ("draft-reply", "approve-reply"):
        view = blp.alt_response(422, description="The reply-quality check flagged the reply (`errors.flags`); "
                                                  "send `override_reason` to go on.")(view)
    view = blp.response(200, CaseOut)(view)
    view = blp.arguments(ACTION_SCHEMAS[name])(view)
    blp.route(f"/cases/<number>/{name}", methods=["POST"], endpoint=view.__name__)(view)


for _name in ACTIONS:
    _action_view(_name)

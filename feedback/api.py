"""Public JSON API: submissions and tracking. The OpenAPI document is generated from these schemas."""

from __future__ import annotations

import base64
import binascii

from flask import current_app, request
from flask.views import MethodView
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from cases.case_file import Channel, ComplaintCategory, Source
from core import ratelimit
from core.extensions import db
from core.i18n import LANG_COOKIE
from feedback import rules, services
from feedback.presenters import case_status

blp = Blueprint(
    "public_api", __name__, url_prefix="/api/v1",
    description="Citizen submissions and case tracking. Rate-limited per client address.",
)


_LANGUAGE_CODES = {"zh-TW": "zh_Hant_TW", "en": "en"}  # the API's language names → the locales'


class AttachmentIn(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=rules.FILENAME_MAX))
    content_base64 = fields.String(required=True, metadata={"description": "File content, base64."})


class SubmissionIn(Schema):
    channel = fields.String(required=True, validate=validate.OneOf([c.value for c in Channel]))
    subject = fields.String(required=True, metadata={"maxLength": rules.SUBJECT_MAX})
    body = fields.String(required=True, metadata={
        "minLength": rules.BODY_MIN, "maxLength": rules.BODY_MAX,
        "description": "A concrete description of the matter."})
    name = fields.String(load_default="", metadata={
        "maxLength": rules.NAME_MAX,
        "description": "Real name. Without it the case is registered but may be not handled (APA art. 173)."})
    email = fields.String(required=True, metadata={"format": "email", "maxLength": rules.EMAIL_MAX,
                                                   "description": "The verification link is sent here."})
    phone = fields.String(load_default="", metadata={
        "maxLength": rules.PHONE_MAX,
        "description": "With `sms_notices`: a Taiwanese mobile number (0912-345-678 or +886912345678)."})
    sms_notices = fields.Boolean(load_default=False, metadata={
        "description": "Also send the receipt and later notices (information requests, extensions, transfers, the "
                       "reply's arrival) by SMS to `phone`, which must then be a Taiwanese mobile number."})
    address = fields.String(load_default="", metadata={"maxLength": rules.ADDRESS_MAX})
    category = fields.String(load_default=None, allow_none=True, metadata={
        "enum": [c.value for c in ComplaintCategory], "description": "Required for complaints only."})
    confidential = fields.Boolean(load_default=False, metadata={"description": "Complaints only."})
    consent = fields.Boolean(required=True, metadata={
        "description": "Consent to the use of personal data for handling the case; must be true."})
    language = fields.String(load_default=None, validate=validate.OneOf(["zh-TW", "en"]), metadata={
        "description": "Language of mail and reply; defaults to the Accept-Language choice."})
    attachments = fields.List(fields.Nested(AttachmentIn), load_default=list)
    # Where the matter is (issue 14), as Open311's lat, long and address_string; feedback/rules.py checks them.
    latitude = fields.Float(load_default=None, allow_none=True, metadata={
        "minimum": -90, "maximum": 90,
        "description": "Where the matter is: degrees north (WGS 84), given with `longitude` or not at all."})
    longitude = fields.Float(load_default=None, allow_none=True, metadata={
        "minimum": -180, "maximum": 180,
        "description": "Where the matter is: degrees east (WGS 84), given with `latitude` or not at all."})
    address_string = fields.String(load_default="", metadata={
        "maxLength": rules.ADDRESS_MAX,
        "description": "Where the matter is, in words (a street corner, a landmark); not the petitioner's "
                       "`address`."})


# The rules name the place's fields as Open311 does; the API's own names are the model's.
_LOCATION_FIELDS = {"lat": "latitude", "long": "longitude"}


class SubmissionAccepted(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": ["pending_verification"]})
    verification_expires_at = fields.DateTime()


class TrackIn(Schema):
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    access_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    language = fields.String(load_default=None, validate=validate.OneOf(["zh-TW", "en"]), metadata={
        "description": "Language of the status label and the steps; defaults to the Accept-Language choice when "
                       "the request makes one, else to the language of the submission."})


class PublicEventOut(Schema):
    on = fields.Date()
    kind = fields.String(metadata={"enum": ["received", "routed", "extended", "transferred", "not_handled",
                                            "replied", "information_requested", "answer_received", "reopened",
                                            "reopened_from", "added_information"]})
    text = fields.String(metadata={"description": "The step, in the language of the answer (see `language`)."})


class OpenQuestionOut(Schema):
    question = fields.String()
    asked_on = fields.Date()
    reply_by = fields.Date()


class CaseStatusOut(Schema):
    case_number = fields.String()
    channel = fields.String()
    status = fields.String(metadata={"enum": ["registered", "routed", "in_progress", "awaiting_approval",
                                              "awaiting_information",
                                              "closed", "transferred", "not_handled"]})
    status_label = fields.String()
    received_on = fields.Date()
    due_on = fields.Date(allow_none=True, metadata={"description": "The date the reply is expected by."})
    unit = fields.String(allow_none=True, metadata={"description": "Responsible unit (never a person)."})
    closed_on = fields.Date(allow_none=True)
    reply = fields.String(allow_none=True, metadata={"description": "The reply as sent, once the case is closed."})
    information_request = fields.Nested(OpenQuestionOut, allow_none=True, metadata={
        "description": "While the case awaits your answer (status awaiting_information): the question, and the day to "
                       "answer by (POST /api/v1/track/information)."})
    events = fields.List(fields.Nested(PublicEventOut), metadata={
        "description": "The steps of the case the petitioner may know, oldest first (never a person or an internal "
                       "note)."})


def _decode(attachments: list[dict]) -> tuple[rules.Upload, ...]:
    uploads = []
    for item in attachments:
        try:
            data = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            abort(422, message=_("The submission has errors."),
                  errors={"json": {"attachments": [_("%(name)s is not valid base64.", name=item["filename"])]}})
        uploads.append(rules.Upload(item["filename"], data))
    return tuple(uploads)


def _idempotency_key() -> str | None:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key:
        return None
    if len(key) > 200 or not key.isprintable():
        abort(422, message=_("The Idempotency-Key header must be at most 200 printable characters."))
    return key


@blp.route("/submissions")
class Submissions(MethodView):
    # Only accepted submissions count against the limit: a citizen correcting a refused one is not punished.
    decorators = [ratelimit.limit(lambda: current_app.config["RATELIMIT_SUBMIT"],
                                  deduct_when=lambda response: response.status_code < 400)]

    @blp.arguments(SubmissionIn())  # an instance: a class would be instantiated on every request
    @blp.response(202, SubmissionAccepted)
    @blp.alt_response(422, description="The submission breaks a rule; `errors.json` says which, per field.")
    @blp.alt_response(429, description="Too many requests from this address.")
    def post(self, payload: dict):
        """Submit a petition, a letter to the director's mailbox or a complaint.

        The case is registered when the citizen opens the verification link mailed to them. Send an
        `Idempotency-Key` header (any unique string up to 200 characters) to retry safely: the same key with
        the same letter answers with the first submission instead of making a second one.
        """
        language = _LANGUAGE_CODES.get(payload["language"] or "", str(get_locale()))
        data = rules.SubmissionInput(
            channel=payload["channel"], subject=payload["subject"], body=payload["body"],
            name=payload["name"], email=payload["email"], phone=payload["phone"], address=payload["address"],
            category=payload["category"], confidential=payload["confidential"], consent=payload["consent"],
            attachments=_decode(payload["attachments"]), sms_notices=payload["sms_notices"],
            latitude=payload["latitude"], longitude=payload["longitude"],
            address_string=payload["address_string"],
        )
        try:
            submission, _new = services.submit(data, language=language, source=Source.API,
                                               client_ip=request.remote_addr,
                                               idempotency_key=_idempotency_key())
        except services.InvalidSubmission as exc:
            db.session.rollback()
            abort(422, message=_("The submission has errors."),
                  errors={"json": {_LOCATION_FIELDS.get(k, k): v for k, v in exc.errors.items()}})
        return {"id": submission.id, "status": "pending_verification",
                "verification_expires_at": submission.verification_expires_at}


@blp.route("/track")
class Track(MethodView):
    decorators = [ratelimit.limit(lambda: current_app.config["RATELIMIT_TRACK"])]

    @blp.arguments(TrackIn())
    @blp.response(200, CaseStatusOut)
    @blp.alt_response(404, description="No case matches (the same answer for a wrong code and an unknown number).")
    @blp.alt_response(429, description="Too many requests from this address.")
    def post(self, payload: dict):
        """Look up a case's status with its number and access code."""
        case = services.track(payload["case_number"], payload["access_code"])
        if case is None:
            abort(404, message=_("No case matches this case number and access code."))
        language = _answer_language(payload["language"], case.language)
        with force_locale(language):  # one answer, one language: the status label as the steps
            return case_status(services.with_events(case, language))


def _answer_language(asked: str | None, submission_language: str) -> str:
    """The `language` field; else the language the request chose (lang cookie, Accept-Language naming Chinese or
    English); else the submission's: a client that says nothing gets what the petitioner wrote in."""
    if asked:
        return _LANGUAGE_CODES[asked]
    if (request.cookies.get(LANG_COOKIE) in current_app.config["LANGUAGES"]
            or request.accept_languages.best_match(["zh-TW", "zh", "en"])):
        return str(get_locale())
    return submission_language


# ------------------------------------------------------------------ the petitioner's actions (issue 13, 4 and 6)


class ReopenIn(Schema):
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    access_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    reason = fields.String(required=True, metadata={
        "maxLength": 10_000, "description": "What is not resolved: the new case's description."})


class ReopenedOut(Schema):
    case_number = fields.String(metadata={"description": "The new case. Track it with the access code you have."})


class PetitionerMessageIn(Schema):
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    access_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    message = fields.String(required=True, metadata={"maxLength": 10_000})
    attachments = fields.List(fields.Nested(AttachmentIn), load_default=list, metadata={
        "description": "As at submission: the same types, number and size limits."})


class PetitionerMessageOut(Schema):
    case_number = fields.String()
    added_at = fields.DateTime()
    attachments = fields.Integer(metadata={"description": "How many files were added with the message."})


def _tracked_case_or_404(payload: dict):  # noqa: ANN202
    """Tracking's access check (the same 404 for an unknown number and a wrong code), then the case itself."""
    from feedback import petitioner_actions

    tracked = services.track(payload["case_number"], payload["access_code"])
    if tracked is None:
        abort(404, message=_("No case matches this case number and access code."))
    return petitioner_actions.case_of(tracked)


def _track_limit() -> str:
    return current_app.config["RATELIMIT_TRACK"]


@blp.route("/track/reopen")
class TrackReopen(MethodView):
    # One budget with POST /track: each call checks an access code, so each counts against guessing it.
    decorators = [ratelimit.limit(_track_limit, scope="public_api.Track")]

    @blp.arguments(ReopenIn())
    @blp.response(201, ReopenedOut)
    @blp.alt_response(404, description="No case matches (the same answer for a wrong code and an unknown number).")
    @blp.alt_response(409, description="The case cannot be reopened: still open (add information instead), not "
                                       "answered, or past the reopening window (the message says until when).")
    @blp.alt_response(422, description="No reason, or one too long.")
    @blp.alt_response(429, description="Too many requests from this address.")
    def post(self, payload: dict):
        """Say an answered case is not resolved: a new case, linked to it, goes back to the unit that answered.

        Possible for a number of days after the case was closed (an agency setting, 30 by default). A second
        reopening of the same case goes to the secretariat. Send an `Idempotency-Key` header to retry safely; the
        same reason sent again within two minutes also answers with the first new case.
        """
        from cases.reopen import ReopenRefused
        from feedback import petitioner_actions

        case = _tracked_case_or_404(payload)
        try:
            number, _new = petitioner_actions.reopen_case(case, reason=payload["reason"], source=Source.API,
                                                          idempotency_key=_idempotency_key())
        except ReopenRefused as exc:
            db.session.rollback()
            abort(exc.status, message=exc.message)
        return {"case_number": number}


@blp.route("/track/messages")
class TrackMessages(MethodView):
    decorators = [ratelimit.limit(_track_limit, scope="public_api.Track")]

    @blp.arguments(PetitionerMessageIn())
    @blp.response(201, PetitionerMessageOut)
    @blp.alt_response(404, description="No case matches (the same answer for a wrong code and an unknown number).")
    @blp.alt_response(409, description="The case is closed: reopen it instead (POST /api/v1/track/reopen).")
    @blp.alt_response(422, description="No message, one too long, or attachments that break the submission rules.")
    @blp.alt_response(429, description="Too many requests from this address.")
    def post(self, payload: dict):
        """Add information (and attachments) to an open case; its handler is told.

        Send an `Idempotency-Key` header to retry safely: the same key and message answer with the first.
        """
        from cases.additions import AdditionRefused
        from feedback import petitioner_actions

        case = _tracked_case_or_404(payload)
        try:
            added, _new = petitioner_actions.add_to_case(
                case, message=payload["message"], uploads=_decode(payload["attachments"]), source=Source.API,
                idempotency_key=_idempotency_key())
        except AdditionRefused as exc:
            db.session.rollback()
            abort(exc.status, message=exc.message)
        except petitioner_actions.Unreadable as exc:
            db.session.rollback()
            abort(422, message=_("The attachments break the rules."), errors={"json": {"attachments": exc.errors}})
        return {"case_number": case.number, "added_at": added.at, "attachments": len(added.attachments)}


# ------------------------------------------------------------------ 補陳: the answer (issue 13, deliver 3)


class InformationAnswerIn(Schema):
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    access_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    answer = fields.String(required=True, metadata={"maxLength": 10_000,
                                                    "description": "The answer to the agency's question."})
    attachments = fields.List(fields.Nested(AttachmentIn), load_default=list, metadata={
        "description": "As at submission: the same types, number and size limits."})


class InformationAnsweredOut(Schema):
    case_number = fields.String()
    status = fields.String(metadata={"enum": ["in_progress"]})
    due_on = fields.Date(metadata={"description": "The expected reply date, moved later by the working days the "
                                                  "case's clock stood still awaiting the answer."})
    paused_working_days = fields.Integer()


@blp.route("/track/information")
class TrackInformation(MethodView):
    # One budget with POST /track: each call checks an access code, so each counts against guessing it.
    decorators = [ratelimit.limit(lambda: current_app.config["RATELIMIT_TRACK"], scope="public_api.Track")]

    @blp.arguments(InformationAnswerIn())
    @blp.response(200, InformationAnsweredOut)
    @blp.alt_response(404, description="No case matches (the same answer for a wrong code and an unknown number).")
    @blp.alt_response(409, description="The case is not waiting for an answer (answered already, or nothing was "
                                       "asked).")
    @blp.alt_response(422, description="No answer, one too long, or attachments that break the submission rules.")
    @blp.alt_response(429, description="Too many requests from this address.")
    def post(self, payload: dict):
        """Answer the agency's request for more information (補陳): the case's clock runs again, and the expected
        reply date moves later by the working days it stood still."""
        from sqlalchemy.orm.exc import StaleDataError

        from cases.workflow import TransitionRefused
        from feedback import information

        try:
            case = information.answer(payload["case_number"], payload["access_code"], payload["answer"],
                                      _decode(payload["attachments"]))
        except information.InvalidAnswer as exc:
            db.session.rollback()
            abort(422, message=_("The attachments break the rules."), errors={"json": exc.errors})
        except TransitionRefused as exc:
            db.session.rollback()
            abort(exc.status, message=exc.message)
        except StaleDataError:  # two answers at the same moment: the first counts
            db.session.rollback()
            abort(409, message=_("This case is not waiting for an answer from you: it was answered already, or no "
                                 "information was asked for."))
        if case is None:
            abort(404, message=_("No case matches this case number and access code."))
        request_ = case.information_requests[-1]
        return {"case_number": case.number, "status": case.state, "due_on": case.due_on,
                "paused_working_days": request_.paused_days or 0}

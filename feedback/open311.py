"""Open311 GeoReport v2 (issue 14) under /open311/v2: discovery, services and their definitions, requests (GET with
the spec's filters; POST with an `api_key`), one request, and tokens, each in JSON and XML (`.json`/`.xml`).

Services are the three channels citizens use: `petition` (人民陳情), `mailbox` (首長信箱) and `complaint` (申訴/檢舉);
their definitions carry what the web form asks beyond the spec's fields (subject, consent, language; a complaint's
category and confidentiality) as attributes. A POST goes through feedback.services.submit like the web form and the
JSON API (rules, e-mail verification, outbox, retries), so it answers with a `token`; once the petitioner confirms
the mailed link, tokens/{token} gives the `service_request_id`, the case number.

The routes are in the OpenAPI document (/api/v1/openapi.json) through flask-smorest; feedback/open311_document.py
says what each takes and answers. They parse their own parameters, so the document changes nothing they do.

What anyone may read: non-confidential cases only (and neither integrity complaints nor the ethics office's
referrals), never the petitioner's name, address, e-mail or phone, nor the free text they wrote (the description
and the subject may name people); the place only as coordinates rounded to 0.001° (about 100 m), never the address
they typed. `status_notes` is the latest step of the petitioner's public timeline, in the reader's language.
"""

from __future__ import annotations

import hmac
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from flask import Response, current_app, json, request
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from cases.case_file import Channel, ComplaintCategory, ReceivedVia, Source, Submission
from cases.labels import CATEGORY_LABELS, CHANNEL_LABELS
from cases.models import Case, CaseEvent, CaseState
from cases.timeline import PUBLIC_ACTIONS, public_events
from core import ratelimit
from core.accounts.models import Unit
from core.clock import TAIPEI
from core.db import utcnow
from core.extensions import db
from core.security import keyed_digest
from feedback import open311_document as document
from feedback import rules, services
from feedback.open311_clients import client_for_key

bp = Blueprint("open311", __name__, url_prefix="/open311/v2", description=(
    "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for city apps and aggregators: each route answers "
    "in JSON or XML (`.json`, `.xml`) and in the reader's language (Accept-Language). Errors are lists of "
    "`error`s {code, description}. Filing a request needs an `api_key`, which an administrator issues."))

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json", "xml": "text/xml"}
CLOSED_STATES = (CaseState.CLOSED.value, CaseState.TRANSFERRED.value, CaseState.NOT_HANDLED.value)
MAX_REQUESTS = 1000  # the spec's default query limit: 90 days or the first 1000 requests, whichever is smaller
DEFAULT_SPAN = timedelta(days=90)
PUBLIC_PRECISION = 3  # decimal places of a published coordinate: about 110 m
TOKEN_PURPOSE = "open311-token"
FMT = "<any(json, xml):format>"
_LANGUAGES = {"zh-TW": "zh_Hant_TW", "en": "en"}
# Lists in XML: the plural element holds one singular element per item.
_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
          "services": "service", "service_requests": "request", "errors": "error"}


class Open311Error(Exception):
    def __init__(self, code: int, *descriptions: str) -> None:
        super().__init__(descriptions)
        self.code = code
        self.descriptions = descriptions or (_("The request could not be answered."),)


# ---------------------------------------------------------------------------------------------- answers


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _element(tag: str, value: Any) -> ET.Element:
    node = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            node.append(_element(key, item))
    elif isinstance(value, list):
        for item in value:
            node.append(_element(_ITEMS.get(tag, "item"), item))
    else:
        node.text = _text(value)
    return node


def to_xml(root: str, value: Any) -> bytes:
    return ET.tostring(_element(root, value), encoding="utf-8", xml_declaration=True)


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """`value` as JSON, or as XML under `root` (a list: `root` holds one element per item, as the spec shows)."""
    body = to_xml(root, value) if fmt == "xml" else json.dumps(value, ensure_ascii=False).encode()
    return Response(body, status=status, content_type=f"{FORMATS[fmt]}; charset=utf-8")


def _fmt() -> str:
    return (request.view_args or {}).get("format") or ("xml" if request.path.endswith(".xml") else "json")


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error) -> Response:
    return answer(_fmt(), "errors", [{"code": error.code, "description": d} for d in error.descriptions],
                  error.code)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    response = answer(_fmt(), "errors", [{"code": error.code, "description": error.description or error.name}],
                      error.code or 500)
    if error.code == 429:
        response.headers["Retry-After"] = str(ratelimit.current().retry_after if ratelimit.current() else 60)
    return response


def _moment(value: datetime | None) -> str | None:
    return value.astimezone(TAIPEI).isoformat(timespec="seconds") if value else None


def _jurisdiction() -> None:
    """`jurisdiction_id` is accepted everywhere; with OPEN311_JURISDICTION_ID set, another one is not found."""
    asked = (request.values.get("jurisdiction_id") or "").strip()
    ours = current_app.config.get("OPEN311_JURISDICTION_ID") or ""
    if asked and ours and asked != ours:
        raise Open311Error(404, _("jurisdiction_id not found: this server answers for %(ours)s.", ours=ours))


# ---------------------------------------------------------------------------------------------- discovery, services


@bp.get(f"/discovery.{FMT}", parameters=[document.FORMAT])
@bp.doc(**document.DISCOVERY)
def discovery(format: str) -> Response:
    from flask import url_for

    return answer(format, "discovery", {
        "changeset": "2026-11-30T00:00:00+08:00",
        "contact": _("%(agency)s, through the petition system", agency=current_app.config["AGENCY_NAME"]),
        "key_service": _("Ask the agency's administrator for an api_key to file requests."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": url_for("open311.discovery", format="json", _external=True).rsplit("/", 1)[0],
            "changeset": "2026-11-30T00:00:00+08:00",
            "type": "production",
            "formats": list(FORMATS.values()),
        }],
    })


def _service(channel: str) -> dict[str, Any]:
    descriptions = {
        Channel.PETITION.value: _("A petition (人民陳情): a suggestion, a request or a matter for the agency to "
                                  "act on."),
        Channel.MAILBOX.value: _("A letter to the director's mailbox (首長信箱)."),
        Channel.COMPLAINT.value: _("A complaint or report (申訴/檢舉) about service, efficiency or misconduct; "
                                   "it may be handled confidentially."),
    }
    return {"service_code": channel, "service_name": str(CHANNEL_LABELS[channel]),
            "description": descriptions[channel], "metadata": True, "type": "batch",
            "keywords": "", "group": current_app.config["AGENCY_NAME"]}


def _values(pairs: list[tuple[str, Any]]) -> list[dict[str, str]]:
    return [{"key": key, "name": str(name)} for key, name in pairs]


def _definition(channel: str) -> dict[str, Any]:
    def attribute(order: int, code: str, datatype: str, required: bool, description: str,
                  values: list[dict[str, str]] | None = None, datatype_description: str = "") -> dict[str, Any]:
        return {"variable": True, "code": code, "datatype": datatype, "required": required,
                "datatype_description": datatype_description, "order": order, "description": description,
                "values": values or []}

    attributes = [
        attribute(1, "subject", "string", False,
                  _("Subject, at most %(n)d characters; by default the start of the description.",
                    n=rules.SUBJECT_MAX)),
        attribute(2, "consent", "singlevaluelist", True,
                  _("I agree to the use of my personal data for handling this case."),
                  _values([("true", _("Yes"))])),
        attribute(3, "language", "singlevaluelist", False,
                  _("Language of the mail and the reply; by default the request's Accept-Language."),
                  _values([("zh-TW", "中文"), ("en", "English")])),
    ]
    if channel == Channel.COMPLAINT.value:
        attributes += [
            attribute(4, "category", "singlevaluelist", True, _("What the complaint is about."),
                      _values([(c.value, CATEGORY_LABELS[c.value]) for c in ComplaintCategory])),
            attribute(5, "confidential", "singlevaluelist", False,
                      _("Handle my complaint confidentially: my identity is sealed from everyone but the ethics "
                        "office."), _values([("true", _("Yes")), ("false", _("No"))])),
        ]
    return {"service_code": channel, "attributes": attributes}


@bp.get(f"/services.{FMT}", endpoint="services", parameters=[document.FORMAT])
@bp.doc(**document.SERVICES)
def services_list(format: str) -> Response:
    _jurisdiction()
    return answer(format, "services", [_service(c.value) for c in Channel])


@bp.get(f"/services/<service_code>.{FMT}", parameters=[document.SERVICE_CODE, document.FORMAT])
@bp.doc(**document.SERVICE_DEFINITION)
def service_definition(service_code: str, format: str) -> Response:
    _jurisdiction()
    if service_code not in {c.value for c in Channel}:
        raise Open311Error(404, _("service_code not found: %(code)s", code=service_code))
    return answer(format, "service_definition", _definition(service_code))


# ---------------------------------------------------------------------------------------------- tokens


def token_for(submission_id: int) -> str:
    """The token of a submission filed through Open311: its id and a keyed check, so that a retry answers with the
    same token and nothing needs storing."""
    return f"{submission_id}-{keyed_digest(str(submission_id), TOKEN_PURPOSE)[:24]}"


def _submission_of(token: str) -> int | None:
    match = re.fullmatch(r"(\d{1,18})-([0-9a-f]{24})", token or "")
    if match is None or not hmac.compare_digest(token_for(int(match[1])), token):
        return None
    return int(match[1])


@bp.get(f"/tokens/<token>.{FMT}", parameters=[document.TOKEN_ID, document.FORMAT])
@bp.doc(**document.TOKEN)
def token(token: str, format: str) -> Response:
    _jurisdiction()
    submission_id = _submission_of(token)
    row = db.session.execute(
        select(Submission.id, Case.number).outerjoin(Case, Case.submission_id == Submission.id)
        .where(Submission.id == submission_id)).first() if submission_id is not None else None
    if row is None:
        raise Open311Error(404, _("token not found (or its confirmation link expired unused)."))
    # Until the petitioner confirms the mailed link there is no case yet: the token answers without a number.
    return answer(format, "service_requests", [{"service_request_id": row.number or "", "token": token}])


# ---------------------------------------------------------------------------------------------- requests: POST


def _float(name: str) -> float | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, _("%(field)s: not a number.", field=name)) from None


def _name(first: str, last: str) -> str:
    """Family name first, without a space, for a Chinese name; given name first otherwise."""
    first, last = first.strip(), last.strip()
    if re.search(r"[\u3400-\u9fff]", first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def _subject(description: str) -> str:
    line = rules.clean_text(description.split("\n", 1)[0])
    return line if len(line) <= 40 else line[:39] + "…"


def _limit_submit() -> str:
    return current_app.config["RATELIMIT_SUBMIT"]


@ratelimit.limit(_limit_submit, scope="open311.requests", deduct_when=lambda response: response.status_code < 400)
def _post_request(fmt: str) -> Response:
    _jurisdiction()
    form = request.values
    if client_for_key(form.get("api_key")) is None:
        raise Open311Error(403, _("api_key is missing, unknown or revoked."))
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is missing."))
    if code not in {c.value for c in Channel}:
        raise Open311Error(404, _("service_code not found: %(code)s", code=code))
    attribute = {key[len("attribute["):-1]: value for key, value in form.items()
                 if key.startswith("attribute[") and key.endswith("]")}
    description = form.get("description") or ""
    language = _LANGUAGES.get(attribute.get("language", ""), str(get_locale()))
    data = rules.SubmissionInput(
        channel=code, subject=attribute.get("subject") or _subject(description), body=description,
        name=_name(form.get("first_name") or "", form.get("last_name") or ""), email=form.get("email") or "",
        phone=form.get("phone") or "", category=attribute.get("category") or None,
        confidential=attribute.get("confidential") == "true", consent=attribute.get("consent") == "true",
        latitude=_float("lat"), longitude=_float("long"), address_string=form.get("address_string") or "",
    )
    idempotency_key = (request.headers.get("Idempotency-Key") or "").strip()[:200] or None
    try:
        accepted, _new = services.submit(data, language=language, source=Source.API, client_ip=request.remote_addr,
                                         idempotency_key=idempotency_key)
    except services.InvalidSubmission as exc:
        db.session.rollback()
        names = {"body": "description", "latitude": "lat", "longitude": "long"}
        raise Open311Error(400, *[f"{names.get(field, field)}: {message}"
                                  for field, messages in exc.errors.items() for message in messages]) from None
    notice = _("We mailed a confirmation link to the petitioner: the request is registered as a case once they "
               "open it (within %(days)d days).", days=max(1, (accepted.verification_expires_at - utcnow()).days))
    return answer(fmt, "service_requests", [{"token": token_for(accepted.id), "service_notice": notice,
                                              "account_id": ""}])


# ---------------------------------------------------------------------------------------------- requests: GET


def _public_cases():  # noqa: ANN202
    """The cases anyone may read of, with the columns a public answer shows."""
    return (select(Case.id, Case.number, Case.channel, Case.category, Case.state, Case.received_at, Case.due_on,
                   Unit.name.label("unit"), Submission.latitude, Submission.longitude)
            .join(Submission, Submission.id == Case.submission_id)
            .outerjoin(Unit, Unit.id == Case.unit_id)
            .where(Case.confidential.is_(False), Submission.confidential.is_(False),
                   Submission.received_via != ReceivedVia.REFERRAL.value,
                   Case.category.is_distinct_from(ComplaintCategory.INTEGRITY.value)))


def _public_steps(case_ids: list[int], language: str) -> dict[int, tuple[str, datetime]]:
    """Each case's latest public step (its text, and when), one SELECT for all of them."""
    rows: dict[int, list[Any]] = {}
    if case_ids:
        for row in db.session.execute(
                select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at, CaseEvent.note, CaseEvent.detail,
                       CaseEvent.due_before, CaseEvent.due_after)
                .where(CaseEvent.case_id.in_(case_ids), CaseEvent.action.in_(PUBLIC_ACTIONS))
                .order_by(CaseEvent.case_id, CaseEvent.id)):
            rows.setdefault(row.case_id, []).append(row)
    latest = {}
    for case_id, events in rows.items():
        # Anyone may read these, not only the petitioner: the steps without what staff typed (a reason, a
        # question), which may name people; the petitioner's own tracking page shows them in full.
        steps = public_events([SimpleNamespace(action=e.action, at=e.at, note="", due_before=e.due_before,
                                               due_after=e.due_after,
                                               detail={k: v for k, v in (e.detail or {}).items() if k != "question"})
                               for e in events], language)
        if steps:
            latest[case_id] = (steps[-1]["text"], events[-1].at)
    return latest


def _expected(due_on: date | None) -> str | None:
    """The reply is due by the end of the due date, Taipei time."""
    return _moment(datetime.combine(due_on, time(23, 59, 59), TAIPEI)) if due_on else None


def _coordinate(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_PRECISION)


def _requests(rows: list[Any]) -> list[dict[str, Any]]:
    steps = _public_steps([row.id for row in rows], str(get_locale()))
    out = []
    for row in rows:
        note, updated = steps.get(row.id, ("", row.received_at))
        out.append({
            "service_request_id": row.number,
            "status": "closed" if row.state in CLOSED_STATES else "open",
            "status_notes": note,
            "service_name": str(CHANNEL_LABELS.get(row.channel, row.channel)),
            "service_code": row.channel,
            "agency_responsible": row.unit or "",
            "service_notice": "",
            "requested_datetime": _moment(row.received_at),
            "updated_datetime": _moment(max(updated, row.received_at)),
            "expected_datetime": _expected(row.due_on),
            "lat": _coordinate(row.latitude),
            "long": _coordinate(row.longitude),
        })
    return out


def _date(name: str) -> datetime | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, _("%(field)s: not a W3C date and time, for example 2026-11-05T08:15:30+08:00.",
                                  field=name)) from None
    return value if value.tzinfo else value.replace(tzinfo=TAIPEI)


def _get_requests(fmt: str) -> Response:
    _jurisdiction()
    query = _public_cases()
    ids = [i.strip() for i in (request.args.get("service_request_id") or "").split(",") if i.strip()]
    if ids:  # the spec: with service_request_id, the other filters are ignored
        query = query.where(Case.number.in_(ids[:MAX_REQUESTS]))
    else:
        codes = [c.strip() for c in (request.args.get("service_code") or "").split(",") if c.strip()]
        if codes:
            query = query.where(Case.channel.in_(codes))
        statuses = {s.strip() for s in (request.args.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status: open or closed."))
        if statuses == {"open"}:
            query = query.where(Case.state.not_in(CLOSED_STATES))
        elif statuses == {"closed"}:
            query = query.where(Case.state.in_(CLOSED_STATES))
        start, end = _date("start_date"), _date("end_date")
        if start and end and start > end:
            raise Open311Error(400, _("start_date is after end_date."))
        if start is None:
            start = (end or utcnow()) - DEFAULT_SPAN
        query = query.where(Case.received_at >= start.astimezone(UTC))
        if end is not None:
            query = query.where(Case.received_at <= end.astimezone(UTC))
    rows = db.session.execute(query.order_by(Case.received_at.desc(), Case.id.desc()).limit(MAX_REQUESTS)).all()
    return answer(fmt, "service_requests", _requests(rows))


@bp.route(f"/requests.{FMT}", endpoint="requests", parameters=[document.FORMAT])
class Requests(MethodView):
    @bp.doc(**document.GET_REQUESTS)
    def get(self, format: str) -> Response:
        return _get_requests(format)

    @bp.doc(**document.POST_REQUEST)
    def post(self, format: str) -> Response:
        return _post_request(format)


@bp.get(f"/requests/<service_request_id>.{FMT}", endpoint="request",
        parameters=[document.SERVICE_REQUEST_ID, document.FORMAT])
@bp.doc(**document.ONE_REQUEST)
def request_(service_request_id: str, format: str) -> Response:
    _jurisdiction()
    rows = db.session.execute(_public_cases().where(Case.number == service_request_id)).all()
    if not rows:  # unknown and confidential alike
        raise Open311Error(404, _("service_request_id not found: %(id)s", id=service_request_id))
    return answer(format, "service_requests", _requests(rows))

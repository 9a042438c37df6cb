"""What the OpenAPI document (/api/v1/openapi.json) says of Open311 GeoReport v2 (feedback/open311.py): the
shapes of its answers, which are the same in JSON and XML (the `xml` names say how a list reads in XML), and each
route's parameters and answers. Documentation only: the views parse their own parameters, as the specification
wants (errors are Open311 error lists, not the JSON API's), so nothing here changes what a route does."""

from __future__ import annotations

from typing import Any

from feedback import rules

MEDIA_TYPES = ("application/json", "text/xml")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(item: str, root: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(item), "xml": {"name": root, "wrapped": True}}


def _text(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **more}


_MOMENT = {"type": "string", "format": "date-time"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Open311Discovery": {"type": "object", "xml": {"name": "discovery"}, "properties": {
        "changeset": {**_MOMENT, "description": "When this description last changed."},
        "contact": _text("Who answers for the service."),
        "key_service": _text("How a client application gets a key."),
        "endpoints": {"type": "array", "xml": {"wrapped": True}, "items": {
            "type": "object", "xml": {"name": "endpoint"}, "properties": {
                "specification": _text("http://wiki.open311.org/GeoReport_v2"),
                "url": _text("The endpoint's base address, ending in /open311/v2."),
                "changeset": _MOMENT,
                "type": _text("production"),
                "formats": {"type": "array", "xml": {"wrapped": True},
                            "items": {"type": "string", "enum": ["application/json", "text/xml"],
                                      "xml": {"name": "format"}}}}}},
    }},
    "Open311Service": {"type": "object", "xml": {"name": "service"}, "properties": {
        "service_code": _text("The channel: petition (人民陳情), mailbox (首長信箱) or complaint (申訴/檢舉).",
                              enum=["petition", "mailbox", "complaint"]),
        "service_name": _text("The channel's name, in the reader's language."),
        "description": _text("What the channel is for."),
        "metadata": {"type": "boolean", "description": "Always true: each service has a definition."},
        "type": _text("Always batch: requests are answered by the agency's staff, not at once.", enum=["batch"]),
        "keywords": _text("Empty."),
        "group": _text("The agency's name."),
    }},
    "Open311Value": {"type": "object", "xml": {"name": "value"}, "properties": {
        "key": _text("What to send."), "name": _text("What it means, in the reader's language.")}},
    "Open311Attribute": {"type": "object", "xml": {"name": "attribute"}, "properties": {
        "variable": {"type": "boolean"},
        "code": _text("Send it as attribute[code]."),
        "datatype": _text("string or singlevaluelist.", enum=["string", "singlevaluelist"]),
        "required": {"type": "boolean"},
        "datatype_description": _text("Empty."),
        "order": {"type": "integer"},
        "description": _text("The question, in the reader's language."),
        "values": {"type": "array", "items": _ref("Open311Value"), "xml": {"wrapped": True}},
    }},
    "Open311ServiceDefinition": {"type": "object", "xml": {"name": "service_definition"}, "properties": {
        "service_code": {"type": "string"},
        "attributes": {"type": "array", "items": _ref("Open311Attribute"), "xml": {"wrapped": True}},
    }},
    "Open311Request": {"type": "object", "xml": {"name": "request"}, "properties": {
        "service_request_id": _text("The case number."),
        "status": _text("open, or closed (answered, transferred to the competent agency, or registered but not "
                        "handled).", enum=["open", "closed"]),
        "status_notes": _text("The case's latest public step, in the reader's language (never what staff typed)."),
        "service_name": {"type": "string"},
        "service_code": {"type": "string", "enum": ["petition", "mailbox", "complaint"]},
        "agency_responsible": _text("The unit handling the case; empty before it is routed."),
        "service_notice": _text("Empty."),
        "requested_datetime": {**_MOMENT, "description": "When the case was received (Taipei time)."},
        "updated_datetime": {**_MOMENT, "description": "When its latest public step happened."},
        "expected_datetime": {**_MOMENT, "nullable": True,
                              "description": "The end of the due date (23:59:59 Taipei time); null (empty in "
                                             "XML) while the case has none."},
        "lat": {"type": "number", "nullable": True,
                "description": "The place, rounded to 0.001° (about 100 m); null (empty in XML) without one."},
        "long": {"type": "number", "nullable": True, "description": "As `lat`."},
    }},
    "Open311Token": {"type": "object", "xml": {"name": "request"}, "properties": {
        "service_request_id": _text("The case number; empty until the petitioner confirms the mailed link."),
        "token": {"type": "string"},
    }},
    "Open311Accepted": {"type": "object", "xml": {"name": "request"}, "properties": {
        "token": _text("Ask tokens/{token} for the case number once the petitioner has confirmed."),
        "service_notice": _text("What happens next, in the reader's language."),
        "account_id": _text("Empty."),
    }},
    "Open311Error": {"type": "object", "xml": {"name": "error"}, "properties": {
        "code": {"type": "integer", "description": "The HTTP status."},
        "description": _text("What is wrong, in the reader's language."),
    }},
    "Open311NewRequest": {
        "type": "object",
        "required": ["api_key", "service_code", "description", "email", "attribute[consent]"],
        "properties": {
            "api_key": _text("The key issued to the client application (on the administration page, or with "
                             "`flask open311 create-key NAME`)."),
            "jurisdiction_id": _text("Optional; see the parameter of the same name."),
            "service_code": {"type": "string", "enum": ["petition", "mailbox", "complaint"]},
            "description": _text("The matter, concretely.", minLength=rules.BODY_MIN, maxLength=rules.BODY_MAX),
            "email": _text("The petitioner's address: the confirmation link, the receipt and the reply go there.",
                           format="email", maxLength=rules.EMAIL_MAX),
            "first_name": _text("Given name (with `last_name`: a Chinese name is written family name first)."),
            "last_name": _text("Family name."),
            "phone": _text("The petitioner's phone number.", maxLength=rules.PHONE_MAX),
            "lat": {"type": "number", "minimum": -90, "maximum": 90,
                    "description": "Where the matter is: degrees north (WGS 84), with `long` or not at all."},
            "long": {"type": "number", "minimum": -180, "maximum": 180,
                     "description": "Degrees east (WGS 84), with `lat`."},
            "address_string": _text("Where the matter is, in words; shown to staff only.",
                                    maxLength=rules.ADDRESS_MAX),
            "attribute[subject]": _text("The subject; by default the start of the description.",
                                        maxLength=rules.SUBJECT_MAX),
            "attribute[consent]": _text("Consent to the use of the petitioner's personal data for handling the "
                                        "case: must be true.", enum=["true"]),
            "attribute[language]": _text("Language of the mail and the reply; by default the request's "
                                         "Accept-Language.", enum=["zh-TW", "en"]),
            "attribute[category]": _text("Complaints only, and required for them: what the complaint is about.",
                                         enum=["integrity", "service", "other"]),
            "attribute[confidential]": _text("Complaints only: handle it confidentially.", enum=["true", "false"]),
        },
    },
}


# The lists the routes answer with: in XML, the plural element holds one singular element per item.
SCHEMAS.update({
    "Open311Services": _list("Open311Service", "services"),
    "Open311Requests": _list("Open311Request", "service_requests"),
    "Open311Tokens": _list("Open311Token", "service_requests"),
    "Open311AcceptedRequests": _list("Open311Accepted", "service_requests"),
    "Open311Errors": _list("Open311Error", "errors"),
})


def register(spec: Any) -> None:
    """Add the answers' shapes to the document's components (once per app)."""
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema} for media in MEDIA_TYPES}}


def _errors(description: str) -> dict[str, Any]:
    return _answer(description, _ref("Open311Errors"))


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"in": "query", "name": name, "required": False, "description": description,
            "schema": {"type": "string", **schema}}


# Path parameters, given to the routes (their schemas come from the URL rules' converters).
FORMAT = {"in": "path", "name": "format",
          "description": "json or xml: the answer's format (application/json or text/xml). Errors come in the "
                         "same format, as a list of `error`s."}
SERVICE_CODE = {"in": "path", "name": "service_code", "description": "petition, mailbox or complaint."}
SERVICE_REQUEST_ID = {"in": "path", "name": "service_request_id", "description": "The case number."}
TOKEN_ID = {"in": "path", "name": "token", "description": "As the POST answered it."}
JURISDICTION = _query("jurisdiction_id", "Accepted everywhere. When the server is set up with one "
                                         "(OPEN311_JURISDICTION_ID), another one answers 404; otherwise any is "
                                         "accepted.")
# Every route: anything else (a method it does not take) is an Open311 error list too; only a field with a control
# character (NUL) is refused before Open311 sees it, as for every form (core/hygiene.py), as a list of errors too.
OTHER = {"default": _errors("Another error (405: a method the route does not take), as a list of errors. A field "
                            "holding a control character such as NUL is refused with 400 and a list of errors.")}
JURISDICTION_404 = _errors("jurisdiction_id is not this server's.")


def doc(summary: str, description: str, responses: dict[str, Any], parameters: list[dict[str, Any]] | None = None,
        **more: Any) -> dict[str, Any]:
    """The keyword arguments of `Blueprint.doc` for one operation."""
    return {"summary": summary, "description": description, "parameters": parameters or [],
            "responses": {**responses, **OTHER}, **more}


DISCOVERY = doc(
    "Discovery: where the endpoint is, the specification it follows, the formats it answers in.",
    "The answer of the specification's discovery, with the contact of the agency.",
    {"200": _answer("The discovery.", _ref("Open311Discovery"))})

SERVICES = doc(
    "The services: one per channel a citizen uses.",
    "`petition` (人民陳情), `mailbox` (首長信箱) and `complaint` (申訴/檢舉), named in the reader's language "
    "(Accept-Language). Each has a definition (services/{service_code}).",
    {"200": _answer("The services.", _ref("Open311Services")), "404": JURISDICTION_404},
    [JURISDICTION])

SERVICE_DEFINITION = doc(
    "A service's definition: what a request may carry beyond the specification's fields.",
    "Attributes to send as `attribute[code]`: the subject, the consent (required), the language; a complaint's "
    "category (required) and confidentiality.",
    {"200": _answer("The definition.", _ref("Open311ServiceDefinition")),
     "404": _errors("No such service_code, or jurisdiction_id is not this server's.")},
    [JURISDICTION])

GET_REQUESTS = doc(
    "Public requests: non-confidential cases, newest first.",
    "Never a confidential case, an integrity complaint or a referral to the ethics office; never the petitioner's "
    "name, e-mail, phone or address, nor what they wrote. At most 1000. With `service_request_id` the other "
    "filters are ignored; otherwise the cases received from `start_date` (by default 90 days before `end_date`, "
    "or before now) to `end_date`.",
    {"200": _answer("The requests.", _ref("Open311Requests")),
     "400": _errors("`status` is not open or closed, a date is not a W3C date and time, or `start_date` is after "
                    "`end_date`."),
     "404": JURISDICTION_404},
    [_query("service_request_id", "Case numbers, separated by commas."),
     _query("service_code", "Services, separated by commas: petition, mailbox, complaint."),
     _query("status", "open, closed, or both separated by a comma."),
     _query("start_date", "Received at or after, as a W3C date and time (2026-11-05T08:15:30+08:00; without an "
                          "offset, Taipei time).", format="date-time"),
     _query("end_date", "Received at or before, as `start_date`.", format="date-time"),
     JURISDICTION])

POST_REQUEST = doc(
    "File a request (needs an api_key).",
    "It goes through the rules, the e-mail confirmation, the rate limit and the mail of the web form: the answer "
    "is a `token`, and the case is registered once the petitioner opens the link mailed to `email`; "
    "tokens/{token} then gives its number. Fields may also come in the query string. The specification's "
    "address_id, device_id, account_id and media_url are not used. Send an `Idempotency-Key` header to retry "
    "safely: the same key and request answer with the first token.",
    {"200": _answer("Accepted, pending the petitioner's confirmation.",
                    _ref("Open311AcceptedRequests")),
     "400": _errors("service_code is missing, lat or long is not a number, or a field breaks a rule: each error "
                    "names its field (description, email, lat, attribute names, …)."),
     "403": _errors("api_key is missing, unknown or revoked."),
     "404": _errors("No such service_code, or jurisdiction_id is not this server's."),
     "429": {**_errors("Too many requests from this address; Retry-After says when to try again."),
             "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}}}},
    [{"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 200},
      "description": "Any unique string up to 200 characters."}],
    requestBody={"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": _ref("Open311NewRequest")}}})

ONE_REQUEST = doc(
    "One public request.",
    "As in the list: a confidential case answers 404, as an unknown one.",
    {"200": _answer("A list of one request.", _ref("Open311Requests")),
     "404": _errors("No such public request, or jurisdiction_id is not this server's.")},
    [JURISDICTION])

TOKEN = doc(
    "The case number of a filed request.",
    "Empty until the petitioner confirms the mailed link.",
    {"200": _answer("A list of one.", _ref("Open311Tokens")),
     "404": _errors("No such token (or its confirmation link expired unused), or jurisdiction_id is not this "
                    "server's.")},
    [JURISDICTION])

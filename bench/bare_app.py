"""The baseline for bench/run_requests.py: the public intake and tracking paths in bare Flask + psycopg_pool.

No SQLAlchemy, no Flask extensions (no Babel, no limiter, no smorest, no Celery): the floor under the real
app's `POST /api/v1/submissions` and `POST /api/v1/track`.

- intake: the same JSON fields and limits as feedback/api.py SubmissionIn and feedback/rules.py (plain
  Python checks), then the submission, the petitioner's identity (kept apart from the submission, as the
  real schema wants) and the verification mail's outbox row in one transaction on one pool checkout;
  answers 202 like the real one.
- tracking: one indexed select of the case by number (with its unit's name), one HMAC-SHA-256 of the
  normalised code and a constant-time compare against the stored value; 200 with the case's status, or
  404. It does the work of a HMAC-stored code (and accepts the app's codes while their stored form is the
  one core/security.py keyed_hash writes now).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/feedback_load SECRET_KEY=bench \
        gunicorn --chdir bench -w 4 -k gthread --threads 4 bare_app:app
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

from flask import Flask, jsonify, request
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

# feedback/rules.py
NAME_MAX, EMAIL_MAX, PHONE_MAX, ADDRESS_MAX, SUBJECT_MAX = 100, 254, 30, 300, 200
BODY_MIN, BODY_MAX = 10, 10_000
CHANNELS = ("petition", "mailbox", "complaint")
CATEGORIES = ("integrity", "service", "other")
LANGUAGES = {"zh-TW": "zh_Hant_TW", "en": "en"}
PHONE_PATTERN = re.compile(r"^\+?[0-9()\-\s#*]{6,30}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

VERIFICATION_VALID_DAYS = 3  # the setting's default
TAIPEI = timezone(timedelta(hours=8))
STATE_LABELS = {
    "registered": "已登記", "routed": "已分辦", "in_progress": "處理中", "awaiting_approval": "待核定",
    "closed": "已結案", "transferred": "已移文", "not_handled": "不予處理",
}
NOT_FOUND = "查無符合此案件編號與查詢密碼的案件。"

app = Flask(__name__)
app.json.ensure_ascii = False
SECRET = os.environ.get("SECRET_KEY", "bench").encode()
# A key of its own for access codes, derived from the secret key; stored as "hmac-sha256$<hex>". This follows
# core/security.py keyed_hash at the time of writing, so the seeded codes match (200); if the app's format
# changes the baseline answers 404 for the same work, which run_requests.py accepts.
KEYED_PREFIX = "hmac-sha256$"
CODE_KEY = hmac.new(os.environ.get("CODE_HASH_KEY", SECRET.decode()).encode(), b"feedback:access-code",
                    hashlib.sha256).digest()
BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
AGENCY = os.environ.get("AGENCY_NAME", "示範機關")
# One pool per worker process, as large as its threads (gunicorn -k gthread --threads 4).
pool = ConnectionPool(os.environ["DATABASE_URL"], min_size=1, max_size=int(os.environ.get("BARE_POOL_SIZE", "4")),
                      open=True)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _clean(value: object, *, multiline: bool = False) -> str:
    text = unicodedata.normalize("NFC", value if isinstance(value, str) else "")
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def _validated(raw: object) -> tuple[dict, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not isinstance(raw, dict):
        return {}, {"json": ["Invalid input type."]}
    for name in ("channel", "subject", "body", "email", "consent"):
        if name not in raw:
            add(name, "Missing data for required field.")
    for name in ("channel", "subject", "body", "name", "email", "phone", "address"):
        if name in raw and not isinstance(raw[name], str):
            add(name, "Not a valid string.")
    for name in ("confidential", "consent"):
        if name in raw and not isinstance(raw[name], bool):
            add(name, "Not a valid boolean.")
    if raw.get("language") is not None and raw["language"] not in LANGUAGES:
        add("language", "Must be one of: zh-TW, en.")
    if raw.get("attachments"):
        add("attachments", "The baseline takes no attachments.")
    if errors:
        return {}, errors
    data = {
        "channel": raw["channel"], "subject": _clean(raw["subject"]), "body": _clean(raw["body"], multiline=True),
        "name": _clean(raw.get("name", "")), "email": _clean(raw["email"]).lower(),
        "phone": _clean(raw.get("phone", "")), "address": _clean(raw.get("address", "")),
        "category": _clean(raw.get("category")) or None, "confidential": raw.get("confidential", False),
        "consent": raw["consent"], "language": LANGUAGES.get(raw.get("language") or "", "zh_Hant_TW"),
    }
    if data["channel"] not in CHANNELS:
        add("channel", "Choose one of the channels: petition, director's mailbox or complaint.")
    if data["channel"] == "complaint":
        if data["category"] not in CATEGORIES:
            add("category", "Choose what the complaint is about.")
    else:
        if data["category"]:
            add("category", "Only complaints have a category.")
        if data["confidential"]:
            add("confidential", "Confidential handling can be requested for complaints only.")
    if len(data["name"]) > NAME_MAX:
        add("name", f"The name may have at most {NAME_MAX} characters.")
    if not data["email"]:
        add("email", "Please give your e-mail address: we send a confirmation link to it.")
    elif len(data["email"]) > EMAIL_MAX or not EMAIL_PATTERN.match(data["email"]):
        add("email", "This is not a valid e-mail address, for example name@example.tw.")
    if data["phone"] and not PHONE_PATTERN.match(data["phone"]):
        add("phone", "Write the phone number with digits only, for example 02-2345-6789.")
    if len(data["address"]) > ADDRESS_MAX:
        add("address", f"The address may have at most {ADDRESS_MAX} characters.")
    if not data["subject"]:
        add("subject", "Please give a subject.")
    elif len(data["subject"]) > SUBJECT_MAX:
        add("subject", f"The subject may have at most {SUBJECT_MAX} characters.")
    if len(data["body"]) < BODY_MIN:
        add("body", f"Please describe the matter concretely, in at least {BODY_MIN} characters.")
    elif len(data["body"]) > BODY_MAX:
        add("body", f"The description may have at most {BODY_MAX} characters.")
    if data["consent"] is not True:
        add("consent", "Please agree to the use of your personal data for handling this case.")
    return data, errors


def _unprocessable(errors: dict[str, list[str]]):  # noqa: ANN202
    return jsonify(code=422, status="Unprocessable Entity", message="The submission has errors.",
                   errors={"json": errors}), 422


@app.post("/api/v1/submissions")
def submit():  # noqa: ANN201
    data, errors = _validated(request.get_json(silent=True))
    if errors:
        return _unprocessable(errors)
    now = datetime.now(UTC)
    expires = now + timedelta(days=VERIFICATION_VALID_DAYS)
    token = secrets.token_urlsafe(32)
    client_ip = request.remote_addr
    with pool.connection() as conn, conn.cursor() as cur:  # one checkout, one transaction
        cur.execute(
            """INSERT INTO submissions (channel, category, confidential, language, subject, body, source,
                   received_via, consent_at, verification_digest, verification_expires_at, client_ip_digest,
                   created_at)
               VALUES (%s, %s, %s, %s, %s, %s, 'api', 'online', %s, %s, %s, %s, %s) RETURNING id""",
            (data["channel"], data["category"], data["confidential"], data["language"], data["subject"],
             data["body"], now, _digest(token), expires,
             _digest(f"{SECRET.decode()}:{client_ip}") if client_ip else None, now),
        )
        (submission_id,) = cur.fetchone()
        cur.execute(
            "INSERT INTO petitioner_identities (submission_id, name, email, phone, address)"
            " VALUES (%s, %s, %s, %s, %s)",
            (submission_id, data["name"], data["email"], data["phone"], data["address"]),
        )
        context = {"name": data["name"], "subject": data["subject"], "channel": data["channel"],
                   "expires_on": expires.astimezone(TAIPEI).date().isoformat(), "agency": AGENCY}
        cur.execute(
            """INSERT INTO outbox_messages (kind, channel, recipient, template, language, context, secrets,
                   idempotency_key, about, confidential, status, attempts, next_attempt_at, created_at)
               VALUES ('feedback.verify', 'email', %s, 'verify', %s, %s, %s, %s, %s, %s, 'pending', 0, %s, %s)""",
            (data["email"], data["language"], Jsonb(context), Jsonb({"link": f"{BASE_URL}/verify/{token}"}),
             f"verify:{submission_id}", f"submission:{submission_id}", data["confidential"], now, now),
        )
    return app.response_class(
        json.dumps({"id": submission_id, "status": "pending_verification",
                    "verification_expires_at": expires.isoformat()}),
        status=202, mimetype="application/json")


@app.post("/api/v1/track")
def track():  # noqa: ANN201
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) and 1 <= len(raw[k]) <= 40
                                            for k in ("case_number", "access_code")):
        return jsonify(code=422, status="Unprocessable Entity",
                       errors={"json": {"case_number": ["Length must be between 1 and 40."]}}), 422
    number = "".join(ch for ch in raw["case_number"] if ch.isdigit())[:20]
    code = "".join(ch for ch in raw["access_code"].upper() if ch.isalnum())
    row = None
    if number:
        with pool.connection() as conn:
            row = conn.execute(
                """SELECT c.number, c.channel, c.state, c.received_on, c.due_on, c.closed_on, u.name,
                          c.access_code_hash
                   FROM cases c LEFT JOIN units u ON u.id = c.unit_id WHERE c.number = %s""",
                (number,),
            ).fetchone()
    # Unknown numbers cost the same HMAC and compare as wrong codes.
    computed = KEYED_PREFIX + hmac.new(CODE_KEY, code.encode(), hashlib.sha256).hexdigest()
    stored = row[7] if row else KEYED_PREFIX + "0" * 64
    if not hmac.compare_digest(computed.encode(), stored.encode()) or row is None:
        return jsonify(code=404, status="Not Found", message=NOT_FOUND), 404
    return jsonify(case_number=row[0], channel=row[1], status=row[2], status_label=STATE_LABELS.get(row[2], row[2]),
                   received_on=row[3].isoformat(), due_on=row[4].isoformat() if row[4] else None, unit=row[6],
                   closed_on=row[5].isoformat() if row[5] else None, reply=None)


@app.get("/")
def ready():  # noqa: ANN201
    return jsonify(ok=True)

"""The rules a submission must meet, shared by the web forms, the staff form and the API.

Pure: values in, error messages out (translated in the current request's language).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace

import filetype
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from cases.case_file import ATTACHMENT_TYPES, Channel, ComplaintCategory, ReceivedVia
from notifications.sms import taiwan_mobile_e164

NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 30
ADDRESS_MAX = 300
SUBJECT_MAX = 200
BODY_MIN = 10
BODY_MAX = 10_000
FILENAME_MAX = 200
PHONE_PATTERN = re.compile(r"^\+?[0-9()\-\s#*]{6,30}$")

# Allowed attachment types, recognised by their first bytes (never by the file name): the case file's list.
ALLOWED_TYPES = ATTACHMENT_TYPES


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes

    @property
    def content_type(self) -> str | None:
        kind = filetype.guess(self.data)
        return kind.mime if kind else None

    @property
    def extension(self) -> str:
        """Of the detected type, never of the name the citizen's computer gave it."""
        kind = filetype.guess(self.data)
        return kind.extension if kind else "bin"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class SubmissionInput:
    channel: str
    subject: str = ""
    body: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    category: str | None = None
    confidential: bool = False
    consent: bool = False
    received_via: str = ReceivedVia.ONLINE.value
    attachments: tuple[Upload, ...] = field(default_factory=tuple)
    # Notices by SMS too (issue 13): `phone` must then be a Taiwanese mobile; normalise() puts its E.164 form here.
    sms_notices: bool = False
    sms_phone: str = ""
    # Where the matter is (issue 14, Open311): WGS 84 degrees, both or neither, and a description of the place.
    latitude: float | None = None
    longitude: float | None = None
    address_string: str = ""


@dataclass(frozen=True)
class Limits:
    max_attachments: int
    max_attachment_bytes: int


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """NFC, no control characters (PostgreSQL refuses NUL), trimmed; newlines only where allowed."""
    text = unicodedata.normalize("NFC", value or "")
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def clean_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = clean_text(base)
    return base[-FILENAME_MAX:] or "attachment"


def normalise(data: SubmissionInput) -> SubmissionInput:
    return replace(
        data,
        subject=clean_text(data.subject),
        body=clean_text(data.body, multiline=True),
        name=clean_text(data.name),
        email=clean_text(data.email).lower(),
        phone=clean_text(data.phone),
        address=clean_text(data.address),
        category=clean_text(data.category) or None,
        attachments=tuple(Upload(clean_filename(a.filename), a.data) for a in data.attachments),
        sms_notices=bool(data.sms_notices),
        sms_phone=(taiwan_mobile_e164(data.phone) or "") if data.sms_notices else "",
        address_string=clean_text(data.address_string),
    )


def check(data: SubmissionInput, limits: Limits, *, staff: bool = False,
          name_required: bool = False) -> dict[str, list[str]]:
    """Errors by field name; empty when the submission may be accepted.

    Staff-entered petitions (phone, counter, letter) need no e-mail and no online consent.
    A missing name or contact is not an error: the case is registered and flagged (rule 27). Only the public
    web forms, which mark the name as required, ask for it (`name_required`); the API and staff intake do not.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if data.channel not in {c.value for c in Channel}:
        add("channel", _("Choose one of the channels: petition, director's mailbox or complaint."))
    if data.channel == Channel.COMPLAINT:
        if data.category not in {c.value for c in ComplaintCategory}:
            add("category", _("Choose what the complaint is about."))
    else:
        if data.category:
            add("category", _("Only complaints have a category."))
        if data.confidential:
            add("confidential", _("Confidential handling can be requested for complaints only."))

    if name_required and not data.name:
        add("name", _("Please give your name."))
    elif len(data.name) > NAME_MAX:
        add("name", _("The name may have at most %(n)d characters.", n=NAME_MAX))

    if data.email:
        if len(data.email) > EMAIL_MAX:
            add("email", _("The e-mail address is too long."))
        else:
            try:
                validate_email(data.email, check_deliverability=False)
            except EmailNotValidError:
                add("email", _("This is not a valid e-mail address, for example name@example.tw."))
    elif not staff:
        add("email", _("Please give your e-mail address: we send a confirmation link to it."))

    if data.phone and not PHONE_PATTERN.match(data.phone):
        add("phone", _("Write the phone number with digits only, for example 02-2345-6789."))
    elif data.sms_notices and not data.sms_phone:
        add("phone", _("For notices by SMS, give a Taiwanese mobile number, for example 0912-345-678."))
    if len(data.address) > ADDRESS_MAX:
        add("address", _("The address may have at most %(n)d characters.", n=ADDRESS_MAX))

    if not data.subject:
        add("subject", _("Please give a subject."))
    elif len(data.subject) > SUBJECT_MAX:
        add("subject", _("The subject may have at most %(n)d characters.", n=SUBJECT_MAX))

    if len(data.body) < BODY_MIN:
        add("body", _("Please describe the matter concretely, in at least %(n)d characters.", n=BODY_MIN))
    elif len(data.body) > BODY_MAX:
        add("body", _("The description may have at most %(n)d characters.", n=BODY_MAX))

    if not staff and not data.consent:
        add("consent", _("Please agree to the use of your personal data for handling this case."))

    if staff and data.received_via not in {v.value for v in ReceivedVia
                                           if v not in (ReceivedVia.ONLINE, ReceivedVia.REFERRAL)}:
        add("received_via", _("Choose how the petition was received."))

    _check_location(data, add)
    _check_attachments(data.attachments, limits, add)
    return errors


def _check_location(data: SubmissionInput, add) -> None:  # noqa: ANN001
    """Latitude and longitude come together, as finite degrees in range; the place's description is bounded."""
    lat, long = data.latitude, data.longitude
    if (lat is None) != (long is None):
        add("lat" if lat is None else "long", _("Give both the latitude and the longitude of the place, or neither."))
    if lat is not None and not (math.isfinite(lat) and -90 <= lat <= 90):
        add("lat", _("The latitude must be a number of degrees from -90 to 90."))
    if long is not None and not (math.isfinite(long) and -180 <= long <= 180):
        add("long", _("The longitude must be a number of degrees from -180 to 180."))
    if len(data.address_string) > ADDRESS_MAX:
        add("address_string", _("The description of the place may have at most %(n)d characters.", n=ADDRESS_MAX))


def _check_attachments(uploads: tuple[Upload, ...], limits: Limits, add) -> None:  # noqa: ANN001
    if len(uploads) > limits.max_attachments:
        add("attachments", _("At most %(n)d attachments are allowed.", n=limits.max_attachments))
        return
    allowed = ", ".join(ALLOWED_TYPES.values())
    for upload in uploads:
        if not upload.data:
            add("attachments", _("%(name)s is empty.", name=upload.filename))
        elif len(upload.data) > limits.max_attachment_bytes:
            add("attachments", _("%(name)s is larger than %(mb)d MB.", name=upload.filename,
                                 mb=limits.max_attachment_bytes // (1024 * 1024)))
        elif upload.content_type not in ALLOWED_TYPES:
            add("attachments", _("%(name)s is not an allowed file type. Allowed: %(types)s.",
                                 name=upload.filename, types=allowed))

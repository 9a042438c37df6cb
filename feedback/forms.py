"""HTML forms. They carry CSRF and re-display input; the rules live in feedback/rules.py."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Optional

from cases.case_file import Channel, ComplaintCategory, ReceivedVia
from cases.labels import CHANNEL_LABELS, LANGUAGE_LABELS
from core.clock import TAIPEI
from core.security import new_token
from feedback import rules

CATEGORY_LABELS = {
    ComplaintCategory.INTEGRITY: _l("Integrity or misconduct of staff (e.g. bribery, abuse of office)"),
    ComplaintCategory.SERVICE: _l("Service attitude or efficiency"),
    ComplaintCategory.OTHER: _l("Other"),
}
RECEIVED_VIA_LABELS = {
    ReceivedVia.PHONE: _l("Phone"),
    ReceivedVia.COUNTER: _l("At the counter"),
    ReceivedVia.LETTER: _l("Letter"),
    ReceivedVia.FAX: _l("Fax"),
}


class _Common(FlaskForm):
    name = StringField(_l("Name"), render_kw={"maxlength": rules.NAME_MAX, "autocomplete": "name"})
    email = EmailField(_l("E-mail"), render_kw={"maxlength": rules.EMAIL_MAX, "autocomplete": "email"})
    phone = TelField(_l("Phone"), render_kw={"maxlength": rules.PHONE_MAX, "autocomplete": "tel"})
    address = StringField(_l("Postal address"),
                          render_kw={"maxlength": rules.ADDRESS_MAX, "autocomplete": "street-address"})
    category = RadioField(_l("What is it about?"), choices=[(c.value, label) for c, label in
                                                             CATEGORY_LABELS.items()], validate_choice=False)
    confidential = BooleanField(_l("Keep my identity confidential"))
    sms_notices = BooleanField(_l("Also send notices by SMS to this mobile number"))
    subject = StringField(_l("Subject"), render_kw={"maxlength": rules.SUBJECT_MAX})
    body = TextAreaField(_l("Description"), render_kw={"maxlength": rules.BODY_MAX, "rows": 10})
    attachments = MultipleFileField(_l("Attachments (optional)"))

    def uploads(self) -> tuple[rules.Upload, ...]:
        return tuple(
            rules.Upload(f.filename or "", f.read()) for f in (self.attachments.data or []) if f and f.filename
        )

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            field = getattr(self, name, None)
            target = field.errors if field is not None else self.form_errors
            if isinstance(target, tuple):
                target = field.errors = list(target)
            target.extend(messages)


class SubmissionForm(_Common):
    consent = BooleanField(_l("I agree that my personal data is used to handle this case."))
    # Made when the form is shown; sending the same form twice sends one submission.
    submission_token = HiddenField(default=new_token)

    def to_input(self, channel: Channel) -> rules.SubmissionInput:
        complaint = channel == Channel.COMPLAINT
        return rules.SubmissionInput(
            channel=channel.value, subject=self.subject.data or "", body=self.body.data or "",
            name=self.name.data or "", email=self.email.data or "", phone=self.phone.data or "",
            address=self.address.data or "", category=self.category.data if complaint else None,
            confidential=bool(self.confidential.data) if complaint else False,
            consent=bool(self.consent.data), attachments=self.uploads(), sms_notices=bool(self.sms_notices.data),
        )


class StaffIntakeForm(_Common):
    channel = SelectField(_l("Channel"), choices=list(CHANNEL_LABELS.items()),
                          default=Channel.PETITION.value, validate_choice=False)
    received_via = SelectField(_l("Received by"), choices=[(v.value, label) for v, label in
                                                         RECEIVED_VIA_LABELS.items()], validate_choice=False)
    received_at = DateTimeLocalField(_l("Received at (Taipei time)"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
    language = SelectField(_l("Language for mail to the petitioner"),
                           choices=list(LANGUAGE_LABELS.items()), validate_choice=False)
    body = TextAreaField(_l("Record of the petition (as stated by the petitioner)"),
                         render_kw={"maxlength": rules.BODY_MAX, "rows": 12})

    def to_input(self) -> rules.SubmissionInput:
        channel = self.channel.data or ""
        complaint = channel == Channel.COMPLAINT
        return rules.SubmissionInput(
            channel=channel, subject=self.subject.data or "", body=self.body.data or "",
            name=self.name.data or "", email=self.email.data or "", phone=self.phone.data or "",
            address=self.address.data or "", category=self.category.data if complaint else None,
            confidential=bool(self.confidential.data) if complaint else False,
            received_via=self.received_via.data or "", attachments=self.uploads(),
            sms_notices=bool(self.sms_notices.data),
        )

    def received_moment(self) -> datetime | None:
        value = self.received_at.data
        return value.replace(tzinfo=TAIPEI) if value else None


class ConfirmForm(FlaskForm):
    """The one button of the confirmation page: only its POST (with this form's CSRF token) confirms."""

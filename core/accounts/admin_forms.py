"""Forms of the administration pages. They check shapes (required, lengths, dates); the rules are the services'."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.accounts.services import MIN_PASSWORD_LENGTH

# The languages a member of staff may have their notices in (Staff.language), by name in the reader's language.
LANGUAGE_LABELS = {"zh_Hant_TW": _l("Chinese (Taiwan)"), "en": _l("English")}


class CsrfForm(FlaskForm):
    """A form of buttons (or of fields the view reads itself): only its CSRF token is checked here."""


def _optional_id(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Please enter a code.")), Length(max=32)])
    name = StringField(_l("Unit name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    parent = SelectField(_l("Parent unit"), coerce=_optional_id, validate_choice=False)
    ethics_office = BooleanField(_l("This unit is the ethics office"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Please enter an e-mail address.")),
                                                 Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    unit = SelectField(_l("Unit"), coerce=_optional_id, validate_choice=False)
    roles = MultiCheckboxField(_l("Roles"), validate_choice=False)
    deputy = SelectField(_l("Deputy"), coerce=_optional_id, validate_choice=False)
    # Dates as text (type="date"), parsed by core.hygiene.parse_date, whose message is translated.
    away_from = StringField(_l("Away from"), validators=[Optional(), Length(max=10)], render_kw={"type": "date"})
    away_until = StringField(_l("Away until (last day away)"), validators=[Optional(), Length(max=10)],
                             render_kw={"type": "date"})
    language = SelectField(_l("Language of notices"), choices=list(LANGUAGE_LABELS.items()),
                           default="zh_Hant_TW", validate_choice=False)


class NewPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Please enter a new password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("The new password must have %(min)d to %(max)d "
                                                           "characters.")),
    ], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Please enter the new password again.")),
        EqualTo("new_password", _l("The two new passwords differ.")),
    ], render_kw={"autocomplete": "new-password"})

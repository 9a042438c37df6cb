from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from core.accounts.services import MIN_PASSWORD_LENGTH
from core.accounts.tokens import MAX_DAYS


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Please enter your e-mail address.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password.")),
                                                         Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Please enter your current password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Please enter a new password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("The new password must have %(min)d to %(max)d "
                                                           "characters.")),
    ], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Please enter the new password again.")),
        EqualTo("new_password", _l("The two new passwords differ.")),
    ], render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField(_l("Name (what the token is for)"), validators=[Optional(), Length(max=100)])
    days = IntegerField(_l("Valid for (days)"), validators=[
        InputRequired(_l("Please enter how many days the token is valid.")),
        NumberRange(1, MAX_DAYS, _l("Enter a number of days from %(min)d to %(max)d.")),
    ], render_kw={"min": 1, "max": MAX_DAYS})

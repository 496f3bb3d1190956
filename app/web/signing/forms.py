"""The signature form."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.email_address import InvalidEmail, normalize_email
from app.models import NameDisplay
from app.text_rules import contains_url, has_control_characters, starts_like_formula, tidy

ZIP_CODE = re.compile(r"^(\d{5})(?:-?\d{4})?$")
SOURCE = re.compile(r"^[a-z0-9_-]{1,32}$")


def clean_source(value: str | None) -> str | None:
    """A share link's `?source=` tag, kept only if it looks like one."""
    value = (value or "").strip().lower()
    return value if SOURCE.match(value) else None


class PersonName:
    """A first or last name: printable, no formula start, no link."""

    def __call__(self, form, field) -> None:
        value = field.data or ""
        if has_control_characters(value):
            raise ValidationError(_l("Use letters, spaces and punctuation only."))
        if starts_like_formula(value):
            raise ValidationError(_l("A name cannot start with =, +, - or @."))
        if contains_url(value):
            raise ValidationError(_l("A name cannot contain a web address."))


def _validate_email(form, field) -> None:
    value = field.data or ""
    if has_control_characters(value):
        raise ValidationError(_l("Enter an email address like name@example.com."))
    try:
        field.data = normalize_email(value)
    except InvalidEmail:
        raise ValidationError(_l("Enter an email address like name@example.com.")) from None


def _validate_zip(form, field) -> None:
    match = ZIP_CODE.match(field.data or "")
    if not match:
        raise ValidationError(_l("Enter a 5-digit ZIP code, like 19107."))
    field.data = match.group(1)


def _validate_reason(form, field) -> None:
    if field.data and has_control_characters(field.data, allow_newlines=True):
        raise ValidationError(_l("Use letters, spaces and punctuation only."))


class SignForm(FlaskForm):
    first_name = StringField(
        _l("First name"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter your first name.")), Length(max=80), PersonName()],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        _l("Last name"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter your last name.")), Length(max=80), PersonName()],
        render_kw={"autocomplete": "family-name"},
    )
    email = StringField(
        _l("Email"),
        filters=[tidy],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254),
            _validate_email,
        ],
        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email"},
    )
    zip_code = StringField(
        _l("ZIP code"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter your ZIP code.")), Length(max=10), _validate_zip],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    reason = TextAreaField(
        _l("Why are you signing? (optional)"),
        filters=[tidy],
        validators=[
            Optional(),
            Length(max=500, message=_l("Keep it under 500 characters.")),
            _validate_reason,
        ],
    )
    name_display = RadioField(
        _l("Show my name on this page as"),
        choices=[
            SelectChoice(NameDisplay.FULL.value, _l("My full name")),
            SelectChoice(NameDisplay.FIRST_INITIAL.value, _l("My first name and last initial")),
            SelectChoice(NameDisplay.HIDDEN.value, _l("Don't show my name")),
        ],
        default=NameDisplay.FULL.value,
        validators=[DataRequired(_l("Choose how your name is shown."))],
    )
    wants_updates = BooleanField(_l("Email me updates about this campaign"), default=False)
    source = HiddenField(filters=[clean_source])
    # Left empty by people; bots that fill every field give themselves away.
    website = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )

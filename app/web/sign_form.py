"""The signature form.

It is on a page cached for everyone, so it has no session CSRF token: its `form_token` is
signed and time-limited (app.core.form_tokens), the same for every visitor of the petition.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from app.core.form_tokens import check_form_token, form_token
from app.core.text_rules import clean_source, tidy
from app.models import NameDisplay
from app.web.form_parts import (
    PersonName,
    at_most,
    one_of,
    validate_email,
    validate_reason,
    validate_zip,
    zip_example,
)

NAME_CHOICES = [
    SelectChoice(NameDisplay.FULL.value, _l("My full name")),
    SelectChoice(NameDisplay.FIRST_INITIAL.value, _l("My first name and last initial")),
    SelectChoice(NameDisplay.HIDDEN.value, _l("Don't show my name")),
]


FORM_REFUSED = _l(
    "This form had expired, or it was not sent from this site. Please check your details and "
    "send it again."
)


class SignerForm(FlaskForm):
    """The signer's details, checked as the sign form checks them: the form below, and the
    OSDI API's record_signature_helper (which fills it from its JSON body)."""

    class Meta:
        csrf = False

    first_name = StringField(
        _l("First name"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter your first name.")), at_most(80), PersonName()],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        _l("Last name"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter your last name.")), at_most(80), PersonName()],
        render_kw={"autocomplete": "family-name"},
    )
    email = StringField(
        _l("Email"),
        filters=[tidy],
        validators=[
            DataRequired(_l("Enter your email address.")),
            at_most(254),
            validate_email,
        ],
        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email"},
    )
    zip_code = StringField(
        _l("ZIP code"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter your ZIP code.")), at_most(10), validate_zip],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    reason = TextAreaField(
        _l("Why are you signing? (optional)"),
        filters=[tidy],
        validators=[
            Optional(),
            at_most(500),
            validate_reason,
        ],
    )
    name_display = RadioField(
        _l("Show my name on this page as"),
        choices=NAME_CHOICES,
        default=NameDisplay.FULL.value,
        validate_choice=False,
        validators=[DataRequired(_l("Choose how your name is shown.")), one_of(NAME_CHOICES)],
    )
    wants_updates = BooleanField(_l("Email me updates about this campaign"), default=False)

    def __init__(self, *args, zip_example: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zip_example = zip_example  # what the ZIP code's message gives as an example


class SignForm(SignerForm):
    class Meta:
        csrf = False  # the form_token below stands for it

    def __init__(self, *args, petition, **kwargs) -> None:
        """For `petition` (a Petition, or the light read of one the busiest requests make:
        app.petitions.queries.petition_for_visitors)."""
        super().__init__(*args, zip_example=zip_example(petition.resident_zip_prefixes), **kwargs)
        self._token_scope = f"sign-{petition.id}"

    def renew_token(self) -> None:
        """Put a token made now in the form, as a page shows it."""
        self.form_token.data = form_token(self._token_scope)

    def validate_form_token(self, field) -> None:
        max_age = current_app.config["SIGN_FORM_TOKEN_MAX_AGE_SECONDS"]
        if not check_form_token(field.data, self._token_scope, max_age):
            raise ValidationError(FORM_REFUSED)

    form_token = HiddenField()
    source = HiddenField(filters=[clean_source])
    # Left empty by people; bots that fill every field give themselves away.
    website = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )

"""Forms of the organizer side."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.core.text_rules import tidy
from app.models import HoldKind, NameDisplay, ReportFrequency
from app.organizers import MIN_PASSWORD_LENGTH
from app.signatures.paper import PAPER_LABELS
from app.signatures.paper import PAPER_NAME_CHOICES as PAPER_NAME_DISPLAYS
from app.signatures.signals import NETWORK_KEY_LENGTH
from app.web.form_parts import (
    PersonName,
    RowList,
    at_most,
    one_line,
    one_of,
    validate_email,
    validate_reason,
    validate_source,
    validate_zip,
)
from app.web.organizer.petition_forms import TargetFieldsForm


class LoginForm(FlaskForm):
    email = StringField(
        _l("Email"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter your email address.")), at_most(254)],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), at_most(200)],
        render_kw={"autocomplete": "current-password"},
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use %(min)d to %(max)d characters.", min=MIN_PASSWORD_LENGTH, max=200),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type it again"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class TargetForm(TargetFieldsForm):
    """A target on the settings page: every row is a target, so each needs its title and
    name."""

    def validate_title(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Enter a title, like Mayor."))

    def validate_name(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Enter a name."))


SHARE_CHANNEL_CHOICES = [
    SelectChoice("", _l("with their friends, wherever they are")),
    SelectChoice("facebook", _l("on Facebook")),
    SelectChoice("whatsapp", _l("on WhatsApp")),
    SelectChoice("x", _l("on X")),
    SelectChoice("email", _l("by email")),
]


class SettingsForm(FlaskForm):
    goal = IntegerField(
        _l("Goal (signatures)"),
        validators=[InputRequired(_l("Enter a goal.")), NumberRange(min=1, max=100_000_000)],
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"),
        format=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"],
        validators=[InputRequired(_l("Enter the date and time the petition closes."))],
        render_kw={"step": "1"},
    )
    featured = BooleanField(_l("Featured: shown on the home page"))
    share_channel = SelectField(
        _l("After signing, ask signers to share it"),
        choices=SHARE_CHANNEL_CHOICES,
        default="",
        validate_choice=False,
        validators=[one_of(SHARE_CHANNEL_CHOICES)],
    )
    contact_email = StringField(
        _l("Organizers' contact address"),
        filters=[tidy],
        validators=[Optional(), at_most(254), validate_email],
    )
    targets = RowList(FormField(TargetForm), min_entries=1, max_entries=12)


STATUS_CHOICES = [
    SelectChoice("confirmed", _l("Confirmed (counted)")),
    SelectChoice("pending", _l("Pending (not confirmed)")),
    SelectChoice("held", _l("Held (awaiting your review)")),
    SelectChoice("invalidated", _l("Invalidated")),
    SelectChoice("all", _l("All but invalidated")),
]


class ExportForm(FlaskForm):
    status = SelectField(
        _l("Signatures"),
        choices=STATUS_CHOICES,
        default="confirmed",
        validate_choice=False,
        validators=[one_of(STATUS_CHOICES)],
    )
    signed_from = DateField(_l("Signed from"), validators=[Optional()])
    signed_to = DateField(_l("Signed until"), validators=[Optional()])

    def validate_signed_to(self, field) -> None:
        if field.data and self.signed_from.data and field.data < self.signed_from.data:
            raise ValidationError(_l("The end date is before the start date."))


PAPER_NAME_CHOICES = [SelectChoice(value, label) for value, label in PAPER_NAME_DISPLAYS]


class PaperSignatureForm(FlaskForm):
    """A paper signature's fields, in the order and under the labels of the printed sheet's
    columns (PAPER_COLUMNS)."""

    first_name = StringField(
        PAPER_LABELS["first_name"],
        filters=[tidy],
        validators=[DataRequired(_l("Enter the first name.")), at_most(80), PersonName()],
    )
    last_name = StringField(
        PAPER_LABELS["last_name"],
        filters=[tidy],
        validators=[DataRequired(_l("Enter the last name.")), at_most(80), PersonName()],
    )
    zip_code = StringField(
        PAPER_LABELS["zip_code"],
        filters=[tidy],
        validators=[DataRequired(_l("Enter the ZIP code.")), at_most(10), validate_zip],
    )
    email = StringField(
        PAPER_LABELS["email"],
        filters=[tidy],
        validators=[Optional(), at_most(254), validate_email],
    )
    signed_on = DateField(
        PAPER_LABELS["signed_on"], validators=[InputRequired(_l("Enter the date."))]
    )
    reason = TextAreaField(
        PAPER_LABELS["reason"],
        filters=[tidy],
        validators=[Optional(), at_most(500), validate_reason],
    )
    name_display = RadioField(
        PAPER_LABELS["name_display"],
        validate_choice=False,
        choices=PAPER_NAME_CHOICES,
        default=NameDisplay.HIDDEN.value,
        validators=[one_of(PAPER_NAME_CHOICES)],
    )
    # Offered when likely duplicates are shown (app.signatures.paper.likely_duplicates).
    add_anyway = BooleanField(_l("This is a different person: add anyway"))


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter an email address.")), at_most(254), validate_email],
    )
    admin = BooleanField(_l("Admin (can invite and disable organizers, and erase data)"))


class PurgeForm(FlaskForm):
    understood = BooleanField(
        _l("I understand: every signer's name, email address and reason will be erased for good."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    delivered_by_hand = BooleanField(
        _l("The final letters were delivered by hand (not by email from here).")
    )


class DeliverForm(FlaskForm):
    targets = SelectMultipleField(
        _l("Deliver to"), coerce=int, validators=[DataRequired(_l("Choose at least one target."))]
    )
    previewed = BooleanField(
        _l("I have checked the letters and the email above."),
        validators=[DataRequired(_l("Check the preview first, then tick the box."))],
    )


REPORT_FREQUENCIES = (
    SelectChoice(ReportFrequency.NEVER.value, _l("Never")),
    SelectChoice(ReportFrequency.WEEKLY.value, _l("Every week")),
    SelectChoice(ReportFrequency.MILESTONES.value, _l("At each milestone")),
)


class ReportFrequencyForm(FlaskForm):
    """How often one target gets a progress report."""

    frequency = SelectField(
        _l("Progress reports"),
        choices=list(REPORT_FREQUENCIES),
        validators=[DataRequired(_l("Choose how often."))],
    )


class AddMemberForm(FlaskForm):
    email = EmailField(
        _l("Email of an organizer"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter an email address.")), at_most(254), validate_email],
    )


PRINT_LANGUAGE_CHOICES = [SelectChoice("en", "English"), SelectChoice("es", "Español")]
PAPER_CHOICES = [SelectChoice("letter", _l("US Letter")), SelectChoice("a4", _l("A4"))]


class PrintForm(FlaskForm):
    """What to print, read from the query string: a download changes nothing."""

    class Meta:
        csrf = False

    language = SelectField(
        _l("Language"),
        choices=PRINT_LANGUAGE_CHOICES,
        default="en",
        validate_choice=False,
        validators=[one_of(PRINT_LANGUAGE_CHOICES)],
    )
    paper = SelectField(
        _l("Paper"),
        choices=PAPER_CHOICES,
        default="letter",
        validate_choice=False,
        validators=[one_of(PAPER_CHOICES)],
    )


class FlyerForm(PrintForm):
    source = StringField(
        _l("Source name (for the QR code)"),
        default="flyer",
        validators=[DataRequired(_l("Enter a source name, like library-table.")), validate_source],
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[tidy],
        validators=[DataRequired(_l("Give the token a name.")), at_most(80)],
    )
    personal_data = BooleanField(
        _l("Read signers' personal data (names, email addresses, ZIP codes, comments)")
    )
    write = BooleanField(_l("Record signatures (each signer confirms by email)"))
    import_confirmed = BooleanField(
        _l(
            "Record signatures as confirmed, without our confirmation email: only for a "
            "partner that confirmed its signers itself"
        )
    )

    def validate_import_confirmed(self, field) -> None:
        if field.data and not self.write.data:
            raise ValidationError(_l("Tick “Record signatures” too."))


# --- the integrity review ---------------------------------------------------------------


def invalidation_reason() -> StringField:
    return StringField(
        _l("Why (kept with the record)"),
        filters=[tidy],
        validators=[
            DataRequired(_l("Say why: the reason is kept with the record.")),
            at_most(500),
            one_line,
        ],
    )


class InvalidateClusterForm(FlaskForm):
    """Invalidate a cluster the review found, named by its `ident` (which says nothing of
    what is in it); the organizer writes why."""

    cluster = HiddenField()
    reason = invalidation_reason()


LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]


class InvalidateSpanForm(FlaskForm):
    """Invalidate every signature in play made in a span of time, typed in the petition's
    zone."""

    since = DateTimeLocalField(
        _l("Signed from"),
        format=LOCAL_DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter when the span starts."))],
        render_kw={"step": "1"},
    )
    until = DateTimeLocalField(
        _l("Signed before"),
        format=LOCAL_DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter when the span ends."))],
        render_kw={"step": "1"},
    )
    reason = invalidation_reason()

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data <= self.since.data:
            raise ValidationError(_l("The end is not after the start."))


HOLD_KIND_CHOICES = [
    SelectChoice(HoldKind.NETWORK.value, _l("A network (its key, as the review shows it)")),
    SelectChoice(HoldKind.DOMAIN.value, _l("An email domain")),
]
NETWORK_KEY = re.compile(rf"[0-9a-f]{{{NETWORK_KEY_LENGTH}}}")
DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


class HoldForm(FlaskForm):
    kind = SelectField(
        _l("Hold new signatures from"),
        choices=HOLD_KIND_CHOICES,
        default=HoldKind.DOMAIN.value,
        validate_choice=False,
        validators=[one_of(HOLD_KIND_CHOICES)],
    )
    value = StringField(
        _l("Network key or domain"),
        filters=[tidy],
        validators=[DataRequired(_l("Enter a network key or an email domain.")), at_most(253)],
    )

    def validate_value(self, field) -> None:
        value = field.data.lower()
        if self.kind.data == HoldKind.NETWORK.value:
            if not NETWORK_KEY.fullmatch(value):
                raise ValidationError(
                    _l(
                        "A network key is %(length)d letters and digits, as the review shows "
                        "it, like 3fa2c9e1d07b6a54.",
                        length=NETWORK_KEY_LENGTH,
                    )
                )
        else:
            value = value.removeprefix("@")
            if not DOMAIN.fullmatch(value):
                raise ValidationError(_l("Enter a domain like example.com."))
        field.data = value

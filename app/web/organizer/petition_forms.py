"""The form organizers start and edit a petition with. It works without JavaScript: targets
are added with a button that sends the form back, removed with a tick and put in order by a
number each."""

from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from app.core.text_rules import has_control_characters, tidy
from app.petitions.authoring import MAX_TARGETS, SLUG_MAX_LENGTH
from app.web.form_parts import RowList, at_most, one_line, validate_email

# Long enough for PARS's texts three times over, short enough that the form with both stays
# under the request size limit (MAX_CONTENT_LENGTH).
LONG_TEXT_LIMIT = 12_000
FIRST_YEAR, LAST_YEAR = 2000, 2100
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]

COMMON_TIME_ZONES = (
    ("America/New_York", _l("Eastern time (New York, Philadelphia)")),
    ("America/Chicago", _l("Central time (Chicago)")),
    ("America/Denver", _l("Mountain time (Denver)")),
    ("America/Phoenix", _l("Arizona (Phoenix)")),
    ("America/Los_Angeles", _l("Pacific time (Los Angeles)")),
    ("America/Anchorage", _l("Alaska (Anchorage)")),
    ("Pacific/Honolulu", _l("Hawaii (Honolulu)")),
    ("America/Puerto_Rico", _l("Puerto Rico")),
)


@cache
def known_time_zones() -> frozenset[str]:
    """The zone names offered: the IANA areas (Region/City), without the legacy aliases."""
    return frozenset(
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    ) | {name for name, _label in COMMON_TIME_ZONES}


def time_zone_choices() -> dict:
    common = [SelectChoice(name, f"{label} – {name}") for name, label in COMMON_TIME_ZONES]
    shown = {name for name, _label in COMMON_TIME_ZONES}
    others = [SelectChoice(name, name) for name in sorted(known_time_zones() - shown)]
    return {_l("Common in the United States"): common, _l("Every time zone"): others}


def written_text(form, field) -> None:
    if field.data and has_control_characters(field.data, allow_newlines=True):
        raise ValidationError(_l("Remove the control characters (they often come with pasting)."))


def plain_newlines(value: str | None) -> str | None:
    return None if value is None else value.replace("\r\n", "\n").replace("\r", "\n")


def validate_zone(form, field) -> None:
    if field.data not in known_time_zones():
        raise ValidationError(_l("Choose a time zone from the list."))


def within_years(form, field) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(
            _l("Choose a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )


def zip_prefixes(text: str | None) -> list[str]:
    return (text or "").replace(",", " ").split()


def validate_zip_prefixes(form, field) -> None:
    for prefix in zip_prefixes(field.data):
        if not (prefix.isascii() and prefix.isdigit() and 1 <= len(prefix) <= 5):
            raise ValidationError(
                _l("Write the first digits of the ZIP codes, separated by spaces: 191 or 191 190.")
            )


class TargetFieldsForm(Form):
    """A target's title, name and address, held to the same rules wherever they are edited
    (the petition form's rows, the settings page)."""

    title = StringField(
        _l("Title"),
        filters=[tidy],
        validators=[at_most(120), one_line],
    )
    name = StringField(_l("Name"), filters=[tidy], validators=[at_most(120), one_line])
    email = StringField(
        _l("Email (optional)"),
        filters=[tidy],
        validators=[Optional(), at_most(254), validate_email],
        description=_l("Where the letter is delivered. Never shown publicly."),
    )


class TargetRowForm(TargetFieldsForm):
    # The target a row edits; empty for a new one.
    id = HiddenField()
    position = IntegerField(
        _l("Position"),
        validators=[Optional(), NumberRange(min=1, max=99, message=_l("Use 1 to 99."))],
        render_kw={"inputmode": "numeric"},
    )
    remove = BooleanField(_l("Remove this target"))

    def is_blank(self) -> bool:
        return not (self.title.data or self.name.data or self.email.data)

    def target_id(self) -> int | None:
        value = (self.id.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class PetitionForm(FlaskForm):
    title = StringField(
        _l("Title of the petition"),
        filters=[tidy],
        validators=[DataRequired(_l("Write a title.")), at_most(200), one_line],
    )
    organizer_name = StringField(
        _l("Organizer shown on the page"),
        filters=[tidy],
        validators=[at_most(200), one_line],
    )
    slug = StringField(
        _l("Address (optional)"),
        filters=[tidy],
        validators=[at_most(SLUG_MAX_LENGTH), one_line],
    )
    about = TextAreaField(
        _l("About this petition"),
        filters=[tidy, plain_newlines],
        validators=[at_most(LONG_TEXT_LIMIT), written_text],
        render_kw={"rows": 12},
    )
    letter_subject = StringField(
        _l("Letter subject"), filters=[tidy], validators=[at_most(200), one_line]
    )
    letter_body = TextAreaField(
        _l("Letter"),
        filters=[tidy, plain_newlines],
        validators=[at_most(LONG_TEXT_LIMIT), written_text],
        render_kw={"rows": 12},
    )
    targets = RowList(FormField(TargetRowForm), max_entries=MAX_TARGETS)
    goal = IntegerField(
        _l("Goal (signatures)"),
        default=100,
        validators=[
            InputRequired(_l("Enter a goal.")),
            NumberRange(min=1, max=100_000_000, message=_l("Use a number from 1 to 100,000,000.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    time_zone = SelectField(
        _l("Time zone"),
        validate_choice=False,
        validators=[validate_zone],
    )
    # Empty: signing opens as soon as the petition is published.
    opens_at = DateTimeLocalField(
        _l("Opens at"),
        format=DATETIME_FORMATS,
        validators=[Optional(), within_years],
        render_kw={"step": "1"},
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"),
        format=DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter when the petition closes.")), within_years],
        render_kw={"step": "1"},
    )
    resident_zip_prefixes = StringField(
        _l("Residents' ZIP codes start with"),
        filters=[tidy],
        validators=[at_most(80), validate_zip_prefixes],
        render_kw={"inputmode": "numeric"},
    )
    resident_label = StringField(
        _l("Residents of (a place)"),
        filters=[tidy],
        validators=[at_most(80), one_line],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()

    def validate_closes_at(self, field) -> None:
        opens = self.opens_at.data
        if field.data is not None and opens is not None and field.data <= opens:
            raise ValidationError(_l("The petition must close after it opens."))

    def validate_resident_label(self, field) -> None:
        if zip_prefixes(self.resident_zip_prefixes.data) and not field.data:
            raise ValidationError(_l("Name the place these ZIP codes cover, like Philadelphia."))

    def validate_targets(self, field) -> None:
        missing = False
        for row in self.kept_rows():
            if not row.title.data:
                row.title.errors.append(_l("Enter a title, like Mayor."))
                missing = True
            if not row.name.data:
                row.name.errors.append(_l("Enter a name."))
                missing = True
        if missing:
            raise ValidationError(_l("Give each target a title and a name."))

    def kept_rows(self) -> list[TargetRowForm]:
        """The target rows to keep, in the order their position numbers give (ties and
        empty numbers keep their place in the list)."""
        rows = [
            (entry.form.position.data or index + 1, index, entry.form)
            for index, entry in enumerate(self.targets.entries)
            if not entry.form.remove.data and not entry.form.is_blank()
        ]
        return [row for _position, _index, row in sorted(rows, key=lambda r: (r[0], r[1]))]

    def problems(self) -> list[tuple[str, str, str]]:
        """Every error as (field id, label, message), in the order of the page, the target
        rows' own included."""
        found = []
        for field in self:
            if field.name == "csrf_token":
                continue
            if field.name == "targets":
                for number, entry in enumerate(self.targets.entries, start=1):
                    for sub in entry.form:
                        if sub.errors:
                            label = _l(
                                "Target %(number)d: %(field)s", number=number, field=sub.label.text
                            )
                            found.append((sub.id, str(label), str(sub.errors[0])))
                continue
            if field.errors:
                found.append((field.id, str(field.label.text), str(field.errors[0])))
        return found


def local_datetime(moment: datetime, zone) -> datetime:
    """An instant as the form shows it: the wall-clock time in `zone`, without the zone."""
    return moment.astimezone(zone).replace(tzinfo=None)

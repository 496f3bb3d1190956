"""Form pieces shared by the public and organizer sides: validators for what people type,
and the button-only form."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList
from wtforms.validators import AnyOf, Length, ValidationError

from app.core.email_address import InvalidEmail, NonAsciiLocalPart, normalize_email
from app.core.text_rules import (
    SOURCE_RULE,
    clean_source,
    contains_email_sign,
    contains_url,
    has_control_characters,
    has_invisible_characters,
    has_line_separators,
    is_one_line,
    starts_like_formula,
)

ZIP_CODE = re.compile(r"^(\d{5})(?:-?\d{4})?$")
INVISIBLE_CHARACTERS = _l(
    "Remove the invisible characters (such as direction marks or zero-width spaces): "
    "they often come along when text is pasted. Typing it again fixes it."
)


class PersonName:
    """A first or last name: printable, visible, no formula start, no link or address, in
    any script (joiners included) and however written (full-width, other dots)."""

    def __call__(self, form, field) -> None:
        value = field.data or ""
        if has_control_characters(value) or has_line_separators(value):
            raise ValidationError(_l("Use letters, spaces and punctuation only."))
        if has_invisible_characters(value):
            raise ValidationError(INVISIBLE_CHARACTERS)
        if starts_like_formula(value):
            raise ValidationError(_l("A name cannot start with =, +, - or @."))
        if contains_email_sign(value):
            raise ValidationError(_l("A name cannot contain @ or an email address."))
        if contains_url(value):
            raise ValidationError(_l("A name cannot contain a web address."))


ONE_LINE = _l("Use letters, digits, spaces and punctuation on one line.")


def one_line(form, field) -> None:
    """Text shown as one line, wherever it is edited (app.core.text_rules.is_one_line)."""
    value = field.data or ""
    if is_one_line(value):
        return
    if has_invisible_characters(value):
        raise ValidationError(INVISIBLE_CHARACTERS)
    raise ValidationError(ONE_LINE)


def validate_email(form, field) -> None:
    value = field.data or ""
    if has_control_characters(value):
        raise ValidationError(_l("Enter an email address like name@example.com."))
    try:
        field.data = normalize_email(value)
    except NonAsciiLocalPart:
        raise ValidationError(
            _l(
                "Use only unaccented letters, digits and . _ + - before the @: many mail "
                "servers cannot deliver to other characters."
            )
        ) from None
    except InvalidEmail:
        raise ValidationError(_l("Enter an email address like name@example.com.")) from None


def zip_example(resident_zip_prefixes: str) -> str | None:
    """A ZIP code that fits a petition's own residency rule, for its forms' messages: 19107
    for PARS's "191", 90007 for "900 902"; None for a petition without a rule."""
    prefixes = resident_zip_prefixes.split()
    if not prefixes:
        return None
    first = prefixes[0]
    return (first + "0" * (3 - len(first)) + "07")[:5]


def validate_zip(form, field) -> None:
    """A 5-digit ZIP code (ZIP+4 is kept as its 5 digits). The message's example is the
    form's `zip_example`, which a form about a petition takes from its residency rule."""
    match = ZIP_CODE.match(field.data or "")
    if not match:
        example = getattr(form, "zip_example", None)
        if not example:
            raise ValidationError(_l("Enter a 5-digit ZIP code."))
        raise ValidationError(_l("Enter a 5-digit ZIP code, like %(example)s.", example=example))
    field.data = match.group(1)


def validate_source(form, field) -> None:
    """A source name for a printed QR code: what `clean_source` keeps (lower-cased)."""
    source = clean_source(field.data)
    if source is None:
        raise ValidationError(SOURCE_RULE)
    field.data = source


def validate_reason(form, field) -> None:
    """Shown on the page, in the letters and the CSV: printable and visible, newlines kept."""
    if field.data and has_control_characters(field.data, allow_newlines=True):
        raise ValidationError(_l("Use letters, spaces and punctuation only."))
    if field.data and has_invisible_characters(field.data):
        raise ValidationError(INVISIBLE_CHARACTERS)


class ButtonForm(FlaskForm):
    """A form that is only a button (and its CSRF token)."""


def at_most(characters: int) -> Length:
    """A length limit whose message is ours (translated), not WTForms' own."""
    return Length(max=characters, message=_l("Use at most %(max)d characters.", max=characters))


def one_of(choices) -> AnyOf:
    """For choice fields built with validate_choice=False: our own (translated) message."""
    return AnyOf([choice.value for choice in choices], message=_l("Choose one of the options."))


class RowList(FieldList):
    """A FieldList that reads only plain row numbers from the form: WTForms' own takes any
    Unicode digit ('²') for one and fails on it (a 500)."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= 4:
                    yield int(index)

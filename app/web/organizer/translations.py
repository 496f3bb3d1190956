"""Translating a petition: each text's original beside its translation into one language,
saved in one POST. Registered on the organizer blueprint (routes.py imports this module)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from app.core.text_rules import tidy
from app.models import Petition
from app.petitions.translations import (
    ORIGINAL_LOCALE,
    TranslatableText,
    TranslationRefused,
    petition_texts,
    save_translation,
    translation_locales,
    translation_refusal,
)
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404
from app.web.organizer.languages import translated_field_label

_LABELS = {
    "title": _l("Title of the petition"),
    "about": _l("About this petition"),
    "letter_subject": _l("Letter subject"),
    "letter_body": _l("Letter"),
}


def text_label(text: TranslatableText) -> str:
    if text.target is not None:
        return str(_l("Title of target %(position)d", position=text.target.position))
    return str(_LABELS[text.key])


def _translated_label(text: TranslatableText, locale: str) -> str:
    if text.target is not None:
        return translated_field_label("target", locale, text.target.position)
    return translated_field_label(text.key, locale)


def _field_name(text: TranslatableText) -> str:
    return text.key.replace("-", "_")


def _checked(text: TranslatableText):
    def validate(form, field) -> None:
        refusal = translation_refusal(text, field.data or "")
        if refusal is not None:
            raise ValidationError(refusal)

    return validate


def _rows(text: TranslatableText) -> int:
    """About as tall as the original beside it (a line of some 60 characters), within reason."""
    lines = sum(1 + len(line) // 60 for line in text.original.splitlines())
    return max(4, min(lines + 1, 30))


def translation_form(texts: list[TranslatableText], locale: str) -> FlaskForm:
    """A field per text, named by its key ("target_12" for target 12's title)."""

    class TranslationForm(FlaskForm):
        pass

    for text in texts:
        kind = TextAreaField if text.multiline else StringField
        field = kind(
            _translated_label(text, locale),
            filters=[tidy],
            validators=[Optional(), _checked(text)],
            render_kw={"lang": locale, "rows": _rows(text)} if text.multiline else {"lang": locale},
        )
        setattr(TranslationForm, _field_name(text), field)
    data = {_field_name(text): text.translation for text in texts}
    return TranslationForm(data=data) if request.method == "GET" else TranslationForm()


@bp.route("/petitions/<slug:slug>/translations/<locale>", methods=["GET", "POST"])
def translation(slug: str, locale: str):
    petition = managed_petition_or_404(slug)
    if locale not in translation_locales():
        abort(404)
    texts = petition_texts(petition, locale)
    form = translation_form(texts, locale)
    if form.validate_on_submit():
        # Only the fields the form sent: a text added since the page was shown is left alone.
        values = {
            text.key: form[_field_name(text)].data or ""
            for text in texts
            if form[_field_name(text)].raw_data
        }
        try:
            changed = save_translation(petition, locale, values)
        except TranslationRefused as refusal:
            flash(str(refusal), "error")
            return _page(managed_petition_or_404(slug), locale, texts, form, 400)
        flash(ngettext("Saved: %(num)d change.", "Saved: %(num)d changes.", changed), "info")
        return redirect(url_for(".translation", slug=slug, locale=locale), 303)
    return _page(petition, locale, texts, form, 400 if form.errors else 200)


def _page(petition: Petition, locale: str, texts, form, status: int):
    rows = [(text, form[_field_name(text)], text_label(text)) for text in texts]
    return render_template(
        "organizer/translation.html",
        petition=petition,
        locale=locale,
        original_locale=ORIGINAL_LOCALE,
        rows=rows,
        form=form,
        translated=sum(text.is_translated for text in texts),
    ), status

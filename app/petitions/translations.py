"""A petition's texts in other languages: what readers of each language see (the translation
where there is one, else the original), what organizers translated and what is still to do,
and saving a translation.

Organizers write in English (ORIGINAL_LOCALE) and the letter is delivered to the officials in
English, as written; its translation is only shown on the page. A text with no translation is
stored as absent (a blank title or about, no target title) and shown in the original.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from babel.lists import format_list
from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.core.clock import now
from app.core.database import write_transaction
from app.core.text_rules import has_control_characters
from app.extensions import db
from app.models import Petition, PetitionTranslation, Target, TargetTranslation
from app.models.audit import record_change

ORIGINAL_LOCALE = "en"

# The petition's own texts, in the order organizers meet them; then each target's title.
PETITION_TEXTS = ("title", "about", "letter_subject", "letter_body")
_MULTILINE = {"about", "letter_body"}
_MAX_LENGTH = {"title": 200, "letter_subject": 200, "target": 120}  # the columns' sizes


class TranslationRefused(ValueError):
    """A translation that cannot be saved: `key` names the text, the message says why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def translation_locales() -> tuple[str, ...]:
    """The languages petitions are translated into: every language of the site but the
    original."""
    return tuple(code for code in current_app.config["LANGUAGES"] if code != ORIGINAL_LOCALE)


# --- what readers see ----------------------------------------------------------------------


@dataclass(frozen=True)
class PetitionText:
    """The organizers' texts for a reader of one language: each the translation where there
    is one, else the original, with the language it is in (for the page's `lang`)."""

    title: str
    about: str
    letter_subject: str
    letter_body: str
    title_locale: str
    about_locale: str
    subject_locale: str
    body_locale: str

    @property
    def locale(self) -> str:
        """The title's language."""
        return self.title_locale

    @property
    def translated(self) -> bool:
        """Whether the about text is a translation."""
        return self.about_locale != ORIGINAL_LOCALE

    @property
    def letter_translated(self) -> bool:
        """Whether the page shows the letter (its subject or body) in translation."""
        return self.subject_locale != ORIGINAL_LOCALE or self.body_translated

    @property
    def body_translated(self) -> bool:
        """Whether the letter's body is a translation: its greeting then is too."""
        return self.body_locale != ORIGINAL_LOCALE


def translation_of(petition_id: int, locale: str) -> PetitionTranslation | None:
    return db.session.scalar(
        sa.select(PetitionTranslation).where(
            PetitionTranslation.petition_id == petition_id, PetitionTranslation.locale == locale
        )
    )


_TRANSLATED_TITLE = sa.select(PetitionTranslation.title).where(
    PetitionTranslation.petition_id == sa.bindparam("petition_id"),
    PetitionTranslation.locale == sa.bindparam("locale"),
)


def translated_title(petition_id: int, locale: str) -> str | None:
    """The title alone, for every confirmation email: a third of `translation_of`'s cost."""
    title = db.session.execute(
        _TRANSLATED_TITLE, {"petition_id": petition_id, "locale": locale}
    ).scalar()
    return title or None


def petition_text(
    petition: Petition, locale: str, original_locale: str = ORIGINAL_LOCALE
) -> PetitionText:
    translation = translation_of(petition.id, locale) if locale != original_locale else None

    def either(field: str) -> tuple[str, str]:
        translated = getattr(translation, field, None) if translation else None
        if translated:
            return translated, locale
        return getattr(petition, field), original_locale

    (title, title_locale), (about, about_locale) = either("title"), either("about")
    (subject, subject_locale), (body, body_locale) = either("letter_subject"), either("letter_body")
    return PetitionText(
        title, about, subject, body, title_locale, about_locale, subject_locale, body_locale
    )


def _target_titles(petition: Petition, locale: str) -> dict[int, str]:
    """{target id: its title in `locale`}, for the targets that have one."""
    return dict(
        db.session.execute(
            sa.select(TargetTranslation.target_id, TargetTranslation.title)
            .join(Target, Target.id == TargetTranslation.target_id)
            .where(Target.petition_id == petition.id, TargetTranslation.locale == locale)
        ).all()
    )


def target_names(
    petition: Petition, locale: str, original_locale: str = ORIGINAL_LOCALE
) -> list[str]:
    """The targets' full names for a reader of `locale`, in order: 'Alcalde Michael Nutter'
    where the title has a translation, else as written. Not for the letter, which stays in
    English."""
    titles = _target_titles(petition, locale) if locale != original_locale else {}
    return [
        target.full_name_with(titles.get(target.id, target.title)) for target in petition.targets
    ]


def translated_greeting(names: list[str]) -> list[str]:
    """The lines that open a translated letter, in the reader's language: whom it is for,
    then a salutation that does not name them. Spanish cannot greet 'Alcaldesa Karen Bass y
    Concejal Curren Price' in one phrase: an adjective before them ("Estimados") agrees in
    gender with no one in particular, and a title in running text wants an article. So the
    names follow a label, as at the head of a letter ('Para: Alcaldesa Karen Bass, Concejal
    Curren Price y Jueza Marsha Neifield'), and the salutation addresses the officials as
    'autoridades', whose adjective agrees with that word ('Estimadas autoridades:'). (The
    letter delivered opens with `letter_greeting`, in English.)"""
    return [
        _("To: %(names)s", names=format_list(names, locale=get_locale())),
        ngettext("Dear official:", "Dear officials:", len(names)),
    ]


# --- what organizers translate ---------------------------------------------------------------


@dataclass(frozen=True)
class TranslatableText:
    """One text of a petition beside its translation into one language ("" where none)."""

    key: str  # "title", "about", "letter_subject", "letter_body", or "target-<id>"
    original: str
    translation: str
    target: Target | None = None

    @property
    def is_translated(self) -> bool:
        return bool(self.translation.strip())

    @property
    def multiline(self) -> bool:
        return self.key in _MULTILINE

    @property
    def max_length(self) -> int | None:
        return _MAX_LENGTH.get("target" if self.target else self.key)


def target_key(target: Target) -> str:
    return f"target-{target.id}"


def petition_texts(petition: Petition, locale: str) -> list[TranslatableText]:
    """Every text of the petition with its translation into `locale`: its title, about text,
    letter subject and body, then each target's title, in order."""
    translation = translation_of(petition.id, locale)
    texts = [
        TranslatableText(key, getattr(petition, key), getattr(translation, key, None) or "")
        for key in PETITION_TEXTS
    ]
    titles = _target_titles(petition, locale)
    texts += [
        TranslatableText(target_key(target), target.title, titles.get(target.id, ""), target)
        for target in petition.targets
    ]
    return texts


def untranslated(petition: Petition, locale: str) -> list[TranslatableText]:
    return [text for text in petition_texts(petition, locale) if not text.is_translated]


@dataclass(frozen=True)
class TranslationProgress:
    locale: str
    translated: int
    total: int


def translation_progress(petition: Petition) -> list[TranslationProgress]:
    """For each language petitions are translated into, how many of the texts are."""
    progress = []
    for locale in translation_locales():
        texts = petition_texts(petition, locale)
        done = sum(text.is_translated for text in texts)
        progress.append(TranslationProgress(locale, done, len(texts)))
    return progress


def translation_refusal(text: TranslatableText, value: str) -> LazyString | None:
    """Why `value` cannot be the translation of `text`, or None if it can."""
    if text.max_length and len(value) > text.max_length:
        return _l("Use at most %(max)d characters.", max=text.max_length)
    if has_control_characters(value, allow_newlines=text.multiline):
        return _l("Remove the control characters from this text.")
    return None


def save_translation(petition: Petition, locale: str, values: Mapping[str, str]) -> int:
    """Set the petition's texts in `locale` from `values` ({key: translation}, as keyed by
    `petition_texts`; a blank one is no translation, a key not given is left as it is).
    Records each change of a published petition. Returns how many texts changed.

    Raises TranslationRefused, changing nothing, for a language petitions are not
    translated into or a text that cannot be saved."""
    if locale not in translation_locales():
        raise TranslationRefused("locale", _l("Petitions are not translated into that language."))
    petition_id = petition.id
    with write_transaction():
        # Locked, so that two organizers saving at once do not both add the language's row.
        petition = db.session.get_one(Petition, petition_id, with_for_update=True)
        texts = {text.key: text for text in petition_texts(petition, locale)}
        wanted = {}
        for key, value in values.items():
            text = texts.get(key)
            if text is None:
                continue  # a target removed since the form was shown
            # Browsers send a textarea's lines ended by CR LF: stored as the originals are, by LF.
            value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
            refusal = translation_refusal(text, value)
            if refusal is not None:
                raise TranslationRefused(key, refusal)
            if value != text.translation:
                wanted[key] = value
        for key, value in wanted.items():
            text = texts[key]
            if text.target is not None:
                _set_target_title(text.target, locale, value)
            else:
                _set_petition_text(petition, locale, key, value)
            if petition.is_published:
                what = (
                    f"target {text.target.position} title ({locale})"
                    if text.target is not None
                    else f"{key.replace('_', ' ')} ({locale})"
                )
                record_change(petition, what, text.translation or None, value or None)
        if wanted:
            _drop_empty_translation(petition, locale)
            petition.updated_at = now()
        return len(wanted)


def _set_petition_text(petition: Petition, locale: str, key: str, value: str) -> None:
    translation = next((t for t in petition.translations if t.locale == locale), None)
    if translation is None:
        # Title and about are required columns: blank until translated.
        translation = PetitionTranslation(locale=locale, title="", about="")
        petition.translations.append(translation)
    if key in ("letter_subject", "letter_body"):
        setattr(translation, key, value or None)
    else:
        setattr(translation, key, value)


def _drop_empty_translation(petition: Petition, locale: str) -> None:
    translation = next((t for t in petition.translations if t.locale == locale), None)
    if translation is not None and not any(getattr(translation, key) for key in PETITION_TEXTS):
        petition.translations.remove(translation)


def _set_target_title(target: Target, locale: str, title: str) -> None:
    translation = next((t for t in target.translations if t.locale == locale), None)
    if not title:
        if translation is not None:
            target.translations.remove(translation)
        return
    if translation is None:
        target.translations.append(TargetTranslation(locale=locale, title=title))
    else:
        translation.title = title

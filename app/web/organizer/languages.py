"""The organizers' sentences that name a language, each written whole for each language.

A language's name dropped into a sentence reads wrong once translated: "Preview in
%(language)s" became "Vista previa (Español)". Spanish writes languages in lower case and
the words around them change with the sentence ("traducción al español", "vista previa en
español"), so every such sentence is a message of its own per language. A language added to
LANGUAGES needs its sentences here (tests/test_whole_sentences.py checks that each has them).
Registered on the organizer blueprint as template globals (routes.py imports this module).
"""

from flask_babel import gettext as _
from flask_babel import ngettext

from app.web.organizer import bp


class NoSentence(LookupError):
    """A language with no sentences written for it here."""


def _for(code: str, sentences: dict[str, str]) -> str:
    if code not in sentences:
        raise NoSentence(f"no sentence written for the language {code!r}")
    return sentences[code]


@bp.app_template_global()
def preview_in(code: str) -> str:
    """The link to the petition's preview in that language."""
    return _for(code, {"en": _("Preview in English"), "es": _("Preview in Spanish")})


@bp.app_template_global()
def share_image_in(code: str) -> str:
    """The share image's text alternative, for that language's image."""
    return _for(
        code, {"en": _("The share image in English"), "es": _("The share image in Spanish")}
    )


@bp.app_template_global()
def original_in(code: str) -> str:
    """Above an original text, in the language organizers write in."""
    return _for(code, {"en": _("Original, in English")})


@bp.app_template_global()
def translation_heading(code: str) -> str:
    return _for(code, {"es": _("Spanish translation")})


@bp.app_template_global()
def translation_note(code: str) -> str:
    return _for(
        code,
        {
            "es": _(
                "Readers of Spanish see the original wherever a text has no translation. The "
                "officials receive the letter in the original, as written."
            )
        },
    )


@bp.app_template_global()
def translation_count(code: str, done: int, total: int) -> str:
    """On the dashboard, the link to that language's translation."""
    if code == "es":
        return ngettext(
            "Spanish: %(done)d of %(num)d text translated",
            "Spanish: %(done)d of %(num)d texts translated",
            total,
            done=done,
        )
    raise NoSentence(f"no sentence written for the language {code!r}")


def translated_field_label(key: str, code: str, position: int = 0) -> str:
    """The label of the field for a text's translation: `key` as app.petitions.translations
    names the texts ("title"...; "target" for a target's title, at `position`)."""
    if code == "es":
        labels = {
            "title": _("Title of the petition, in Spanish"),
            "about": _("About this petition, in Spanish"),
            "letter_subject": _("Letter subject, in Spanish"),
            "letter_body": _("Letter, in Spanish"),
            "target": _("Title of target %(position)d, in Spanish", position=position),
        }
        return labels[key]
    raise NoSentence(f"no sentence written for the language {code!r}")

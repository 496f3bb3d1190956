"""English words for counts, where the text is English whatever the reader's language: the
letter to the officials, its email, and the command line."""

from gettext import NullTranslations

_ENGLISH = NullTranslations()  # no catalog: English plural rules


def english_count(count: int, singular: str, plural: str) -> str:
    """'1 resident', '1,000 residents'. (A method call, so pybabel leaves these words out of the
    catalogs: there is nothing to translate.)"""
    return _ENGLISH.ngettext(singular, plural, count) % {"num": f"{count:,}"}

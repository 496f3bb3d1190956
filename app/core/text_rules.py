"""Rules for free text people type into public forms, shared by every form that takes it.

Names and reasons are shown on the page, printed in the letters, exported to CSV and put in
emails ("Hello Maria,"), so what could act there is refused: a link, a spreadsheet formula,
characters that reorder or hide text. Each rule looks at the NFKC form, the one a mail
client or a spreadsheet may end up seeing: full-width "ｅｖｉｌ．ｃｏｍ" and "＝1+1" are caught as
"evil.com" and "=1+1".
"""

import re
import sys
import unicodedata

from flask_babel import lazy_gettext as _l

# A cell a spreadsheet would run as a formula starts with one of these.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def _folding_to(prefixes: tuple[str, ...]) -> frozenset[str]:
    """Every character whose NFKC form starts with one of `prefixes` ("＝", "⁺", "﹫"...).

    Only characters with a decomposition can fold into another, so the rest are skipped
    without normalising them (the scan takes a tenth of a second)."""
    found = set(prefixes)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.decomposition(char) and unicodedata.normalize("NFKC", char).startswith(
            prefixes
        ):
            found.add(char)
    return frozenset(found)


FORMULA_FIRST_CHARACTERS = _folding_to(FORMULA_PREFIXES)
# A cell a spreadsheet would run as a formula starts with one of these: = + - @, every
# character that folds (NFKC) into one of them ("＝", "＋", "－", "＠", "⁼"...), tab, carriage
# return. "-" first: a GLOB set (the CSV export's, app.signatures.export) takes it literally.
FORMULA_STARTS = ("-", *sorted(FORMULA_FIRST_CHARACTERS - {"-"}), "\t", "\r")
_FORMULA_STARTS = frozenset(FORMULA_STARTS)
# A share link's or a QR code's `?source=` tag: what the dashboard counts signatures by.
SOURCE = re.compile(r"^[a-z0-9_-]{1,32}$")
SOURCE_RULE = _l("Use 1 to 32 letters, digits, - or _ for the source name, like library-table.")

# Joiners shape Persian, Arabic and Indic letters ("مهر‌ناز", "क्‍ष"): kept in names, ignored
# when comparing them. Every other format character (Unicode category Cf) is invisible and
# can reorder or hide text: direction overrides and isolates (U+202A-202E, U+2066-2069),
# marks (U+200E, U+200F), zero-width spaces (U+200B, U+2060, U+FEFF), soft hyphens, tags.
JOINERS = frozenset({"\u200c", "\u200d"})  # zero-width non-joiner, zero-width joiner

# Any kind of full stop a browser or mail client reads between the labels of a domain.
_DOT = "[.\u3002\uff0e\uff61]"
_URL = re.compile(
    r"://"  # a scheme: http://, hxxp://, ...
    r"|\b(?:https?|ftp|mailto|javascript|data|file|tel|sms|www)\s*[:\uff1a]"
    rf"|\bwww{_DOT}"
    rf"|\w{_DOT}[^\W\d_]{{2,}}"  # example.com, evil.de, пример.рф: a label of 2+ letters
    rf"|\b\d{{1,3}}(?:{_DOT}\d{{1,3}}){{3}}\b",  # 10.0.0.1
    re.IGNORECASE,
)


def neutralise(value: str) -> str:
    """A cell a spreadsheet would evaluate is prefixed with ': its first character, once
    folded (NFKC), is =, +, - or @, or it is a tab or CR. (The rule the CSV export applies
    in the database, for text handled in Python. The first character alone: folding the
    whole text could compose a leading "=" with the mark after it into "≠".)"""
    return "'" + value if value[:1] in _FORMULA_STARTS else value


def clean_source(value: str | None) -> str | None:
    """A `?source=` tag, lower-cased, kept only if it looks like one."""
    value = (value or "").strip().lower()
    return value if SOURCE.match(value) else None


def tidy(value: str | None) -> str | None:
    """Unicode-normalised and stripped; None stays None."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip()


def folded(value: str) -> str:
    """What the rules look at: compatibility characters folded (NFKC), joiners left out."""
    return "".join(char for char in unicodedata.normalize("NFKC", value) if char not in JOINERS)


def has_control_characters(value: str, *, allow_newlines: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(
        unicodedata.category(char) in ("Cc", "Cs", "Co") and char not in allowed for char in value
    )


def has_invisible_characters(value: str) -> bool:
    """Format characters other than the joiners: bidi overrides and isolates, direction
    marks, zero-width spaces, word joiners, byte order marks, tags."""
    return any(unicodedata.category(char) == "Cf" and char not in JOINERS for char in value)


def has_line_separators(value: str) -> bool:
    """U+2028 and U+2029 break lines where no newline shows (a name is one line)."""
    return any(unicodedata.category(char) in ("Zl", "Zp") for char in value)


def is_one_line(value: str) -> bool:
    """Text shown as one line (a title, a target's name, a subject): no control character
    (NUL, ESC, CR, LF), no line or paragraph separator, nothing invisible (bidi overrides,
    zero-width spaces). It is drawn on the share image and printed in the letters too."""
    return not (
        has_control_characters(value)
        or has_line_separators(value)
        or has_invisible_characters(value)
    )


def starts_like_formula(value: str) -> bool:
    """The first character is, or folds (NFKC) into, = + - or @. (Only the first character:
    normalising the whole text could compose "=" with a following mark into "≠".)"""
    return value[:1] in FORMULA_FIRST_CHARACTERS


def contains_email_sign(value: str) -> bool:
    return "@" in folded(value)


def contains_url(value: str) -> bool:
    """A scheme, `www.`, a domain ("word.word" with a label of two letters or more after
    any kind of dot), an IP address or an email address."""
    text = folded(value)
    # Without their marks, "भारत" and "कॉम" are runs of letters like "com".
    bare = "".join(char for char in text if not unicodedata.category(char).startswith("M"))
    return "@" in text or bool(_URL.search(bare))

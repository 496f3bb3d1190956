"""Rules for free text people type into public forms, shared by every form that takes it."""

import re
import unicodedata

# A name is refused if it would run as a spreadsheet formula or carries a link.
FORMULA_PREFIXES = ("=", "+", "-", "@")
_URL = re.compile(
    r"(://|\bwww\.|\b[a-z0-9-]+\.(com|net|org|info|biz|io|ru|cn|xyz|top|ly|co|me|us|link|click|"
    r"site|online|shop|app|ws)\b)",
    re.IGNORECASE,
)


def tidy(value: str | None) -> str | None:
    """Unicode-normalised and stripped; None stays None."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip()


def has_control_characters(value: str, *, allow_newlines: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(
        unicodedata.category(char) in ("Cc", "Cs", "Co") and char not in allowed for char in value
    )


def starts_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_PREFIXES)


def contains_url(value: str) -> bool:
    return bool(_URL.search(value))

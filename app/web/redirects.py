"""Where a `next=` parameter may send a visitor back to."""

import unicodedata
from urllib.parse import urlsplit


def local_path(target: str | None, *, under: str = "/") -> str | None:
    """`target` if it is a path on this site starting with `under`, else None.

    Never another site (a scheme, a host, "//"), and never a control character: CR or LF
    cannot go into a Location header (Werkzeug refuses them, which would be a 500)."""
    if not target or any(unicodedata.category(char) == "Cc" for char in target):
        return None
    if not target.startswith(under) or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # "/[", "//[": not a URL we could ever have made
        return None
    return None if parts.scheme or parts.netloc else target

"""The public pages without their templates' indentation: about a kilobyte of a petition
page, which is what takes its answer past one 16 kB TLS record (nginx then writes two for
every visit it answers from its cache).

Outside <pre> and <textarea>, a line break followed by spaces or more line breaks is white
space a browser shows as one space, as it shows the line break alone: only that goes. What
is inside those two elements is kept as it is."""

import re

_KEPT_AS_IS = re.compile(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>)", re.IGNORECASE | re.DOTALL)
_INDENTATION = re.compile(r"\n\s+")


def without_indentation(html: str) -> str:
    parts = _KEPT_AS_IS.split(html)
    # split() puts the kept elements at the odd places.
    return "".join(
        part if index % 2 else _INDENTATION.sub("\n", part) for index, part in enumerate(parts)
    )

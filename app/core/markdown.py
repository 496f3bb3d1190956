"""Organizers' Markdown, rendered safely for signers' eyes.

markdown-it-py renders CommonMark with raw HTML switched off (a `<script>` is shown as text)
and refuses `javascript:`-style links; nh3 (the Ammonia sanitiser) then keeps only the tags
and attributes listed here, so even a parser bug cannot let markup through. Links get
`rel="nofollow noopener"`: organizers' links should neither pass our reputation on nor reach
back into the page that opened them.
"""

import html
import re
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"


@cache
def _parser() -> MarkdownIt:
    # Headings start at h2: the petition's title is the page's only h1.
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("strikethrough")


def _demote_headings(html: str) -> str:
    for level in (5, 4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{min(level + 1, 4)}>").replace(
            f"</h{level}>", f"</h{min(level + 1, 4)}>"
        )
    return html


def render_markdown(text: str | None) -> Markup:
    """Safe HTML from an organizer's Markdown (never raises: any text is some Markdown)."""
    if not text:
        return Markup("")
    html = _demote_headings(_parser().render(text))
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # Sanitised by nh3 just above.
    return Markup(cleaned)  # noqa: S704 # nosec B704


def markdown_to_text(text: str | None) -> str:
    """The words of an organizer's Markdown without its markup, for emails' text part, PDFs
    and meta descriptions."""
    if not text:
        return ""
    rendered = _BLOCK_END.sub("\n\n", _parser().render(text))
    plain = html.unescape(nh3.clean(rendered, tags=set(), strip_comments=True))
    return re.sub(r"\n{3,}", "\n\n", plain).strip()


_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre)>")

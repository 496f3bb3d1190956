"""Organizers' Markdown is rendered, and nothing in it can run or reach into the page."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from app.core.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    LINK_REL,
    URL_SCHEMES,
    markdown_to_text,
    render_markdown,
)


def test_paragraphs_emphasis_lists_and_links():
    html = str(render_markdown("Hello **you**.\n\n* one\n* two\n\n[site](https://example.org)"))
    assert "<strong>you</strong>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://example.org" rel="nofollow noopener">site</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://evil.example" onclick="x()">raw</a>',
        "<iframe src=https://evil.example></iframe>",
        "![x](https://tracker.example/pixel.gif)",
    ],
)
def test_raw_html_scripts_and_dangerous_links_are_harmless(text):
    html = str(render_markdown(text))
    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "javascript:" not in html.lower().replace("[click](javascript:", "")
    assert 'href="javascript' not in html.lower()
    assert 'href="data:' not in html
    assert "onerror=" not in html.replace("onerror=&quot;", "") or "&lt;img" in html
    assert "onclick" not in html or "&lt;a" in html


def test_headings_start_below_the_page_title():
    assert str(render_markdown("# Big")).strip() == "<h2>Big</h2>"


def test_plain_text_for_emails_and_pdfs():
    assert markdown_to_text("# Title\n\n**bold** & [link](https://a.org)") == (
        "Title\n\nbold & link"
    )


class _Markup(HTMLParser):
    """The tags and attributes of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


# Random text seldom makes Markdown, so texts are built from its constructs too: links,
# images and autolinks to safe and unsafe addresses, headings, emphasis, lists, quotes, code,
# raw HTML, each around random words.
_words = st.text(max_size=8)
_addresses = st.sampled_from(
    [
        "https://a.org/", "http://a.org/x?y=1&z=2", "mailto:x@a.org", "/relative", "#top",
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "java\tscript:x",
        "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x", 'https://a.org/" onclick="x()',
        "https://tracker.example/pixel.gif",
    ]
)  # fmt: skip
_constructs = st.one_of(
    st.builds("[{}]({})".format, _words, _addresses),
    st.builds("![{}]({})".format, _words, _addresses),
    st.builds("<{}>".format, _addresses),
    st.builds("{} {}".format, st.sampled_from(["#", "##", "####", "######"]), _words),
    st.builds("{0}{1}{0}".format, st.sampled_from(["*", "**", "_", "~~", "`"]), _words),
    st.builds("{}{}".format, st.sampled_from(["> ", "- ", "1. ", "    ", "```\n"]), _words),
    st.sampled_from(
        [
            "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=x>",
            '<a href="https://a.org" onclick="x()">raw</a>', "<b>", "</p>", "&#0;", "&amp;",
            "---", "\n", "\n\n", " ",
        ]
    ),
)  # fmt: skip
markdown_texts = st.lists(st.one_of(_constructs, _words), min_size=1, max_size=12).map("".join)


@given(st.one_of(st.text(max_size=300), markdown_texts))
def test_any_text_renders_to_the_allowed_markup_only(text):
    html = render_markdown(text)
    assert isinstance(html, Markup)
    markup = _Markup()
    markup.feed(str(html))
    markup.close()
    for tag, attributes in markup.tags:
        assert tag in ALLOWED_TAGS, (tag, str(html))
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | (
            {"rel"} if tag == "a" else set()
        ), (tag, attributes)
        if tag == "a":
            assert attributes.get("rel") == LINK_REL, attributes
            href = attributes.get("href") or ""
            scheme = urlsplit(href).scheme.lower()
            assert scheme in URL_SCHEMES | {""}, href
            assert not re.match(r"\s*(javascript|vbscript|data):", href, re.IGNORECASE), href
    assert not re.search(r"<h1[\s>]", str(html)), "headings start below the page title"

    plain = markdown_to_text(text)
    assert isinstance(plain, str)
    assert plain == plain.strip() and "\n\n\n" not in plain


@given(st.lists(st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True), min_size=1, max_size=30))
def test_plain_words_come_through_as_written(words):
    text = " ".join(words)
    assert str(render_markdown(text)).strip() == f"<p>{text}</p>"
    assert markdown_to_text(text) == text

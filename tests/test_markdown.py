"""Organizers' Markdown is rendered, and nothing in it can run or reach into the page."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.markdown import markdown_to_text, render_markdown


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


@given(st.text(max_size=300))
def test_any_text_renders_without_error(text):
    render_markdown(text)
    markdown_to_text(text)

"""The public page is sent without its templates' indentation (app.web.html_whitespace): a
browser shows it exactly as before, and what is inside <pre> and <textarea> is untouched."""

from app.web.html_whitespace import without_indentation
from tests.factories import make_petition
from tests.test_browser import new_page

CODE = "```\nline one\n    indented two\n\n\n    after blank lines\n```"


def test_only_indentation_outside_pre_and_textarea_goes():
    html = (
        "<div>\n    <p>\n      Hello\n    </p>\n\n\n"
        "<pre>\n  kept\n\n    as is\n</pre>\n  <TEXTAREA name=x>\n  typed\n</TEXTAREA>\n</div>"
    )
    assert without_indentation(html) == (
        "<div>\n<p>\nHello\n</p>\n"
        "<pre>\n  kept\n\n    as is\n</pre>\n<TEXTAREA name=x>\n  typed\n</TEXTAREA>\n</div>"
    )


def test_the_page_is_smaller_and_shows_the_same_in_a_browser(app, client, browser):
    with app.app_context():
        petition = make_petition(about="First paragraph.\n\n" + CODE + "\n\nLast paragraph.")
        slug = petition.slug
    sent = client.get(f"/petitions/{slug}").text
    with app.test_request_context(f"/petitions/{slug}"):
        from flask_babel import force_locale

        from app.web.petition_page import _render
        from app.web.sign_form import SignForm

        petition = app.extensions["sqlalchemy"].session.get(type(petition), petition.id)
        with force_locale("en"):
            indented = _render(petition, SignForm(petition=petition), True)
    assert len(sent) < len(indented) - 500
    assert "line one\n    indented two\n\n\n    after blank lines" in sent

    page = new_page(browser, javascript=False)
    shown = []
    for html in (indented, sent):
        page.set_content(html)
        shown.append(page.evaluate("document.body.innerText"))
    page.close()
    assert shown[0] == shown[1]

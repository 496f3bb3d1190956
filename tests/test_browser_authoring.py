"""Starting a petition in a real browser (Debian's chromium, driven by Playwright): an
organizer writes it, adds targets without any script, previews it in English and Spanish and
publishes it; a resident signs it from a phone. The new pages pass axe-core in both
languages. Screenshots go to test-artifacts/screenshots/."""


import pytest

from tests.conftest import BROWSER_TESTS, deliver_mail, links_in
from tests.factories import ORGANIZER_PASSWORD, make_organizer
from tests.smtp_sink import text_of
from tests.test_browser import new_page, shoot

pytestmark = BROWSER_TESTS


@pytest.fixture
def site(app, live_site):
    """The live site, with an organizer who can log in."""
    with app.app_context():
        make_organizer("organizer@example.org")
    return live_site


def logged_in_page(browser, site, language="en-US", javascript=True):
    page = new_page(browser, language=language, javascript=javascript)
    page.goto(site + "/organizer/login")
    page.locator("#email").fill("organizer@example.org")
    page.locator("#password").fill(ORGANIZER_PASSWORD)
    go(page, page.locator("main form button[type=submit]"))
    return page


def go(page, locator) -> None:
    """Click a link or a form's button, and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def write_petition(page) -> None:
    page.locator("#title").fill("Keep the Fishtown Pool Open")
    page.locator("#organizer_name").fill("Fishtown Neighbors")
    page.locator("#about").fill(
        "The city wants to close our pool.\n\nIt is the only one for **two miles**."
    )
    page.locator("#letter_subject").fill("Keep the Fishtown pool open")
    page.locator("#letter_body").fill("As a resident of Fishtown, I ask you to keep it open.")
    page.locator("#targets-0-title").fill("Council Member")
    page.locator("#targets-0-name").fill("Mark Squilla")
    page.locator("#resident_zip_prefixes").fill("19125")
    page.locator("#resident_label").fill("Fishtown")


def test_an_organizer_starts_previews_and_publishes_and_a_phone_signs(app, smtp, site, browser):
    page = logged_in_page(browser, site, javascript=False)  # none of it needs a script
    go(page, page.get_by_role("link", name="Start a petition"))
    assert page.locator("h1").inner_text() == "Start a petition"
    write_petition(page)
    go(page, page.get_by_role("button", name="Add a target"))
    assert page.locator("#title").input_value() == "Keep the Fishtown Pool Open"  # kept
    page.locator("#targets-1-title").fill("Mayor")
    page.locator("#targets-1-name").fill("Cherelle Parker")
    # The mayor first.
    page.locator("#targets-1-position").fill("1")
    page.locator("#targets-0-position").fill("2")
    go(page, page.get_by_role("button", name="Save the draft"))
    assert "/organizer/petitions/keep-the-fishtown-pool-open/edit" in page.url
    assert "Your draft is saved" in page.locator("main").inner_text()
    assert "Draft" in page.locator(".petition-status h2").inner_text()
    shoot(page, "draft-saved-1280")

    go(page, page.get_by_role("link", name="Preview in Spanish"))
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator(".preview-banner").count() == 1
    assert page.locator("form.sign-form button[type=submit]").is_disabled()
    assert "Mayor Cherelle Parker" in page.locator(".petitioning").inner_text()
    shoot(page, "preview-es-1280")
    page.goto(site + "/organizer/petitions/keep-the-fishtown-pool-open/preview?lang=en")
    assert page.locator("h1").inner_text() == "Keep the Fishtown Pool Open"
    assert page.locator(".markdown strong").inner_text() == "two miles"
    assert "Preview — not published" in page.locator(".preview-banner").inner_text()
    go(page, page.get_by_role("link", name="Back to editing"))

    anonymous = new_page(browser, width=360)
    anonymous.goto(site + "/petitions/keep-the-fishtown-pool-open")
    assert "Page not found" in anonymous.locator("h1").inner_text()  # a draft

    go(page, page.get_by_role("button", name="Publish the petition"))
    assert page.url.endswith("/organizer/petitions/keep-the-fishtown-pool-open")
    assert "Published" in page.locator("main").inner_text()

    phone = new_page(browser, width=360)
    phone.goto(site + "/petitions/keep-the-fishtown-pool-open")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(phone, "new-petition-360")
    phone.locator("#first_name").fill("Rosa")
    phone.locator("#last_name").fill("Díaz")
    phone.locator("#email").fill("rosa@example.org")
    phone.locator("#zip_code").fill("19125")
    go(phone, phone.locator("form.sign-form button[type=submit]"))
    assert "check your email" in phone.locator("h1").inner_text().lower()
    deliver_mail(app)
    email = smtp.wait_for(1)[0]
    assert "Keep the Fishtown Pool Open" in email["Subject"]
    (link,) = links_in(text_of(email), "confirm")
    phone.goto(link)
    go(phone, phone.locator("main form button[type=submit]"))
    phone.goto(site + "/petitions/keep-the-fishtown-pool-open")
    assert phone.locator("[data-count]").inner_text() == "1"


def test_the_form_works_on_a_phone(app, site, browser):
    page = new_page(browser, width=360)
    page.goto(site + "/organizer/login")
    page.locator("#email").fill("organizer@example.org")
    page.locator("#password").fill(ORGANIZER_PASSWORD)
    go(page, page.locator("main form button[type=submit]"))
    page.goto(site + "/organizer/petitions/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    go(page, page.get_by_role("button", name="Save the draft"))  # no title: errors shown
    assert page.locator("#error-summary").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "start-petition-errors-360")


@pytest.mark.parametrize("language", ["en-US", "es-US"])
def test_no_accessibility_violations_on_the_new_pages(app, site, browser, language):
    from axe_playwright_python.sync_playwright import Axe

    setup = logged_in_page(browser, site)
    setup.goto(site + "/organizer/petitions/new")
    write_petition(setup)
    go(setup, setup.get_by_role("button", name="Save the draft"))
    edit = "/organizer/petitions/keep-the-fishtown-pool-open/edit"
    assert setup.url.endswith(edit)

    axe = Axe()
    page = logged_in_page(browser, site, language=language)
    problems = {}

    def check(name: str) -> None:
        results = axe.run(page)
        if results.violations_count:
            problems[name] = results.generate_report()

    page.goto(site + "/organizer/petitions/new")
    check("new")
    go(page, page.locator("form.petition-form button[value=save]:not(.trap)"))
    assert page.locator("#error-summary").count() == 1
    check("new with errors")
    go(page, page.locator("form.petition-form button[value=add-target]"))
    check("new with a row added")
    page.goto(site + edit)
    check("edit")
    for code in ("en", "es"):
        page.goto(site + f"/organizer/petitions/keep-the-fishtown-pool-open/preview?lang={code}")
        check(f"preview {code}")
    go(setup, setup.locator("form[action$='/publish'] button"))
    page.goto(site + edit)
    check("edit, published")
    page.goto(site + "/organizer/")
    check("index")
    page.goto(site + "/organizer/petitions/keep-the-fishtown-pool-open")
    check("dashboard")
    assert problems == {}, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())

"""A petition's picture in a real browser: uploaded from the organizers' page, shown on a phone
with its box reserved before it loads; both pages clean for axe in English and Spanish."""

from tests.conftest import BROWSER_TESTS
from tests.factories import ORGANIZER_PASSWORD, make_organizer
from tests.test_browser import new_page, shoot
from tests.test_images import photo_with_gps

pytestmark = BROWSER_TESTS

PETITION = "/petitions/end-the-pars-contract"


def axe_report(page) -> str | None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return results.generate_report() if results.violations_count else None


def test_an_organizer_uploads_a_picture_that_signers_see_on_a_phone(
    app,
    site,
    browser,
):
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    page = new_page(browser)
    page.goto(site + "/organizer/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(site + "/organizer" + PETITION)
    page.get_by_role("link", name="Picture").click()
    assert page.locator("h1").inner_text() == "Picture"
    problems = {"picture page (empty)": axe_report(page)}

    page.locator("#image").set_input_files(
        files=[{"name": "rally.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}]
    )
    page.locator("form[enctype] button[type=submit]").click()
    assert "The picture is saved." in page.locator(".notice").inner_text()
    assert page.locator(".image-figure img").first.evaluate("img => img.naturalWidth") == 900
    problems["picture page"] = axe_report(page)
    shoot(page, "picture-page-en-1280")
    page.get_by_role("link", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    problems["picture page (es)"] = axe_report(page)

    phone = new_page(browser, width=360)
    phone.goto(site + PETITION)
    picture = phone.locator("img.petition-image")
    assert picture.get_attribute("alt").startswith("Protect Philly")
    assert picture.evaluate("img => img.complete && img.naturalHeight") == 1600
    box = picture.bounding_box()
    assert box["width"] > 300
    # A tall picture is cropped to a band of 30rem at most: the text starts on the first screen.
    assert abs(box["height"] - min(box["width"] * 1600 / 900, 480)) < 2
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(phone, "petition-with-picture-en-360")
    problems["petition with picture"] = axe_report(phone)

    # Before the picture arrives its box already has its height: nothing below it moves.
    blocked = new_page(browser, width=360)
    blocked.route("**/uploads/*", lambda route: route.abort())
    blocked.goto(site + PETITION)
    assert abs(blocked.locator("img.petition-image").bounding_box()["height"] - box["height"]) < 2
    assert {name: report for name, report in problems.items() if report} == {}

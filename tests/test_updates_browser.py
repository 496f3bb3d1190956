"""Updates in a real browser: an organizer writes one in English and Spanish, previews it and
emails it; signers read it on the page and leave from the email's link. Every page on the way
is checked with axe-core, in English and in Spanish. Screenshots go to
test-artifacts/screenshots/."""

import pytest

from app.extensions import db
from app.models import Signature
from app.petitions.queries import petition_by_slug
from tests.conftest import BROWSER_TESTS, deliver_mail, path_of
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_signature
from tests.smtp_sink import text_of
from tests.test_browser import new_page, shoot
from tests.test_updates import UNSUBSCRIBE

pytestmark = BROWSER_TESTS

SLUG = "end-the-pars-contract"


def violations(axe, page) -> str | None:
    results = axe.run(page)
    return results.generate_report() if results.violations_count else None


@pytest.fixture
def signers(app):
    with app.app_context():
        petition = petition_by_slug(SLUG)
        make_signature(petition, email="ann@example.org", wants_updates=True, locale="en")
        make_signature(petition, email="beto@example.org", wants_updates=True, locale="es")
        make_organizer("admin@example.org", admin=True)


def test_updates_written_read_and_left_with_no_accessibility_violations(
    app,
    smtp,
    site,
    browser,
    signers,
):
    from axe_playwright_python.sync_playwright import Axe

    axe, problems = Axe(), {}

    def check(page, name: str) -> None:
        found = violations(axe, page)
        if found:
            problems[name] = found
        shoot(page, f"updates-{name}")

    page = new_page(browser)
    page.goto(site + "/organizer/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.goto(f"{site}/organizer/petitions/{SLUG}/updates/new")
    check(page, "new")
    page.locator("main form button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    check(page, "new-with-errors")
    page.locator("#title").fill("The letters were delivered")
    page.locator("#body").fill("We delivered **the letters**.\n\n- to the Mayor\n- to the DA")
    page.locator("#es_title").fill("Las cartas fueron entregadas")
    page.locator("#es_body").fill("Entregamos **las cartas**.")
    page.locator("main form button[type=submit]").click()
    check(page, "preview")
    page.locator("#understood").check()
    page.get_by_role("button", name="Publish and email 2 signers").click()
    deliver_mail(app)
    page.reload()
    assert "2 sent, 0 waiting, 0 refused" in page.content()
    check(page, "sent")
    page.goto(f"{site}/organizer/petitions/{SLUG}/updates")
    check(page, "list")
    page.goto(f"{site}/organizer/petitions/{SLUG}")
    check(page, "dashboard")

    links = {}
    for address, language in (("ann@example.org", "en-US"), ("beto@example.org", "es-US")):
        (email,) = smtp.to(address)
        (links[language],) = set(UNSUBSCRIBE.findall(text_of(email)))
    for language in ("en-US", "es-US"):
        reader = new_page(browser, language=language)
        reader.goto(f"{site}/petitions/{SLUG}")
        heading = "Updates" if language == "en-US" else "Novedades"
        assert reader.get_by_role("heading", name=heading).is_visible()
        check(reader, f"page-{language[:2]}")
        reader.goto(site + path_of(links[language]))
        check(reader, f"unsubscribe-{language[:2]}")
        reader.locator("main form button[type=submit]").click()
        assert reader.locator("h1").inner_text() in ("You are unsubscribed", "Te diste de baja")
        check(reader, f"unsubscribed-{language[:2]}")
        reader.goto(f"{site}/u/not-a-link")
        check(reader, f"bad-link-{language[:2]}")
    with app.app_context():
        assert not any(db.session.scalars(db.select(Signature.wants_updates)))
    assert problems == {}, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())

"""The lists of petitions in a real browser: on a phone, without JavaScript, and free of
accessibility violations (axe-core) in English and in Spanish."""

from datetime import timedelta

import pytest

from app.core.clock import now
from app.extensions import db
from app.models import PetitionTranslation
from tests.conftest import BROWSER_TESTS
from tests.factories import make_petition
from tests.test_browser import new_page, shoot

pytestmark = BROWSER_TESTS


@pytest.fixture
def site(app, live_site):
    """A featured open petition, two other open ones (one translated) and a closed one."""
    with app.app_context():
        make_petition(
            slug="end-the-pars-contract",
            title="Protect Philly, Don’t Make Police Immigration Agents with PARS",
            opens_at=now() - timedelta(days=10),
            closes_at=now() + timedelta(days=30),
        )
        buses = make_petition(
            slug="fix-the-buses",
            title="Fix the number 23 bus so it comes on time",
            featured=False,
            opens_at=now() - timedelta(days=2),
            closes_at=now() + timedelta(hours=5),
            published_at=now() - timedelta(days=2),
        )
        buses.translations.append(
            PetitionTranslation(locale="es", title="Arreglen el autobús 23", about="Texto.")
        )
        make_petition(
            slug="library-hours",
            title="Keep the libraries open on Sundays",
            featured=False,
            opens_at=now() - timedelta(days=1),
            closes_at=now() + timedelta(days=3),
            published_at=now() - timedelta(days=1),
        )
        make_petition(
            slug="old-one",
            title="An old petition that closed",
            featured=False,
            opens_at=now() - timedelta(days=90),
            closes_at=now() - timedelta(days=30),
            published_at=now() - timedelta(days=90),
        )
        db.session.commit()
    return live_site


PAGES = ("/", "/petitions", "/petitions?show=open", "/petitions?show=closed")


def test_on_a_phone_without_javascript_from_home_to_a_petition(site, browser):
    page = new_page(browser, width=360, javascript=False)
    page.goto(site + "/")
    others = page.locator(".other-petitions .petition-row-title").all_inner_texts()
    assert others == [
        "Keep the libraries open on Sundays",
        "Fix the number 23 bus so it comes on time",
    ]
    shoot(page, "home-with-others-en-360")
    page.get_by_role("link", name="See all petitions").click()
    assert page.locator("h1").inner_text() == "Petitions"
    page.get_by_role("link", name="Closed petitions").click()
    assert page.locator(".petition-row-title").all_inner_texts() == ["An old petition that closed"]
    page.get_by_role("link", name="Open petitions").click()
    shoot(page, "petitions-open-en-360")
    page.get_by_role("link", name="Fix the number 23 bus so it comes on time").click()
    assert page.url == site + "/petitions/fix-the-buses"
    for path in PAGES:
        page.goto(site + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


@pytest.mark.parametrize("language", ["en-US", "es-US"])
def test_no_accessibility_violations_on_the_lists(site, browser, language):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = new_page(browser, language=language)
    problems = {}
    for path in PAGES:
        page.goto(site + path)
        results = axe.run(page)
        if results.violations_count:
            problems[path] = results.generate_report()
    page.goto(site + "/petitions")
    shoot(page, f"petitions-{language[:2]}-1280")
    if language.startswith("es"):
        assert "Arreglen el autobús 23" in page.locator("main").inner_text()
    assert problems == {}, "\n\n".join(f"{path}:\n{report}" for path, report in problems.items())

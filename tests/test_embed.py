"""The embeddable sign form (/petitions/<slug>/embed): framable by the sites
EMBED_FRAME_ANCESTORS names, the same bytes for everyone, no cookie set or needed, and signing
through the same checks and service as the petition page."""

import re

import pytest
import sqlalchemy as sa

from app import ConfigurationError, create_app
from app.extensions import db
from app.models import Signature, SignatureStatus
from tests import instants
from tests.conftest import (
    deliver_mail,
    form_token_from,
    links_in,
    press_button,
    sign,
    signer_fields,
)
from tests.factories import make_petition, make_signature
from tests.smtp_sink import text_of

FROM_THE_FRAME = {"Origin": "http://petitions.test", "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def settings() -> dict:
    """Settings a test changes: parametrize `settings` to change them."""
    return {}


@pytest.fixture
def app_config(app_config, settings):
    return {**app_config, **settings}


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        return make_petition(goal=100).slug


def embed(client, slug, query="", **headers):
    return client.get(f"/petitions/{slug}/embed{query}", headers=headers)


def frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    (directive,) = [part.strip() for part in policy.split(";") if "frame-ancestors" in part]
    return directive


def sign_in_frame(client, slug, query="", headers=FROM_THE_FRAME, **fields):
    """Load the embed like the frame does, then post its form to where its action says."""
    html = embed(client, slug, query).get_data(as_text=True)
    action = re.search(r'<form class="sign-form" method="post" action="([^"]+)"', html).group(1)
    data = signer_fields(form_token=form_token_from(html), **fields)
    source = re.search(r'name="source" type="hidden" value="([^"]*)"', html)
    if source and "source" not in fields:
        data["source"] = source.group(1)
    return client.post(action.replace("&amp;", "&"), data=data, headers=headers)


def signatures(app) -> list[Signature]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Signature)).all()
        db.session.expunge_all()
        return rows


# --- headers -------------------------------------------------------------------------------


def test_any_site_may_frame_it_by_default(client, slug):
    response = embed(client, slug)
    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors *"
    assert "X-Frame-Options" not in response.headers


def test_other_pages_may_not_be_framed(client, slug):
    for path in (f"/petitions/{slug}", "/", "/petitions", f"/petitions/{slug}/thanks"):
        response = client.get(path)
        assert frame_ancestors(response) == "frame-ancestors 'none'", path
        assert response.headers["X-Frame-Options"] == "DENY", path


@pytest.mark.parametrize(
    ("settings", "allowed"),
    [
        ({"EMBED_FRAME_ANCESTORS": "https://allies.example.org"}, "https://allies.example.org"),
        (
            {"EMBED_FRAME_ANCESTORS": "https://a.example.org  http://localhost:8080"},
            "https://a.example.org http://localhost:8080",
        ),
    ],
)
def test_only_the_sites_the_setting_names(client, slug, allowed):
    response = embed(client, slug)
    assert frame_ancestors(response) == f"frame-ancestors {allowed}"
    assert "X-Frame-Options" not in response.headers
    assert frame_ancestors(client.get(f"/petitions/{slug}")) == "frame-ancestors 'none'"


@pytest.mark.parametrize(
    "setting", ["'none'; script-src *", "allies.example.org/path", "https://a.example.org,"]
)
def test_a_setting_that_is_no_list_of_origins_is_refused(app_config, setting):
    with pytest.raises(ConfigurationError, match="EMBED_FRAME_ANCESTORS"):
        create_app({**app_config, "EMBED_FRAME_ANCESTORS": setting})


def test_the_same_bytes_for_everyone_and_no_cookie(app, slug, organizer_client):
    anonymous = embed(app.test_client(use_cookies=False), slug)
    theirs = embed(organizer_client, slug)
    assert anonymous.get_data() == theirs.get_data()
    for response in (anonymous, theirs):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
        assert "Cookie" not in response.vary
    assert anonymous.get_etag() == theirs.get_etag()


def test_a_matching_etag_gets_304(client, slug):
    etag = embed(client, slug).get_etag()[0]
    again = embed(client, slug, **{"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert "Set-Cookie" not in again.headers


def test_the_count_and_goal_are_shown_and_changes_show(app, client, slug):
    before = embed(client, slug)
    html = before.get_data(as_text=True)
    assert 'class="count-number" data-count>0<' in html
    assert 'max="100"' in html
    with app.app_context():
        from app.petitions.queries import petition_by_slug

        make_signature(petition_by_slug(slug))
    after = embed(client, slug)
    assert after.get_etag() != before.get_etag()
    assert 'class="count-number" data-count>1<' in after.get_data(as_text=True)


def test_no_script_and_links_leave_the_frame(client, slug):
    html = embed(client, slug).get_data(as_text=True)
    assert "<script" not in html
    links = re.findall(r"<a [^>]*>", html)
    assert links
    for link in links:
        assert 'target="_blank"' in link and 'rel="noopener"' in link, link


# --- language ------------------------------------------------------------------------------


def test_spanish_by_the_address_without_a_cookie(client, slug):
    spanish = embed(client, slug, "?lang=es")
    html = spanish.get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Firma esta petición" in html
    assert f'action="/petitions/{slug}/embed?lang=es"' in html
    assert "Accept-Language" not in spanish.vary


def test_the_browser_language_else(client, slug):
    response = embed(client, slug, **{"Accept-Language": "es"})
    assert '<html lang="es">' in response.get_data(as_text=True)
    assert "Accept-Language" in response.vary
    assert '<html lang="en">' in embed(client, slug, "?lang=xx").get_data(as_text=True)


def test_the_language_cookie_is_not_what_decides(client, slug):
    client.set_cookie("lang", "es")
    assert '<html lang="en">' in embed(client, slug).get_data(as_text=True)


# --- signing -------------------------------------------------------------------------------


def test_signing_in_the_frame_needs_no_cookie_and_the_email_arrives(app, smtp, slug):
    visitor = app.test_client(use_cookies=False)
    response = sign_in_frame(visitor, slug, email="frame@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/petitions/{slug}/embed/thanks"
    assert "Set-Cookie" not in response.headers
    (signature,) = signatures(app)
    assert signature.status == SignatureStatus.PENDING
    assert signature.source == "embed"

    thanks = visitor.get(response.headers["Location"])
    assert thanks.status_code == 200
    assert "check your email" in thanks.get_data(as_text=True)
    assert frame_ancestors(thanks) == "frame-ancestors *"
    assert "X-Frame-Options" not in thanks.headers
    assert "Set-Cookie" not in thanks.headers

    deliver_mail(app)
    (email,) = smtp.wait_for(1)
    assert email["To"].endswith("<frame@example.org>") or email["To"] == "frame@example.org"
    (link,) = links_in(text_of(email), "confirm")
    assert f"/petitions/{slug}/confirm/" in link  # the normal page, in the top-level tab
    assert press_button(app.test_client(), link).status_code == 303
    assert "data-count>1<" in embed(visitor, slug).get_data(as_text=True)


def test_the_source_in_the_iframe_address_is_recorded(app, slug):
    visitor = app.test_client(use_cookies=False)
    response = sign_in_frame(visitor, slug, "?source=allies-blog&lang=es")
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/petitions/{slug}/embed/thanks?lang=es&source=allies-blog"
    )
    assert "revisa tu correo" in visitor.get(response.headers["Location"]).text.lower()
    (signature,) = signatures(app)
    assert signature.source == "allies-blog"
    assert signature.locale == "es"


def test_a_form_without_its_source_still_records_the_embed(app, slug):
    sign_in_frame(app.test_client(), slug, source="")
    (signature,) = signatures(app)
    assert signature.source == "embed"


def test_mistakes_reshow_the_filled_compact_form(app, slug):
    response = sign_in_frame(
        app.test_client(), slug, "?lang=es", first_name="Keepme", email="not an address"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="embed"' in html
    assert 'value="Keepme"' in html
    assert "error-summary" in html
    assert '<html lang="es">' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert frame_ancestors(response) == "frame-ancestors *"
    assert "Set-Cookie" not in response.headers
    assert signatures(app) == []


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}],
)
def test_a_form_posted_by_another_site_is_refused(app, slug, headers):
    response = sign_in_frame(app.test_client(), slug, headers=headers, first_name="Keepme")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form had expired, or it was not sent from this site." in html
    assert 'value="Keepme"' in html
    assert signatures(app) == []


def test_a_forged_token_is_refused(app, slug):
    response = app.test_client().post(
        f"/petitions/{slug}/embed", data=signer_fields(form_token="forged"), headers=FROM_THE_FRAME
    )
    assert response.status_code == 400
    assert "This form had expired" in response.get_data(as_text=True)
    assert signatures(app) == []


@pytest.mark.parametrize(
    "settings",
    [
        {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_SIGN": "2 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    ],
)
def test_the_page_and_the_embed_share_one_rate_limit(client, slug):
    assert sign_in_frame(client, slug, email="a@example.org").status_code == 303
    assert sign(client, slug, email="b@example.org").status_code == 303
    assert sign_in_frame(client, slug, email="c@example.org").status_code == 429


# --- closed, not yet open, draft -----------------------------------------------------------


def test_closed_shows_the_count_and_no_form(app, client, clock, slug):
    with app.app_context():
        from app.petitions.queries import petition_by_slug

        make_signature(petition_by_slug(slug))
    token = form_token_from(embed(client, slug).get_data(as_text=True))
    clock.move_to(instants.AFTER_GRACE)
    html = embed(client, slug).get_data(as_text=True)
    assert "Petition Closed" in html
    assert "Closed on August 31, 2027." in html
    assert "1 person signed this petition." in html
    assert "<form" not in html
    late = client.post(
        f"/petitions/{slug}/embed", data=signer_fields(form_token=token), headers=FROM_THE_FRAME
    )
    assert late.status_code == 403
    assert "no longer takes signatures" in late.get_data(as_text=True)
    assert "<form" not in late.get_data(as_text=True)
    assert len(signatures(app)) == 1


def test_before_opening_it_says_when(client, clock, slug):
    clock.move_to(instants.BEFORE_OPEN)
    html = embed(client, slug).get_data(as_text=True)
    assert "This petition opens on June 1, 2027" in html
    assert "<form" not in html


def test_a_draft_is_not_found(app, client):
    with app.app_context():
        slug = make_petition(published_at=None).slug
    assert embed(client, slug).status_code == 404
    assert client.post(f"/petitions/{slug}/embed", data=signer_fields()).status_code == 404
    assert client.get(f"/petitions/{slug}/embed/thanks").status_code == 404
    assert embed(client, "no-such-petition").status_code == 404


# --- the code organizers copy --------------------------------------------------------------


@pytest.mark.parametrize("settings", [{"BASE_URL": "https://petitions.example.org"}])
def test_the_dashboard_offers_the_iframe_code(organizer_client, slug):
    html = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    textarea = re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', html, re.DOTALL)
    assert textarea, "no code to copy"
    assert "readonly" in textarea.group(0)
    code = textarea.group(1)
    assert code.startswith(
        f"&lt;iframe src=&#34;https://petitions.example.org/petitions/{slug}/embed&#34;"
    )
    assert "width=&#34;400&#34;" in code and "height=&#34;" in code
    assert "title=&#34;Sign the petition: Test petition" in code
    assert '<label for="embed-code"' in html

"""The public petition page is the same bytes for every visitor and sets no cookie, so a
browser, proxy or CDN can keep it; the sign form is protected by a signed, time-limited token
and the browser's word on where the POST came from, not by a session."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.petitions.queries import petition_by_slug
from app.petitions.settings import set_goal
from app.signatures.signing import withdraw_signature
from tests.conftest import form_token_from, sign, signer_fields, stored
from tests.factories import make_petition, make_signature


def page(client, slug, **headers):
    return client.get(f"/petitions/{slug}", headers=headers)


def test_two_visitors_get_the_same_bytes_and_no_cookie(app, slug):
    first, second = app.test_client(), app.test_client()
    one, two = page(first, slug), page(second, slug)
    assert one.status_code == two.status_code == 200
    assert one.get_data() == two.get_data()
    for response in (one, two):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
        assert set(response.vary) == {"Accept-Language", "Cookie"}
        assert response.get_etag()[0]
    assert one.get_etag() == two.get_etag()
    assert first.get_cookie("session") is None and second.get_cookie("session") is None


def test_a_logged_in_organizer_gets_the_same_page_and_no_cookie(app, slug, organizer_client):
    anonymous = page(app.test_client(), slug)
    theirs = page(organizer_client, slug)
    assert theirs.get_data() == anonymous.get_data()
    assert "Set-Cookie" not in theirs.headers


def test_a_flash_waiting_for_an_organizer_stays_out_of_the_shared_page(app, slug, organizer_client):
    with organizer_client.session_transaction() as session:
        session["_flashes"] = [("info", "Private note for the organizer")]
    assert "Private note" not in page(organizer_client, slug).get_data(as_text=True)
    assert "Private note" not in page(app.test_client(), slug).get_data(as_text=True)


def test_a_matching_etag_gets_304_without_the_page(client, slug):
    etag = page(client, slug).get_etag()[0]
    again = page(client, slug, **{"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert page(client, slug, **{"If-None-Match": '"other"'}).status_code == 200


def test_each_language_is_its_own_page(client, slug):
    english = page(client, slug, **{"Accept-Language": "en"})
    spanish = page(client, slug, **{"Accept-Language": "es"})
    assert english.get_etag() != spanish.get_etag()
    assert '<html lang="es">' in spanish.get_data(as_text=True)


def test_every_change_the_page_shows_is_seen_at_once(app, client, slug):
    """The rendered page is kept under the petition's page_version: a confirmed signer, a
    withdrawn one, an organizer's edit each change it at the next request."""
    before = page(client, slug)
    with app.app_context():
        signature = make_signature(petition_by_slug(slug), first_name="Amara", last_name="Obi")
        signature_id = signature.id
    named = page(client, slug)
    assert named.get_etag() != before.get_etag()
    assert "Amara Obi" in named.get_data(as_text=True)

    with app.app_context():
        withdraw_signature(signature_id)
    gone = page(client, slug)
    assert "Amara" not in gone.get_data(as_text=True)

    with app.app_context():
        set_goal(petition_by_slug(slug), 4321)
        db.session.commit()
    assert 'max="4321"' in page(client, slug).get_data(as_text=True)


def test_a_post_without_any_cookie_signs(app, slug):
    visitor = app.test_client(use_cookies=False)
    token = form_token_from(page(visitor, slug).get_data(as_text=True))
    response = visitor.post(
        f"/petitions/{slug}/sign",
        data=signer_fields(form_token=token),
        headers={"Origin": "http://petitions.test", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 303
    assert "Set-Cookie" not in response.headers
    assert stored(app) == 1


@pytest.mark.parametrize(
    "token", ["forged", "", "sign-1.AAAAAA.bm90IG91ciBzaWduYXR1cmU"], ids=["forged", "none", "bad"]
)
def test_a_forged_token_reshows_the_filled_form(app, client, slug, token):
    response = sign(client, slug, form_token=token, first_name="Keepme")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form had expired, or it was not sent from this site." in html
    assert 'value="Keepme"' in html
    assert "Set-Cookie" not in response.headers
    assert stored(app) == 0
    # The page it shows carries a fresh token: sending it again works.
    retry = sign(client, slug, form_token=form_token_from(html), first_name="Keepme")
    assert retry.status_code == 303
    assert stored(app) == 1


def test_an_expired_token_reshows_the_filled_form(app, client, clock, slug):
    token = form_token_from(page(client, slug).get_data(as_text=True))
    max_age = app.config["SIGN_FORM_TOKEN_MAX_AGE_SECONDS"]
    clock.shift(timedelta(seconds=max_age + 1800))
    response = sign(client, slug, form_token=token, last_name="Keptlast")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form had expired" in html
    assert 'value="Keptlast"' in html
    assert stored(app) == 0


def test_a_token_a_few_hours_old_still_signs(app, client, clock, slug):
    token = form_token_from(page(client, slug).get_data(as_text=True))
    clock.shift(timedelta(hours=3))
    assert sign(client, slug, form_token=token).status_code == 303
    assert stored(app) == 1, "the bot trap answers 303 too: the signature must be kept"


def test_a_token_of_another_petition_is_refused(app, client, slug):
    with app.app_context():
        other = make_petition().slug
    token = form_token_from(page(client, other).get_data(as_text=True))
    assert sign(client, slug, form_token=token).status_code == 400
    assert stored(app) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://other.petitions.test"},
    ],
    ids=["other-origin", "null-origin", "cross-site", "same-site"],
)
def test_a_post_from_another_site_is_refused_with_the_form_reshown(app, client, slug, headers):
    token = form_token_from(page(client, slug).get_data(as_text=True))
    response = client.post(
        f"/petitions/{slug}/sign",
        data=signer_fields(form_token=token, first_name="Keepme"),
        headers=headers,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "it was not sent from this site" in html
    assert 'value="Keepme"' in html
    assert stored(app) == 0


def test_our_own_origin_signs(app, client, slug):
    token = form_token_from(page(client, slug).get_data(as_text=True))
    response = client.post(
        f"/petitions/{slug}/sign",
        data=signer_fields(form_token=token),
        headers={"Origin": "http://petitions.test", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 303
    assert stored(app) == 1, "the bot trap answers 303 too: the signature must be kept"

"""What a petition asks its signers to share on: PARS asks for Facebook, as it always has; a
petition that names no network asks signers to share it with their friends, wherever."""

import pytest

from app.petitions.queries import petition_by_slug
from tests.conftest import sign
from tests.factories import make_petition
from tests.test_dashboard import settings_form


@pytest.fixture
def neutral(app) -> str:
    with app.app_context():
        return make_petition(share_channel=None).slug


def share_networks(html: str) -> list[str]:
    import re

    return re.findall(r'class="share-button share-(\w+)"', html)


def test_a_petition_naming_no_network_does_not_ask_for_facebook(app, client, neutral):
    page = client.get(f"/petitions/{neutral}").text
    assert "Share it with your friends!" in page and "Facebook!" not in page
    thanks = client.get(sign(client, neutral).headers["Location"]).text
    assert "Now share it with your friends!" in thanks and "Facebook!" not in thanks
    spanish = client.get(f"/petitions/{neutral}", headers={"Accept-Language": "es"}).text
    assert "¡Compártela con tus amistades!" in spanish


def test_pars_still_asks_for_facebook(app, client):
    with app.app_context():
        slug = make_petition(share_channel="facebook").slug
    assert "Share it on Facebook!" in client.get(f"/petitions/{slug}").text
    thanks = client.get(sign(client, slug).headers["Location"]).text
    assert "Now share it on Facebook!" in thanks


def test_organizers_choose_the_network_and_its_button_comes_first(
    app, organizer_client, client, neutral
):
    form = settings_form(organizer_client, neutral, share_channel="whatsapp")
    response = organizer_client.post(f"/organizer/petitions/{neutral}/settings", data=form)
    assert response.status_code == 303
    with app.app_context():
        assert petition_by_slug(neutral).share_channel == "whatsapp"
    page = client.get(f"/petitions/{neutral}").text
    assert "Share it on WhatsApp!" in page
    assert share_networks(page) == ["whatsapp", "facebook", "x", "email"]
    thanks = client.get(sign(client, neutral).headers["Location"]).text
    assert "Now share it on WhatsApp!" in thanks


def test_the_settings_refuse_a_network_we_do_not_link_to(app, organizer_client, neutral):
    form = settings_form(organizer_client, neutral, share_channel="myspace")
    response = organizer_client.post(f"/organizer/petitions/{neutral}/settings", data=form)
    assert response.status_code == 400


def test_pars_file_asks_for_facebook(app, runner):
    assert runner.invoke(args=["petitions", "seed-pars"]).exit_code == 0
    with app.app_context():
        assert petition_by_slug("end-the-pars-contract").share_channel == "facebook"

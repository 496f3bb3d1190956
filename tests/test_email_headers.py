"""Who an email says it is from, how it names itself, and where a reply goes: the petition's
organizer on the platform's address, a Message-ID of the site's domain, and a letter to an
official answered to the organizers' contact address."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Petition
from tests.conftest import deliver_mail, links_in, press_button, sign
from tests.factories import make_petition, make_signature
from tests.smtp_sink import text_of
from tests.test_dashboard import settings_form

ORGANIZER = "New Sanctuary Movement of Philadelphia"


@pytest.fixture
def slug(app):
    with app.app_context():
        return make_petition(organizer_name=ORGANIZER).slug


def sender(message) -> tuple[str, str]:
    (address,) = message["From"].addresses
    return address.display_name, address.addr_spec


def assert_from_the_organizer(message) -> None:
    assert sender(message) == (ORGANIZER, "petitions@petitions.test"), message["From"]


def assert_named_by_the_site(message) -> None:
    assert message["Message-ID"].endswith("@petitions.test>"), message["Message-ID"]


def test_a_signers_emails_come_from_the_petitions_organizer(app, client, smtp, slug, clock):
    sign(client, slug, email="maria@example.org")
    deliver_mail(app)
    confirmation = smtp.wait_for(1)[-1]
    assert_from_the_organizer(confirmation)
    assert_named_by_the_site(confirmation)
    assert confirmation["Reply-To"] is None  # nobody answers a confirmation

    press_button(client, links_in(text_of(confirmation), "confirm")[0])
    clock.shift(timedelta(minutes=3))
    sign(client, slug, email="maria@example.org")  # again: "you have already signed"
    deliver_mail(app)
    again = smtp.wait_for(2)[-1]
    assert "already signed" in again["Subject"]
    assert_from_the_organizer(again)
    assert_named_by_the_site(again)


def test_a_name_with_quotes_and_commas_is_quoted_not_split(app, client, smtp):
    with app.app_context():
        slug = make_petition(organizer_name='Vecinos "Unidos", Norte').slug
    sign(client, slug)
    deliver_mail(app)
    assert sender(smtp.wait_for(1)[-1]) == ('Vecinos "Unidos", Norte', "petitions@petitions.test")


def test_a_letter_answers_to_the_organizers_contact_address(
    app, organizer_client, runner, smtp, slug
):
    with app.app_context():
        make_signature(db.session.scalar(sa.select(Petition).where(Petition.slug == slug)))
    form = settings_form(organizer_client, slug, contact_email="Team@NSM-Philly.org")
    response = organizer_client.post(f"/organizer/petitions/{slug}/settings", data=form)
    assert response.status_code == 303
    settings = organizer_client.get(f"/organizer/petitions/{slug}/settings").text
    assert 'value="Team@nsm-philly.org"' in settings

    assert runner.invoke(args=["letters", "deliver", slug, "--target", "1"]).exit_code == 0
    deliver_mail(app)
    letter = smtp.wait_for(1)[-1]
    assert_from_the_organizer(letter)
    assert_named_by_the_site(letter)
    assert letter["Reply-To"] == "Team@nsm-philly.org"


def test_without_a_contact_address_a_letter_has_no_reply_to(app, runner, smtp, slug):
    with app.app_context():
        make_signature(db.session.scalar(sa.select(Petition).where(Petition.slug == slug)))
    assert runner.invoke(args=["letters", "deliver", slug, "--target", "1"]).exit_code == 0
    deliver_mail(app)
    letter = smtp.wait_for(1)[-1]
    assert letter["Reply-To"] is None
    assert_from_the_organizer(letter)


def test_the_settings_refuse_a_contact_address_that_is_not_one(app, organizer_client, slug):
    form = settings_form(organizer_client, slug, contact_email="not an address")
    response = organizer_client.post(f"/organizer/petitions/{slug}/settings", data=form)
    assert response.status_code == 400
    assert "Enter an email address like name@example.com." in response.text


def test_an_update_comes_from_the_organizer_too(app, smtp, slug):
    from tests.test_updates import post

    with app.app_context():
        make_signature(
            db.session.scalar(sa.select(Petition).where(Petition.slug == slug)),
            email="subscriber@example.org",
            wants_updates=True,
        )
    post(app, slug)
    deliver_mail(app)
    update = smtp.wait_for(1)[-1]
    assert update["List-Unsubscribe"]
    assert_from_the_organizer(update)
    assert_named_by_the_site(update)

"""One address signs a petition once per person, at most twice (a household), and the form's
answer never tells whether it had signed: the email does."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.email_address import canonical_email
from app.extensions import db
from app.models import Signature
from tests.conftest import deliver_mail, links_in, press_button, sign
from tests.factories import make_petition
from tests.smtp_sink import text_of


def signatures(app) -> list[Signature]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Signature).order_by(Signature.id)).all()
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Maria@Example.org", "maria@example.org"),
        ("Maria.Lopez+pars@Gmail.com", "marialopez@gmail.com"),
        ("m.a.r.i.a@googlemail.com", "maria@gmail.com"),
        ("maria+tag@example.org", "maria+tag@example.org"),
    ],
)
def test_canonical_email(typed, canonical):
    assert canonical_email(typed) == canonical


def test_same_person_again_gets_the_same_answer_and_one_signature(app, client, smtp, clock):
    with app.app_context():
        slug = make_petition().slug
    first = sign(client, slug, email="maria@example.org")
    clock.shift(timedelta(minutes=5))
    second = sign(client, slug, email="MARIA@example.org", first_name="maria", last_name="LOPEZ")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(signatures(app)) == 1

    deliver_mail(app)
    emails = smtp.wait_for(2)
    assert [m["Subject"].split(":")[0] for m in emails] == ["Confirm your signature"] * 2


def test_signing_again_after_confirming_says_already_signed(app, client, smtp, clock):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug)
    deliver_mail(app)
    press_button(client, links_in(text_of(smtp.wait_for(1)[0]), "confirm")[0])

    clock.shift(timedelta(minutes=5))
    again = sign(client, slug, email="Maria@example.org")
    assert again.status_code == 303
    deliver_mail(app)
    reply = smtp.wait_for(2)[1]
    assert reply["Subject"].startswith("You have already signed")
    assert "your signature counts" in text_of(reply)
    assert client.get(f"/petitions/{slug}.json").json["signature_count"] == 1


def test_signing_again_within_minutes_sends_no_second_email(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug)
    sign(client, slug)
    deliver_mail(app)
    assert len(smtp.wait_for(1)) == 1
    assert len(signatures(app)) == 1


def test_gmail_dots_and_tags_are_one_address(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug, email="maria.lopez@gmail.com")
    sign(client, slug, email="MariaLopez+petition@googlemail.com")
    assert len(signatures(app)) == 1


def test_a_household_may_share_an_address_twice(app, client, smtp, clock):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug, first_name="Maria", email="family@example.org")
    sign(client, slug, first_name="José", email="family@example.org")
    rows = signatures(app)
    assert [(s.first_name, s.household_slot) for s in rows] == [("Maria", 1), ("José", 2)]

    clock.shift(timedelta(minutes=5))
    third = sign(client, slug, first_name="Ana", email="Family@example.org")
    assert third.status_code == 303, "the answer is the same as for a new signature"
    assert len(signatures(app)) == 2
    deliver_mail(app)
    emails = smtp.wait_for(3)
    assert "Two people have already signed with this address" in text_of(emails[2])


def test_withdrawing_frees_the_address(app, client, smtp):
    from app.signatures.signing import withdraw_signature

    with app.app_context():
        slug = make_petition().slug
    sign(client, slug)
    with app.app_context():
        withdraw_signature(db.session.scalar(sa.select(Signature.id)))
    sign(client, slug)
    assert len(signatures(app)) == 1

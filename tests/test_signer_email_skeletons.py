"""Signers' emails are rendered once per petition text and language, with marks where each
signer's name and links go (app.signatures.emails._Skeleton). Whatever the name or the title
holds, each signer's email is the one its templates give for that signer alone."""

import pytest
import time_machine
from flask import render_template
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.links import LinkPurpose, make_token
from app.core.urls import absolute_url
from app.extensions import db
from app.signatures.emails import confirmation_email, tell_already_signed
from tests import instants
from tests.factories import make_petition, make_signature

NAMES = ["Ana", "Zoë <b>&amp;\"'", "%(name)s {{ x }}", "María José", "李小龍", "O'Brien & Sons"]
TITLES = ["End the PARS contract", "<script>alert(1)</script> & “quotes”", "100% %s {% if %}"]


def rendered_alone(template: str, petition, locale: str, first_name: str, key: str, **context):
    """What the templates give for this one signer, as each email was made before."""
    with force_locale(locale):
        values = dict(
            context,
            petition=petition,
            first_name=first_name,
            confirm_url=absolute_url(
                "signing.confirm",
                slug=petition.slug,
                token=make_token(LinkPurpose.CONFIRM, key),
            ),
            withdraw_url=absolute_url(
                "signing.withdraw",
                slug=petition.slug,
                token=make_token(LinkPurpose.WITHDRAW, key),
            ),
            petition_url=absolute_url("public.petition", slug=petition.slug),
        )
        return (
            render_template(f"email/{template}.txt", **values),
            render_template(f"email/{template}.html", **values),
        )


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("reminder", [False, True])
@pytest.mark.parametrize("title", TITLES)
def test_each_confirmation_is_what_its_templates_give_for_that_signer(app, locale, reminder, title):
    with app.test_request_context(), time_machine.travel(instants.OPEN, tick=False):
        petition = make_petition(title=title)
        for number, name in enumerate(NAMES):
            key = f"key-{number}-" + "k" * 16
            email = confirmation_email(petition, name, locale, key, reminder=reminder)
            assert (email.body_text, email.body_html) == rendered_alone(
                "confirm_signature", petition, locale, name, key, title=title, reminder=reminder
            )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(min_size=1, max_size=40).filter(lambda text: "\x01" not in text))
def test_any_name_is_put_in_as_the_templates_would(app, name):
    with app.test_request_context(), time_machine.travel(instants.OPEN, tick=False):
        petition = make_petition(title="A title")
        email = confirmation_email(petition, name, "en", "k" * 22)
        assert (email.body_text, email.body_html) == rendered_alone(
            "confirm_signature", petition, "en", name, "k" * 22, title="A title", reminder=False
        )
        db.session.rollback()


def test_a_changed_title_is_a_new_email_not_the_kept_one(app):
    with app.test_request_context(), time_machine.travel(instants.OPEN, tick=False):
        petition = make_petition(title="Old title")
        assert "Old title" in confirmation_email(petition, "Ana", "en", "k" * 22).body_text
        petition.title = "New title"
        email = confirmation_email(petition, "Ana", "en", "k" * 22)
        assert "New title" in email.body_text and "Old title" not in email.body_text
        assert email.subject == "Confirm your signature: New title"


@pytest.mark.parametrize("household_full", [False, True])
def test_already_signed_is_what_its_templates_give(app, household_full):
    from app.models import OutboxMessage

    with app.test_request_context(), time_machine.travel(instants.OPEN, tick=False):
        petition = make_petition()
        signature = make_signature(petition, first_name="Zoë <i>", locale="es")
        db.session.commit()
        tell_already_signed(signature, household_full=household_full)
        queued = db.session.query(OutboxMessage).one()
        assert (queued.body_text, queued.body_html) == rendered_alone(
            "already_signed",
            petition,
            "es",
            "Zoë <i>",
            signature.link_key,
            title=petition.title,
            household_full=household_full,
            confirmed=signature.status == "confirmed",
        )

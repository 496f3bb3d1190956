"""Email identity: which addresses are taken, how two are compared, and the form one is sent
in. A local part beyond ASCII is refused (most servers do not speak SMTPUTF8); a domain beyond
ASCII is kept as typed and sent and compared in its IDNA 2008 form."""

import pytest
import sqlalchemy as sa

from app.email_address import (
    InvalidEmail,
    NonAsciiLocalPart,
    address_for_sending,
    normalize_email,
)
from app.extensions import db
from app.models import Organizer, OutboxMessage, Signature
from tests.conftest import csrf_token_from, deliver_mail, sign
from tests.factories import make_petition

NON_ASCII_LOCAL_PART = "before the @"


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


# --- what the forms take ---------------------------------------------------------------------


def test_normalize_email_refuses_a_local_part_beyond_ascii():
    with pytest.raises(NonAsciiLocalPart):
        normalize_email("jöhn@example.org")
    assert normalize_email("John@Faß.DE") == "John@faß.de"


def test_the_sign_form_refuses_a_local_part_beyond_ascii(app, client):
    with app.app_context():
        slug = make_petition().slug
    response = sign(client, slug, email="jöhn@example.org")
    assert response.status_code == 400
    assert NON_ASCII_LOCAL_PART in response.text
    assert outbox_count(app) == 0


def test_the_paper_form_refuses_a_local_part_beyond_ascii(app, organizer_client):
    from tests.test_signer_data import enter_paper

    with app.app_context():
        slug = make_petition().slug
    response = enter_paper(organizer_client, slug, email="jöhn@example.org")
    assert response.status_code == 400
    assert NON_ASCII_LOCAL_PART in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_the_invitation_form_refuses_a_local_part_beyond_ascii(app, organizer_client):
    page = organizer_client.get("/organizer/organizers")
    response = organizer_client.post(
        "/organizer/organizers",
        data={"email": "jöhn@example.org", "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 400
    assert NON_ASCII_LOCAL_PART in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organizer)) == 1


def test_the_create_command_refuses_a_local_part_beyond_ascii(app, runner):
    result = runner.invoke(
        args=["organizers", "create", "jöhn@example.org"], input="a long enough password\n"
    )
    assert result.exit_code == 1
    assert NON_ASCII_LOCAL_PART in result.output


# --- what is sent ---------------------------------------------------------------------------


def test_an_internationalised_domain_is_kept_as_typed_and_mailed_in_idna_2008(app, client, smtp):
    """`faß.de` is `xn--fa-hia.de`; Python's IDNA 2003 codec would mail `fass.de`, another
    domain."""
    with app.app_context():
        slug = make_petition().slug
    assert sign(client, slug, email="x@Faß.de").status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Signature.email)) == "x@faß.de"
    deliver_mail(app)
    (message,) = smtp.wait_for(1)
    assert message["To"] == "x@xn--fa-hia.de"


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ("Maria@Example.org", "Maria@example.org"),
        ("x@faß.de", "x@xn--fa-hia.de"),
        ("x@bücher.example", "x@xn--bcher-kva.example"),
    ],
)
def test_address_for_sending(stored, sent):
    assert address_for_sending(stored) == sent


@pytest.mark.parametrize("stored", ["jöhn@example.org", "no-at-sign", "x@\u2764.example"])
def test_address_for_sending_refuses_what_no_server_takes(stored):
    with pytest.raises(InvalidEmail):
        address_for_sending(stored)

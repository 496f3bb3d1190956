"""Email identity: which addresses are taken, how two are compared, and the form one is sent
in. A local part beyond ASCII is refused (most servers do not speak SMTPUTF8); a domain beyond
ASCII is kept as typed and sent and compared in its IDNA 2008 form."""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.email_address import (
    InvalidEmail,
    NonAsciiLocalPart,
    address_for_sending,
    canonical_email,
    normalize_email,
)
from app.extensions import db
from app.models import Organizer, OutboxMessage, Signature
from tests.conftest import csrf_token_from, deliver_mail, sign
from tests.factories import make_petition, make_signature

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


# --- how two addresses are compared ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Maria.Lopez+pars@Gmail.com", "marialopez@gmail.com"),
        ("m.a.r.i.a@googlemail.com", "maria@gmail.com"),
        ("Alice+1@Outlook.com", "alice@outlook.com"),
        ("alice+news@hotmail.com", "alice@hotmail.com"),
        ("alice.b+x@live.com", "alice.b@live.com"),
        ("alice+x@msn.com", "alice@msn.com"),
        ("alice+x@icloud.com", "alice@icloud.com"),
        ("alice+x@me.com", "alice@me.com"),
        ("alice+x@mac.com", "alice@mac.com"),
        ("alice+x@fastmail.com", "alice@fastmail.com"),
        ("alice+x@fastmail.fm", "alice@fastmail.fm"),
        ("alice+x@proton.me", "alice@proton.me"),
        ("alice+x@protonmail.com", "alice@protonmail.com"),
        ("alice+x@protonmail.ch", "alice@protonmail.ch"),
        ("alice+x@pm.me", "alice@pm.me"),
        # Elsewhere `+` and dots are ordinary characters: two people.
        ("alice+x@example.org", "alice+x@example.org"),
        ("alice.b@outlook.com", "alice.b@outlook.com"),
        # The domain in its IDNA 2008 form, whichever way it was typed.
        ("x@faß.de", "x@xn--fa-hia.de"),
        ("X@FAß.DE", "x@xn--fa-hia.de"),
        ("x@xn--fa-hia.de", "x@xn--fa-hia.de"),
        ("x@fass.de", "x@fass.de"),
        # Nothing left once folded: kept as it was.
        ("+x@outlook.com", "+x@outlook.com"),
    ],
)
def test_canonical_email(typed, canonical):
    assert canonical_email(typed) == canonical


def test_canonical_email_takes_any_search_text():
    assert canonical_email("not@\u2764 an address") == "not@\u2764 an address"


def test_plus_tags_at_outlook_sign_once(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    assert sign(client, slug, email="alice+1@outlook.com").status_code == 303
    assert sign(client, slug, email="alice+2@outlook.com").status_code == 303
    with app.app_context():
        rows = db.session.execute(sa.select(Signature.email, Signature.email_canonical)).all()
    assert rows == [("alice+1@outlook.com", "alice@outlook.com")]


def test_an_internationalised_domain_typed_either_way_signs_once(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug, email="x@faß.de")
    sign(client, slug, email="x@xn--fa-hia.de")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 1


# --- rows stored under the old rule ------------------------------------------------------------


def _recompute_migration():
    path = next(Path("migrations/versions").glob("*_email_canonical_plus_tags_and_idna_2008.py"))
    spec = importlib.util.spec_from_file_location("recompute_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_recomputes_canonical_addresses_unless_they_would_collide(app):
    migration = _recompute_migration()
    with app.app_context():
        petition, other = make_petition(), make_petition()

        def stored(email, *, on=petition, first="Ann", last="Lee", **fields):
            old = email.lower() if email else None  # the old rule, for these addresses
            return make_signature(
                on, email=email, email_canonical=old, first_name=first, last_name=last, **fields
            ).id

        ids = {
            "tagged": stored("Alice+1@outlook.com", first="Alice"),
            "idn": stored("x@faß.de", first="Xavier"),
            "same_person": stored("bob+1@icloud.com", first="Bob"),
            "same_person_again": stored("bob+2@icloud.com", first="Bob"),
            "household": stored("cat+1@proton.me", first="Cat"),
            "household_partner": stored("cat+2@proton.me", first="Dan", household_slot=2),
            "other_petition": stored("alice+2@outlook.com", on=other, first="Alice"),
            "plain": stored("eve+x@example.org", first="Eve"),
            "purged": stored(None, first="Gone"),
        }
        written, skipped = migration.recompute_email_canonical(db.session.connection())
        db.session.commit()
        rows = db.session.execute(sa.select(Signature.id, Signature.email_canonical)).all()
        canonical = dict(rows)

    assert (written, skipped) == (6, 1)
    assert {name: canonical[id_] for name, id_ in ids.items()} == {
        "tagged": "alice@outlook.com",
        "idn": "x@xn--fa-hia.de",
        "same_person": "bob@icloud.com",
        "same_person_again": "bob+2@icloud.com",  # would collide with the first: kept
        "household": "cat@proton.me",
        "household_partner": "cat@proton.me",
        "other_petition": "alice@outlook.com",
        "plain": "eve+x@example.org",
        "purged": None,
    }


def test_the_migration_folds_as_the_app_does():
    migration = _recompute_migration()
    for typed in ["Alice+1@Outlook.com", "M.a.ria+x@googlemail.com", "X@FAß.DE", "a+b@c.org"]:
        assert migration.canonical_email(typed) == canonical_email(typed)

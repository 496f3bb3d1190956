"""Signing uses the petition row its process kept from the last read (no read of its own), and
checks it against the petition inside its write transaction: whatever changed since, the
signature is taken or refused by the petition as it is now."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models import Petition, Signature
from tests import instants
from tests.conftest import form_token_from, signer_fields
from tests.factories import make_petition


@pytest.fixture
def kept(app, client):
    """A petition whose row this process has kept (its page was read), and its form token."""
    with app.app_context():
        petition = make_petition()
        slug, petition_id = petition.slug, petition.id
    token = form_token_from(client.get(f"/petitions/{slug}").text)
    return slug, petition_id, token


def post(client, slug: str, token: str, email: str = "maria@example.org"):
    return client.post(
        f"/petitions/{slug}/sign",
        data=signer_fields(email=email, form_token=token),
        environ_base={"REMOTE_ADDR": "81.2.69.160"},  # a public address: its network is keyed
    )


def change(app, petition_id: int, **values) -> None:
    with app.app_context():
        petition = db.session.get(Petition, petition_id)
        for name, value in values.items():
            setattr(petition, name, value)
        db.session.commit()


def signatures(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Signature))


def test_a_sign_post_reads_no_petition_row_of_its_own(app, client, kept):
    slug, _petition_id, token = kept
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert post(client, slug, token).status_code == 303
    finally:
        event.remove(engine, "before_cursor_execute", note)
    petition_reads = [s for s in statements if s.lstrip().upper().startswith("SELECT petition.")]
    assert petition_reads == [], petition_reads
    assert signatures(app) == 1


def test_a_petition_closed_since_it_was_kept_takes_no_signature(app, client, kept, clock):
    slug, petition_id, token = kept
    change(app, petition_id, closes_at=instants.OPEN - timedelta(minutes=1))
    response = post(client, slug, token)
    assert response.status_code == 403
    assert "no longer takes signatures" in response.text
    assert signatures(app) == 0


def test_a_petition_reopened_since_it_was_kept_takes_the_signature(app, client, kept, clock):
    slug, petition_id, token = kept
    change(app, petition_id, closes_at=instants.OPEN - timedelta(minutes=1))
    assert client.get(f"/petitions/{slug}").status_code == 200  # kept, closed
    change(app, petition_id, closes_at=instants.OPEN + timedelta(days=30))
    assert post(client, slug, token).status_code == 303
    assert signatures(app) == 1


def test_a_petition_unpublished_since_it_was_kept_is_not_found(app, client, kept):
    slug, petition_id, token = kept
    change(app, petition_id, published_at=None)
    assert post(client, slug, token).status_code == 404
    assert signatures(app) == 0


def test_a_petition_renamed_since_it_was_kept_takes_the_signature(app, client, kept):
    slug, petition_id, token = kept
    change(app, petition_id, slug=slug + "-renamed")
    response = post(client, slug, token)
    assert response.status_code in (303, 308)
    if response.status_code == 308:
        response = post(client, slug + "-renamed", token)
    assert response.status_code == 303
    assert signatures(app) == 1


def test_a_new_network_key_is_the_petitions_current_one(app, client, kept):
    """The integrity key (what a signer's network is keyed with) changed since: the signature
    is keyed with the petition's key as it is now."""
    from app.signatures.signals import network_key

    slug, petition_id, token = kept
    change(app, petition_id, integrity_key="b" * 64)
    assert post(client, slug, token).status_code == 303
    with app.app_context():
        stored = db.session.scalar(sa.select(Signature.network_key))
    assert stored == network_key("b" * 64, "81.2.69.0/24")

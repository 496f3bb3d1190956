"""The OSDI API is rate limited per token (API_RATE_LIMIT), and recording signatures has an
allowance of its own (API_SIGN_RATE_LIMIT): each token has its own, and going over one
answers 429 in JSON."""

import pytest

from app.extensions import db
from app.organizers.api_tokens import TokenScopes, create_api_token
from tests.factories import make_organizer

HEADER = "OSDI-API-Token"


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "API_RATE_LIMIT": "3 per minute",
    }


def test_each_token_has_its_own_allowance(app, client):
    with app.app_context():
        ana = make_organizer("ana@example.org")
        _, first = create_api_token(ana, "one", TokenScopes())
        _, second = create_api_token(ana, "two", TokenScopes())
    statuses = [client.get("/api/v1/", headers={HEADER: first}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/petitions", headers={HEADER: first})
    assert limited.status_code == 429
    assert limited.is_json
    assert "3 per 1 minute" in limited.json["message"]
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/", headers={HEADER: second}).status_code == 200


def test_made_up_tokens_share_their_address_allowance(app, client):
    statuses = [
        client.get("/api/v1/", headers={HEADER: f"made-up-{n}"}).status_code for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_recording_signatures_has_its_own_allowance_per_token(app, client):
    """As the sign form's (RATELIMIT_SIGN), per token: API_SIGN_RATE_LIMIT."""
    from app.models import PetitionMember
    from tests.factories import make_petition

    app.config["API_RATE_LIMIT"] = "100 per minute"
    app.config["API_SIGN_RATE_LIMIT"] = "2 per minute"
    with app.app_context():
        ana = make_organizer("ana@example.org")
        petition = make_petition()
        db.session.add(PetitionMember(petition_id=petition.id, organizer_id=ana.id))
        db.session.commit()
        url = f"/api/v1/petitions/{petition.id}/record_signature_helper"
        _, first = create_api_token(ana, "one", TokenScopes(write=True))
        _, second = create_api_token(ana, "two", TokenScopes(write=True))

    def record(token: str, n: int):
        person = {
            "given_name": "Rosa",
            "family_name": f"Parks{'x' * n}",
            "email_addresses": [{"address": f"rosa{n}@example.org"}],
            "postal_addresses": [{"postal_code": "19107"}],
        }
        return client.post(url, json={"person": person}, headers={HEADER: token})

    statuses = [record(first, n).status_code for n in range(3)]
    assert statuses == [202, 202, 429]
    limited = record(first, 9)
    assert limited.is_json and "2 per 1 minute" in limited.json["message"]
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/", headers={HEADER: first}).status_code == 200, "reading goes on"
    assert record(second, 5).status_code == 202, "each token its own allowance"


def test_made_up_tokens_posting_signatures_are_counted_too(app, client):
    url = "/api/v1/petitions/1/record_signature_helper"
    statuses = [
        client.post(url, json={}, headers={HEADER: f"made-up-{n}"}).status_code for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]

"""The OSDI API is rate limited per token (API_RATE_LIMIT): each token has its own allowance,
and going over it answers 429 in JSON."""

import pytest

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

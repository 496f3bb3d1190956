"""Per-IP limits on signing and on the emailed links' buttons."""

import pytest

from tests.conftest import form_token_from, sign, signer_fields
from tests.factories import make_petition


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_SIGN": "3 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def test_signing_is_limited_per_ip(app, client):
    with app.app_context():
        slug = make_petition().slug
    statuses = [sign(client, slug, email=f"p{n}@example.org").status_code for n in range(4)]
    assert statuses == [303, 303, 303, 429]
    limited = sign(client, slug, email="late@example.org")
    assert "Please wait a minute" in limited.get_data(as_text=True)
    assert client.get(f"/petitions/{slug}").status_code == 200, "reading is never limited"


def test_another_address_has_its_own_allowance(app):
    with app.app_context():
        slug = make_petition().slug
    first = app.test_client()
    for n in range(3):
        sign(first, slug, email=f"a{n}@example.org")
    assert sign(first, slug, email="a4@example.org").status_code == 429
    second = app.test_client()
    page = second.get(f"/petitions/{slug}", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    response = second.post(
        f"/petitions/{slug}/sign",
        data=signer_fields(email="b@example.org", form_token=form_token_from(page.text)),
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert response.status_code == 303

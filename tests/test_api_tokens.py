"""API tokens: made on /organizer/api-tokens (shown once, stored hashed), listed with their
last use, revoked; `organizers token` prints one."""

import hashlib
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken
from tests.conftest import csrf_token_from, log_in
from tests.factories import ORGANIZER_PASSWORD, make_organizer

SECRET = re.compile(r'<code id="token-secret">([^<]+)</code>')


def _logged_in(app, client, email="ana@example.org"):
    with app.app_context():
        make_organizer(email)
    assert log_in(client, email, ORGANIZER_PASSWORD).status_code == 302
    return client


def _make(client, **fields):
    page = client.get("/organizer/api-tokens")
    data = {"csrf_token": csrf_token_from(page.text), **fields}
    return client.post("/organizer/api-tokens", data=data)


def test_the_page_is_linked_from_the_organizer_nav(app, client):
    _logged_in(app, client)
    assert 'href="/organizer/api-tokens"' in client.get("/organizer/").text


def test_a_token_is_shown_once_and_stored_hashed(app, client):
    _logged_in(app, client)
    made = _make(client, name="Action Network sync", personal_data="y")
    assert made.status_code == 201
    assert made.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(made.text).group(1)
    assert len(secret) >= 40
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.name == "Action Network sync"
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in token.token_hash
        assert token.can_read_personal_data and not token.can_write
    again = client.get("/organizer/api-tokens")
    assert secret not in again.text, "shown once only"
    assert "Action Network sync" in again.text
    assert "read, personal_data" in again.text
    assert "never" in again.text  # not used yet


def test_import_confirmed_needs_write_and_a_name_is_required(app, client):
    _logged_in(app, client)
    refused = _make(client, name="x", import_confirmed="y")
    assert refused.status_code == 400
    assert "Record signatures" in refused.text
    assert _make(client, name="").status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    made = _make(client, name="partner", write="y", import_confirmed="y")
    assert made.status_code == 201


def test_csrf_is_required(app, client):
    _logged_in(app, client)
    assert client.post("/organizer/api-tokens", data={"name": "x"}).status_code == 400


def _revoke(client, token_id: int):
    """Press Revoke on the list, then the button on the page that asks first."""
    listing = client.get("/organizer/api-tokens").text
    assert f'href="/organizer/api-tokens/{token_id}/revoke"' in listing
    asked = client.get(f"/organizer/api-tokens/{token_id}/revoke")
    assert asked.status_code == 200
    return client.post(
        f"/organizer/api-tokens/{token_id}/revoke", data={"csrf_token": csrf_token_from(asked.text)}
    )


def test_revoke_a_token(app, client):
    _logged_in(app, client)
    _make(client, name="old tool")
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    revoked = _revoke(client, token_id)
    assert revoked.status_code == 303
    listing = client.get(revoked.headers["Location"]).text
    assert "The token “old tool” is revoked: it no longer works." in listing
    assert "revoked" in listing
    assert f'href="/organizer/api-tokens/{token_id}/revoke"' not in listing
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_revoking_asks_first_on_a_page_that_needs_no_script(app, client):
    _logged_in(app, client)
    _make(client, name="Action Network sync", write="y")
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    listing = client.get("/organizer/api-tokens").text
    assert f'action="/organizer/api-tokens/{token_id}/revoke"' not in listing, "no one-click POST"
    asked = client.get(f"/organizer/api-tokens/{token_id}/revoke")
    assert asked.status_code == 200
    page = asked.text
    assert "Revoke the token “Action Network sync”?" in page
    assert "It stops working at once" in page
    assert "read, write" in page  # which token: its scopes, how it starts, its last use
    assert re.search(
        rf'<form method="post" action="/organizer/api-tokens/{token_id}/revoke"[^>]*>\s*'
        r'<input[^>]+name="csrf_token"',
        page,
    )
    assert 'href="/organizer/api-tokens">Cancel</a>' in page
    assert "<script" not in page.split("</head>")[1]
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None, "asking revokes nothing"
    client.set_cookie("lang", "es")
    assert "¿Revocar el token “Action Network sync”?" in client.get(
        f"/organizer/api-tokens/{token_id}/revoke"
    ).text


def test_a_revoked_token_is_not_asked_about_again(app, client):
    _logged_in(app, client)
    _make(client, name="old tool")
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    _revoke(client, token_id)
    again = client.get(f"/organizer/api-tokens/{token_id}/revoke")
    assert again.status_code == 303
    assert "The token “old tool” is already revoked." in client.get(again.headers["Location"]).text


def test_an_organizer_cannot_revoke_another_organizers_token(app, client):
    other = app.test_client()
    _logged_in(app, other, "bob@example.org")
    _make(other, name="bob's")
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    _logged_in(app, client)
    page = client.get("/organizer/api-tokens")
    assert "bob&#39;s" not in page.text and "bob's" not in page.text
    assert client.get(f"/organizer/api-tokens/{token_id}/revoke").status_code == 404
    answer = client.post(
        f"/organizer/api-tokens/{token_id}/revoke", data={"csrf_token": csrf_token_from(page.text)}
    )
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_the_page_needs_a_login(client):
    assert client.get("/organizer/api-tokens").status_code == 302


def test_the_command_prints_a_token(app, runner):
    with app.app_context():
        make_organizer("ana@example.org")
    result = runner.invoke(
        args=[
            "organizers",
            "token",
            "ana@example.org",
            "--name",
            "CRM",
            "--write",
            "--personal-data",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.name == "CRM"
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert token.can_write and token.can_read_personal_data and not token.can_import_confirmed
    unknown = runner.invoke(args=["organizers", "token", "nobody@example.org"])
    assert unknown.exit_code == 1
    assert "no organizer" in unknown.output
    refused = runner.invoke(args=["organizers", "token", "ana@example.org", "--import-confirmed"])
    assert refused.exit_code == 1
    assert "write scope" in refused.output


def test_an_organizer_holds_a_limited_number_of_live_tokens(app, client):
    app.config["API_TOKENS_PER_ORGANIZER"] = 2
    _logged_in(app, client)
    assert _make(client, name="one").status_code == 201
    assert _make(client, name="two").status_code == 201
    refused = _make(client, name="three")
    assert refused.status_code == 400
    assert "You already have 2 live tokens" in refused.text
    assert "Revoke one" in refused.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 2
        token_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "one"))
    assert _revoke(client, token_id).status_code == 303
    assert _make(client, name="three").status_code == 201, "a revoked token frees its place"
    # In Spanish too.
    client.set_cookie("lang", "es")
    spanish = _make(client, name="four")
    assert spanish.status_code == 400
    assert "Ya tienes 2 tokens activos" in spanish.text


def test_the_command_refuses_a_token_beyond_the_limit(app, runner):
    app.config["API_TOKENS_PER_ORGANIZER"] = 1
    with app.app_context():
        make_organizer("ana@example.org")
    assert runner.invoke(args=["organizers", "token", "ana@example.org"]).exit_code == 0
    refused = runner.invoke(args=["organizers", "token", "ana@example.org"])
    assert refused.exit_code == 1
    assert "already has 1 live token" in refused.output
    assert "API_TOKENS_PER_ORGANIZER" in refused.output

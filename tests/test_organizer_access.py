"""Every organizer URL is refused to anonymous visitors, and every URL naming a petition to
organizers outside its team: the tests walk the URL map, so a new page is covered the day it
is added."""

import pytest
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.organizers.membership import join_petition
from tests.conftest import csrf_token_from, log_in
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition, make_signature

OPEN_TO_ANYONE = {"organizer.login", "organizer.set_password"}


def _kind(converter) -> str:
    """The converter's kind by what it is (ours derive from Werkzeug's)."""
    if isinstance(converter, IntegerConverter):
        return "IntegerConverter"
    return type(converter).__name__


def organizer_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/organizer")]


def test_the_organizer_side_has_pages_to_protect(app):
    assert len(organizer_rules(app)) >= 10


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_organizer_url_refuses_anonymous_visitors(app, client, method):
    with app.app_context():
        petition = make_petition(title="Quiet campaign", organizer_name="Hidden Group")
        slug = petition.slug
    adapter = app.url_map.bind("petitions.test")
    checked = 0
    for rule in organizer_rules(app):
        if rule.endpoint in OPEN_TO_ANYONE or method not in rule.methods:
            continue
        values = {}
        for argument in rule.arguments:
            kind = _kind(rule._converters[argument])
            values[argument] = {
                "SlugConverter": slug,
                "IntegerConverter": 1,
                "AnyConverter": "enable",
            }.get(kind, "x")
        path = adapter.build(rule.endpoint, values)
        # A valid CSRF token, so that it is the login check that refuses, not CSRF.
        token = csrf_token_from(client.get("/organizer/login").get_data(as_text=True))
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, path, response.status_code)
        assert response.headers["Location"].startswith("/organizer/login"), path
        # The refusal tells nothing of the petition (its path is only what the visitor typed).
        body = response.get_data(as_text=True)
        assert "Quiet campaign" not in body and "Hidden Group" not in body, path
        checked += 1
    assert checked > 0


def petition_paths(app, slug: str, method: str) -> list[str]:
    """The path of every organizer URL that names a petition and takes `method` (with 1 for
    a number, "es" for a language, and "x" for an argument of a kind this test does not
    know)."""
    adapter = app.url_map.bind("petitions.test")
    paths = []
    for rule in organizer_rules(app):
        if "slug" not in rule.arguments or method not in rule.methods:
            continue
        values = {}
        for argument in rule.arguments:
            converter = rule._converters[argument]
            kind = _kind(converter)
            if kind == "AnyConverter":
                values[argument] = sorted(converter.items)[0]
            elif argument == "locale":
                values[argument] = "es"
            else:
                values[argument] = {"SlugConverter": slug, "IntegerConverter": 1}.get(kind, "x")
        paths.append(adapter.build(rule.endpoint, values))
    return paths


@pytest.fixture
def team(app):
    """A published petition and a draft, both managed by member@ and not by outsider@."""
    with app.app_context():
        published = make_petition(title="Quiet campaign", organizer_name="Hidden Group")
        draft = make_petition(
            title="Secret draft", organizer_name="Hidden Group", published_at=None
        )
        make_signature(published)
        member = make_organizer("member@example.org")
        make_organizer("outsider@example.org")
        for petition in (published, draft):
            join_petition(petition, member)
        db.session.commit()
        return published.slug, draft.slug


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_petition_url_is_404_to_an_organizer_outside_its_team(app, client, team, method):
    log_in(client, "outsider@example.org", ORGANIZER_PASSWORD)
    token = csrf_token_from(client.get("/organizer/").get_data(as_text=True))
    checked = 0
    for slug in team:
        for path in petition_paths(app, slug, method):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, path, response.status_code)
            body = response.get_data(as_text=True)
            assert "Quiet campaign" not in body and "Secret draft" not in body, path
            assert "Hidden Group" not in body, path
            checked += 1
    assert checked >= (12 if method == "POST" else 14)
    # Nor does the list of petitions show them.
    index = client.get("/organizer/").get_data(as_text=True)
    assert "Quiet campaign" not in index and "Secret draft" not in index


def test_a_member_of_the_team_gets_in(app, client, team):
    published, draft = team
    log_in(client, "member@example.org", ORGANIZER_PASSWORD)
    index = client.get("/organizer/").get_data(as_text=True)
    assert "Quiet campaign" in index and "Secret draft" in index
    token = csrf_token_from(index)
    for slug in team:
        for path in petition_paths(app, slug, "GET"):
            if "/x" in path:
                continue  # an argument this test cannot know a real value for
            response = client.get(path)
            # Signature 1 is on the published petition: the draft's page for it is a 404;
            # neither petition has update 1 or response 1.
            no_such_record = (slug == draft and "/signers/1/" in path) or names_no_record(path)
            assert response.status_code == (404 if no_such_record else 200), path
        for path in petition_paths(app, slug, "POST"):
            response = client.post(path, data={"csrf_token": token})
            if names_no_record(path):  # unknown (404), or already gone (303) for a deletion
                assert response.status_code in (303, 404), path
                continue
            # Refused as incomplete or not allowed (erasing is for admins), never unknown.
            assert response.status_code != 404, path


def names_no_record(path: str) -> bool:
    """The team's petitions have no update 1, no response 1, no file 1 (built by the
    worker) and no webhook endpoint 1: pages naming them are 404."""
    return any(
        path.endswith(record) or record + "/" in path
        for record in ("/updates/1", "/responses/1", "/files/1", "/webhooks/1")
    )


def test_admins_manage_every_petition_without_being_members(app, organizer_client, team):
    index = organizer_client.get("/organizer/").get_data(as_text=True)
    assert "Quiet campaign" in index and "Secret draft" in index
    for slug in team:
        assert organizer_client.get(f"/organizer/petitions/{slug}").status_code == 200


def test_an_organizer_with_no_petition_is_told_they_can_start_one(app, client, team):
    log_in(client, "outsider@example.org", ORGANIZER_PASSWORD)
    index = client.get("/organizer/").get_data(as_text=True)
    assert 'href="/organizer/petitions/new">Start a petition</a>' in index
    assert "You do not manage any petition yet. Start one with the button above" in index
    assert "ask an admin" not in index
    client.set_cookie("lang", "es")
    spanish = client.get("/organizer/").get_data(as_text=True)
    assert "Todavía no gestionas ninguna petición. Empieza una con el botón de arriba" in spanish


def test_the_login_page_itself_is_open(client):
    assert client.get("/organizer/login").status_code == 200

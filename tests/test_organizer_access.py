"""Every organizer URL is refused to anonymous visitors: the test walks the URL map, so a new
page is covered the day it is added."""

import pytest

from tests.conftest import csrf_token_from
from tests.factories import make_petition

OPEN_TO_ANYONE = {"organizer.login", "organizer.set_password"}


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
            kind = type(rule._converters[argument]).__name__
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


def test_the_login_page_itself_is_open(client):
    assert client.get("/organizer/login").status_code == 200

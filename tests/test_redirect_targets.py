"""Where `next=` may send a visitor: a path on this site, never another site, and never a
500 for a character a Location header cannot hold."""

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token_from
from tests.factories import ORGANIZER_PASSWORD, make_organizer

INJECTED = "/x\r\nX-Inj: y"

nexts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=string.printable, max_size=40).map(lambda text: "/" + text),
    st.text(max_size=40).map(lambda text: "/organizer/" + text),
    st.sampled_from(["\r", "\n", "\t", "\x00", "\x7f", "\\", "/\\evil.example", "//evil"]).map(
        lambda bad: "/organizer/petitions" + bad
    ),
)
FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def stays_here(location: str) -> bool:
    """A path on this site (Werkzeug writes a backslash as %5C, so it cannot turn into "//")."""
    return (
        location.startswith("/")
        and not location.startswith("//")
        and "\\" not in location
        and not any(ord(c) < 32 or ord(c) == 127 for c in location)
    )


def test_a_line_break_in_the_language_switchs_next_goes_home(client):
    response = client.get("/language/es", query_string={"next": INJECTED})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "X-Inj" not in response.headers


@FUZZ
@given(target=nexts)
@example(target="//[")
@example(target="/organizer/[")
@example(target=INJECTED)
@example(target="/petitions/x%0d%0a")
def test_the_language_switch_never_fails_on_next(client, target):
    response = client.get("/language/es", query_string={"next": target})
    assert response.status_code == 303, (target, response.status_code)
    location = response.headers["Location"]
    assert stays_here(location), (target, location)


@pytest.fixture
def organizer(app):
    with app.app_context():
        return make_organizer("ana@example.org").email


def log_in_with_next(client, email: str, target: str):
    page = client.get("/organizer/login")
    return client.post(
        "/organizer/login",
        query_string={"next": target},
        data={
            "email": email,
            "password": ORGANIZER_PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )


def test_a_line_break_in_the_logins_next_goes_to_the_organizer_side(client, organizer):
    response = log_in_with_next(client, organizer, "/organizer/x\r\nX-Inj: y")
    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/"
    assert "X-Inj" not in response.headers


@FUZZ
@given(target=nexts)
@example(target="//[")
@example(target="/organizer/[")
@example(target="/organizer/x\r\nX-Inj: y")
@example(target="/organizer/\\evil.example")
def test_the_logins_next_never_fails(app, organizer, target):
    client = app.test_client()
    response = log_in_with_next(client, organizer, target)
    assert response.status_code == 302, (target, response.status_code)
    location = response.headers["Location"]
    assert stays_here(location) and location.startswith("/organizer/"), (target, location)

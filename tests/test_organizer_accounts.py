"""Organizer accounts: the command line, logging in and out, invitations, disabling."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Organizer
from tests.conftest import csrf_token_from, deliver_mail, log_in
from tests.factories import ORGANIZER_PASSWORD, make_organizer
from tests.smtp_sink import text_of


@pytest.fixture
def organizer(app):
    with app.app_context():
        return make_organizer("ana@example.org").email


def test_create_an_admin_from_the_command_line_with_the_password_on_stdin(app, runner):
    result = runner.invoke(
        args=["organizers", "create", "First@Example.org", "--admin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin first@example.org" in result.output
    with app.app_context():
        organizer = db.session.scalar(sa.select(Organizer))
        assert organizer.is_admin
        assert organizer.password_hash.startswith("scrypt:")
        assert "a long enough password" not in organizer.password_hash
        assert organizer.check_password("a long enough password")


def test_the_command_refuses_weak_passwords_and_duplicates(app, runner):
    short = runner.invoke(args=["organizers", "create", "a@example.org"], input="short\n")
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    runner.invoke(args=["organizers", "create", "a@example.org"], input="long enough pass\n")
    again = runner.invoke(
        args=["organizers", "create", "A@example.org"], input="long enough pass\n"
    )
    assert again.exit_code == 1
    assert "already has an account" in again.output
    bad = runner.invoke(args=["organizers", "create", "not-an-email"], input="long enough pass\n")
    assert bad.exit_code == 1


def test_log_in_and_out(app, client, organizer):
    response = log_in(client, organizer, ORGANIZER_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/"
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/organizer/")
    assert page.status_code == 200
    assert "Log out" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"

    token = csrf_token_from(page.get_data(as_text=True))
    client.post("/organizer/logout", data={"csrf_token": token})
    assert client.get("/organizer/").status_code == 302


def test_a_wrong_password_or_unknown_address_gets_the_same_answer(app, client, organizer):
    wrong = log_in(client, organizer, "not the password")
    unknown = log_in(client, "nobody@example.org", ORGANIZER_PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    message = "That email and password do not match an active account."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert client.get("/organizer/").status_code == 302


def test_login_needs_its_csrf_token(app, client, organizer):
    response = client.post(
        "/organizer/login", data={"email": organizer, "password": ORGANIZER_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/organizer/").status_code == 302


def test_next_never_leaves_the_organizer_side(app, client, organizer):
    page = client.get("/organizer/login?next=https://evil.example/organizer/")
    response = client.post(
        "/organizer/login?next=https://evil.example/organizer/",
        data={
            "email": organizer,
            "password": ORGANIZER_PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/organizer/"


def test_an_anonymous_visit_is_sent_to_login_and_back(app, client, organizer):
    with app.app_context():
        from tests.factories import make_petition

        slug = make_petition().slug
    response = client.get(f"/organizer/petitions/{slug}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organizer/login?next=")
    page = client.get(response.headers["Location"])
    back = client.post(
        response.headers["Location"],
        data={
            "email": organizer,
            "password": ORGANIZER_PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert back.headers["Location"] == f"/organizer/petitions/{slug}"


def test_invite_an_organizer_who_sets_a_password_from_the_email(app, organizer_client, smtp, clock):
    page = organizer_client.get("/organizer/organizers")
    response = organizer_client.post(
        "/organizer/organizers",
        data={
            "email": "New.Person@Example.org",
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 303
    deliver_mail(app)
    (invitation,) = smtp.wait_for(1)
    assert invitation["To"] == "new.person@example.org"
    link = next(word for word in text_of(invitation).split() if "/set-password/" in word)
    path = "/" + link.split("/", 3)[3]

    newcomer = app.test_client()
    form = newcomer.get(path)
    assert form.status_code == 200
    mismatch = newcomer.post(
        path,
        data={
            "password": "a brand new password",
            "confirm": "other",
            "csrf_token": csrf_token_from(form.text),
        },
    )
    assert mismatch.status_code == 400
    done = newcomer.post(
        path,
        data={
            "password": "a brand new password",
            "confirm": "a brand new password",
            "csrf_token": csrf_token_from(form.text),
        },
    )
    assert done.status_code == 302
    assert newcomer.get("/organizer/").status_code == 200
    assert newcomer.get("/organizer/organizers").status_code == 403, "not an admin"
    assert app.test_client().get(path).status_code == 404, "the link works once"

    clock.shift(timedelta(days=8))
    assert (
        log_in(app.test_client(), "new.person@example.org", "a brand new password").status_code
        == 302
    )


def test_an_invitation_link_expires(app, organizer_client, smtp, clock):
    page = organizer_client.get("/organizer/organizers")
    organizer_client.post(
        "/organizer/organizers",
        data={"email": "late@example.org", "csrf_token": csrf_token_from(page.text)},
    )
    deliver_mail(app)
    link = next(w for w in text_of(smtp.wait_for(1)[0]).split() if "/set-password/" in w)
    clock.shift(timedelta(days=8))
    assert app.test_client().get("/" + link.split("/", 3)[3]).status_code == 410


def test_disabling_an_organizer_logs_them_out(app, organizer_client, organizer):
    other = app.test_client()
    log_in(other, organizer, ORGANIZER_PASSWORD)
    assert other.get("/organizer/").status_code == 200
    with app.app_context():
        ana_id = db.session.scalar(sa.select(Organizer.id).where(Organizer.email == organizer))
    page = organizer_client.get("/organizer/organizers")
    organizer_client.post(
        f"/organizer/organizers/{ana_id}/disable", data={"csrf_token": csrf_token_from(page.text)}
    )
    assert other.get("/organizer/").status_code == 302
    assert log_in(app.test_client(), organizer, ORGANIZER_PASSWORD).status_code == 401
    organizer_client.post(
        f"/organizer/organizers/{ana_id}/enable", data={"csrf_token": csrf_token_from(page.text)}
    )
    assert log_in(app.test_client(), organizer, ORGANIZER_PASSWORD).status_code == 302


def test_an_admin_cannot_disable_themself(app, organizer_client):
    with app.app_context():
        admin_id = db.session.scalar(sa.select(Organizer.id).where(Organizer.is_admin))
    page = organizer_client.get("/organizer/organizers")
    organizer_client.post(
        f"/organizer/organizers/{admin_id}/disable", data={"csrf_token": csrf_token_from(page.text)}
    )
    assert organizer_client.get("/organizer/").status_code == 200


class TestLoginRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"}

    def test_login_attempts_are_limited_per_ip(self, app, client, organizer):
        statuses = [log_in(client, organizer, "wrong password").status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert log_in(client, organizer, ORGANIZER_PASSWORD).status_code == 429

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


# --- sessions end when they should ----------------------------------------------------------


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def client_with_cookie(app, value: str):
    """Another browser holding a copy of a session cookie (saved, or stolen)."""
    copy = app.test_client()
    copy.set_cookie("session", value)
    return copy


def organizer_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Organizer.id).where(Organizer.email == email))


def test_a_cookie_saved_before_logging_out_no_longer_opens_the_organizer_side(
    app, client, organizer
):
    log_in(client, organizer, ORGANIZER_PASSWORD)
    page = client.get("/organizer/")
    saved = session_cookie(client)
    assert client_with_cookie(app, saved).get("/organizer/").status_code == 200
    client.post("/organizer/logout", data={"csrf_token": csrf_token_from(page.text)})
    assert client_with_cookie(app, saved).get("/organizer/").status_code == 302


def test_logging_out_ends_the_organizers_other_sessions_too(app, organizer):
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, organizer, ORGANIZER_PASSWORD)
    log_in(phone, organizer, ORGANIZER_PASSWORD)
    page = laptop.get("/organizer/")
    laptop.post("/organizer/logout", data={"csrf_token": csrf_token_from(page.text)})
    assert phone.get("/organizer/").status_code == 302
    assert log_in(phone, organizer, ORGANIZER_PASSWORD).status_code == 302
    assert phone.get("/organizer/").status_code == 200


def test_a_new_password_ends_the_other_sessions(app, client, organizer):
    from app.organizers import password_link

    log_in(client, organizer, ORGANIZER_PASSWORD)
    assert client.get("/organizer/").status_code == 200
    with app.app_context():
        link = password_link(db.session.get(Organizer, organizer_id(app, organizer)))
    path = "/" + link.split("/", 3)[3]
    elsewhere = app.test_client()
    form = elsewhere.get(path)
    done = elsewhere.post(
        path,
        data={
            "password": "another long password",
            "confirm": "another long password",
            "csrf_token": csrf_token_from(form.text),
        },
    )
    assert done.status_code == 302
    assert elsewhere.get("/organizer/").status_code == 200, "the new session works"
    assert client.get("/organizer/").status_code == 302, "the old one is over"


def test_a_disabled_organizers_session_stays_over_when_they_are_enabled_again(
    app, organizer_client, organizer
):
    other = app.test_client()
    log_in(other, organizer, ORGANIZER_PASSWORD)
    saved = session_cookie(other)
    ana_id = organizer_id(app, organizer)
    token = csrf_token_from(organizer_client.get("/organizer/organizers").text)
    organizer_client.post(f"/organizer/organizers/{ana_id}/disable", data={"csrf_token": token})
    organizer_client.post(f"/organizer/organizers/{ana_id}/enable", data={"csrf_token": token})
    assert client_with_cookie(app, saved).get("/organizer/").status_code == 302
    assert other.get("/organizer/").status_code == 302


def test_a_session_names_the_organizer_and_their_session_version(app, organizer):
    from app.web.organizer.access import load_organizer as _load_organizer

    with app.app_context():
        ana = db.session.get(Organizer, organizer_id(app, organizer))
        assert ana.get_id() == f"{ana.id}:{ana.session_version}"
        assert _load_organizer(ana.get_id()) == ana
        assert _load_organizer(str(ana.id)) is None, "a session from before versions"
        assert _load_organizer(f"{ana.id}:{ana.session_version + 1}") is None
        assert _load_organizer("x:1") is None and _load_organizer("") is None


# --- login timing ----------------------------------------------------------------------------


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """Records each dummy password check `authenticate` spends (and still spends it)."""
    spent = []
    real = Organizer.spend_a_password_check

    def spy(password: str) -> None:
        spent.append(password)
        real(password)

    monkeypatch.setattr(Organizer, "spend_a_password_check", staticmethod(spy))
    return spent


def test_an_invited_organizer_without_a_password_costs_a_password_check(app, password_checks):
    from app.organizers import authenticate, create_organizer

    with app.app_context():
        create_organizer("invited@example.org", None)
        db.session.commit()
        assert authenticate("invited@example.org", "any password at all") is None
        assert password_checks == ["any password at all"]
        assert authenticate("nobody@example.org", "another guess") is None
        assert password_checks == ["any password at all", "another guess"]


def test_a_disabled_organizer_costs_a_password_check_too(app, organizer, password_checks):
    from app.organizers import authenticate

    with app.app_context():
        ana = db.session.get(Organizer, organizer_id(app, organizer))
        ana.is_enabled = False
        db.session.commit()
        hashed = []
        real_check = Organizer.check_password

        def counted(self, password):
            hashed.append(password)
            return real_check(self, password)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Organizer, "check_password", counted)
            assert authenticate(organizer, ORGANIZER_PASSWORD) is None
        assert len(hashed) + len(password_checks) == 1


# --- session protection ---------------------------------------------------------------------


def test_a_changing_x_forwarded_for_does_not_end_a_session(app, client, organizer):
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    log_in(client, organizer, ORGANIZER_PASSWORD)
    for forwarded in ("203.0.113.1", "203.0.113.2", None):
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        assert client.get("/organizer/", headers=headers).status_code == 200, forwarded


def test_a_spoofed_x_forwarded_for_does_not_make_a_stolen_cookie_work(app, client, organizer):
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    log_in(client, organizer, ORGANIZER_PASSWORD)
    assert client.get("/organizer/").status_code == 200
    thief = client_with_cookie(app, session_cookie(client))
    thief.environ_base["REMOTE_ADDR"] = "192.0.2.66"
    stolen = thief.get("/organizer/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert stolen.status_code == 302
    # Strong protection emptied the session: it does not work from the first address either.
    thief.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert thief.get("/organizer/").status_code == 302


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PROXY_COUNT": 1}

    def test_the_address_the_proxy_saw_is_the_one_that_counts(self, app, client, organizer):
        client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the proxy
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"  # the visitor
        log_in(client, organizer, ORGANIZER_PASSWORD)
        assert client.get("/organizer/").status_code == 200
        cookie = session_cookie(client)
        thief = client_with_cookie(app, cookie)
        thief.environ_base["REMOTE_ADDR"] = "10.0.0.2"
        other = {"X-Forwarded-For": "192.0.2.66"}
        assert thief.get("/organizer/", headers=other).status_code == 302

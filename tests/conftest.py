"""Fixtures: an app on a real database (SQLite file, or PostgreSQL via TEST_DATABASE_URL), a
real SMTP server on loopback, a movable clock, helpers to sign as a visitor would, and a
browser with the app served live."""

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from app.core.clock import now
from app.extensions import db
from app.jobs import run_due_jobs
from app.mail.sender import send_all_due
from app.models import PetitionTranslation, Signature
from tests import instants
from tests.smtp_sink import SmtpSink

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ON_POSTGRESQL = bool(TEST_DATABASE_URL)

needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="needs PostgreSQL: set TEST_DATABASE_URL (CI does)"
)


def pytest_report_header(config) -> list[str]:
    where = (
        f"PostgreSQL at {TEST_DATABASE_URL}"
        if ON_POSTGRESQL
        else "SQLite files (set TEST_DATABASE_URL for PostgreSQL)"
    )
    import shutil

    chromium = shutil.which("chromium")
    browser = f"chromium at {chromium}" if chromium else "none: the browser tests are skipped"
    return [f"database: {where}", f"browser: {browser}"]


TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


def uncompiled_catalogs(folder: Path = TRANSLATIONS) -> list[Path]:
    """The catalogs (.po) with no compiled .mo beside them, or an .mo older than the .po."""
    stale = []
    for catalog in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        compiled = catalog.with_suffix(".mo")
        if not compiled.exists() or compiled.stat().st_mtime < catalog.stat().st_mtime:
            stale.append(catalog)
    return stale


def pytest_sessionstart(session) -> None:
    # Without them every page is in English, and the first Spanish test fails saying only
    # that a text differs.
    stale = uncompiled_catalogs()
    if stale:
        names = ", ".join(str(path.relative_to(TRANSLATIONS.parent.parent)) for path in stale)
        pytest.exit(f"{names}: not compiled, or changed since: run `make install`", returncode=3)
    if not ON_POSTGRESQL:
        return
    engine = sa.create_engine(TEST_DATABASE_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        pytest.exit(
            f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {error}", returncode=3
        )
    finally:
        engine.dispose()


# --- the clock ---------------------------------------------------------------------------


class Clock:
    """Moves the application's time. Starts at instants.OPEN and keeps ticking from there."""

    def __init__(self) -> None:
        self._traveller = time_machine.travel(instants.OPEN, tick=True)
        self._coordinates = self._traveller.start()

    def move_to(self, instant: datetime) -> None:
        self._coordinates.move_to(instant)

    def shift(self, delta: timedelta) -> None:
        self._coordinates.shift(delta)

    def stop(self) -> None:
        self._traveller.stop()


@pytest.fixture(autouse=True)
def clock(request) -> Iterator[Clock]:
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    clock = Clock()
    yield clock
    clock.stop()


# --- mail ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp(smtp_sink: SmtpSink) -> Iterator[SmtpSink]:
    """The SMTP server the app sends to, emptied for this test."""
    smtp_sink.start()
    smtp_sink.clear()
    yield smtp_sink
    smtp_sink.start()
    smtp_sink.clear()


# --- the app -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _postgresql_schema() -> str | None:
    """On PostgreSQL, the tables are made once from the models; each test empties them with
    the statement returned: every row deleted, the tables that point at others first, and
    every sequence back to 1 (a test may expect the first row's id to be 1), in one round
    trip. On tables of a few rows that is several times cheaper than TRUNCATE ... RESTART
    IDENTITY, which makes new files for every table and index."""
    if not ON_POSTGRESQL:
        return None
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL})
    with app.app_context():
        # Whatever an earlier run left (tables of another branch's models too) goes.
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        db.create_all()
        quote = db.engine.dialect.identifier_preparer.format_table
        db.engine.dispose()
    children_first = reversed(db.metadata.sorted_tables)
    return "".join(f"DELETE FROM {quote(table)};" for table in children_first) + (
        "SELECT setval(oid, 1, false) FROM pg_class"
        " WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"
    )


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path | None:
    """On SQLite, a database file with the tables, made once from the models; each test's
    database is a copy of it, which is cheaper than making the tables again."""
    if ON_POSTGRESQL:
        return None
    template = tmp_path_factory.mktemp("template") / "schema.sqlite3"
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()  # the last connection closed writes the log (WAL) into the file
    assert not template.with_name(template.name + "-wal").exists(), "the template is not whole"
    return template


@pytest.fixture
def database_url(tmp_path, _postgresql_schema, _sqlite_template) -> str:
    """The test's database, with the tables: on PostgreSQL the session's (the app fixture
    empties them), on SQLite a file of its own, copied from the template."""
    if ON_POSTGRESQL:
        return TEST_DATABASE_URL
    database = tmp_path / "test.sqlite3"
    shutil.copyfile(_sqlite_template, database)
    return f"sqlite:///{database}"


@pytest.fixture
def app_config(request, database_url: str, smtp_sink: SmtpSink, tmp_path) -> dict:
    """What the test app is made with; a test module may override it to change settings."""
    config = {
        "APP_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
        "MAIL_TIMEOUT_SECONDS": 5,
        "OUTBOX_RETRY_BASE_SECONDS": 0,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    if request.node.get_closest_marker("browser"):
        # A browser test's links lead to its live site, whose address live_site sets.
        config["BASE_URL"] = ""
    return config


@pytest.fixture
def app(app_config: dict, _postgresql_schema: str | None) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        if ON_POSTGRESQL:
            with db.engine.begin() as connection:
                connection.exec_driver_sql(_postgresql_schema)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def another_app(app_config: dict) -> Iterator[Callable[..., Flask]]:
    """Apps made with other settings (on the test database); their connections closed after."""
    made: list[Flask] = []

    def make(**settings: object) -> Flask:
        made.append(create_app({**app_config, **settings}))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def slug(app: Flask) -> str:
    """A petition with the factories' defaults: published, open from instants.OPENS_AT to
    instants.CLOSES_AT (the clock starts inside), the PARS targets. A module that needs
    another petition defines its own `slug`."""
    from tests.factories import make_petition

    with app.app_context():
        return make_petition().slug


def stored(app: Flask) -> int:
    """How many signatures the database holds, whatever their status."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Signature))


# --- acting as a visitor -------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LINK = re.compile(r"https?://[^\s\"<>]+/petitions/[a-z0-9-]+/(confirm|withdraw)/[A-Za-z0-9._-]+")


FORM_TOKEN_FIELD = re.compile(r'name="form_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def form_token_from(html: str) -> str:
    """The sign form's token (the same for every visitor; no session)."""
    match = FORM_TOKEN_FIELD.search(html)
    assert match, "no form token in the page"
    return match.group(1)


def signer_fields(**fields) -> dict:
    values = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria@example.org",
        "zip_code": "19107",
        "reason": "",
        "name_display": "full",
    }
    values.update(fields)
    return values


def sign(client: FlaskClient, slug: str, **fields):
    """Load the page like a browser (its form's token), then post the form."""
    data = signer_fields(**fields)
    if "form_token" not in data:
        page = client.get(f"/petitions/{slug}")
        data["form_token"] = form_token_from(page.get_data(as_text=True))
    return client.post(f"/petitions/{slug}/sign", data=data)


def deliver_mail(app: Flask):
    """What `flask outbox send --once` does: run the due background jobs, then send the
    email. Returns the email's report."""
    with app.app_context():
        run_due_jobs()
        report = send_all_due()
        db.session.remove()
    return report


def links_in(text: str, kind: str) -> list[str]:
    return [match.group(0) for match in LINK.finditer(text) if match.group(1) == kind]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def press_button(client: FlaskClient, url: str):
    """Open a page from an emailed link and press its button (a POST with the page's token)."""
    page = client.get(path_of(url))
    assert page.status_code == 200, page.status_code
    return client.post(
        path_of(url), data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}
    )


def log_in(client: FlaskClient, email: str, password: str):
    page = client.get("/organizer/login")
    return client.post(
        "/organizer/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )


@pytest.fixture
def organizer_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client logged in as an admin organizer."""
    from tests.factories import ORGANIZER_PASSWORD, make_organizer

    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    response = log_in(client, "admin@example.org", ORGANIZER_PASSWORD)
    assert response.status_code == 302, response.status_code
    return client


def _redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001  (any failure means: no Redis to test with)
        return None
    return url


REDIS_URL = _redis_url()
needs_redis = pytest.mark.skipif(
    REDIS_URL is None, reason="needs Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/15)"
)


# --- a real browser ------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The marks of every browser test module: `pytestmark = BROWSER_TESTS`.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.real_clock,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="browser tests need chromium (.ci/run installs Debian's chromium package)",
    ),
]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by Playwright; one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_site(app: Flask) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1, in threads, for a browser or another
    process; its address, which the app's links are built on (BASE_URL) meanwhile."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    yield base
    server.shutdown()


@pytest.fixture
def site(app: Flask, live_site: str) -> str:
    """The live site with the PARS-like petition, open now, in English and in Spanish; its
    count refreshes itself every second. A module that needs another site defines its own."""
    from tests.factories import make_petition

    app.config["COUNT_REFRESH_SECONDS"] = 1
    with app.app_context():
        petition = make_petition(
            slug="end-the-pars-contract",
            title="Protect Philly, Don’t Make Police Immigration Agents with PARS",
            opens_at=now() - timedelta(days=1),
            closes_at=now() + timedelta(days=30),
            goal=100,
        )
        petition.translations.append(
            PetitionTranslation(
                locale="es",
                title="Protege a Philly, no conviertas a la policía en agentes de "
                "inmigración con PARS",
                about="Primer párrafo.\n\nSegundo párrafo.",
            )
        )
        db.session.commit()
    return live_site


def prepared_letter(app: Flask, client: FlaskClient, slug: str, position: int = 1):
    """Press "Prepare the letter (PDF)" for a target on the letters page, let the worker build
    it, and download it from the link the page then offers. Returns the response."""
    letters = f"/organizer/petitions/{slug}/letters"
    token = csrf_token_from(client.get(letters).get_data(as_text=True))
    pressed = client.post(f"{letters}/{position}/prepare", data={"csrf_token": token})
    assert pressed.status_code == 303, pressed.status_code
    deliver_mail(app)
    html = client.get(letters).get_data(as_text=True)
    link = re.search(rf'id="letter-pdf-{position}">.*?href="([^"]+/files/\d+)"', html, re.DOTALL)
    assert link, "the letter is not offered on the page"
    return client.get(link.group(1))

"""GET /healthz (the process answers, no database) and GET /readyz (the database answers, its
migrations are at head, the worker's heartbeat is fresh), and the heartbeat the worker writes."""

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from app.cli.schedule import Schedule
from app.extensions import db, limiter
from app.mail.queue import enqueue_email
from app.models import WorkerHeartbeat
from app.operations.heartbeat import delete_old_heartbeats, record_heartbeat
from tests.conftest import sign
from tests.factories import make_petition
from tests.live_server import free_port

MIGRATIONS = ScriptDirectory(str(Path(__file__).resolve().parents[1] / "migrations"))
(HEAD,) = MIGRATIONS.get_heads()
BEFORE_HEAD = MIGRATIONS.get_revision(HEAD).down_revision


def stamp(app: Flask, revision: str | None) -> None:
    """Mark the test database as migrated to `revision` (None: never migrated), as
    `flask db stamp` would: the tests make their tables with create_all."""
    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        if revision is not None:
            MigrationContext.configure(connection).stamp(MIGRATIONS, revision)


@pytest.fixture
def at_head(app: Flask) -> Iterator[Flask]:
    stamp(app, HEAD)
    yield app
    stamp(app, None)  # as the other tests expect it (on PostgreSQL the table would stay)


def beat(app: Flask) -> None:
    with app.app_context():
        record_heartbeat()
        db.session.remove()


def heartbeats(app: Flask) -> list[WorkerHeartbeat]:
    with app.app_context():
        rows = db.session.scalars(sa.select(WorkerHeartbeat)).all()
        db.session.expunge_all()
        return list(rows)


def assert_no_store_and_no_cookie(response) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_without_the_database(another_app):
    nowhere = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing"
    app = another_app(SQLALCHEMY_DATABASE_URI=nowhere)
    client = app.test_client()

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "ok"}
    assert_no_store_and_no_cookie(health)

    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["ready"] is False
    assert ready.json["failing"] == ["database", "migrations", "worker"]
    assert ready.json["database"] == {"ok": False}
    assert_no_store_and_no_cookie(ready)


def test_readyz_is_ready_at_head_with_a_fresh_heartbeat(at_head, client):
    beat(at_head)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert_no_store_and_no_cookie(response)
    assert response.json == {
        "ready": True,
        "failing": [],
        "database": {"ok": True},
        "migrations": {"ok": True, "current": [HEAD], "head": [HEAD]},
        "worker": {
            "ok": True,
            "heartbeat_age_seconds": response.json["worker"]["heartbeat_age_seconds"],
            "max_age_seconds": 60.0,
        },
        "outbox": {"due": 0, "oldest_due_age_seconds": 0.0},
    }
    assert 0 <= response.json["worker"]["heartbeat_age_seconds"] < 5


def test_a_stale_heartbeat_is_not_ready(at_head, client, clock):
    beat(at_head)
    clock.shift(timedelta(seconds=59))
    assert client.get("/readyz").status_code == 200
    clock.shift(timedelta(seconds=2))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["worker"]
    assert response.json["worker"]["ok"] is False
    assert response.json["worker"]["heartbeat_age_seconds"] >= 61


def test_no_heartbeat_at_all_is_not_ready(at_head, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["worker"]
    assert response.json["worker"]["heartbeat_age_seconds"] is None


def test_the_heartbeat_limit_is_a_setting(at_head, client, clock):
    at_head.config["READY_WORKER_SECONDS"] = 300
    beat(at_head)
    clock.shift(timedelta(seconds=200))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["worker"]["max_age_seconds"] == 300


def test_migrations_behind_are_not_ready(app, client):
    beat(app)
    try:
        stamp(app, BEFORE_HEAD)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["failing"] == ["migrations"]
        assert response.json["migrations"] == {
            "ok": False,
            "current": [BEFORE_HEAD],
            "head": [HEAD],
        }
        stamp(app, None)  # never migrated (made by create_all alone)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["migrations"]["current"] == []
    finally:
        stamp(app, None)


def test_readyz_tells_the_age_of_the_oldest_due_email(at_head, client, clock):
    beat(at_head)
    with at_head.app_context():
        enqueue_email(purpose="test", recipient="ana@example.org", subject="Hi", body_text="Hi")
        db.session.commit()
    clock.shift(timedelta(seconds=30))
    beat(at_head)
    response = client.get("/readyz")
    assert response.status_code == 200, "a waiting email is told, it does not decide"
    assert response.json["outbox"]["due"] == 1
    assert 30 <= response.json["outbox"]["oldest_due_age_seconds"] < 40


def test_readyz_tells_no_personal_data(at_head, client):
    with at_head.app_context():
        slug = make_petition().slug
    assert sign(client, slug, first_name="Zelda", last_name="Quixote").status_code == 303
    beat(at_head)
    response = client.get("/readyz", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    text = response.get_data(as_text=True)
    for personal in ("maria@example.org", "Zelda", "Quixote", "203.0.113.9", "127.0.0.1"):
        assert personal not in text
    assert set(response.json) == {"ready", "failing", "database", "migrations", "worker", "outbox"}
    assert response.json["outbox"]["due"] == 1  # the confirmation email, counted only


@pytest.fixture
def default_limits_restored() -> Iterator[None]:
    """Flask-Limiter keeps the first default limit it is configured with on its one limiter
    object, for every app made after in this process: put it back as it was."""
    manager = limiter.limit_manager
    saved = list(manager._default_limits)
    yield
    manager._default_limits[:] = saved


def test_health_checks_are_not_rate_limited(another_app, at_head, default_limits_restored):
    # A default limit that every view has, unless it is exempt.
    limited = another_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2/minute")
    client = limited.test_client()
    beat(limited)
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
    statuses = [client.get("/petitions").status_code for _ in range(3)]
    assert statuses[-1] == 429, "the default limit applies elsewhere"


# --- the heartbeat -------------------------------------------------------------------------


def test_the_worker_once_records_a_heartbeat(at_head, client, runner):
    result = runner.invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 heartbeat recorded" in result.output
    assert len(heartbeats(at_head)) == 1
    assert client.get("/readyz").status_code == 200


def test_a_worker_beats_at_most_every_few_seconds_in_one_row(app, clock):
    schedule = Schedule()
    with app.app_context():
        schedule.run_due()
        first = heartbeats(app)
        schedule.run_due()
        assert heartbeats(app)[0].last_seen_at == first[0].last_seen_at
        clock.shift(timedelta(seconds=6))
        schedule.run_due()
        db.session.remove()
    (row,) = heartbeats(app)
    assert row.id == first[0].id
    assert row.last_seen_at >= first[0].last_seen_at + timedelta(seconds=6)
    assert row.id.split("-")[0].isdigit(), "the process's pid and a random part, no host"


def test_heartbeats_of_workers_gone_for_a_day_are_deleted(app, clock):
    beat(app)
    clock.shift(timedelta(hours=23))
    with app.app_context():
        assert delete_old_heartbeats() == 0
    clock.shift(timedelta(hours=2))
    with app.app_context():
        assert delete_old_heartbeats() == 1
    assert heartbeats(app) == []


def test_the_running_worker_keeps_readyz_ready(at_head, client):
    from app.cli.worker import run_worker

    stop = threading.Event()

    def loop() -> None:
        with at_head.app_context():
            run_worker(stop)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not heartbeats(at_head) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/readyz").status_code == 200
    finally:
        stop.set()
        thread.join()

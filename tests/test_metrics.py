"""GET /metrics: Prometheus text, only for the bearer of METRICS_TOKEN or from METRICS_ALLOW;
requests by endpoint, signatures as they happen, the outbox, jobs and worker from the
database; added up across gunicorn's workers with PROMETHEUS_MULTIPROC_DIR."""

import http.client
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from app import ConfigurationError, create_app
from app.core.clock import now
from app.extensions import db
from app.jobs import queue_job
from app.mail.queue import enqueue_email
from app.models import OutboxMessage, OutboxStatus, Signature
from app.operations.heartbeat import record_heartbeat
from app.petitions.queries import petition_by_slug
from app.signatures.signing import ConfirmOutcome, confirm_signature
from tests.conftest import deliver_mail, links_in, press_button, sign
from tests.factories import make_petition
from tests.live_server import free_port, gunicorn, server_env

TOKEN = "metrics-token-for-the-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "METRICS_TOKEN": TOKEN}


def value(text: str, name: str, **labels: str) -> float | None:
    """The sample `name` with these labels (among others) in an exposition, or None."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                return sample.value
    return None


def scrape(client) -> str:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- who may read them ---------------------------------------------------------------------


def test_without_the_token_there_is_nothing_there(client):
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": f"Bearer {TOKEN}x"},
    ):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 404, headers
        assert "petitions_" not in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-store"


def test_the_token_opens_them(client):
    response = client.get("/metrics", headers={"Authorization": f"bearer  {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_no_token_set_opens_nothing(another_app):
    app = another_app(METRICS_TOKEN=None)
    assert (
        app.test_client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    )


def test_an_allowed_network_needs_no_token(another_app):
    app = another_app(METRICS_ALLOW="10.0.0.0/8, 192.0.2.7 ::1")
    client = app.test_client()
    for address, status in (
        ("10.20.30.40", 200),
        ("192.0.2.7", 200),
        ("192.0.2.8", 404),
        ("::1", 200),
        ("::ffff:10.1.1.1", 200),
        ("127.0.0.1", 404),
    ):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == status, address


def test_the_address_is_the_one_behind_the_counted_proxies(another_app):
    forwarded = {"X-Forwarded-For": "10.9.9.9"}
    # Without a proxy in front, a client's X-Forwarded-For is not believed.
    direct = another_app(METRICS_ALLOW="10.0.0.0/8").test_client()
    assert direct.get("/metrics", headers=forwarded).status_code == 404
    behind_one = another_app(METRICS_ALLOW="10.0.0.0/8", PROXY_COUNT=1).test_client()
    assert behind_one.get("/metrics", headers=forwarded).status_code == 200


def test_a_wrong_network_stops_the_app(app_config):
    with pytest.raises(ConfigurationError, match="METRICS_ALLOW: '10.0.0.300/8' is not"):
        create_app({**app_config, "METRICS_ALLOW": "10.0.0.0/8 10.0.0.300/8"})


# --- what they say -------------------------------------------------------------------------


def test_requests_are_counted_by_endpoint_never_by_path(app, client):
    with app.app_context():
        slug = make_petition(slug="secret-campaign-slug").slug
    client.get(f"/petitions/{slug}")
    client.get(f"/petitions/{slug}")
    client.get("/no/such/page?email=ana@example.org")
    text = scrape(client)
    labels = {"endpoint": "public.petition", "method": "GET", "status": "200"}
    before = value(text, "petitions_http_requests_total", **labels)
    assert before is not None and before >= 2
    duration = {"endpoint": "public.petition", "method": "GET"}
    assert value(text, "petitions_http_request_duration_seconds_count", **duration) >= 2
    assert value(text, "petitions_http_request_duration_seconds_bucket", le="+Inf", **duration)
    assert value(text, "petitions_http_requests_total", endpoint="unmatched", status="404")
    assert slug not in text and "/petitions/" not in text and "ana@" not in text

    client.get(f"/petitions/{slug}")
    assert value(scrape(client), "petitions_http_requests_total", **labels) == before + 1


def test_signatures_taken_confirmed_and_withdrawn_are_counted(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug

    def counts() -> dict[str, float]:
        text = scrape(client)
        return {
            event: value(text, "petitions_signatures_total", event=event)
            for event in ("taken", "confirmed", "withdrawn")
        }

    before = counts()
    assert sign(client, slug).status_code == 303
    assert counts() == {**before, "taken": before["taken"] + 1}

    deliver_mail(app)
    (email,) = smtp.wait_for(1)
    body = email.get_body(("plain",)).get_content()
    assert press_button(client, links_in(body, "confirm")[0]).status_code == 303
    with app.app_context():  # confirmed again: counted once
        signature = db.session.scalars(sa.select(Signature)).one()
        assert confirm_signature(signature) == ConfirmOutcome.ALREADY_CONFIRMED
    assert counts() == {
        **before,
        "taken": before["taken"] + 1,
        "confirmed": before["confirmed"] + 1,
    }

    withdrawn = press_button(client, links_in(body, "withdraw")[0])
    assert "has been withdrawn" in withdrawn.get_data(as_text=True)
    assert counts() == {event: count + 1 for event, count in before.items()}


def test_the_outbox_jobs_and_worker_are_read_from_the_database(app, client, clock):
    with app.app_context():
        petition = make_petition()
        for number in range(3):
            enqueue_email(
                purpose="test", recipient=f"p{number}@example.org", subject="s", body_text="b"
            )
        db.session.commit()
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.recipient == "p1@example.org")
            .values(next_attempt_at=now() + timedelta(hours=1))
        )
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.recipient == "p2@example.org")
            .values(status=OutboxStatus.FAILED)
        )
        queue_job("letters", petition_by_slug(petition.slug), {})
        db.session.commit()
        record_heartbeat()
    clock.shift(timedelta(seconds=42))
    text = scrape(client)
    assert value(text, "petitions_database_up") == 1
    assert value(text, "petitions_outbox_messages", state="due") == 1
    assert value(text, "petitions_outbox_messages", state="deferred") == 1
    assert value(text, "petitions_outbox_messages", state="failed") == 1
    assert 42 <= value(text, "petitions_outbox_oldest_due_age_seconds") < 52
    assert value(text, "petitions_jobs", kind="letters", state="queued") == 1
    assert 42 <= value(text, "petitions_worker_heartbeat_age_seconds") < 52
    assert value(text, "petitions_worker_heartbeat_timestamp_seconds") > 1.7e9
    assert "p0@example.org" not in text


def test_a_database_away_shows_as_down(another_app):
    nowhere = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing"
    app = another_app(SQLALCHEMY_DATABASE_URI=nowhere)
    response = app.test_client().get("/metrics", headers=BEARER)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert value(text, "petitions_database_up") == 0
    assert value(text, "petitions_outbox_messages", state="due") is None
    assert value(text, "petitions_http_requests_total", endpoint="ops.metrics") is not None


# --- across gunicorn's workers -------------------------------------------------------------


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "petitions.test", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.real_clock
@pytest.mark.slow
def test_two_gunicorn_workers_count_together(app, database_url, tmp_path, capfd):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = server_env(
        database_url,
        PROMETHEUS_MULTIPROC_DIR=str(folder),
        METRICS_TOKEN=TOKEN,
        LOG_FORMAT="json",
    )
    with gunicorn(env, workers=2) as port:
        statuses = [get(port, "/healthz")[0] for _ in range(40)]
        assert statuses == [200] * 40
        scrapes = [get(port, "/metrics", BEARER) for _ in range(6)]
    pids = {path.stem.rsplit("_", 1)[-1] for path in folder.glob("*.db")}
    assert len(pids) == 2, "each worker writes its own files"
    for status, text in scrapes:
        assert status == 200
        # Every scrape, whichever worker answers it, counts all 40 probes.
        count = value(text, "petitions_http_requests_total", endpoint="ops.healthz", status="200")
        assert count == 40
        assert value(text, "petitions_signatures_total", event="taken") == 0
        assert value(text, "petitions_database_up") == 1

    lines = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    probes = [line for line in lines if line.get("endpoint") == "ops.healthz"]
    assert len(probes) == 40
    assert {line["rule"] for line in probes} == {"/healthz"}
    assert len({line["request_id"] for line in probes}) == 40

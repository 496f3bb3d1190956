"""Signed webhooks (app.events.webhooks): a real HTTP receiver on loopback verifies every
delivery with the `standardwebhooks` library; deliveries arrive once each, in order per
endpoint, through failures; a failing endpoint holds neither another nor the signing path;
private addresses are refused in production settings, at adding and at every delivery."""

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from app.cli.consumers import deliver_events as run_events
from app.events.webhooks import (
    WebhookRefused,
    add_endpoint,
    backoff,
    endpoints_of,
    rotate_secret,
)
from app.extensions import db
from app.models import (
    DeliveryStatus,
    EventDelivery,
    OutboxMessage,
    Petition,
    SignatureExport,
    SignatureStatus,
    WebhookEndpoint,
)
from app.signatures.signing import confirm_signature
from tests.conftest import csrf_token_from
from tests.factories import make_organizer, make_petition, make_signature


class Receiver:
    """An HTTP server on loopback that verifies each webhook with its secret, and answers
    what it is told to (a status per request, then 204)."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.answers: list[int] = []  # statuses to answer first, in turn
        self.received: list[dict] = []  # every request: id, verified body, status answered
        self.failures: list[str] = []
        self.location = "/elsewhere"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    verified = Webhook(receiver.secret).verify(body, dict(self.headers))
                except Exception as error:  # noqa: BLE001
                    receiver.failures.append(f"{self.path}: {error}")
                    verified = None
                status = receiver.answers.pop(0) if receiver.answers else 204
                receiver.received.append(
                    {
                        "path": self.path,
                        "id": self.headers["webhook-id"],
                        "body": verified,
                        "status": status,
                    }
                )
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    @property
    def accepted(self) -> list[dict]:
        return [request for request in self.received if 200 <= request["status"] < 300]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield make
    for receiver in made:
        receiver.stop()


@pytest.fixture
def petition_id(app) -> int:
    with app.app_context():
        return make_petition().id


def add(app, petition_id: int, receiver: Receiver, *, personal_data: bool = False, **kw) -> int:
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        endpoint, secret = add_endpoint(
            petition,
            kw.get("url", receiver.url),
            kw.get("events", ["signature.confirmed", "petition.outcome"]),
            personal_data=personal_data,
            actor="test",
        )
        receiver.secret = secret
        return endpoint.id


def confirm(app, petition_id: int, count: int = 1, **fields) -> list[int]:
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        ids = []
        for _ in range(count):
            signature = make_signature(petition, status=SignatureStatus.PENDING, **fields)
            ids.append(signature.id)
            confirm_signature(signature)
        return ids


def work(app) -> int:
    """One round of the worker's events task."""
    with app.app_context():
        done = run_events()
        db.session.remove()
        return done


def deliveries(app, endpoint_id: int) -> list[EventDelivery]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(EventDelivery)
            .where(EventDelivery.target_id == endpoint_id)
            .order_by(EventDelivery.event_id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def test_every_delivery_is_signed_and_osdi_shaped(app, receivers, petition_id):
    receiver = receivers()
    endpoint_id = add(app, petition_id, receiver)
    signature_ids = confirm(app, petition_id, 2)
    assert work(app) == 2
    assert receiver.failures == []
    assert [r["body"]["type"] for r in receiver.accepted] == ["signature.confirmed"] * 2
    first = receiver.accepted[0]
    assert first["id"].startswith("evt_") and first["id"].endswith(f"_{endpoint_id}")
    data = first["body"]["data"]
    assert data["signature_id"] == signature_ids[0]
    assert data["petition"]["identifiers"] == [f"petitions:petition-{petition_id}"]
    assert data["signature"]["identifiers"] == [f"petitions:signature-{signature_ids[0]}"]
    assert "_embedded" not in data["signature"] and "comments" not in data["signature"]
    assert first["body"]["timestamp"].endswith("Z")
    assert [d.status for d in deliveries(app, endpoint_id)] == [DeliveryStatus.DELIVERED] * 2


def test_a_receiver_that_fails_then_recovers_gets_every_event_once_in_order(
    app, clock, receivers, petition_id
):
    receiver = receivers()
    receiver.answers = [500, 503]
    endpoint_id = add(app, petition_id, receiver)
    confirm(app, petition_id, 3)
    for _ in range(6):
        work(app)
        clock.shift(timedelta(minutes=5))
    assert receiver.failures == []
    got = [r["id"] for r in receiver.accepted]
    expected = [f"evt_{d.event_id}_{endpoint_id}" for d in deliveries(app, endpoint_id)]
    assert got == expected  # each once, in event order
    first = [r["id"] for r in receiver.received[:3]]
    assert first == [expected[0]] * 3  # the first tried three times, the others held behind
    with app.app_context():
        assert db.session.get_one(WebhookEndpoint, endpoint_id).failing_since is None


def test_a_failing_endpoint_holds_neither_another_nor_the_signing_path(app, receivers, petition_id):
    failing, working = receivers(), receivers()
    failing.answers = [500] * 100
    add(app, petition_id, failing)
    add(app, petition_id, working)
    confirm(app, petition_id, 3)
    assert failing.received == [] and working.received == []  # confirming only records
    work(app)
    assert len(working.accepted) == 3
    assert len(failing.received) == 1  # its first failed; the rest wait behind it


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1"])
def test_private_addresses_are_refused_in_production_settings(
    app, receivers, petition_id, monkeypatch, address
):
    receiver = receivers()
    endpoint_id = add(app, petition_id, receiver)  # allowed while the setting says so
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    real = socket.getaddrinfo

    def resolving(host, *args, **kwargs):
        if host == "hooks.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolving)
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        for url in (f"https://{address}/hook", "https://hooks.example.org/hook", receiver.url):
            with pytest.raises(WebhookRefused):
                add_endpoint(petition, url, ["signature.confirmed"], personal_data=False, actor="t")
        assert len(endpoints_of(petition)) == 1
    # Checked again at every delivery: a name that resolved to a public address when it
    # was added may resolve to a private one now.
    with app.app_context():
        db.session.get_one(WebhookEndpoint, endpoint_id).url = "https://hooks.example.org/x"
        db.session.commit()
    confirm(app, petition_id)
    work(app)
    assert receiver.received == []
    (delivery,) = deliveries(app, endpoint_id)
    assert delivery.status == DeliveryStatus.PENDING
    assert f"resolves to {address}" in delivery.last_error


def test_a_redirect_is_not_followed(app, receivers, petition_id):
    receiver = receivers()
    receiver.answers = [302]
    endpoint_id = add(app, petition_id, receiver)
    confirm(app, petition_id)
    work(app)
    assert [r["path"] for r in receiver.received] == ["/hook"]
    (delivery,) = deliveries(app, endpoint_id)
    assert delivery.response_status == 302 and delivery.status == DeliveryStatus.PENDING


def test_personal_data_only_with_the_scope_and_recorded(app, receivers, petition_id):
    plain, personal = receivers(), receivers()
    add(app, petition_id, plain)
    add(app, petition_id, personal, personal_data=True)
    confirm(app, petition_id, email="ana@example.org", first_name="Ana")
    work(app)
    assert "_embedded" not in plain.accepted[0]["body"]["data"]["signature"]
    person = personal.accepted[0]["body"]["data"]["signature"]["_embedded"]["osdi:person"]
    assert person["given_name"] == "Ana"
    assert person["email_addresses"][0]["address"] == "ana@example.org"
    with app.app_context():
        (export,) = db.session.scalars(sa.select(SignatureExport)).all()
        assert export.actor.startswith("webhook ") and export.row_count == 1


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_organizers_told(
    app, clock, receivers, petition_id
):
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    receiver = receivers()
    receiver.answers = [500] * 1000
    endpoint_id = add(app, petition_id, receiver)
    confirm(app, petition_id, 2)
    for _ in range(12):
        work(app)
        clock.shift(timedelta(hours=3))
    with app.app_context():
        endpoint = db.session.get_one(WebhookEndpoint, endpoint_id)
        assert endpoint.disabled_at is not None and "HTTP 500" in endpoint.disabled_reason
        (email,) = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.purpose == "webhook_disabled")
        ).all()
        assert email.recipient == "admin@example.org"
        assert endpoint.url in email.body_text
    assert [d.status for d in deliveries(app, endpoint_id)] == [DeliveryStatus.FAILED] * 2
    tried = len(receiver.received)
    confirm(app, petition_id)  # a disabled endpoint is sent nothing more
    work(app)
    assert len(receiver.received) == tried
    assert len(deliveries(app, endpoint_id)) == 2


def test_backoff_grows_to_six_hours():
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(minutes=1)
    assert backoff(20) == timedelta(hours=6)


def test_a_rotated_secret_signs_from_then_on(app, receivers, petition_id):
    receiver = receivers()
    endpoint_id = add(app, petition_id, receiver)
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        old, receiver.secret = receiver.secret, rotate_secret(petition, endpoint_id, actor="t")
    assert receiver.secret != old and receiver.secret.startswith("whsec_")
    confirm(app, petition_id)
    work(app)
    assert receiver.failures == [] and len(receiver.accepted) == 1


def test_the_commands_add_list_and_remove(app, runner, receivers, petition_id):
    receiver = receivers()
    with app.app_context():
        slug = db.session.get_one(Petition, petition_id).slug
    result = runner.invoke(
        args=[
            "webhooks",
            "add",
            slug,
            receiver.url,
            "--events",
            "signature.confirmed,petition.outcome",
            "--personal-data",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.split("Secret", 1)[1].split(": ", 1)[1].strip()
    assert secret.startswith("whsec_")
    receiver.secret = secret
    refused = runner.invoke(args=["webhooks", "add", slug, receiver.url, "--events", "nope"])
    assert refused.exit_code != 0 and "not an event" in refused.output
    listed = runner.invoke(args=["webhooks", "list", slug])
    assert receiver.url in listed.output and "personal-data" in listed.output
    assert secret not in listed.output
    confirm(app, petition_id)
    work(app)
    assert receiver.failures == [] and len(receiver.accepted) == 1
    endpoint_id = listed.output.split()[0]
    removed = runner.invoke(args=["webhooks", "remove", slug, endpoint_id])
    assert removed.exit_code == 0, removed.output
    assert "no webhooks" in runner.invoke(args=["webhooks", "list", slug]).output
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    refused = runner.invoke(
        args=["webhooks", "add", slug, receiver.url, "--events", "signature.confirmed"]
    )
    assert refused.exit_code != 0 and "https" in refused.output


def test_the_page_adds_rotates_resends_and_removes(app, organizer_client, receivers, petition_id):
    receiver = receivers()
    with app.app_context():
        slug = db.session.get_one(Petition, petition_id).slug
    url = f"/organizer/petitions/{slug}/webhooks"
    page = organizer_client.get(url)
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    added = organizer_client.post(
        url,
        data={"csrf_token": token, "url": receiver.url, "events": ["signature.confirmed"]},
    )
    assert added.status_code == 201
    html = added.get_data(as_text=True)
    receiver.secret = html.split('id="webhook-secret">', 1)[1].split("<", 1)[0]
    assert receiver.secret.startswith("whsec_")
    assert receiver.secret not in organizer_client.get(url).get_data(as_text=True)
    refused = organizer_client.post(
        url, data={"csrf_token": token, "url": "ftp://x", "events": ["signature.confirmed"]}
    )
    assert refused.status_code == 400
    with app.app_context():
        (endpoint,) = endpoints_of(db.session.get_one(Petition, petition_id))
        endpoint_id = endpoint.id
    confirm(app, petition_id)
    work(app)
    (delivery,) = deliveries(app, endpoint_id)
    listed = organizer_client.get(url).get_data(as_text=True)
    assert "delivered" in listed and "signature.confirmed" in listed
    rotated = organizer_client.post(f"{url}/{endpoint_id}/rotate", data={"csrf_token": token})
    assert rotated.status_code == 200
    receiver.secret = rotated.get_data(as_text=True).split('id="webhook-secret">')[1].split("<")[0]
    resent = organizer_client.post(
        f"{url}/{endpoint_id}/deliveries/{delivery.id}/resend", data={"csrf_token": token}
    )
    assert resent.status_code == 303
    work(app)
    assert [r["id"] for r in receiver.accepted] == [f"evt_{delivery.event_id}_{endpoint_id}"] * 2
    assert receiver.failures == []
    removed = organizer_client.post(f"{url}/{endpoint_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert "no webhook yet" in organizer_client.get(url).get_data(as_text=True)


def test_another_organizers_petition_is_404(app, client, petition_id):
    from tests.conftest import log_in
    from tests.factories import ORGANIZER_PASSWORD

    with app.app_context():
        make_organizer("other@example.org")
        slug = db.session.get_one(Petition, petition_id).slug
    log_in(client, "other@example.org", ORGANIZER_PASSWORD)
    assert client.get(f"/organizer/petitions/{slug}/webhooks").status_code == 404


def test_the_payload_is_json_with_type_timestamp_and_data(app, receivers, petition_id):
    receiver = receivers()
    add(app, petition_id, receiver, events=["petition.outcome"])
    with app.app_context():
        from app.models import Outcome
        from app.petitions.outcomes import declare_outcome

        declare_outcome(db.session.get_one(Petition, petition_id), Outcome.WON)
    work(app)
    (request,) = receiver.accepted
    assert set(request["body"]) == {"type", "timestamp", "data"}
    assert request["body"]["type"] == "petition.outcome"
    assert request["body"]["data"]["outcome"] == "won"
    assert json.dumps(request["body"])  # plain JSON all through

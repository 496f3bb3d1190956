"""Signed webhooks (the Standard Webhooks specification): an organizer's endpoints for a
petition, and the worker's consumer that sends them its events (docs/webhooks.md).

- An endpoint has a secret (`whsec_...`, shown once when made or rotated), the event kinds it
  is sent and, if given that scope, signers' personal data. Its URL is https and resolves to
  no private, loopback, link-local or reserved address: checked when it is added and again at
  every delivery (the connection goes to the address checked; redirects are not followed).
  WEBHOOKS_ALLOW_PRIVATE=true (development, tests) lets http and those addresses through.
- Each delivery is a POST of `{"type", "timestamp", "data"}`, data OSDI-shaped (the API's own
  resources and schemas), signed with the `standardwebhooks` library: `webhook-id` is the
  delivery's stable id (`evt_<event>_<endpoint>`, the same on a retry or a resend),
  `webhook-timestamp` and `webhook-signature` (v1, HMAC-SHA256). A 2xx answer is delivered.
- A failure is tried again after a growing wait (30 s doubling, at most 6 hours) for up to
  three days, in order per endpoint (app.events). An endpoint failing for a day is disabled,
  its waiting deliveries given up, and its organizers emailed.
- Personal data is read from the signature when it is sent (never from the event), and each
  payload that carries it is recorded with the petition's exports.
"""

import base64
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from standardwebhooks import Webhook

from app.core.clock import as_utc, now
from app.core.database import write_transaction
from app.core.urls import absolute_url
from app.events import Consumer, DeliveryFailed
from app.events import resend as resend_delivery
from app.extensions import db
from app.models import (
    DeliveryStatus,
    Event,
    EventDelivery,
    EventKind,
    Petition,
    Signature,
    SignatureExport,
    WebhookEndpoint,
)
from app.models.audit import record_change
from app.organizers.api_reads import subscribed_to_updates
from app.organizers.notices import email_organizers
from app.signatures.osdi_resources import petition_resource, signature_resource
from app.signatures.osdi_schemas import PetitionSchema, SignatureSchema

log = logging.getLogger("app.events.webhooks")

CONSUMER = "webhooks"
EVENT_KINDS = tuple(kind.value for kind in EventKind)
URL_MAX_LENGTH = 2000
TIMEOUT_SECONDS = 5.0  # connecting and each read: a slow receiver fails, and is retried
RESPONSE_READ_LIMIT = 64 * 1024  # what is read of an answer (and thrown away)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=3)
DISABLE_AFTER = timedelta(days=1)  # of failures in a row
RECENT_DELIVERIES = 20  # listed per endpoint on the page
USER_AGENT = "Petitions-Webhooks/1"
DISABLED_EMAIL = "webhook_disabled"


class WebhookRefused(ValueError):
    """An endpoint we will not add or send to; the reason is for the organizer."""


# --- addresses -----------------------------------------------------------------------------


def _allow_private() -> bool:
    return bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"])


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Reachable on the Internet: not private, loopback, link-local, reserved, multicast or
    unspecified (an IPv4 address written as IPv6 is judged as itself)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (a literal address: itself)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookRefused(_("The address %(host)s does not resolve.", host=host)) from error
    addresses: list[str] = []
    for *_rest, sockaddr in found:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _checked_target(url: str) -> tuple[str, str, int, list[str]]:
    """The URL's scheme, host, port and the addresses to connect to, or WebhookRefused."""
    url = (url or "").strip()
    if not url or len(url) > URL_MAX_LENGTH:
        raise WebhookRefused(
            _("Give the receiver's URL, at most %(num)d characters.", num=URL_MAX_LENGTH)
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookRefused(_("This is not a URL we can send to.")) from error
    allowed = ("https", "http") if _allow_private() else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise WebhookRefused(_("Give an https URL, such as https://example.org/webhooks."))
    if parts.username or parts.password:
        raise WebhookRefused(_("Leave the user name and password out of the URL."))
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port)
    if not _allow_private():
        for address in addresses:
            if not is_public_address(ipaddress.ip_address(address.split("%")[0])):
                raise WebhookRefused(
                    _(
                        "%(host)s resolves to %(address)s, a private, loopback or link-local "
                        "address: webhooks go to the Internet only.",
                        host=parts.hostname,
                        address=address,
                    )
                )
    return parts.scheme, parts.hostname, port, addresses


def check_url(url: str) -> str:
    """The URL, stripped, if we would send to it; else WebhookRefused with the reason."""
    _checked_target(url)
    return url.strip()


# --- endpoints -----------------------------------------------------------------------------


def new_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes, as the `standardwebhooks` library reads it."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _kinds(events: Sequence[str]) -> str:
    chosen = []
    for kind in events:
        kind = kind.strip()
        if not kind:
            continue
        if kind not in EVENT_KINDS:
            raise WebhookRefused(
                _(
                    "%(kind)s is not an event. The events: %(kinds)s.",
                    kind=kind,
                    kinds=", ".join(EVENT_KINDS),
                )
            )
        if kind not in chosen:
            chosen.append(kind)
    if not chosen:
        raise WebhookRefused(_("Choose at least one event to send."))
    return " ".join(kind for kind in EVENT_KINDS if kind in chosen)


def add_endpoint(
    petition: Petition, url: str, events: Sequence[str], *, personal_data: bool, actor: str
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint for the petition, and its secret (shown this once)."""
    url = check_url(url)
    kinds = _kinds(events)
    secret = new_secret()
    with write_transaction() as session:
        endpoint = WebhookEndpoint(
            petition_id=petition.id,
            url=url,
            secret=secret,
            events=kinds,
            personal_data=personal_data,
            created_by=actor[:300],
        )
        session.add(endpoint)
        scope = " (personal data)" if personal_data else ""
        record_change(petition, "webhook added", new=f"{url} {kinds}{scope}", actor=actor)
    return endpoint, secret


def endpoints_of(petition: Petition) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            sa.select(WebhookEndpoint)
            .where(WebhookEndpoint.petition_id == petition.id)
            .order_by(WebhookEndpoint.id)
        )
    )


def endpoint_of(petition: Petition, endpoint_id: int) -> WebhookEndpoint | None:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.petition_id != petition.id:
        return None
    return endpoint


def remove_endpoint(petition: Petition, endpoint_id: int, *, actor: str) -> bool:
    """Remove it and its deliveries; False if the petition has no such endpoint."""
    with write_transaction() as session:
        endpoint = endpoint_of(petition, endpoint_id)
        if endpoint is None:
            return False
        session.execute(
            sa.delete(EventDelivery).where(
                EventDelivery.consumer == CONSUMER, EventDelivery.target_id == endpoint.id
            )
        )
        record_change(petition, "webhook removed", old=endpoint.url, actor=actor)
        session.delete(endpoint)
    return True


def rotate_secret(petition: Petition, endpoint_id: int, *, actor: str) -> str | None:
    """A new secret for the endpoint (the old one stops at once), or None if no such one."""
    secret = new_secret()
    with write_transaction():
        endpoint = endpoint_of(petition, endpoint_id)
        if endpoint is None:
            return None
        endpoint.secret = secret
        record_change(petition, "webhook secret rotated", new=endpoint.url, actor=actor)
    return secret


def enable_endpoint(petition: Petition, endpoint_id: int, *, actor: str) -> bool:
    """Send to a disabled endpoint again (what it missed can be resent one by one)."""
    with write_transaction():
        endpoint = endpoint_of(petition, endpoint_id)
        if endpoint is None:
            return False
        endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
        record_change(petition, "webhook enabled", new=endpoint.url, actor=actor)
    return True


def recent_deliveries(
    endpoint: WebhookEndpoint, limit: int = RECENT_DELIVERIES
) -> list[EventDelivery]:
    """The endpoint's latest deliveries, newest first, with their events."""
    return list(
        db.session.scalars(
            sa.select(EventDelivery)
            .where(EventDelivery.consumer == CONSUMER, EventDelivery.target_id == endpoint.id)
            .options(sa.orm.joinedload(EventDelivery.event))
            .order_by(EventDelivery.event_id.desc())
            .limit(limit)
        )
    )


def resend(petition: Petition, endpoint_id: int, delivery_id: int) -> bool:
    """Send one of the endpoint's deliveries again, at once; False if it has no such one."""
    delivery = db.session.get(EventDelivery, delivery_id)
    if (
        delivery is None
        or delivery.consumer != CONSUMER
        or delivery.target_id != endpoint_id
        or endpoint_of(petition, endpoint_id) is None
    ):
        return False
    return resend_delivery(delivery_id)


# --- the consumer --------------------------------------------------------------------------


def targets(event: Event) -> list[int | None]:
    """The enabled endpoints of the event's petition that are sent its kind."""
    rows = db.session.execute(
        sa.select(WebhookEndpoint.id, WebhookEndpoint.events)
        .where(
            WebhookEndpoint.petition_id == event.petition_id,
            WebhookEndpoint.disabled_at.is_(None),
        )
        .order_by(WebhookEndpoint.id)
    )
    return [endpoint_id for endpoint_id, events in rows if event.kind.value in events.split()]


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def message_id(delivery: EventDelivery) -> str:
    """The delivery's `webhook-id`: the same on every attempt and resend, so a receiver can
    drop one it has seen."""
    return f"evt_{delivery.event_id}_{delivery.target_id}"


def _instant(moment: datetime) -> str:
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def payload(event: Event, endpoint: WebhookEndpoint) -> tuple[dict[str, Any], bool]:
    """What is sent for the event, and whether it carries personal data."""
    petition = db.session.get_one(Petition, event.petition_id)
    values = event.values
    data: dict[str, Any] = dict(values)
    data["petition"] = PetitionSchema().dump(petition_resource(petition))
    personal = False
    signature_id = values.get("signature_id")
    if signature_id is not None:
        signature = db.session.get(Signature, signature_id)
        if signature is not None:
            personal = endpoint.personal_data and petition.purged_at is None
            subscribed = personal and signature.id in subscribed_to_updates(petition, [signature])
            data["signature"] = SignatureSchema().dump(
                signature_resource(signature, personal_data=personal, subscribed=subscribed)
            )
    return {
        "type": event.kind.value,
        "timestamp": _instant(event.occurred_at),
        "data": data,
    }, personal


def deliver(delivery: EventDelivery) -> int:
    """Send one delivery to its endpoint; its HTTP status, or DeliveryFailed."""
    endpoint = db.session.get(WebhookEndpoint, delivery.target_id)
    if endpoint is None or not endpoint.is_enabled:
        raise DeliveryFailed("the endpoint is disabled or removed")
    endpoint_id = endpoint.id
    try:
        status = _send(delivery, endpoint)
    except DeliveryFailed as failure:
        _note_failure(endpoint_id, failure.reason)
        raise
    if endpoint.failing_since is not None:
        with write_transaction():
            db.session.get_one(WebhookEndpoint, endpoint_id).failing_since = None
    return status


def _send(delivery: EventDelivery, endpoint: WebhookEndpoint) -> int:
    try:
        scheme, host, port, addresses = _checked_target(endpoint.url)
    except WebhookRefused as refusal:
        raise DeliveryFailed(str(refusal)) from None
    body_data, personal = payload(delivery.event, endpoint)
    body = json.dumps(body_data, separators=(",", ":"), ensure_ascii=False).encode()
    msg_id = message_id(delivery)
    at = now()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(msg_id, at, body),
    }
    if personal:
        _record_personal_data_sent(endpoint, delivery)
    parts = urlsplit(endpoint.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    db.session.rollback()  # no read left open while the receiver answers
    status = _post(scheme, host, port, addresses[0], path, body, headers)
    if 200 <= status < 300:
        return status
    if 300 <= status < 400:
        raise DeliveryFailed(f"HTTP {status}: a redirect, not followed", status)
    raise DeliveryFailed(f"HTTP {status}", status)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to next."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self) -> None:
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def _post(
    scheme: str, host: str, port: int, address: str, path: str, body: bytes, headers: dict
) -> int:
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address, TIMEOUT_SECONDS)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_LIMIT)
        return response.status
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryFailed(f"could not send: {type(error).__name__}: {error}") from None
    finally:
        connection.close()


def _record_personal_data_sent(endpoint: WebhookEndpoint, delivery: EventDelivery) -> None:
    """Recorded as an export is: signers' personal data left for this endpoint."""
    at = now()
    with write_transaction() as session:
        session.add(
            SignatureExport(
                petition_id=endpoint.petition_id,
                actor=f"webhook {endpoint.id} ({endpoint.url})"[:300],
                started_at=at,
                filters=f"webhook {message_id(delivery)} {delivery.event.kind.value}"[:300],
                row_count=1,
                finished_at=at,
            )
        )


def _note_failure(endpoint_id: int, reason: str) -> None:
    """Mark the endpoint failing; after a day of it, disable it and tell its organizers."""
    at = now()
    disabled = False
    with write_transaction() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None or not endpoint.is_enabled:
            return
        if endpoint.failing_since is None:
            endpoint.failing_since = at
        elif at - as_utc(endpoint.failing_since) >= DISABLE_AFTER:
            endpoint.disabled_at = at
            endpoint.disabled_reason = (
                f"failing since {_instant(endpoint.failing_since)}: {reason}"[:500]
            )
            session.execute(
                sa.update(EventDelivery)
                .where(
                    EventDelivery.consumer == CONSUMER,
                    EventDelivery.target_id == endpoint_id,
                    EventDelivery.status == DeliveryStatus.PENDING,
                )
                .values(status=DeliveryStatus.FAILED, last_error="the endpoint was disabled")
            )
            petition = session.get_one(Petition, endpoint.petition_id)
            record_change(petition, "webhook disabled", new=endpoint.url, actor="worker")
            _email_organizers(petition, endpoint)
            disabled = True
    if disabled:
        log.warning("webhook endpoint %s disabled after a day of failures", endpoint_id)


def _email_organizers(petition: Petition, endpoint: WebhookEndpoint) -> None:
    email_organizers(
        petition,
        DISABLED_EMAIL,
        _("A webhook was turned off: %(title)s", title=petition.title),
        endpoint=endpoint,
        webhooks_link=absolute_url("organizer.webhooks", slug=petition.slug),
    )


WEBHOOKS = Consumer(
    CONSUMER,
    targets=targets,
    deliver=deliver,
    backoff=backoff,
    give_up_after=GIVE_UP_AFTER,
)

"""What happened to a petition, recorded in the transaction that makes it happen, and each
consumer's delivery of it (app.events): a webhook endpoint, the organizers' notices, the
progress reports, the milestone drafts. Below every package that records one, as the audit
record is.

An event carries ids and counts, never personal data: a consumer that needs a signer's name
reads it from the signature when it delivers (so the purge, which erases the signature's
personal data, leaves none in any event)."""

import enum
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model, db
from app.models.types import UTCDateTime, string_enum


class EventKind(enum.StrEnum):
    SIGNATURE_CONFIRMED = "signature.confirmed"
    SIGNATURE_WITHDRAWN = "signature.withdrawn"
    SIGNATURE_INVALIDATED = "signature.invalidated"
    PETITION_PUBLISHED = "petition.published"
    PETITION_MILESTONE = "petition.milestone"
    PETITION_CLOSED = "petition.closed"
    PETITION_RESPONSE = "petition.response"
    PETITION_OUTCOME = "petition.outcome"
    UPDATE_SENT = "update.sent"


class Event(Model):
    __tablename__ = "event"
    __table_args__ = (sa.Index("ix_event_undispatched", "dispatched_at", "id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[EventKind] = so.mapped_column(string_enum(EventKind, length=40))
    occurred_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    # JSON: ids and counts ({"signature_id": 7, "count": 1000}), never personal data.
    data: so.Mapped[str] = so.mapped_column(sa.Text, default="{}")
    # When the dispatcher made its deliveries (app.events.dispatch); None: not yet.
    dispatched_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    claimed_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    @property
    def values(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.data)
        return loaded


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    DELIVERED = "delivered"
    FAILED = "failed"  # given up: its reason in last_error


class EventDelivery(Model):
    """One consumer's delivery of one event: to a target (a webhook endpoint's id) or to the
    consumer as a whole (target_id None). Claimed by the worker like the outbox's messages;
    delivered in event order per consumer and target."""

    __tablename__ = "event_delivery"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "consumer", "target_id"),
        sa.Index("ix_event_delivery_due", "consumer", "status", "next_attempt_at"),
        sa.Index("ix_event_delivery_queue", "consumer", "target_id", "status", "event_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    consumer: so.Mapped[str] = so.mapped_column(sa.String(40))
    target_id: so.Mapped[int | None]
    status: so.Mapped[DeliveryStatus] = so.mapped_column(
        string_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    claimed_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    delivered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    response_status: so.Mapped[int | None]
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))

    event: so.Mapped[Event] = so.relationship()


_INSERT_EVENT = sa.insert(Event)


def record_event(petition_id: int, kind: EventKind, **data: int | str | None) -> None:
    """Record that `kind` happened to the petition, in the caller's transaction (one INSERT:
    the signing path pays no more). `data` holds ids and counts only."""
    db.session.execute(
        _INSERT_EVENT,
        {
            "petition_id": petition_id,
            "kind": kind,
            "occurred_at": now(),
            "data": json.dumps(data, separators=(",", ":"), sort_keys=True),
        },
    )

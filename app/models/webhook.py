"""Webhook endpoints: where a petition's events are sent, signed (Standard Webhooks)."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime


class WebhookEndpoint(Model):
    """One receiver of a petition's events (app.events.webhooks delivers to it).

    The secret is kept as it is shown (`whsec_` and base64 of random bytes, as the
    `standardwebhooks` library takes it): unlike an API token's, it must sign every delivery.
    It is shown once, when made or rotated."""

    __tablename__ = "webhook_endpoint"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    url: so.Mapped[str] = so.mapped_column(sa.String(2000))
    secret: so.Mapped[str] = so.mapped_column(sa.String(100))
    # The event kinds it is sent, separated by spaces ("signature.confirmed petition.closed").
    events: so.Mapped[str] = so.mapped_column(sa.String(500))
    # Its payloads carry signers' names, email addresses, ZIP codes and comments; each such
    # delivery is recorded with the petition's exports.
    personal_data: so.Mapped[bool] = so.mapped_column(default=False)
    created_by: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    # Since when every delivery has failed (None: the last one arrived); after a day, the
    # endpoint is disabled and its organizers told.
    failing_since: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    disabled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    disabled_reason: so.Mapped[str | None] = so.mapped_column(sa.String(500))

    @property
    def event_kinds(self) -> list[str]:
        return self.events.split()

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None

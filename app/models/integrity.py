"""The organizers' answers to the integrity review (app.signatures.integrity): signatures
taken out of the count and why, networks and domains held quietly, the alerts sent, and what
each scheduled recount found."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime, string_enum


class Invalidation(Model):
    """Signatures an organizer took out of the count at once, with the reason; restoring it
    puts them back."""

    __tablename__ = "invalidation"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    actor: so.Mapped[str] = so.mapped_column(sa.String(300))
    reason: so.Mapped[str] = so.mapped_column(sa.String(500))
    # What was chosen, in words: "network 3fa2c9e1d07b6a54", "domain mailinator.com", ...
    criteria: so.Mapped[str] = so.mapped_column(sa.String(300))
    signature_count: so.Mapped[int]
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    restored_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    restored_by: so.Mapped[str | None] = so.mapped_column(sa.String(300))


class HoldKind(enum.StrEnum):
    NETWORK = "network"
    DOMAIN = "domain"


class Hold(Model):
    """A network or an email domain whose new signatures are held quietly on one petition."""

    __tablename__ = "signature_hold"
    __table_args__ = (sa.UniqueConstraint("petition_id", "kind", "value"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[HoldKind] = so.mapped_column(string_enum(HoldKind))
    value: so.Mapped[str] = so.mapped_column(sa.String(253))
    actor: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)


class IntegrityAlert(Model):
    """An email to a petition's organizers about what the review found: new clusters, or a
    count the scheduled recount had to repair. `clusters` names the clusters it told of, so
    each is told once."""

    __tablename__ = "integrity_alert"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    sent_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    clusters: so.Mapped[str] = so.mapped_column(sa.Text)


class CountCheck(Model):
    """A scheduled recount that found the stored count wrong, and repaired it."""

    __tablename__ = "count_check"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    checked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    stored: so.Mapped[int]
    counted: so.Mapped[int]

"""A letter, or a progress report, delivered (or on its way) to one target: the record the
organizers keep."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.outbox import OutboxMessage
from app.models.types import UTCDateTime, string_enum


class DeliveryKind(enum.StrEnum):
    LETTER = "letter"  # the letter, its PDF attached (app.letters.delivery)
    REPORT = "report"  # a progress report: figures and reasons, no file (app.letters.reports)


class Delivery(Model):
    __tablename__ = "delivery"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[DeliveryKind] = so.mapped_column(
        string_enum(DeliveryKind),
        default=DeliveryKind.LETTER,
        server_default=DeliveryKind.LETTER.value,
    )
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    # The target as it was when delivered (names and addresses may be edited later).
    target_position: so.Mapped[int]
    target_name: so.Mapped[str] = so.mapped_column(sa.String(250))
    address: so.Mapped[str] = so.mapped_column(sa.String(254))
    # Signatures confirmed up to this instant are in the letter.
    as_of: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    is_final: so.Mapped[bool]  # made after the deadline, with the final count
    signature_count: so.Mapped[int]
    residents: so.Mapped[int]
    elsewhere: so.Mapped[int]
    # A letter's PDF and its SHA-256; a report has no file ("") and the SHA-256 of its text.
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    actor: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    outbox_message_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="SET NULL")
    )

    message: so.Mapped[OutboxMessage | None] = so.relationship(lazy="joined")

    @property
    def outcome(self) -> str:
        """pending (queued or being retried), sent, or failed."""
        return "unknown" if self.message is None else str(self.message.status)

    @property
    def sent_at(self) -> datetime | None:
        return self.message.sent_at if self.message is not None else None

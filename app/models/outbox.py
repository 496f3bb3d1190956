"""Email waiting to be sent, written in the same transaction as what caused it."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime, string_enum


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused for good by the server (bad address); kept for the record


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # Covers what a sender's claim filters on: with 100,000 update emails waiting, SQLite
        # would otherwise read every waiting message (their text comes before these columns).
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at", "claimed_until"),
        # An update reaches a signature at most once, whatever happens to its sending job;
        # also how an update's progress is counted.
        sa.UniqueConstraint("update_id", "signature_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    purpose: so.Mapped[str] = so.mapped_column(sa.String(32))
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body_text: so.Mapped[str] = so.mapped_column(sa.Text)
    body_html: so.Mapped[str | None] = so.mapped_column(sa.Text)
    signature_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("signature.id", ondelete="SET NULL"), index=True
    )
    # Subscription mail (an update) is counted per update and carries its own headers
    # (List-Unsubscribe...), as JSON; transactional mail has none.
    update_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("petition_update.id", ondelete="CASCADE")
    )
    headers: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The name on the From line, before the platform's address: the petition's organizer.
    sender_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Where replies go (a letter to an official: the organizers' contact address).
    reply_to: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    status: so.Mapped[OutboxStatus] = so.mapped_column(
        string_enum(OutboxStatus),
        default=OutboxStatus.PENDING,
    )
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    # A sender owns a message until `claimed_until`; after that (it died) another may take it.
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32), index=True)
    claimed_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))

    attachments: so.Mapped[list["OutboxAttachment"]] = so.relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.purpose} {self.status}>"


class OutboxAttachment(Model):
    """A file sent with a message (a letter's PDF)."""

    __tablename__ = "outbox_attachment"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    message_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True
    )
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)

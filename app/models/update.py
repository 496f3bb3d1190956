"""Updates organizers post to signers, their translations, and the addresses that get no more
of them (suppression)."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime, string_enum


class Update(Model):
    """News about a petition: a draft until published on its page; emailed at most once.

    (The table is `petition_update`: UPDATE is an SQL keyword.)"""

    __tablename__ = "petition_update"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text)  # Markdown
    # An organizer's address or "command line (user)", as in the audit records.
    created_by: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    edited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Set once, by a conditional UPDATE, by whoever asks first to email it: a second press,
    # a retry or a second organizer finds it set and sends nothing.
    send_requested_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    send_requested_by: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    # How far the sending job has walked the signers (the last signature id queued), and how
    # many messages it queued: written in the transaction that queues each batch, so a job
    # taken over after a crash goes on from there.
    send_cursor: so.Mapped[int | None]
    recipient_count: so.Mapped[int] = so.mapped_column(default=0)
    queued_all_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    translations: so.Mapped[list["UpdateTranslation"]] = so.relationship(
        cascade="all, delete-orphan", order_by="UpdateTranslation.locale"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_sent(self) -> bool:
        """Emailing was asked for (it may still be under way)."""
        return self.send_requested_at is not None

    def translation(self, locale: str) -> "UpdateTranslation | None":
        return next((t for t in self.translations if t.locale == locale), None)

    def __repr__(self) -> str:
        return f"<Update {self.id} of petition {self.petition_id}>"


class UpdateTranslation(Model):
    """An update's title and text in another language, for signers who signed in it."""

    __tablename__ = "petition_update_translation"
    __table_args__ = (sa.UniqueConstraint("update_id", "locale"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    update_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition_update.id", ondelete="CASCADE"), index=True
    )
    locale: so.Mapped[str] = so.mapped_column(sa.String(8))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text)


class SuppressionReason(enum.StrEnum):
    UNSUBSCRIBED = "unsubscribed"  # the signer asked (the link, or their mail program's button)
    BOUNCED = "bounced"  # the mail server refused the address for good (5xx)


class Suppression(Model):
    """An address that gets no more updates about a petition, even if it signs again. Kept as
    a keyed hash (app.mail.suppression.email_hash), never as the address, so it outlives
    the purge of signers' data."""

    __tablename__ = "suppression"
    __table_args__ = (sa.UniqueConstraint("petition_id", "email_hash"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition.id", ondelete="CASCADE"))
    email_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    reason: so.Mapped[SuppressionReason] = so.mapped_column(string_enum(SuppressionReason))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)

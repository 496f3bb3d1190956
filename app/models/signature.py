"""A person's signature on a petition."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime, string_enum

if TYPE_CHECKING:
    from app.models.petition import Petition


class SignatureStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the email link
    CONFIRMED = "confirmed"  # counted
    # Taken quietly (a held network or domain, or beyond a network's allowance): no email
    # sent, not counted, until an organizer releases it (then it is pending) or invalidates it.
    HELD = "held"
    # Out of the count, the letters, the exports and the API by an organizer's decision
    # (an Invalidation, which can be undone); kept for the record until the purge.
    INVALIDATED = "invalidated"


class NameDisplay(enum.StrEnum):
    FULL = "full"  # "Maria Lopez"
    FIRST_INITIAL = "first_initial"  # "Maria L."
    HIDDEN = "hidden"  # counted, never named


class Channel(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"  # entered by an organizer from a paper sheet


def public_name(first_name: str, last_name: str, display: NameDisplay) -> str | None:
    """The name as a signer chose to show it ("Maria Lopez", "Maria L."), or None."""
    if display == NameDisplay.FULL:
        return f"{first_name} {last_name}"
    if display == NameDisplay.FIRST_INITIAL:
        return f"{first_name} {last_name[:1]}."
    return None


class Signature(Model):
    __tablename__ = "signature"
    __table_args__ = (
        # One address signs a petition at most twice (a household sharing it), and never
        # twice under the same name. The database enforces it, so concurrent posts cannot.
        sa.UniqueConstraint("petition_id", "email_canonical", "household_slot"),
        sa.UniqueConstraint("petition_id", "email_canonical", "name_key"),
        sa.CheckConstraint("household_slot IN (1, 2)", name="household_slot_range"),
        # Recent public signers walk confirmed signatures by time; exports walk them by id.
        sa.Index("ix_signature_petition_status_confirmed", "petition_id", "status", "confirmed_at"),
        sa.Index("ix_signature_petition_status_id", "petition_id", "status", "id"),
        # The worker looks for pending signatures due a reminder on every poll.
        sa.Index("ix_signature_reminder_due", "petition_id", "status", "reminded_at", "created_at"),
        # A network's recent signatures, counted against its allowance as each one signs.
        sa.Index("ix_signature_petition_network", "petition_id", "network_key", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition.id", ondelete="CASCADE"))
    status: so.Mapped[SignatureStatus] = so.mapped_column(
        string_enum(SignatureStatus), default=SignatureStatus.PENDING
    )
    channel: so.Mapped[Channel] = so.mapped_column(string_enum(Channel), default=Channel.ONLINE)
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    last_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    # Full name folded (case, width, spacing, accents, joiners: app.signatures.signing.name_key),
    # for the "same person again" rule.
    name_key: so.Mapped[str] = so.mapped_column(sa.String(170))
    name_display: so.Mapped[NameDisplay] = so.mapped_column(
        string_enum(NameDisplay), default=NameDisplay.FULL
    )
    # As typed, and folded for comparison (see app.core.email_address). Paper signatures may
    # lack one.
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    email_canonical: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    household_slot: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=1)
    zip_code: so.Mapped[str] = so.mapped_column(sa.String(5))
    is_resident: so.Mapped[bool]
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    wants_updates: so.Mapped[bool] = so.mapped_column(default=False)
    source: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    locale: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")
    # Random, finds the signature from its emailed links; changing it voids them all. A
    # purged signature has none.
    link_key: so.Mapped[str | None] = so.mapped_column(sa.String(32), unique=True)
    # When it was made; for a paper signature, when it was entered (and so confirmed).
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    # A paper signature: the date written on the sheet. None for one made online.
    signed_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_emailed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # When the one reminder to confirm went out (app.signatures.reminders); never a second.
    reminded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    # Signals for the integrity review (app.signatures.integrity), never an address: the
    # client's network (IPv4 /24, IPv6 /64) under an HMAC keyed by the petition's own
    # integrity key, so it can be neither reversed nor joined across petitions; the email's
    # domain and whether it is a throwaway one; seconds from the confirmation email to the
    # confirmation. All erased with the personal data at the purge.
    network_key: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    email_domain: so.Mapped[str | None] = so.mapped_column(sa.String(253))
    # The database's default only: a Python-side one would name the column in every INSERT,
    # also where older code or a migration test writes rows to an older schema.
    disposable_domain: so.Mapped[bool] = so.mapped_column(server_default=sa.false())
    confirm_seconds: so.Mapped[int | None]
    # The organizers' decision that took it out of the count (status INVALIDATED). Not
    # indexed: only an invalidation and its restore look for it, within one petition, and an
    # index would cost every new signature.
    invalidation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("invalidation.id", ondelete="SET NULL")
    )

    petition: so.Mapped["Petition"] = so.relationship()

    @property
    def public_name(self) -> str | None:
        """The name as the signer chose to show it, or None when it is not shown."""
        return public_name(self.first_name, self.last_name, self.name_display)

    def __repr__(self) -> str:
        return f"<Signature {self.id} {self.status}>"

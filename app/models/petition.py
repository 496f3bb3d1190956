"""A petition, the officials it addresses, its texts in other languages, and who manages it."""

import enum
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import default_time_zone, now, zone_named
from app.extensions import Model
from app.models.types import UTCDateTime, string_enum


class Outcome(enum.StrEnum):
    """What came of a petition, as its organizers declare it."""

    NONE = "none"  # not declared (yet)
    WON = "won"
    ANSWERED = "answered"  # the officials answered; neither won nor lost
    LOST = "lost"


class ReportFrequency(enum.StrEnum):
    """How often a target gets a progress report (app.letters.reports)."""

    NEVER = "never"
    WEEKLY = "weekly"  # seven days after the last, while open and in the week after
    MILESTONES = "milestones"  # at each of the petition's milestones


class Petition(Model):
    __tablename__ = "petition"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    organizer_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    about: so.Mapped[str] = so.mapped_column(sa.Text)
    letter_subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    letter_body: so.Mapped[str] = so.mapped_column(sa.Text)
    # Signers whose ZIP code starts with one of these (separated by spaces) are counted as
    # residents of `resident_label`: "191" and "Philadelphia" for PARS.
    resident_zip_prefixes: so.Mapped[str] = so.mapped_column(sa.String(80), default="191")
    resident_label: so.Mapped[str] = so.mapped_column(sa.String(80), default="Philadelphia")
    # Every date of this petition is shown, parsed, exported and printed in this zone; a new
    # petition gets the DEFAULT_TIME_ZONE setting's.
    time_zone: so.Mapped[str] = so.mapped_column(sa.String(64), default=default_time_zone)
    goal: so.Mapped[int] = so.mapped_column(default=100)
    opens_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    closes_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    featured: so.Mapped[bool] = so.mapped_column(default=False)
    # Confirmed signatures, kept exact by app.signatures.counting in the transaction of every
    # change.
    signature_count: so.Mapped[int] = so.mapped_column(default=0)
    # Raised by every change its public page shows (app.petitions.page_changes): the key of
    # the rendered page in the page cache, read with the petition in one light query.
    page_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # The count of its next milestone not yet reached (app.petitions.milestones), read back by
    # the count's UPDATE so that a confirmation that crosses none pays no more. 0: not yet
    # planned (its default milestones are made at its next change of count); None: none left.
    next_milestone: so.Mapped[int | None] = so.mapped_column(default=0, server_default="0")
    # Its organizers set its milestones (False: the steps toward its goal, following it).
    custom_milestones: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false()
    )
    # When its petition.closed event was recorded (once per closing: a deadline moved into the
    # future clears it).
    closed_event_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    updated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # A draft until published: the public sees nothing of it (404) before.
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organizer.id", ondelete="SET NULL")
    )
    # The petition's picture, re-encoded (app.core.images) and stored under UPLOAD_FOLDER.
    image_filename: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    image_width: so.Mapped[int | None]
    image_height: so.Mapped[int | None]
    # When signers' personal data was erased (after closing and delivery); counts remain.
    purged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Where the officials' replies go: the Reply-To of the letters (and reports) sent to them.
    # Never shown publicly.
    contact_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    # The network signers are asked to share on after signing (app.petitions.sharing
    # SHARE_CHANNELS); None asks them to share wherever their friends are.
    share_channel: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    # Declared by the organizers (app.petitions.outcomes); shown as a banner.
    outcome: so.Mapped[Outcome] = so.mapped_column(string_enum(Outcome), default=Outcome.NONE)
    outcome_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # The HMAC key of its signers' network keys (app.signatures.signals): random, its own,
    # so keys cannot be joined across petitions; erased at the purge, after which no key can
    # be recomputed from an address.
    integrity_key: so.Mapped[str | None] = so.mapped_column(
        sa.String(64), default=lambda: secrets.token_hex(32)
    )

    translations: so.Mapped[list["PetitionTranslation"]] = so.relationship(
        cascade="all, delete-orphan",
    )
    targets: so.Mapped[list["Target"]] = so.relationship(
        back_populates="petition",
        order_by="Target.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def zone(self) -> ZoneInfo:
        return zone_named(self.time_zone)

    @property
    def resident_prefixes(self) -> tuple[str, ...]:
        return tuple(self.resident_zip_prefixes.split())

    def __repr__(self) -> str:
        return f"<Petition {self.slug}>"


class Target(Model):
    """A decision maker the letter goes to; `position` 1 is named first."""

    __tablename__ = "target"
    __table_args__ = (sa.UniqueConstraint("petition_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int]
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    # Progress reports to this official (only with an address): never, weekly, at milestones.
    report_frequency: so.Mapped[ReportFrequency] = so.mapped_column(
        string_enum(ReportFrequency),
        default=ReportFrequency.NEVER,
        server_default=ReportFrequency.NEVER.value,
    )

    petition: so.Mapped[Petition] = so.relationship(back_populates="targets")
    translations: so.Mapped[list["TargetTranslation"]] = so.relationship(
        cascade="all, delete-orphan",
    )

    @property
    def full_name(self) -> str:
        """'Mayor Michael Nutter'."""
        return self.full_name_with(self.title)

    def full_name_with(self, title: str) -> str:
        """The name under another title: 'Alcalde Michael Nutter'."""
        return f"{title} {self.name}".strip()

    def __repr__(self) -> str:
        return f"<Target {self.position} {self.full_name}>"


class PetitionTranslation(Model):
    """The organizers' text (title, about) in another language, shown as a translation. The
    letter to the officials is not translated: it is delivered as written."""

    __tablename__ = "petition_translation"
    __table_args__ = (sa.UniqueConstraint("petition_id", "locale"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    locale: so.Mapped[str] = so.mapped_column(sa.String(8))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    about: so.Mapped[str] = so.mapped_column(sa.Text)
    # The letter as signers of this language read it on the page; the officials receive the
    # original.
    letter_subject: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    letter_body: so.Mapped[str | None] = so.mapped_column(sa.Text)


class TargetTranslation(Model):
    """A target's title in another language ("Alcalde" for "Mayor"), shown to readers of that
    language; the name is a name and stays as written. The letter keeps the English title."""

    __tablename__ = "target_translation"
    __table_args__ = (sa.UniqueConstraint("target_id", "locale"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    target_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("target.id", ondelete="CASCADE"), index=True
    )
    locale: so.Mapped[str] = so.mapped_column(sa.String(8))
    title: so.Mapped[str] = so.mapped_column(sa.String(120))


class PetitionMember(Model):
    """An organizer who may manage a petition (besides admins, who manage all)."""

    __tablename__ = "petition_member"
    __table_args__ = (sa.UniqueConstraint("petition_id", "organizer_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    organizer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizer.id", ondelete="CASCADE"), index=True
    )
    added_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)


class FormerSlug(Model):
    """A slug a published petition had before: its links keep working (301 to the new one)."""

    __tablename__ = "former_slug"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )

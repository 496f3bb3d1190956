"""A petition and the officials it addresses."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import db
from app.models.types import UTCDateTime


class Petition(db.Model):
    __tablename__ = "petition"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    organizer_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    about: so.Mapped[str] = so.mapped_column(sa.Text)
    letter_subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    letter_body: so.Mapped[str] = so.mapped_column(sa.Text)
    # Signers whose ZIP code starts with this are counted as residents ("191" = Philadelphia).
    resident_zip_prefix: so.Mapped[str] = so.mapped_column(sa.String(5), default="191")
    resident_area: so.Mapped[str] = so.mapped_column(sa.String(80), default="Philadelphia")
    goal: so.Mapped[int] = so.mapped_column(default=100)
    opens_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    closes_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    featured: so.Mapped[bool] = so.mapped_column(default=False)
    # Confirmed signatures, kept exact by app.counting in the transaction of every change.
    signature_count: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    # When signers' personal data was erased (after closing and delivery); counts remain.
    purged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    translations: so.Mapped[list["PetitionTranslation"]] = so.relationship(
        cascade="all, delete-orphan",
    )
    targets: so.Mapped[list["Target"]] = so.relationship(
        back_populates="petition",
        order_by="Target.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Petition {self.slug}>"


class Target(db.Model):
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


class PetitionTranslation(db.Model):
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


class TargetTranslation(db.Model):
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

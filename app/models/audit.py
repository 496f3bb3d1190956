"""What organizers did: changes to a petition's settings, exports of its signatures."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import db
from app.models.types import UTCDateTime


class PetitionChange(db.Model):
    """One change an organizer made: a setting's old and new value, or an action taken."""

    __tablename__ = "petition_change"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    # Who: an organizer's address, or "command line (user)" for the CLI. Kept as text so the
    # record outlives the account.
    actor: so.Mapped[str] = so.mapped_column(sa.String(300))
    changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    what: so.Mapped[str] = so.mapped_column(sa.String(120))
    old_value: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    new_value: so.Mapped[str | None] = so.mapped_column(sa.String(500))


class SignatureExport(db.Model):
    """One export of signatures: who, when, with which filters, how many rows."""

    __tablename__ = "signature_export"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    actor: so.Mapped[str] = so.mapped_column(sa.String(300))
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    filters: so.Mapped[str] = so.mapped_column(sa.String(300))
    # Filled in when the last row is written; None means the download did not finish.
    row_count: so.Mapped[int | None]
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

"""What organizers did: changes to a petition's settings, exports of its signatures; and the
functions that record them, which every package that acts on a petition calls."""

import getpass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import current_user

from app.core.clock import now
from app.extensions import Model, db
from app.models.petition import Petition
from app.models.types import UTCDateTime


class PetitionChange(Model):
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


class SignatureExport(Model):
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


def actor_label() -> str:
    """The organizer logged in, or the command line's user."""
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.email
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"command line ({user})"


def _shown(value: object) -> str | None:
    return None if value is None else str(value)[:500]


def record_change(
    petition: Petition,
    what: str,
    old: object = None,
    new: object = None,
    *,
    actor: str | None = None,
) -> None:
    """Add to the petition's record, in the caller's transaction. `actor` names who, when
    a service is told (else the organizer logged in, or the command line's user)."""
    db.session.add(
        PetitionChange(
            petition_id=petition.id,
            actor=actor or actor_label(),
            what=what,
            old_value=_shown(old),
            new_value=_shown(new),
        )
    )

"""A petition's milestones: signature counts whose crossing is recorded once, shown on its
page, told to its organizers and, if they wish, told to its signers (app.petitions.milestones)."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import Model
from app.models.types import UTCDateTime


class PetitionMilestone(Model):
    __tablename__ = "petition_milestone"
    __table_args__ = (sa.UniqueConstraint("petition_id", "count"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    count: so.Mapped[int]
    # Set once, by a conditional UPDATE in the transaction whose change of count crossed it.
    reached_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Email its update draft to the signers who asked for updates without waiting for an
    # organizer (their choice, per milestone; default: a draft waits for them).
    auto_send: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # The update draft prepared when it was reached (set once).
    update_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("petition_update.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<PetitionMilestone {self.count} of petition {self.petition_id}>"

"""An official's response to a petition, recorded by its organizers."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.petition import Target
from app.models.types import UTCDateTime


class TargetResponse(Model):
    """What one target answered on one day: Markdown text, and the letter itself as a PDF if
    the organizers have it. Recording a response for the same day again replaces it."""

    __tablename__ = "target_response"
    __table_args__ = (sa.UniqueConstraint("target_id", "responded_on"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    target_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("target.id", ondelete="CASCADE"), index=True
    )
    responded_on: so.Mapped[date] = so.mapped_column(sa.Date)
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    # The PDF lives in the database: a few MB at most, backed up and served by every web
    # worker alike, with no folder to share between servers. Loaded only when served.
    pdf_data: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    pdf_size: so.Mapped[int | None]
    recorded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    recorded_by: so.Mapped[str] = so.mapped_column(sa.String(300))

    target: so.Mapped[Target] = so.relationship()

    @property
    def has_pdf(self) -> bool:
        return self.pdf_size is not None

    def __repr__(self) -> str:
        return f"<TargetResponse {self.target_id} {self.responded_on}>"

"""Files the worker builds for organizers (a letter's PDF, a signatures export), kept in the
database so that every web process, on any machine, can serve them: a row per file, its bytes
in chunks of about a megabyte, written and read one chunk at a time. Deleted by the worker
once they expire (`GENERATED_FILE_HOURS`): an export holds personal data."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime


class GeneratedFile(Model):
    __tablename__ = "generated_file"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    petition_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    # The job that built it (kept if the job's row goes).
    job_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    # What it is, for finding it again: "letter:<position>", "export".
    purpose: so.Mapped[str] = so.mapped_column(sa.String(40))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    mimetype: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # An export's number of rows and its filters (what the audit record says).
    row_count: so.Mapped[int | None]
    description: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Who asked for it, as in the audit records.
    actor: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    # Set once every chunk is written: until then the file is not served.
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<GeneratedFile {self.id} {self.purpose} {self.filename}>"


class GeneratedFileChunk(Model):
    __tablename__ = "generated_file_chunk"

    file_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("generated_file.id", ondelete="CASCADE"), primary_key=True
    )
    position: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)

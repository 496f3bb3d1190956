"""Work done by the worker (`flask outbox send`) rather than in a web request: building and
sending the letters, and later other long tasks. A job's row says how far it has got."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime, string_enum


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(Model):
    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_due", "status", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    # Small: ids and choices, never the data itself (a job reads that when it runs).
    payload: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    status: so.Mapped[JobStatus] = so.mapped_column(
        string_enum(JobStatus), default=JobStatus.QUEUED
    )
    petition_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    # Who asked: an organizer's address or "command line (user)", as in the audit records.
    actor: so.Mapped[str] = so.mapped_column(sa.String(300))
    # Set while the job is queued or running, for a kind that runs one at a time per
    # petition: the unique constraint refuses a second one even when two requests race.
    exclusive_key: so.Mapped[str | None] = so.mapped_column(sa.String(80), unique=True)
    progress_done: so.Mapped[int] = so.mapped_column(default=0)
    progress_total: so.Mapped[int | None]
    progress_label: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # A worker owns a running job until `claimed_until` (renewed at each step of progress);
    # after that (it died) another takes the job again.
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    claimed_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"

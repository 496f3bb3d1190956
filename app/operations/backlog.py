"""What waits for the worker, read for /readyz and /metrics: the outbox's messages by state,
how long the oldest due one has been due, and the background jobs by kind and state."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.core.clock import as_utc
from app.extensions import db
from app.models import Job, OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class OutboxBacklog:
    at: datetime  # when it was read
    due: int  # pending and due now (those being sent included)
    deferred: int  # pending, to be tried again later (the server refused them for now)
    failed: int  # refused for good, kept for the record
    oldest_due_since: datetime | None  # when the longest-waiting due message became due

    @property
    def oldest_due_age_seconds(self) -> float:
        """How long the oldest due message has waited since it became due (0: none waits).
        While the worker keeps up, about a poll (OUTBOX_POLL_SECONDS)."""
        if self.oldest_due_since is None:
            return 0.0
        return max((self.at - self.oldest_due_since).total_seconds(), 0.0)


def outbox_backlog(at: datetime) -> OutboxBacklog:
    """The outbox at `at`, in one statement over its index on (status, next_attempt_at)."""
    pending = OutboxMessage.status == OutboxStatus.PENDING
    due = sa.and_(pending, OutboxMessage.next_attempt_at <= at)
    later = sa.and_(pending, OutboxMessage.next_attempt_at > at)
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(due),
            sa.func.count().filter(later),
            sa.func.count().filter(OutboxMessage.status == OutboxStatus.FAILED),
            sa.func.min(OutboxMessage.next_attempt_at).filter(due),
        ).where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
    ).one()
    oldest: datetime | None = row[3]  # none due: no minimum
    return OutboxBacklog(
        at=at,
        due=row[0],
        deferred=row[1],
        failed=row[2],
        oldest_due_since=None if oldest is None else as_utc(oldest),
    )


def jobs_by_kind_and_state() -> list[tuple[str, str, int]]:
    """How many background jobs there are of each kind in each state (queued, running,
    done, failed), as (kind, state, count)."""
    rows = db.session.execute(
        sa.select(Job.kind, Job.status, sa.func.count()).group_by(Job.kind, Job.status)
    ).all()
    return [(kind, str(status), count) for kind, status, count in rows]

"""The worker's heartbeat: every few seconds its jobs loop (app.cli.schedule) moves its row's
last_seen_at forward, so /readyz and /metrics can tell a worker is at work. A row per worker
process, named by its pid and a random part (no host name); rows of workers gone for a day are
deleted, also on the schedule."""

import os
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import WorkerHeartbeat

# How often a running worker writes its heartbeat: well under READY_WORKER_SECONDS.
HEARTBEAT_EVERY = timedelta(seconds=5)
# A worker not heard from for this long has stopped for good: its row goes.
FORGOTTEN_AFTER = timedelta(days=1)

# This process's name in the table, made on first use; a forked child makes its own.
_names: dict[int, str] = {}


def worker_name() -> str:
    pid = os.getpid()
    if pid not in _names:
        _names[pid] = f"{pid}-{secrets.token_hex(4)}"
    return _names[pid]


def record_heartbeat() -> int:
    """Mark this worker as seen now, in a commit of its own; how many heartbeats (1)."""
    name, at = worker_name(), now()
    with write_transaction() as session:
        connection = session.connection()
        seen = connection.execute(
            sa.update(WorkerHeartbeat)
            .where(WorkerHeartbeat.id == name)
            .values(last_seen_at=at)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not seen:
            connection.execute(
                sa.insert(WorkerHeartbeat).values(id=name, started_at=at, last_seen_at=at)
            )
    return 1


def delete_old_heartbeats() -> int:
    """Forget the workers not heard from for FORGOTTEN_AFTER; how many."""
    forgotten = (
        sa.delete(WorkerHeartbeat)
        .where(WorkerHeartbeat.last_seen_at < now() - FORGOTTEN_AFTER)
        .execution_options(synchronize_session=False)
    )
    with write_transaction() as session:
        return session.connection().execute(forgotten).rowcount


def newest_heartbeat() -> datetime | None:
    """When a worker was last seen, any worker (None: none ever was, or not for a day)."""
    return db.session.scalar(sa.select(sa.func.max(WorkerHeartbeat.last_seen_at)))

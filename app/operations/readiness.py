"""Is this process ready to serve (GET /readyz)? The database answers, its schema is at the
head of migrations/, and the worker's heartbeat is younger than READY_WORKER_SECONDS; the age
of the oldest due email is told as well, but does not decide. What it tells holds no personal
data: booleans, revision ids and ages in seconds.

Whether the process merely answers (GET /healthz) needs none of this: no database at all."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from app.core.clock import now
from app.core.database import end_session_after_failure
from app.extensions import db
from app.operations.backlog import OutboxBacklog, outbox_backlog
from app.operations.heartbeat import newest_heartbeat

log = logging.getLogger("app.operations.readiness")
T = TypeVar("T")


@cache
def migration_heads(directory: str) -> tuple[str, ...]:
    """The head revisions of the migrations in `directory`, read once per process (the files
    do not change under a running process; a deploy restarts it)."""
    return tuple(sorted(ScriptDirectory(directory).get_heads()))


def migrations_directory() -> str:
    return str(current_app.extensions["migrate"].directory)


@dataclass(frozen=True)
class Readiness:
    database: bool
    head: tuple[str, ...]  # the revisions migrations/ ends at
    current: tuple[str, ...] | None  # the database's (None: it could not be read)
    heartbeat_age_seconds: float | None  # the newest worker heartbeat's (None: none)
    worker_limit_seconds: float
    outbox: OutboxBacklog | None  # None: it could not be read

    @property
    def at_head(self) -> bool:
        return self.current is not None and self.current == self.head

    @property
    def worker_alive(self) -> bool:
        return (
            self.heartbeat_age_seconds is not None
            and self.heartbeat_age_seconds <= self.worker_limit_seconds
        )

    @property
    def failing(self) -> list[str]:
        """The names of the checks that fail."""
        checks = {
            "database": self.database,
            "migrations": self.at_head,
            "worker": self.worker_alive,
        }
        return [name for name, passed in checks.items() if not passed]

    @property
    def ready(self) -> bool:
        return not self.failing

    def as_json(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "failing": self.failing,
            "database": {"ok": self.database},
            "migrations": {
                "ok": self.at_head,
                "current": list(self.current) if self.current is not None else None,
                "head": list(self.head),
            },
            "worker": {
                "ok": self.worker_alive,
                "heartbeat_age_seconds": _rounded(self.heartbeat_age_seconds),
                "max_age_seconds": self.worker_limit_seconds,
            },
            "outbox": {
                "due": self.outbox.due if self.outbox else None,
                "oldest_due_age_seconds": (
                    _rounded(self.outbox.oldest_due_age_seconds) if self.outbox else None
                ),
            },
        }


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def check_readiness() -> Readiness:
    """Ask the database, each question on its own: a table missing from a database whose
    migrations are behind fails that question, not the others."""
    head = migration_heads(migrations_directory())
    limit = float(current_app.config["READY_WORKER_SECONDS"])
    if not _answers():
        return Readiness(False, head, None, None, limit, None)
    current = _read("the migrations", _current_revisions)
    at = now()
    newest = _read("the heartbeat", newest_heartbeat)
    return Readiness(
        database=True,
        head=head,
        current=current,
        heartbeat_age_seconds=None if newest is None else heartbeat_age(newest, at),
        worker_limit_seconds=limit,
        outbox=_read("the outbox", partial(outbox_backlog, at)),
    )


def heartbeat_age(seen_at: datetime, at: datetime) -> float:
    """Seconds from a heartbeat to `at` (never below 0: another machine's clock may run a
    little ahead)."""
    return max((at - seen_at).total_seconds(), 0.0)


def _answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.commit()
    except sa.exc.SQLAlchemyError as error:
        end_session_after_failure()
        log.warning("readiness: the database does not answer: %s", error)
        return False
    return True


def _current_revisions() -> tuple[str, ...]:
    context = MigrationContext.configure(db.session.connection())
    return tuple(sorted(context.get_current_heads()))


def _read(what: str, question: Callable[[], T]) -> T | None:
    """The answer to one question, or None when the database fails it (the session is left
    clean for the next)."""
    try:
        answer = question()
        db.session.commit()
    except sa.exc.SQLAlchemyError as error:
        end_session_after_failure()
        log.warning("readiness: reading %s failed: %s", what, error)
        return None
    return answer

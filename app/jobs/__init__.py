"""Background jobs: work too long for a web request (building the letters for 100,000
signers), queued in the caller's transaction and run by the worker, `flask outbox send`.

A worker claims one job at a time for a lease (`JOB_LEASE_SECONDS`, renewed at each step of
progress), as the outbox claims messages: on PostgreSQL the claim skips rows another worker is
claiming (FOR UPDATE SKIP LOCKED), so no job runs twice at once. A worker killed mid-job leaves
it to be taken again once its lease runs out, up to MAX_ATTEMPTS times. Progress is written in
short commits of its own, so nothing holds the database's write lock while a job works. A
handler that raises fails its job, with the reason; the worker goes on with the next one.
"""

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import rows_matched, write_transaction
from app.core.leases import claim_rows
from app.extensions import db
from app.jobs.files import delete_unfinished_files
from app.models import Job, JobStatus, Petition
from app.models.audit import actor_label
from app.models.job import ACTIVE

log = logging.getLogger("app.jobs")

DEFAULT_LEASE_SECONDS = 300
MAX_ATTEMPTS = 3
# Modules whose handlers register themselves when imported. The worker loads them; a web
# request that only queues a job does not (they may load heavy libraries, such as the PDF's).
HANDLER_MODULES = (
    "app.letters.delivery",
    "app.updates.sending",
    "app.letters.letter_files",
    "app.signatures.export_files",
)


class JobRefused(Exception):
    """A handler's reason to give up, meant for the person who asked (shown as it is)."""


class JobAlreadyQueued(Exception):
    def __init__(self, job: Job) -> None:
        super().__init__(f"job {job.id} ({job.kind}) is already {job.status}")
        self.job = job


class JobLost(Exception):
    """This worker's lease ran out and another worker took the job over: stop, write nothing."""


@dataclass(frozen=True)
class ClaimedJob:
    """A claimed job, copied out of the database: a job commits as it goes, and ORM objects
    would be reloaded after every commit."""

    id: int
    kind: str
    payload: dict[str, Any]
    petition_id: int | None
    actor: str
    created_at: datetime
    attempts: int
    claim_token: str


class JobRun:
    """What a handler is given: its job, and the means to report progress and to finish."""

    def __init__(self, job: ClaimedJob) -> None:
        self.job = job
        self.marked_done = False

    def progress(self, done: int, total: int, label: str | None = None) -> None:
        """`done` steps of `total` finished, `label` what is being done now; in a commit of
        its own, which also renews the lease."""
        with write_transaction():
            at = now()
            _update(
                self.job,
                progress_done=done,
                progress_total=total,
                progress_label=label[:200] if label else None,
                claimed_until=at + _lease(),
            )

    def mark_done(self) -> None:
        """Mark the job done in the caller's transaction: with the job's last write, so a
        worker killed after that commit does not do the work again."""
        _update(self.job, **_finished(JobStatus.DONE))
        self.marked_done = True


Handler = Callable[[JobRun], None]
_handlers: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`."""

    def register(handler: Handler) -> Handler:
        _handlers[kind] = handler
        return handler

    return register


def queue_job(
    kind: str,
    petition: Petition | None,
    payload: dict[str, Any] | None = None,
    *,
    exclusive: bool = False,
    scope: str | None = None,
) -> Job:
    """Queue a job in the caller's transaction (the worker sees it once that commits).

    With `exclusive`, at most one job of this kind is queued or running per petition (or per
    `scope`, such as one update): another raises JobAlreadyQueued, even when two requests
    race (a unique constraint decides).
    """
    key = f"{kind}:{scope or (petition.id if petition else '-')}" if exclusive else None
    if key is not None:
        existing = _active_by_key(key)
        if existing is not None:
            raise JobAlreadyQueued(existing)
    job = Job(
        kind=kind,
        payload=payload or {},
        status=JobStatus.QUEUED,
        petition_id=petition.id if petition else None,
        actor=actor_label(),
        exclusive_key=key,
        created_at=now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()
    except sa.exc.IntegrityError:
        existing = _active_by_key(key) if key else None
        if existing is None:
            raise
        raise JobAlreadyQueued(existing) from None
    return job


def _active_by_key(key: str) -> Job | None:
    return db.session.scalar(sa.select(Job).where(Job.exclusive_key == key))


def active_job(petition: Petition, kind: str) -> Job | None:
    """The job of this kind queued or running for the petition, if any."""
    return db.session.scalar(
        sa.select(Job)
        .where(Job.petition_id == petition.id, Job.kind == kind, Job.status.in_(ACTIVE))
        .order_by(Job.id.desc())
        .limit(1)
    )


def latest_job(petition: Petition, kind: str) -> Job | None:
    return db.session.scalar(
        sa.select(Job)
        .where(Job.petition_id == petition.id, Job.kind == kind)
        .order_by(Job.id.desc())
        .limit(1)
    )


# --- the worker's side ----------------------------------------------------------------------


@dataclass
class JobReport:
    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ran(self) -> int:
        return self.done + self.failed


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config.get("JOB_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def _due(at: datetime):
    return sa.and_(
        Job.status.in_(ACTIVE),
        sa.or_(Job.claimed_until.is_(None), Job.claimed_until < at),
        Job.attempts < MAX_ATTEMPTS,
    )


def _finished(status: JobStatus, error: str | None = None) -> dict[str, Any]:
    return dict(
        status=status,
        error=error,
        finished_at=now(),
        claim_token=None,
        claimed_until=None,
        exclusive_key=None,
    )


def _give_up_abandoned(at: datetime) -> None:
    """Jobs whose worker died MAX_ATTEMPTS times: they are not tried again."""
    db.session.execute(
        sa.update(Job)
        .where(
            Job.status == JobStatus.RUNNING,
            Job.claimed_until < at,
            Job.attempts >= MAX_ATTEMPTS,
        )
        .values(
            _finished(
                JobStatus.FAILED,
                f"The worker stopped while running this job, {MAX_ATTEMPTS} times: given up.",
            )
        )
        .execution_options(synchronize_session=False)
    )


def claim_next_job() -> ClaimedJob | None:
    """Take the oldest due job for this worker, committed: a queued one, or one whose
    worker's lease ran out."""
    at = now()
    waiting = sa.select(Job.id).where(
        Job.status.in_(ACTIVE), sa.or_(Job.claimed_until.is_(None), Job.claimed_until < at)
    )
    if db.session.scalar(waiting.limit(1)) is None:
        db.session.commit()
        return None  # the usual case, found without taking the write lock
    with write_transaction():
        _give_up_abandoned(at)
    token = claim_rows(
        Job,
        _due(at),
        limit=1,
        at=at,
        lease=_lease(),
        also={"status": JobStatus.RUNNING, "started_at": at, "attempts": Job.attempts + 1},
    )
    if token is None:
        return None
    row = db.session.execute(
        sa.select(
            Job.id,
            Job.kind,
            Job.payload,
            Job.petition_id,
            Job.actor,
            Job.created_at,
            Job.attempts,
            Job.claim_token,
        ).where(Job.claim_token == token)
    ).one_or_none()
    db.session.commit()
    return None if row is None else ClaimedJob(*row)


def _update(job: ClaimedJob, **values) -> None:
    updated = rows_matched(
        db.session.execute(
            sa.update(Job)
            .where(Job.id == job.id, Job.claim_token == job.claim_token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    )
    if not updated:
        raise JobLost(f"job {job.id} was taken over by another worker")


def _finish(job: ClaimedJob, status: JobStatus, error: str | None = None) -> None:
    with write_transaction():
        _update(job, **_finished(status, error))


def _reason(error: Exception) -> str:
    if isinstance(error, JobRefused):
        return str(error)[:500]
    return f"{type(error).__name__}: {error}"[:500]


def run_job(job: ClaimedJob, report: JobReport) -> None:
    """Run a claimed job to its end: done, or failed with the reason (or, if another worker
    took it over meanwhile, left to that one)."""
    run = JobRun(job)
    try:
        handler = _handlers.get(job.kind)
        if handler is None:
            raise JobRefused(f"No handler for jobs of kind {job.kind!r}.")
        handler(run)
        if not run.marked_done:
            _finish(job, JobStatus.DONE)
    except JobLost as lost:
        db.session.rollback()
        log.warning("%s", lost)
        delete_unfinished_files(job.id)
        return
    except sa.exc.OperationalError:
        # The database is unreachable: the job is taken again once its lease runs out.
        db.session.rollback()
        raise
    except Exception as error:  # noqa: BLE001  (a handler's error fails its job, not the worker)
        db.session.rollback()
        if isinstance(error, JobRefused):
            log.warning("job %s (%s) refused: %s", job.id, job.kind, error)
        else:
            log.exception("job %s (%s) failed", job.id, job.kind)
        reason = _reason(error)
        try:
            _finish(job, JobStatus.FAILED, reason)
        except JobLost:
            db.session.rollback()
            return
        report.failed += 1
        report.errors.append(f"job {job.id} ({job.kind}): {reason}")
        return
    report.done += 1
    log.info("job %s (%s) done", job.id, job.kind)


def _load_handlers() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def run_due_jobs(limit: int | None = None) -> JobReport:
    """Run due jobs one after another (at most `limit`) until none is due."""
    _load_handlers()
    report = JobReport()
    claimed = 0
    while limit is None or claimed < limit:
        job = claim_next_job()
        if job is None:
            break
        claimed += 1
        run_job(job, report)
    return report

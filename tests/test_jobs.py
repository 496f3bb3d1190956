"""Background jobs run by the worker: one failing never stops the others, a worker that died
leaves its job to another, progress is written without holding the database."""

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import (
    DEFAULT_LEASE_SECONDS,
    MAX_ATTEMPTS,
    JobAlreadyQueued,
    JobReport,
    JobRun,
    claim_next_job,
    job_handler,
    queue_job,
    run_due_jobs,
    run_job,
)
from app.models import Job, JobStatus, Petition
from app.petitions.queries import petition_by_slug
from tests.conftest import deliver_mail
from tests.factories import make_petition, make_signature

LEASE = timedelta(seconds=DEFAULT_LEASE_SECONDS + 1)


@job_handler("test-jammed")
def _jammed(run: JobRun) -> None:
    raise RuntimeError("the press is jammed")


# What a test wants to look at once the "test-halfway" job has reported its progress.
_at_halfway: list[Callable[[JobRun], None]] = []


@job_handler("test-halfway")
def _halfway(run: JobRun) -> None:
    run.progress(1, 2, "halfway")
    for look in _at_halfway:
        look(run)


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition()
        make_signature(petition)
        return petition.slug


def queue(app, kind: str, slug: str, payload=None) -> int:
    with app.app_context():
        job = queue_job(kind, petition_by_slug(slug), payload)
        db.session.commit()
        return job.id


def queue_delivery(app, slug: str) -> int:
    from app.letters.delivery import queue_delivery

    with app.app_context():
        return queue_delivery(petition_by_slug(slug)).id


def job(app, job_id: int) -> Job:
    with app.app_context():
        found = db.session.get(Job, job_id)
        db.session.expunge(found)
        return found


def test_a_job_that_raises_fails_with_its_reason_and_the_next_one_runs(app, smtp, slug):
    jammed = queue(app, "test-jammed", slug)
    delivery = queue_delivery(app, slug)
    with app.app_context():
        report = run_due_jobs()
    assert (report.done, report.failed) == (1, 1)
    assert report.errors == [f"job {jammed} (test-jammed): RuntimeError: the press is jammed"]
    failed = job(app, jammed)
    assert failed.status == JobStatus.FAILED
    assert failed.error == "RuntimeError: the press is jammed"
    assert failed.finished_at is not None and failed.claim_token is None
    assert job(app, delivery).status == JobStatus.DONE
    assert deliver_mail(app).sent == 3
    assert len(smtp.wait_for(3)) == 3


def test_a_job_of_an_unknown_kind_fails_clearly(app, slug):
    unknown = queue(app, "no-such-kind", slug)
    with app.app_context():
        run_due_jobs()
    assert job(app, unknown).error == "No handler for jobs of kind 'no-such-kind'."


def test_a_job_whose_worker_died_is_taken_again_once_its_lease_ends(app, smtp, slug, clock):
    delivery = queue_delivery(app, slug)
    with app.app_context():
        assert claim_next_job().id == delivery  # this worker then dies
    assert deliver_mail(app).sent == 0, "still held by the dead worker"
    assert job(app, delivery).status == JobStatus.RUNNING
    clock.shift(LEASE)
    assert deliver_mail(app).sent == 3
    done = job(app, delivery)
    assert (done.status, done.attempts) == (JobStatus.DONE, 2)
    assert len(smtp.wait_for(3)) == 3


def test_a_job_that_kills_its_worker_every_time_is_given_up(app, slug, clock):
    delivery = queue_delivery(app, slug)
    for _attempt in range(MAX_ATTEMPTS):
        with app.app_context():
            assert claim_next_job().id == delivery
        clock.shift(LEASE)
    with app.app_context():
        assert run_due_jobs().ran == 0
    given_up = job(app, delivery)
    assert given_up.status == JobStatus.FAILED
    assert "stopped while running this job, 3 times" in given_up.error
    assert given_up.exclusive_key is None, "a new delivery may be asked for"


def test_a_job_taken_over_by_another_worker_is_left_to_it(app, slug, clock):
    taken = queue(app, "test-halfway", slug, {})
    with app.app_context():
        slow = claim_next_job()
    clock.shift(LEASE)
    with app.app_context():
        other = claim_next_job()
        assert other.id == taken
        report = JobReport()
        run_job(slow, report)  # its progress finds the job is no longer its own
        assert report == JobReport()
    held = job(app, taken)
    assert (held.status, held.claim_token) == (JobStatus.RUNNING, other.claim_token)


def test_progress_is_committed_and_leaves_the_database_free(app, slug):
    seen = {}

    def look_from_another_connection(run: JobRun) -> None:
        with db.engine.connect() as other:
            seen["row"] = other.execute(
                sa.select(Job.progress_done, Job.progress_total, Job.progress_label).where(
                    Job.id == run.job.id
                )
            ).one()
        # Another writer is not kept waiting while the job works.
        with db.engine.connect().execution_options(petitions_write=True) as other:
            other.execute(sa.update(Petition).values(goal=Petition.goal))
            other.commit()

    job_id = queue(app, "test-halfway", slug)
    _at_halfway.append(look_from_another_connection)
    try:
        with app.app_context():
            report = run_due_jobs()
    finally:
        _at_halfway.clear()
    assert report.done == 1, report.errors
    assert tuple(seen["row"]) == (1, 2, "halfway")
    assert job(app, job_id).status == JobStatus.DONE


def test_two_presses_at_once_queue_one_delivery(app, slug):
    from app.letters.delivery import queue_delivery as queue_it

    barrier = threading.Barrier(4)
    outcomes = []

    def press() -> None:
        with app.app_context():
            petition = petition_by_slug(slug)
            barrier.wait()
            try:
                queue_it(petition)
            except JobAlreadyQueued:
                outcomes.append("refused")
            else:
                outcomes.append("queued")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["queued", "refused", "refused", "refused"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_outbox_send_once_runs_the_jobs_then_sends(app, runner, smtp, slug):
    queue_delivery(app, slug)
    queue(app, "test-jammed", slug)
    result = runner.invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 job done, 1 failed" in result.output
    assert "RuntimeError: the press is jammed" in result.output
    assert "3 sent" in result.output
    assert len(smtp.wait_for(3)) == 3


def test_the_running_worker_builds_and_sends_the_letters(app, smtp, slug):
    from app.cli.worker import run_worker

    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            run_worker(stop)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        queue_delivery(app, slug)
        assert len(smtp.wait_for(3, timeout=20)) == 3
    finally:
        stop.set()
        thread.join()


# Holds the "test-slow" job until the test lets it go.
_release_slow_job = threading.Event()


@job_handler("test-slow")
def _slow(run: JobRun) -> None:
    run.progress(0, 1, "waiting")
    _release_slow_job.wait(timeout=20)


def test_email_is_not_kept_waiting_behind_a_long_job(app, smtp, slug):
    from app.cli.worker import run_worker
    from app.mail.queue import enqueue_email

    _release_slow_job.clear()
    slow = queue(app, "test-slow", slug)
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            run_worker(stop)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while job(app, slow).status != JobStatus.RUNNING and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job(app, slow).status == JobStatus.RUNNING
        with app.app_context():
            enqueue_email(
                purpose="test", recipient="ana@example.org", subject="Hi", body_text="Hello"
            )
            db.session.commit()
        assert len(smtp.wait_for(1, timeout=5)) == 1
        assert job(app, slow).status == JobStatus.RUNNING  # the job is still under way
    finally:
        _release_slow_job.set()
        stop.set()
        thread.join()
    assert job(app, slow).status == JobStatus.DONE

"""The `flask outbox send` process: background jobs in one thread, email in another.

They run side by side so that a confirmation email never waits behind a job (a letter for
100,000 signers takes about 12 s to build), and a mail server that is down slows no job.
"""

import logging
import threading

import sqlalchemy as sa
from flask import Flask, current_app

from app.cli.schedule import Schedule
from app.core.database import end_session_after_failure
from app.jobs import run_due_jobs
from app.mail.sender import run_sender

log = logging.getLogger("app.cli.worker")


def run_jobs(stop: threading.Event) -> None:
    """Run due jobs as they come, and the scheduled tasks that are due (app.cli.schedule),
    until `stop` is set; a database that is away is waited for.

    One job a round, the scheduled tasks after it, and the next round at once while jobs
    wait: the worker's heartbeat (a scheduled task) is written between two jobs, so a queue of
    long jobs does not make the worker look gone (READY_WORKER_SECONDS)."""
    poll = current_app.config["OUTBOX_POLL_SECONDS"]
    pause = poll
    schedule = Schedule()
    while not stop.is_set():
        busy = False
        try:
            busy = run_due_jobs(limit=1).ran > 0
            schedule.run_due()
            pause = poll
        except sa.exc.OperationalError as error:
            log.warning("database unavailable, jobs wait: %s", error)
            pause = min(pause * 2, 30.0)
        finally:
            end_session_after_failure()
        if not busy:
            stop.wait(pause)


def _in_context(app: Flask, loop, stop: threading.Event) -> None:
    with app.app_context():
        loop(stop)


def run_worker(stop: threading.Event | None = None) -> None:
    """Jobs and email until `stop` is set (or Ctrl-C): the email loop runs here, the jobs in a
    thread of their own with their own database session."""
    stop = stop or threading.Event()
    # current_app is typed as the Flask object it stands for, not as the proxy it is.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs = threading.Thread(target=_in_context, args=(app, run_jobs, stop), name="jobs")
    jobs.start()
    try:
        run_sender(stop)
    finally:
        stop.set()
        jobs.join()

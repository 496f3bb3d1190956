"""The `flask outbox send` process: background jobs in one thread, email in another.

They run side by side so that a confirmation email never waits behind a job (a letter for
100,000 signers takes about 12 s to build), and a mail server that is down slows no job.
"""

import logging
import threading

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.jobs import run_due_jobs
from app.jobs.files import delete_expired_files
from app.mail.sender import run_sender
from app.signatures.reminders import send_due_reminders

log = logging.getLogger("app.cli.worker")


def _queue_reminders() -> None:
    """The reminders to confirm that are due; a failure is logged and tried at the next poll,
    never allowed to stop the jobs."""
    try:
        send_due_reminders()
    except sa.exc.OperationalError:
        raise
    except Exception:  # noqa: BLE001  (whatever it is, the jobs go on)
        db.session.rollback()
        log.exception("queueing reminders failed")


def _delete_expired_files() -> None:
    """Generated files past their time (exports hold personal data); a failure is logged and
    tried again at the next poll."""
    try:
        delete_expired_files()
    except sa.exc.OperationalError:
        raise
    except Exception:  # noqa: BLE001  (whatever it is, the jobs go on)
        db.session.rollback()
        log.exception("deleting expired files failed")


def run_jobs(stop: threading.Event) -> None:
    """Run due jobs as they come, queue the reminders due and delete expired files, until
    `stop` is set; a database that is away is waited for."""
    poll = current_app.config["OUTBOX_POLL_SECONDS"]
    pause = poll
    while not stop.is_set():
        try:
            run_due_jobs()
            _queue_reminders()
            _delete_expired_files()
            pause = poll
        except sa.exc.OperationalError as error:
            db.session.rollback()
            log.warning("database unavailable, jobs wait: %s", error)
            pause = min(pause * 2, 30.0)
        finally:
            db.session.remove()
        stop.wait(pause)


def _in_context(app: Flask, loop, stop: threading.Event) -> None:
    with app.app_context():
        loop(stop)


def run_worker(stop: threading.Event | None = None) -> None:
    """Jobs and email until `stop` is set (or Ctrl-C): the email loop runs here, the jobs in a
    thread of their own with their own database session."""
    stop = stop or threading.Event()
    app = current_app._get_current_object()
    jobs = threading.Thread(target=_in_context, args=(app, run_jobs, stop), name="jobs")
    jobs.start()
    try:
        run_sender(stop)
    finally:
        stop.set()
        jobs.join()

"""Everything the worker does on a schedule rather than on demand, in one list: the worker's
loop runs what is due at each poll (app.cli.worker), and `outbox send --once` all of it:
reminders to confirm, the events' deliveries to their consumers (app.cli.consumers), the
closing of petitions whose deadline passed (recorded once, as petition.closed), expired
files, integrity alerts (every 5 minutes) and the recount of every open petition
(RECOUNT_HOURS).

A task is run again once `every` has passed since its last run in this process (None: at
every poll); one that fails is logged and tried at its next turn, never stopping the others
or the jobs. A database that is away stops the round (the loop waits for it)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.cli.consumers import deliver_events
from app.core.clock import now
from app.core.database import end_session_after_failure
from app.jobs.files import delete_expired_files
from app.letters.reports import send_due_weekly_reports
from app.operations.heartbeat import HEARTBEAT_EVERY, delete_old_heartbeats, record_heartbeat
from app.petitions.closing import record_closed_petitions
from app.signatures.alerts import alert_new_clusters, recount_interval, recount_open_petitions
from app.signatures.reminders import send_due_reminders

log = logging.getLogger("app.cli.schedule")


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    run: Callable[[], int]  # returns how many things it did
    # How it tells what it did, in English: "%(num)s reminders" and the verb after it.
    singular: str
    plural: str
    verb: str
    # None: at every poll; a function: read when it is due (an interval that is a setting).
    every: timedelta | Callable[[], timedelta] | None = None

    def interval(self) -> timedelta | None:
        return self.every() if callable(self.every) else self.every


SCHEDULE = (
    # First, so that it is written whatever the others take (/readyz reads it).
    PeriodicTask(
        "heartbeat",
        record_heartbeat,
        "%(num)s heartbeat",
        "%(num)s heartbeats",
        "recorded",
        every=HEARTBEAT_EVERY,
    ),
    PeriodicTask(
        "reminders", send_due_reminders, "%(num)s reminder", "%(num)s reminders", "queued"
    ),
    PeriodicTask(
        "closed petitions",
        record_closed_petitions,
        "%(num)s closed petition",
        "%(num)s closed petitions",
        "recorded",
        every=timedelta(minutes=1),
    ),
    # After the closings, so that a closing's notice goes in the same round.
    PeriodicTask(
        "events", deliver_events, "%(num)s event delivery", "%(num)s event deliveries", "made"
    ),
    PeriodicTask(
        "expired files",
        delete_expired_files,
        "%(num)s expired file",
        "%(num)s expired files",
        "deleted",
    ),
    PeriodicTask(
        "integrity alerts",
        alert_new_clusters,
        "%(num)s integrity alert",
        "%(num)s integrity alerts",
        "sent",
        every=timedelta(minutes=5),
    ),
    PeriodicTask(
        "recount",
        recount_open_petitions,
        "%(num)s count",
        "%(num)s counts",
        "repaired",
        every=recount_interval,
    ),
    PeriodicTask(
        "weekly reports",
        send_due_weekly_reports,
        "%(num)s progress report",
        "%(num)s progress reports",
        "queued",
        every=timedelta(minutes=15),
    ),
    PeriodicTask(
        "old heartbeats",
        delete_old_heartbeats,
        "%(num)s old heartbeat",
        "%(num)s old heartbeats",
        "deleted",
        every=timedelta(hours=1),
    ),
)


class Schedule:
    """When each task last ran in this process, and running those that are due."""

    def __init__(self, tasks: tuple[PeriodicTask, ...] = SCHEDULE) -> None:
        self.tasks = tasks
        self.last_run: dict[str, datetime] = {}

    def due(self, at: datetime) -> list[PeriodicTask]:
        return [task for task in self.tasks if self._is_due(task, at)]

    def _is_due(self, task: PeriodicTask, at: datetime) -> bool:
        interval = task.interval()
        last = self.last_run.get(task.name)
        return interval is None or last is None or at - last >= interval

    def run_due(self) -> list[tuple[PeriodicTask, int]]:
        """Run the due tasks; each one's count of what it did (a failed one is left out)."""
        done = []
        for task in self.due(now()):
            self.last_run[task.name] = now()
            try:
                done.append((task, task.run()))
            except sa.exc.OperationalError:
                raise
            except Exception:  # noqa: BLE001  (whatever it is, the other tasks go on)
                end_session_after_failure()
                log.exception("the scheduled task %r failed", task.name)
        return done

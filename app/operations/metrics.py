"""What the site measures for Prometheus, served at GET /metrics (app.web.ops) in its text
format; every name starts with `petitions_` (docs/monitoring.md lists them).

Counted as things happen, per process: requests by Flask endpoint (never the path, which may
hold a slug or a link's key), method and status, with their time (app.web.request_log), and
signatures taken, confirmed and withdrawn (app.signatures.metrics). Under gunicorn, with
PROMETHEUS_MULTIPROC_DIR set, every worker writes its counts to files in that folder and a
scrape adds them all up; without it a scrape shows the answering process's own.

Read from the database at each scrape: the outbox by state and the age of its oldest due
message, the background jobs by kind and state, the worker's heartbeat."""

import logging
import os
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from prometheus_client import REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector, CollectorRegistry

from app.core.clock import now
from app.core.database import end_session_after_failure
from app.extensions import db
from app.operations.backlog import jobs_by_kind_and_state, outbox_backlog
from app.operations.heartbeat import newest_heartbeat
from app.operations.readiness import heartbeat_age
from app.signatures import metrics as signature_metrics  # noqa: F401  (its counter registers)

log = logging.getLogger("app.operations.metrics")

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "petitions_http_requests",
    "HTTP requests answered, by Flask endpoint (not the path), method and status.",
    ["endpoint", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "petitions_http_request_duration_seconds",
    "Time from a request's start to its answer, by Flask endpoint and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, method, str(status)).inc()
    REQUEST_SECONDS.labels(endpoint, method).observe(seconds)


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


class DatabaseState:
    """The gauges read from the database at each scrape. A database that does not answer
    shows as petitions_database_up 0, without the others."""

    def collect(self) -> Iterator[Metric]:
        at = now()
        try:
            backlog = outbox_backlog(at)
            jobs = jobs_by_kind_and_state()
            newest = newest_heartbeat()
            db.session.commit()  # the reads' transaction
        except sa.exc.SQLAlchemyError as error:
            end_session_after_failure()
            log.warning("metrics: the database does not answer: %s", error)
            yield GaugeMetricFamily("petitions_database_up", _DATABASE_UP, value=0)
            return
        yield GaugeMetricFamily("petitions_database_up", _DATABASE_UP, value=1)
        outbox = GaugeMetricFamily(
            "petitions_outbox_messages",
            "Outbox messages by state: due (to send now, being sent included), deferred (to "
            "try again later), failed (refused for good, kept for the record).",
            labels=["state"],
        )
        outbox.add_metric(["due"], backlog.due)
        outbox.add_metric(["deferred"], backlog.deferred)
        outbox.add_metric(["failed"], backlog.failed)
        yield outbox
        yield GaugeMetricFamily(
            "petitions_outbox_oldest_due_age_seconds",
            "How long the oldest due outbox message has been due (0: none is).",
            value=backlog.oldest_due_age_seconds,
        )
        by_kind = GaugeMetricFamily(
            "petitions_jobs", "Background jobs by kind and state.", labels=["kind", "state"]
        )
        for kind, state, count in jobs:
            by_kind.add_metric([kind, state], count)
        yield by_kind
        if newest is not None:
            yield GaugeMetricFamily(
                "petitions_worker_heartbeat_age_seconds",
                "Seconds since a worker was last seen (absent: none in the last day).",
                value=heartbeat_age(newest, at),
            )
            yield GaugeMetricFamily(
                "petitions_worker_heartbeat_timestamp_seconds",
                "When a worker was last seen, in Unix time.",
                value=newest.timestamp(),
            )


_DATABASE_UP = "1 when the database answered this scrape's questions, else 0."


def _counted() -> Collector:
    """The counts of this process, or with PROMETHEUS_MULTIPROC_DIR of every process."""
    if not is_multiprocess():
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


class _Together:
    def __init__(self, *collectors: Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterable[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def metrics_text() -> bytes:
    """Everything, in Prometheus's text format (CONTENT_TYPE)."""
    return generate_latest(_Together(_counted(), DatabaseState()))

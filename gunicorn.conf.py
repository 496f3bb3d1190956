"""gunicorn's settings for this app; gunicorn reads ./gunicorn.conf.py by itself, and flags on
its command line win over these. Run it behind a buffering proxy (docs/operating.md)."""

import logging
import os

wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
timeout = 30


def when_ready(server) -> None:
    from config import per_process_limits_warning

    warning = per_process_limits_warning(
        app_env=os.environ.get("APP_ENV", "production"),
        storage_uri=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        workers=server.cfg.workers,
    )
    if warning:
        logging.getLogger("gunicorn.error").warning(warning)


def child_exit(server, worker) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, a worker that exits leaves its counts' files behind
    (a scrape still adds them up, as counts since the server started) and has its live gauges'
    files removed. The folder must be emptied before gunicorn starts (docs/monitoring.md)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

"""Running the site: whether it is alive and ready (readiness.py, with the worker's
heartbeat.py and the outbox's backlog.py), what it measures for Prometheus (metrics.py), and
its backups (backups.py). Above every domain package, whose tables it reads; below the web
and the command line, which serve it."""

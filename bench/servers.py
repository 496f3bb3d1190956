"""The HTTP servers a benchmark can run an app under, by name (`BENCH_SERVER`), each started
the same way for our app and for the floor:

- `gthread`: gunicorn's threaded workers, as deploy/ runs it (gunicorn.conf.py: WEB_CONCURRENCY
  processes x GUNICORN_THREADS threads; 2 x 4 by default);
- `sync`: gunicorn's sync workers, 2 x cores + 1 processes (5 on two cores);
- `granian`: granian (a Rust HTTP server) serving the WSGI app, WEB_CONCURRENCY processes with
  GUNICORN_THREADS blocking threads each.
"""

import os
import signal
import subprocess
import time
import urllib.request

from bench.harness import OUT, PYTHON, ROOT

SERVERS = ("gthread", "sync", "granian")
DEFAULT_SERVER = "gthread"


def server_name() -> str:
    name = os.environ.get("BENCH_SERVER", DEFAULT_SERVER)
    if name not in SERVERS:
        raise SystemExit(f"BENCH_SERVER={name}: one of {', '.join(SERVERS)}")
    return name


def processes() -> int:
    return int(os.environ.get("WEB_CONCURRENCY") or 2)


def threads() -> int:
    return int(os.environ.get("GUNICORN_THREADS") or 4)


def sync_workers() -> int:
    return int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1) + 1))


def describe(name: str) -> str:
    if name == "sync":
        return f"gunicorn {sync_workers()} sync workers"
    if name == "gthread":
        return f"gunicorn {processes()} gthread workers x {threads()} threads"
    return f"granian {processes()} workers x {threads()} threads"


def command(name: str, app_spec: str, port: int) -> list[str]:
    if name == "granian":
        return [
            PYTHON,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(processes()),
            "--blocking-threads",
            str(threads()),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--no-ws",
            app_spec.replace("()", ""),
            "--factory",
        ]
    gunicorn = [PYTHON, "-m", "gunicorn", app_spec, "--bind", f"127.0.0.1:{port}"]
    gunicorn += ["--backlog", "2048", "--log-level", "warning"]
    if name == "sync":
        return [*gunicorn, "--workers", str(sync_workers()), "--worker-class", "sync"]
    return [
        *gunicorn,
        "--workers",
        str(processes()),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads()),
    ]


def start(name: str, app_spec: str, env: dict, port: int, probe: str) -> subprocess.Popen:
    """Start `app_spec` ("module:factory()") under server `name` on `port`; returns once
    `probe` (a path) answers."""
    # The server's log (a line per request, as deployed) goes to a file, not the report.
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"server-{name}-{port}.log", "w") as log:
        process = subprocess.Popen(
            command(name, app_spec, port), env=env, cwd=ROOT, stdout=log, stderr=log
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{describe(name)} did not start {app_spec}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

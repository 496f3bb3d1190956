"""What every benchmark shares: scratch databases, running a command while measuring its time
and peak memory, and printing results."""

import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
# Its own database, created if missing: never the one the tests use.
PG_URL = os.environ.get(
    "BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/petitions_bench"
)


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mb: float


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "development",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "benchmark-secret-key-0123456789",
            "RATELIMIT_ENABLED": "false",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.pop("MAIL_SERVER", None)
    env.update(extra)
    return env


def flask(*args: str) -> list[str]:
    return [PYTHON, "-m", "flask", "--app", "app", *args]


def run_measured(
    command: list[str] | str, env: dict | None = None, stdout=None, shell: bool = False
) -> Measure:
    """Run a command to completion; its wall time and peak resident memory (the child's own,
    from wait4, so the benchmark's memory is not counted)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        stdout=stdout or subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        shell=shell,
        cwd=ROOT,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode(errors="replace")[-2000:]
        shown = command if isinstance(command, str) else shlex.join(command)
        raise RuntimeError(f"{shown} failed ({status}):\n{error}")
    process.stderr.close()
    return Measure(seconds, usage.ru_maxrss / 1024)


def check(command: list[str], env: dict) -> str:
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def fresh_sqlite(name: str) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def postgresql_database(name: str | None = None, *, empty: bool = True) -> str:
    """A benchmark database on the PostgreSQL server (created if missing), emptied unless
    `empty` is False. Never the database the tests use."""
    import sqlalchemy as sa

    url = sa.make_url(PG_URL)
    if name:
        url = url.set(database=name)
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": url.database}
        ).scalar()
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    server.dispose()
    if empty:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
    return url.render_as_string(hide_password=False)


def fresh_postgresql() -> str:
    return postgresql_database()


def prepare_database(url: str, closes_at: str = "2099-08-31") -> None:
    env = app_env(url)
    check(flask("db", "upgrade"), env)
    check(flask("petitions", "seed-pars", "--closes-at", closes_at), env)


def header(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def line(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)


def verdict(ok: bool, target: str) -> str:
    return f"{'met' if ok else 'NOT MET'} (target: {target})"

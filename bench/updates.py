"""Emailing an update to 100,000 signers: the time the worker takes to queue every signer's
copy (and its peak memory, at a tenth of the signers and at all of them: it should not grow),
the longest a write waited meanwhile (what a signer would wait for), and the rate at which
the outbox then sends update emails to a local aiosmtpd server, against a bare smtplib loop
sending messages of the same size with the same headers over one connection."""

import os
import sqlite3
import threading
import time

import sqlalchemy as sa

from bench.harness import (
    OUT,
    PYTHON,
    app_env,
    check,
    flask,
    fresh_sqlite,
    header,
    line,
    postgresql_database,
    prepare_database,
    run_measured,
    verdict,
)
from bench.outbox import free_port, start_sink

SLUG = "end-the-pars-contract"

ENGLISH = """# The letters were delivered

Yesterday we delivered **the letters** to the Mayor, the District Attorney and the Judge,
with the names of everyone who signed. Thank you!

- The Mayor's office says it will answer within two weeks.
- We will tell you here as soon as it does.
"""
SPANISH = """# Entregamos las cartas

Ayer entregamos **las cartas** al Alcalde, al Fiscal y a la Jueza, con los nombres de todas
las personas que firmaron. ¡Gracias!

- La oficina del Alcalde dice que responderá en dos semanas.
- Les contaremos aquí en cuanto lo haga.
"""

QUEUE = r"""
import time
from app import create_app
from app.jobs import run_due_jobs
app = create_app()
with app.app_context():
    started = time.perf_counter()
    report = run_due_jobs()
    print(f"{time.perf_counter() - started:.3f} {report.done} {report.failed} {report.errors}")
"""

SEND = r"""
import sys, time
from app import create_app
from app.mail.sender import send_due_messages
app = create_app()
wanted = int(sys.argv[1])
with app.app_context():
    started = time.perf_counter()
    sent = 0
    while sent < wanted:
        report = send_due_messages()
        if report.errors or not report.sent:
            raise SystemExit(f"stopped after {sent}: {report.errors}")
        sent += report.sent
    print(f"{time.perf_counter() - started:.3f} {sent}")
"""

FLOOR = r"""
import smtplib, sys, time
from email.message import EmailMessage
port, count, text_size, html_size = map(int, sys.argv[1:5])
text, html = "x" * text_size, "<p>" + "x" * html_size + "</p>"
url = "https://petitions.example.org/u/" + "A" * 60
started = time.perf_counter()
with smtplib.SMTP("127.0.0.1", port) as smtp:
    for number in range(count):
        message = EmailMessage()
        message["From"] = "petitions@localhost"
        message["To"] = f"fake{number}@example.org"
        message["Subject"] = "The letters were delivered"
        message["List-Unsubscribe"] = f"<{url}{number}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["List-Id"] = "<end-the-pars-contract.petitions.example.org>"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        smtp.send_message(message)
print(f"{time.perf_counter() - started:.3f}")
"""


class WriteProbe:
    """Writes a row every 20 ms in a table of its own while the queueing runs, and keeps the
    longest wait: on SQLite every writer (a signer) waits for the database's one write lock."""

    def __init__(self, database: str, url: str) -> None:
        self.database, self.url = database, url
        self.longest = 0.0
        self.writes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "WriteProbe":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        if self.database == "sqlite":
            connection = sqlite3.connect(
                self.url.removeprefix("sqlite:///"), timeout=30, isolation_level=None
            )
            # As the app's connections are (app.core.database): a commit does not fsync.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS bench_probe (id INTEGER PRIMARY KEY)")

            def write() -> None:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO bench_probe DEFAULT VALUES")
                connection.execute("COMMIT")
        else:
            engine = sa.create_engine(self.url)
            connection = engine.connect()
            connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_probe (id serial)")
            connection.commit()

            def write() -> None:
                connection.exec_driver_sql("INSERT INTO bench_probe DEFAULT VALUES")
                connection.commit()

        while not self._stop.is_set():
            started = time.perf_counter()
            write()
            self.longest = max(self.longest, time.perf_counter() - started)
            self.writes += 1
            self._stop.wait(0.02)
        connection.close()


def _database(database: str, name: str) -> str:
    if database == "sqlite":
        return fresh_sqlite(name)
    return postgresql_database(f"petitions_bench_{name}")


def _signers_want_updates(url: str, signers: int) -> None:
    env = app_env(url)
    prepare_database(url)
    check(flask("signatures", "fake", SLUG, "--count", str(signers)), env)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        # Every signer asked for updates; every other one signed in Spanish.
        connection.execute(
            sa.text(
                "UPDATE signature SET wants_updates = true, "
                "locale = CASE WHEN id % 2 = 0 THEN 'es' ELSE 'en' END"
            )
        )
    engine.dispose()
    english, spanish = OUT / "update.md", OUT / "update.es.md"
    english.write_text(ENGLISH, encoding="utf-8")
    spanish.write_text(SPANISH, encoding="utf-8")
    check(
        flask("updates", "post", SLUG, str(english), "--translation", f"es={spanish}", "--send"),
        env,
    )


def _queue(database: str, url: str) -> tuple[float, float, WriteProbe]:
    """The job's own time (the process's start left out), its process's peak memory, and the
    write probe that ran meanwhile."""
    printed = OUT / "queue.out"
    with WriteProbe(database, url) as probe, open(printed, "w") as stdout:
        measure = run_measured([PYTHON, "-c", QUEUE], env=app_env(url), stdout=stdout)
    seconds, done, failed, *errors = printed.read_text().split(maxsplit=3)
    if done != "1" or failed != "0":
        raise RuntimeError(f"the update's job did not finish: {errors}")
    return float(seconds), measure.peak_mb, probe


def _outbox_counts(url: str) -> tuple[int, int, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT count(*), coalesce(max(length(body_text)), 0), "
            "coalesce(max(length(body_html)), 0) FROM outbox_message WHERE update_id IS NOT NULL"
        ).one()
    engine.dispose()
    return row


def run(database: str = "sqlite", signers: int | None = None) -> None:
    signers = signers or int(os.environ.get("BENCH_UPDATE_SIGNERS", 100_000))
    to_send = int(os.environ.get("BENCH_UPDATE_SEND", 2_000))
    header(f"Updates: one update to {signers:,} signers ({database})")
    OUT.mkdir(parents=True, exist_ok=True)

    small_url = _database(database, "updates_small")
    _signers_want_updates(small_url, signers // 10)
    small_seconds, small_mb, _ = _queue(database, small_url)

    url = _database(database, "updates")
    _signers_want_updates(url, signers)
    seconds, peak_mb, probe = _queue(database, url)
    queued, text_size, html_size = _outbox_counts(url)
    line(
        f"queue {signers:,}: time / rate / peak memory",
        f"{seconds:.1f} s / {queued / seconds:,.0f} per s / {peak_mb:.0f} MB ({queued:,} queued)",
    )
    line(
        f"queue {signers // 10:,}: time / peak memory", f"{small_seconds:.1f} s / {small_mb:.0f} MB"
    )
    growth = peak_mb / small_mb
    line("memory, 10x the signers", f"{growth:.2f}x  {verdict(growth < 1.3, '< 1.3x')}")
    line(
        "longest write wait while queuing",
        f"{probe.longest * 1000:.0f} ms over {probe.writes} writes  "
        f"{verdict(probe.longest < 0.5, '< 500 ms')}",
    )

    port = free_port()
    env = app_env(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), OUTBOX_BATCH_SIZE="500")
    sink = start_sink(port)
    try:
        ours = float(check([PYTHON, "-c", SEND, str(to_send)], env).split()[0])
        floor = float(
            check(
                [PYTHON, "-c", FLOOR, str(port), str(to_send), str(text_size), str(html_size)], env
            )
        )
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    line(
        f"send {to_send:,} update emails: time / rate",
        f"{ours:.1f} s / {to_send / ours:.0f} per s",
    )
    line("floor (smtplib, one connection)", f"{floor:.1f} s / {to_send / floor:.0f} per s")
    ratio = floor / ours
    line("send rate ratio ours / floor", f"{ratio:.2f}  {verdict(ratio >= 0.5, '>= 0.5')}")


if __name__ == "__main__":
    import sys

    run(*sys.argv[1:2])

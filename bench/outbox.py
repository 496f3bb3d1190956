"""The outbox: 10,000 confirmation-sized emails sent by `flask outbox send --once` to a local
aiosmtpd server, against the floor: a bare smtplib loop sending the same messages over one
connection to the same server."""

import os
import signal
import socket
import subprocess
import time

from bench.harness import (
    PYTHON,
    ROOT,
    app_env,
    check,
    flask,
    fresh_postgresql,
    fresh_sqlite,
    header,
    line,
    prepare_database,
    run_measured,
    verdict,
)

QUEUE = r"""
import sys
import sqlalchemy as sa
from app import create_app
from app.extensions import db
from app.mail.queue import enqueue_email
app = create_app()
body = "Hello María,\n\n" + "Your signature counts once you confirm it. " * 12 + "\n"
with app.app_context():
    for number in range(int(sys.argv[1])):
        enqueue_email(purpose="bench", recipient=f"signer{number}@example.org",
                      subject=f"Confirm your signature {number}", body_text=body,
                      body_html="<p>" + body + "</p>")
        if number % 1000 == 999:
            db.session.commit()
    db.session.commit()
"""

FLOOR = r"""
import smtplib, sys
from email.message import EmailMessage
body = "Hello María,\n\n" + "Your signature counts once you confirm it. " * 12 + "\n"
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as smtp:
    for number in range(int(sys.argv[2])):
        message = EmailMessage()
        message["From"] = "petitions@localhost"
        message["To"] = f"signer{number}@example.org"
        message["Subject"] = f"Confirm your signature {number}"
        message.set_content(body)
        message.add_alternative("<p>" + body + "</p>", subtype="html")
        smtp.send_message(message)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the SMTP sink did not start")


def run(database: str = "sqlite", count: int | None = None) -> None:
    count = count or int(os.environ.get("BENCH_OUTBOX_MESSAGES", 10_000))
    header(f"Outbox: {count:,} emails to a local SMTP server ({database})")
    url = fresh_sqlite("outbox") if database == "sqlite" else fresh_postgresql()
    prepare_database(url)
    port = free_port()
    env = app_env(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), OUTBOX_BATCH_SIZE="500")
    check([PYTHON, "-c", QUEUE, str(count)], env)
    sink = start_sink(port)
    try:
        ours = run_measured(flask("outbox", "send", "--once"), env=env)
        floor = run_measured([PYTHON, "-c", FLOOR, str(port), str(count)], env=env)
    finally:
        sink.send_signal(signal.SIGINT)
        sink.wait(timeout=10)
    left = check(
        [
            PYTHON,
            "-c",
            "from app import create_app; from app.mail.queue import "
            "pending_count; app = create_app(); app.app_context().push(); "
            "print(pending_count())",
        ],
        env,
    ).strip()
    line(
        "ours: time / messages per second",
        f"{ours.seconds:.1f} s / {count / ours.seconds:.0f} per s ({left} left unsent)",
    )
    line(
        "floor (smtplib, one connection)",
        f"{floor.seconds:.1f} s / {count / floor.seconds:.0f} per s",
    )
    ratio = floor.seconds / ours.seconds
    line("throughput ratio ours / floor", f"{ratio:.2f}  {verdict(ratio >= 0.5, '>= 0.5')}")

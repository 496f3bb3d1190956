"""The outbox: nothing lost when the mail server is down, nothing sent twice by two senders."""

import socket
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.clock import now
from app.extensions import db
from app.mail.queue import claim_due_messages, enqueue_email, pending_count
from app.mail.sender import send_all_due
from app.models import OutboxMessage, OutboxStatus
from tests.conftest import deliver_mail


def queue(app, count: int, recipient: str = "person{}@example.org") -> None:
    with app.app_context():
        for number in range(count):
            enqueue_email(
                purpose="test",
                recipient=recipient.format(number),
                subject=f"Message {number}",
                body_text=f"Body {number}",
                body_html=f"<p>Body {number}</p>",
            )
        db.session.commit()


def pending(app) -> int:
    with app.app_context():
        return pending_count()


def subjects(smtp) -> list[str]:
    return sorted(m["Subject"] for m in smtp.messages)


def test_messages_reach_the_server_with_text_and_html(app, smtp):
    queue(app, 3)
    report = deliver_mail(app)
    assert report.sent == 3
    messages = smtp.wait_for(3)
    assert subjects(smtp) == ["Message 0", "Message 1", "Message 2"]
    assert messages[0].get_body(("plain",)).get_content().strip() == "Body 0"
    assert "<p>Body 0</p>" in messages[0].get_body(("html",)).get_content()
    assert messages[0]["From"] == "petitions@petitions.test"
    assert pending(app) == 0


def test_server_down_then_up_delivers_everything_once(app, smtp, clock):
    queue(app, 5)
    smtp.stop()
    report = deliver_mail(app)
    assert report.sent == 0 and report.deferred == 5
    assert "ConnectionRefusedError" in report.errors[0]
    assert pending(app) == 5
    with app.app_context():
        attempts = db.session.scalars(sa.select(OutboxMessage.attempts)).all()
        assert set(attempts) == {1}

    clock.shift(timedelta(minutes=1))
    deliver_mail(app)  # still down
    smtp.start()
    clock.shift(timedelta(minutes=5))
    report = deliver_mail(app)
    assert report.sent == 5
    smtp.wait_for(5)
    clock.shift(timedelta(hours=1))
    assert deliver_mail(app).sent == 0
    assert subjects(smtp) == [f"Message {n}" for n in range(5)]


def test_retries_back_off(app, smtp, clock):
    app.config["OUTBOX_RETRY_BASE_SECONDS"] = 10
    queue(app, 1)
    smtp.stop()
    deliver_mail(app)
    smtp.start()
    assert deliver_mail(app).sent == 0, "not due again yet"
    clock.shift(timedelta(seconds=11))
    assert deliver_mail(app).sent == 1


def test_a_refused_address_is_marked_failed_and_the_rest_go(app, smtp):
    queue(app, 3)
    smtp.refused.add("person1@example.org")
    report = deliver_mail(app)
    assert (report.sent, report.failed) == (2, 1)
    with app.app_context():
        failed = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        )
        assert failed.recipient == "person1@example.org"
        assert "refused" in failed.last_error


def test_a_greylisted_address_waits_alone_and_is_sent_later(app, smtp, clock):
    queue(app, 3)
    smtp.greylisted.add("person1@example.org")
    report = deliver_mail(app)
    assert (report.sent, report.failed) == (2, 0)
    assert report.deferred >= 1  # (tried again at once: the tests' retry delay is zero)
    with app.app_context():
        waiting = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        assert waiting.recipient == "person1@example.org"
        assert "450" in waiting.last_error
    smtp.greylisted.clear()
    clock.shift(timedelta(minutes=1))
    assert deliver_mail(app).sent == 1
    assert len(smtp.to("person1@example.org")) == 1


def test_a_message_deferred_at_data_waits_alone_and_the_rest_go(app, smtp, clock):
    """The server takes the recipient, then answers 451 to this message's data: only this
    message waits; the ones behind it in the batch go at once."""
    queue(app, 5)
    smtp.deferred_at_data.add("person1@example.org")
    report = deliver_mail(app)
    assert (report.sent, report.failed, report.errors) == (4, 0, [])
    assert sorted(m["To"] for m in smtp.wait_for(4)) == [
        f"person{n}@example.org" for n in (0, 2, 3, 4)
    ]
    status, reason = status_of(app, "person1@example.org")
    assert status == OutboxStatus.PENDING
    assert "451" in reason
    smtp.deferred_at_data.clear()
    clock.shift(timedelta(minutes=1))
    assert deliver_mail(app).sent == 1
    assert len(smtp.to("person1@example.org")) == 1


def test_deferred_messages_each_wait_their_own_time(app, smtp, clock):
    """Not in lockstep: each message refused for now gets its own retry time, with jitter
    (between half and the whole of its backoff)."""
    app.config["OUTBOX_RETRY_BASE_SECONDS"] = 60
    queue(app, 6)
    smtp.deferred_at_data.update(f"person{n}@example.org" for n in range(6))
    before = now()
    report = deliver_mail(app)
    after = now()
    assert (report.sent, report.deferred) == (0, 6)
    with app.app_context():
        retries = db.session.scalars(sa.select(OutboxMessage.next_attempt_at)).all()
    assert len(set(retries)) == 6
    earliest, latest = before + timedelta(seconds=30), after + timedelta(seconds=60)
    assert all(earliest <= at <= latest for at in retries)


@pytest.mark.parametrize(
    ("refusing", "answer"), [("deferred_at_data", "451"), ("greylisted", "450")]
)
def test_a_message_refused_for_now_too_long_fails_for_good(app, smtp, clock, refusing, answer):
    queue(app, 3)
    getattr(smtp, refusing).add("person1@example.org")
    assert deliver_mail(app).sent == 2
    give_up = timedelta(hours=app.config["OUTBOX_GIVE_UP_HOURS"])
    clock.shift(give_up - timedelta(minutes=1))
    assert deliver_mail(app).failed == 0
    assert status_of(app, "person1@example.org")[0] == OutboxStatus.PENDING
    clock.shift(timedelta(minutes=2))
    report = deliver_mail(app)
    assert (report.sent, report.failed) == (0, 1)
    status, reason = status_of(app, "person1@example.org")
    assert status == OutboxStatus.FAILED
    assert f"gave up after {give_up.total_seconds() / 3600:.0f} hours" in reason
    assert answer in reason
    assert pending(app) == 0


def test_a_server_down_longer_than_the_give_up_time_loses_nothing(app, smtp, clock):
    """Giving up is for a message the server refuses; an outage is nobody's message's fault."""
    queue(app, 2)
    smtp.stop()
    deliver_mail(app)
    clock.shift(timedelta(hours=app.config["OUTBOX_GIVE_UP_HOURS"] + 1))
    assert deliver_mail(app).failed == 0
    smtp.start()
    clock.shift(timedelta(minutes=20))
    assert deliver_mail(app).sent == 2


def test_a_server_closing_at_data_defers_the_rest_of_the_batch(app, smtp):
    """421 is the server going away, not a refusal of this message: the batch waits."""
    queue(app, 4)
    smtp.closing_at_data.add("person1@example.org")
    report = deliver_mail(app)
    assert (report.sent, report.failed, report.deferred) == (1, 0, 3)
    assert "421" in report.errors[0]
    assert pending(app) == 3


def test_claimed_messages_are_not_taken_by_another_sender(app, smtp):
    queue(app, 4)
    with app.app_context():
        first = claim_due_messages(2)
        second = claim_due_messages(10)
        assert {m.id for m in first}.isdisjoint({m.id for m in second})
        assert len(first) + len(second) == 4
        assert claim_due_messages(10) == []


def test_a_sender_claims_no_more_than_its_batch(app, smtp):
    # On PostgreSQL a claim written as `id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)`
    # ran its LIMIT once per row of a nested loop and took every message due: the other
    # senders were left nothing to send.
    queue(app, 50)
    with app.app_context():
        claims = [claim_due_messages(5) for _ in range(11)]
    assert [len(claim) for claim in claims] == [5] * 10 + [0]
    assert len({message.id for claim in claims for message in claim}) == 50


def test_a_dead_senders_claim_expires_and_another_sends(app, smtp, clock):
    queue(app, 2)
    with app.app_context():
        assert len(claim_due_messages(10)) == 2  # this sender then dies
    assert deliver_mail(app).sent == 0
    clock.shift(timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1))
    assert deliver_mail(app).sent == 2
    assert len(smtp.wait_for(2)) == 2


def test_mail_to_a_signer_is_forgotten_once_sent(app, client, smtp):
    from tests.conftest import sign
    from tests.factories import make_petition

    with app.app_context():
        slug = make_petition().slug
    sign(client, slug, email="private@example.org")
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMessage.recipient)) == "private@example.org"
    deliver_mail(app)
    smtp.wait_for(1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize("senders", [4])
def test_concurrent_senders_send_each_message_once(app, smtp, senders):
    total = 200
    queue(app, total)
    app.config["OUTBOX_BATCH_SIZE"] = 7

    def run() -> None:
        with app.app_context():
            send_all_due()
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    smtp.wait_for(total)
    assert len(smtp.messages) == total
    assert len(set(subjects(smtp))) == total
    assert pending(app) == 0


def test_outbox_send_once_command(app, runner, smtp):
    queue(app, 2)
    result = runner.invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output
    smtp.stop()
    queue(app, 1)
    result = runner.invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 1
    assert "mail server unavailable" in result.output


def test_the_sender_loop_delivers_within_seconds(app, smtp):
    from app.mail.sender import run_sender

    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            run_sender(stop)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        queue(app, 3)
        assert len(smtp.wait_for(3, timeout=3)) == 3
    finally:
        stop.set()
        thread.join()


# --- one bad message fails alone ------------------------------------------------------------


def status_of(app, recipient: str) -> tuple[OutboxStatus, str | None]:
    with app.app_context():
        row = db.session.execute(
            sa.select(OutboxMessage.status, OutboxMessage.last_error).where(
                OutboxMessage.recipient == recipient
            )
        ).one()
        return row.status, row.last_error


def test_an_address_taken_before_the_ascii_rule_fails_alone(app, smtp):
    """A row queued before the forms refused non-ASCII local parts: Flask-Mail cannot encode
    it. That message fails, with its reason; the rest of the batch goes."""
    queue(app, 1, recipient="before{}@example.org")
    queue(app, 1, recipient="jöhn{}@example.org")
    queue(app, 1, recipient="after{}@example.org")
    report = deliver_mail(app)
    assert (report.sent, report.failed, report.deferred) == (2, 1, 0)
    assert sorted(m["To"] for m in smtp.wait_for(2)) == [
        "after0@example.org",
        "before0@example.org",
    ]
    status, reason = status_of(app, "jöhn0@example.org")
    assert status == OutboxStatus.FAILED
    assert "before the @" in reason
    assert pending(app) == 0


def test_a_message_flask_mail_refuses_to_build_fails_alone(app, smtp):
    queue(app, 1, recipient="first{}@example.org")
    with app.app_context():
        enqueue_email(
            purpose="test",
            recipient="broken@example.org",
            subject="Two\nlines",
            body_text="Body",
        )
        db.session.commit()
    queue(app, 1, recipient="last{}@example.org")
    report = deliver_mail(app)
    assert (report.sent, report.failed) == (2, 1)
    smtp.wait_for(2)
    status, reason = status_of(app, "broken@example.org")
    assert status == OutboxStatus.FAILED
    assert "BadHeaderError" in reason


def test_an_unwritten_message_nobody_writes_fails_alone_and_is_not_sent_blank(app, smtp, caplog):
    """Queued without its text (to be written when sent), with a purpose no writer is
    registered for: it fails, with its reason, logged; it is never sent empty."""
    queue(app, 1, recipient="first{}@example.org")
    with app.app_context():
        enqueue_email(
            purpose="nobody_writes_this", recipient="blank@example.org", subject="", body_text=""
        )
        db.session.commit()
    queue(app, 1, recipient="last{}@example.org")
    report = deliver_mail(app)
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(m["To"] for m in smtp.wait_for(2)) == [
        "first0@example.org",
        "last0@example.org",
    ]
    assert smtp.to("blank@example.org") == []
    status, reason = status_of(app, "blank@example.org")
    assert status == OutboxStatus.FAILED
    assert "nobody_writes_this" in reason
    assert "nobody_writes_this" in caplog.text


def test_a_writer_failing_on_one_message_of_a_batch_fails_that_message_alone(app, smtp):
    """Unwritten messages are written a batch at a time; a writer that breaks on one of them
    writes the others one by one, and only that one fails, with its reason."""
    import dataclasses

    from app.mail import sender

    def write(messages):
        if any(message.recipient == "bad@example.org" for message in messages):
            raise ValueError("cannot write for bad@example.org")
        return {
            message.id: dataclasses.replace(message, subject="Written", body_text="Written")
            for message in messages
        }

    sender.written_when_sent("written_in_test")(write)
    try:
        with app.app_context():
            for recipient in ("a@example.org", "bad@example.org", "b@example.org"):
                enqueue_email(
                    purpose="written_in_test", recipient=recipient, subject="", body_text=""
                )
            db.session.commit()
        report = deliver_mail(app)
    finally:
        del sender._WRITERS["written_in_test"]
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(m["To"] for m in smtp.wait_for(2)) == ["a@example.org", "b@example.org"]
    status, reason = status_of(app, "bad@example.org")
    assert status == OutboxStatus.FAILED
    assert "cannot write for bad@example.org" in reason


def test_the_sender_loop_outlives_a_bad_address(app, smtp):
    from app.mail.sender import run_sender

    app.config["OUTBOX_POLL_SECONDS"] = 0.05
    queue(app, 1, recipient="jöhn{}@example.org")
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            run_sender(stop)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        queue(app, 2, recipient="later{}@example.org")
        assert len(smtp.wait_for(2, timeout=3)) == 2
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join()
    assert status_of(app, "jöhn0@example.org")[0] == OutboxStatus.FAILED


# --- a server that never answers --------------------------------------------------------------


class TestAServerThatNeverAnswers:
    """It accepts the connection and says nothing: the sender gives up after
    MAIL_TIMEOUT_SECONDS, with a timeout on its own socket, not the process's default."""

    @pytest.fixture
    def silent_server(self):
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            yield server

    @pytest.fixture
    def app_config(self, app_config, silent_server):
        port = silent_server.getsockname()[1]
        return {**app_config, "MAIL_PORT": port, "MAIL_TIMEOUT_SECONDS": 0.5}

    def test_the_sender_gives_up_and_defers_the_batch(self, app, silent_server):
        queue(app, 2)
        accepted = []

        def accept() -> None:
            connection, _ = silent_server.accept()
            accepted.append(connection)  # held open, never answered

        acceptor = threading.Thread(target=accept)
        acceptor.start()
        outcome = {}

        def send() -> None:
            started = time.monotonic()
            outcome["report"] = deliver_mail(app)
            outcome["seconds"] = time.monotonic() - started

        sender = threading.Thread(target=send)
        sender.start()
        acceptor.join(timeout=5)
        # The sender is now waiting for the greeting: other sockets must not wait for it.
        default_while_waiting = socket.getdefaulttimeout()
        sender.join(timeout=10)
        for connection in accepted:
            connection.close()
        assert default_while_waiting is None
        assert not sender.is_alive()
        report = outcome["report"]
        assert report.deferred == 2 and report.sent == 0
        assert "timed out" in report.errors[0]
        assert outcome["seconds"] < 3
        assert pending(app) == 2


def test_an_idle_poll_takes_no_write_lock(app):
    """Every worker polls every second: with nothing due, the outbox, the jobs and the events
    are read, and no write transaction (on SQLite, the database's write lock) is begun."""
    from sqlalchemy import event

    from app.cli.consumers import deliver_events
    from app.jobs import run_due_jobs

    statements: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement.strip().upper())

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            assert send_all_due().sent == 0
            assert run_due_jobs(limit=1).ran == 0
            assert deliver_events() == 0
        finally:
            event.remove(engine, "before_cursor_execute", note)
    assert statements, "the poll read nothing"
    writes = [s for s in statements if s.startswith(("BEGIN IMMEDIATE", "UPDATE", "INSERT"))]
    assert writes == []

"""Parts failing mid-way lose nothing: a sender killed with SIGKILL, PostgreSQL connections
killed during traffic, requests racing the deadline, many signers at once on SQLite."""

import signal
import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.core.clock import as_utc, now
from app.extensions import db
from app.mail.queue import enqueue_email
from app.models import OutboxMessage, Signature
from tests import instants
from tests.conftest import form_token_from, needs_postgresql, signer_fields
from tests.factories import make_petition
from tests.live_server import Visitor, flask_command, gunicorn, server_env


def queue(app, count: int, prefix: str) -> None:
    with app.app_context():
        for number in range(count):
            enqueue_email(
                purpose="fault",
                recipient=f"{prefix}{number}@example.org",
                subject=f"{prefix} {number}",
                body_text="body",
            )
        db.session.commit()


@pytest.mark.real_clock
def test_a_sender_killed_mid_batch_loses_nothing_and_resends_at_most_twenty(
    app, database_url, smtp
):
    """The sender records what it sent every MARKED_SENT_EVERY (20) messages: killed in the
    middle of a batch of 60 after 30 went, it sends again at most the 20 it had not recorded,
    and nothing is lost."""
    from app.mail.sender import MARKED_SENT_EVERY

    total = 60
    queue(app, total, "killed")
    smtp.delay = 0.05  # a slow server: the kill lands in the middle of a batch
    env = server_env(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp.port),
        OUTBOX_BATCH_SIZE="100",
        OUTBOX_LEASE_SECONDS="2",
        OUTBOX_POLL_SECONDS="0.2",
    )
    sender = flask_command(env, "outbox", "send")
    try:
        smtp.wait_for(30, timeout=30)
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait()
    delivered_before = len(smtp.messages)
    assert delivered_before < total, "the sender was killed before it finished"

    time.sleep(2.5)  # its lease on the batch runs out
    restarted = flask_command(env, "outbox", "send", "--once")
    assert restarted.wait(timeout=60) == 0
    subjects = [m["Subject"] for m in smtp.messages]
    assert set(subjects) == {f"killed {n}" for n in range(total)}, "nothing lost"
    sent_again = len(subjects) - len(set(subjects))
    assert MARKED_SENT_EVERY == 20
    assert sent_again <= MARKED_SENT_EVERY, "at most the sent messages not yet recorded"
    assert sent_again < delivered_before, "what was recorded before the kill is not sent again"


def test_fifty_concurrent_signers_on_one_database(app, smtp):
    with app.app_context():
        slug = make_petition().slug
    token = form_token_from(app.test_client().get(f"/petitions/{slug}").text)
    barrier = threading.Barrier(50)
    statuses = []

    def sign(number: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/petitions/{slug}/sign",
            data=signer_fields(email=f"crowd{number}@example.org", form_token=token),
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=sign, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 50
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 50
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 50


def test_requests_racing_the_deadline_are_accepted_or_refused_whole(app, clock):
    """A first wave of signers is sent in the deadline's last microsecond (the clock stands
    still there), and the deadline comes while it is in flight, once the first has been
    answered; a second wave is sent after it. Each answer must match what was stored:
    accepted with its signature made before the deadline and its one email, or refused as
    closed with nothing left behind. Those answered before the deadline came are accepted."""
    with app.app_context():
        slug = make_petition().slug
    clock.move_to(instants.CLOSES_AT - timedelta(seconds=30))
    token = form_token_from(app.test_client().get(f"/petitions/{slug}").text)
    answers: dict[str, tuple[int, bool]] = {}
    answered = threading.Event()

    def sign(number: int) -> None:
        email = f"racer{number}@example.org"
        response = app.test_client().post(
            f"/petitions/{slug}/sign", data=signer_fields(email=email, form_token=token)
        )
        answers[email] = (response.status_code, "no longer takes signatures" in response.text)
        answered.set()

    def wave(numbers: range) -> list[threading.Thread]:
        threads = [threading.Thread(target=sign, args=(n,)) for n in numbers]
        for thread in threads:
            thread.start()
        return threads

    last_moment = instants.CLOSES_AT - timedelta(microseconds=1)
    with time_machine.travel(last_moment, tick=False) as frozen:
        before = wave(range(10))
        assert answered.wait(timeout=30), "no answer"
        answered_in_time = dict(answers)
        frozen.move_to(instants.CLOSES_AT)
        after = wave(range(10, 20))
        for thread in before + after:
            thread.join()

    assert len(answers) == 20, "every request was answered"
    assert answered_in_time, "at least one was answered before the deadline"
    for email, (status, _closed) in answered_in_time.items():
        assert status == 303, f"{email} was refused before the deadline"
    for number in range(10, 20):
        assert answers[f"racer{number}@example.org"] == (403, True), "sent after the deadline"
    with app.app_context():
        rows = db.session.execute(sa.select(Signature.email, Signature.created_at, Signature.id))
        stored = {email: (created_at, signature_id) for email, created_at, signature_id in rows}
        for email, (status, says_closed) in answers.items():
            if status == 303:
                created_at, signature_id = stored[email]
                assert as_utc(created_at) < instants.CLOSES_AT
                assert (
                    db.session.scalar(
                        sa.select(sa.func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.signature_id == signature_id)
                    )
                    == 1
                )
            else:
                assert (status, says_closed) == (403, True), "refused as closed, nothing else"
                assert email not in stored, "a refused signature leaves nothing behind"


@needs_postgresql
@pytest.mark.real_clock
def test_killed_postgresql_connections_lose_no_confirmed_answer(app, database_url):
    with app.app_context():
        slug = make_petition(
            opens_at=now() - timedelta(days=1), closes_at=now() + timedelta(days=30)
        ).slug
    env = server_env(database_url, RATELIMIT_ENABLED="false")
    run = uuid.uuid4().hex[:6]
    answers: list[tuple[str, int]] = []
    stop = threading.Event()

    with gunicorn(env, workers=2) as port:

        def resident(number: int) -> None:
            visitor = Visitor(port)
            for attempt in range(12):
                email = f"pg-{run}-{number}-{attempt}@example.org"
                answers.append((email, visitor.sign(slug, email)))

        def killer() -> None:
            engine = sa.create_engine(database_url)
            while not stop.is_set():
                time.sleep(0.3)
                with engine.connect() as connection:
                    connection.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
            engine.dispose()

        residents = [threading.Thread(target=resident, args=(n,)) for n in range(6)]
        kills = threading.Thread(target=killer)
        kills.start()
        for thread in residents:
            thread.start()
        for thread in residents:
            thread.join()
        stop.set()
        kills.join()
        after = Visitor(port).sign(slug, f"pg-{run}-after@example.org")

    statuses = {status for _email, status in answers}
    assert statuses <= {303, 503}, statuses
    assert after == 303, "the app recovered by itself"
    with app.app_context():
        stored = set(db.session.scalars(sa.select(Signature.email)))
    missing = [email for email, status in answers if status == 303 and email not in stored]
    assert missing == []


@needs_postgresql
@pytest.mark.real_clock
def test_a_pooled_connection_dropped_while_idle_is_replaced_before_use(app, database_url):
    """Connections are checked only after PING_AFTER_IDLE_SECONDS unused (a check on every
    use was a round trip of every request): one the server dropped meanwhile is replaced."""
    from app.core.database import PING_AFTER_IDLE_SECONDS

    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()  # back to the pool
    killer = sa.create_engine(database_url)
    with killer.connect() as connection:
        connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
    killer.dispose()
    time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
    with app.app_context():
        assert db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar() != pid

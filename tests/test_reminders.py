"""One reminder to confirm, at named instants, through the real SMTP sink: a day after
signing, never a second, never after the confirmation grace, never once confirmed or
withdrawn, and one only when two workers look at once."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Signature, SignatureStatus
from app.signatures.reminders import send_due_reminders
from tests import instants
from tests.conftest import deliver_mail, links_in, press_button, sign
from tests.factories import make_petition
from tests.smtp_sink import html_of, text_of

# A signature made at OPEN (CONFIRMATION_REMINDER_HOURS is 24), and the instants after it.
SIGNED_AT = instants.OPEN
HOURS_23_LATER = SIGNED_AT + timedelta(hours=23)
# (The clock ticks on from each instant: a minute more than the day, so signing, which took a
# few milliseconds after SIGNED_AT, was surely a day before.)
HOURS_24_LATER = SIGNED_AT + timedelta(hours=24, minutes=1)
HOURS_48_LATER = SIGNED_AT + timedelta(hours=48)
# A signature made an hour before the deadline is a day old inside the grace, and after it.
HOUR_BEFORE_CLOSE = instants.CLOSES_AT - timedelta(hours=1)


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        return make_petition(title="End the PARS contract").slug


def outbox_once(runner) -> str:
    """`flask outbox send --once`, as cron or an operator runs it."""
    result = runner.invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def signed(client, clock, slug, at=SIGNED_AT, **fields) -> None:
    clock.move_to(at)
    assert sign(client, slug, **fields).status_code == 303


def test_one_reminder_a_day_later_never_a_second(app, client, runner, smtp, clock, slug):
    signed(client, clock, slug)
    outbox_once(runner)
    assert len(smtp.wait_for(1)) == 1  # the confirmation

    clock.move_to(HOURS_23_LATER)
    assert "reminder" not in outbox_once(runner)
    assert len(smtp.messages) == 1

    clock.move_to(HOURS_24_LATER)
    assert "1 reminder queued" in outbox_once(runner)
    reminder = smtp.wait_for(2)[1]
    assert reminder["To"] == "maria@example.org"
    assert reminder["Subject"] == "Reminder: confirm your signature: End the PARS contract"
    assert "the only one we send" in text_of(reminder)
    assert "the only one we send" in html_of(reminder)
    assert reminder["List-Unsubscribe"] is None  # transactional, like the confirmation
    (link,) = links_in(text_of(reminder), "confirm")

    clock.move_to(HOURS_48_LATER)
    assert "reminder" not in outbox_once(runner)
    assert len(smtp.messages) == 2

    # The reminder's link works: the signature counts.
    assert press_button(client, link).status_code == 303
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature))
        assert signature.status == SignatureStatus.CONFIRMED
        assert signature.reminded_at is not None


def test_the_reminder_speaks_the_signers_language(app, client, runner, smtp, clock, slug):
    clock.move_to(SIGNED_AT)
    client.get("/language/es")
    assert sign(client, slug).status_code == 303
    clock.move_to(HOURS_24_LATER)
    outbox_once(runner)
    reminder = smtp.wait_for(2)[1]
    assert reminder["Subject"].startswith("Recordatorio: confirma tu firma")
    assert "el único que enviamos" in text_of(reminder)


def test_no_reminder_once_confirmed(app, client, runner, smtp, clock, slug):
    signed(client, clock, slug)
    outbox_once(runner)
    (link,) = links_in(text_of(smtp.wait_for(1)[0]), "confirm")
    press_button(client, link)
    clock.move_to(HOURS_48_LATER)
    assert "reminder" not in outbox_once(runner)
    assert len(smtp.messages) == 1


def test_no_reminder_for_a_withdrawn_signature(app, client, runner, smtp, clock, slug):
    signed(client, clock, slug)
    outbox_once(runner)
    (link,) = links_in(text_of(smtp.wait_for(1)[0]), "withdraw")
    press_button(client, link)
    clock.move_to(HOURS_48_LATER)
    assert "reminder" not in outbox_once(runner)
    assert len(smtp.messages) == 1


def test_a_late_signature_is_reminded_inside_the_grace(app, client, runner, smtp, clock, slug):
    signed(client, clock, slug, at=HOUR_BEFORE_CLOSE)
    clock.move_to(instants.IN_GRACE)  # a day after signing, the grace not yet over
    assert "1 reminder queued" in outbox_once(runner)
    assert len(smtp.wait_for(2)) == 2


def test_no_reminder_after_the_grace(app, client, runner, smtp, clock, slug):
    signed(client, clock, slug, at=HOUR_BEFORE_CLOSE)
    clock.move_to(instants.AFTER_GRACE)  # it could not be confirmed any more
    assert "reminder" not in outbox_once(runner)
    assert len(smtp.wait_for(1)) == 1


def test_a_signature_re_sent_its_email_waits_a_day_from_that(
    app, client, runner, smtp, clock, slug
):
    signed(client, clock, slug)
    clock.move_to(HOURS_23_LATER)
    assert sign(client, slug).status_code == 303  # the same person again: email sent again
    clock.move_to(HOURS_24_LATER)
    assert send_due_reminders_in(app) == 0
    clock.move_to(HOURS_48_LATER)
    assert send_due_reminders_in(app) == 1


def test_reminders_can_be_switched_off(app, client, runner, smtp, clock, slug):
    app.config["CONFIRMATION_REMINDER_HOURS"] = 0
    signed(client, clock, slug)
    clock.move_to(HOURS_48_LATER)
    assert send_due_reminders_in(app) == 0


def send_due_reminders_in(app, **options) -> int:
    with app.app_context():
        try:
            return send_due_reminders(**options)
        finally:
            db.session.remove()


def test_two_workers_at_once_remind_once(app, client, runner, smtp, clock, slug):
    for number in range(30):
        signed(client, clock, slug, email=f"signer{number}@example.org")
    clock.move_to(HOURS_24_LATER)
    barrier = threading.Barrier(2)
    queued: list[int] = []

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            # Small batches, so the two interleave on the same rows.
            queued.append(send_due_reminders_in(app, batch_size=7))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(queued) == 30
    report = deliver_mail(app)
    assert report.sent == 60  # 30 confirmations, 30 reminders
    reminders = [m for m in smtp.wait_for(60) if m["Subject"].startswith("Reminder")]
    assert sorted(m["To"] for m in reminders) == sorted(
        f"signer{number}@example.org" for number in range(30)
    )

"""Sending what the queue holds, a batch (OUTBOX_BATCH_SIZE) at a time over one connection.
The messages the server took are marked done together, in one commit for every
`MARKED_SENT_EVERY` of them and one at the end of the batch: a sender killed mid-batch
leaves at most that many to be sent again once its lease runs out, never more (the rest of
its batch was not sent, and goes once the lease runs out).

A message may be queued unwritten, to be written here just before it is sent (a new
signature's confirmation: writing it is most of what a signature would cost the web request
otherwise); see `written_when_sent`. A batch's unwritten messages are written together.

A message that fails for a reason of its own (an address the server refuses or that cannot be
encoded, a message that cannot be built) is marked failed with the reason, and the batch goes
on. A message the server refuses for now (4xx to its recipient or its data) waits alone, with
a backoff of its own, and the batch goes on. Only a failure of the server or the network
(cannot connect, disconnected, timed out, closing) defers the rest of the batch, to be retried
with backoff.
"""

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.mail.messages import QueuedMessage
from app.mail.queue import claim_due_messages
from app.mail.suppression import suppress_refused_address
from app.mail.transport import (
    TRANSIENT_ERRORS,
    PermanentMailError,
    RecipientRefused,
    RefusedForNow,
    open_transport,
)
from app.models import OutboxMessage, OutboxStatus

log = logging.getLogger("app.outbox")


RETRY_BASE_SECONDS = 10
# How many sent messages may wait to be recorded as sent (see above): a commit each that
# many, where a commit each was the largest part of sending on PostgreSQL.
MARKED_SENT_EVERY = 20
RETRY_MAX_SECONDS = 15 * 60


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: "SendReport") -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.deferred += other.deferred
        self.errors += other.errors


def _retry_delay(attempts: int) -> timedelta:
    """Doubling from the base up to RETRY_MAX_SECONDS, then a random part of it taken off
    (up to half), so messages deferred together do not all come back together."""
    base = current_app.config.get("OUTBOX_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
    backoff = min(base * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    return timedelta(seconds=backoff * random.uniform(0.5, 1.0))  # jitter # nosec B311


def _finish(message: QueuedMessage, **values) -> None:
    with write_transaction():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
            .values(claim_token=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )


SentHook = Callable[[QueuedMessage], None]
# Writes a batch's messages of one purpose: each written message by id; an id left out is a
# message whose subject is gone.
Writer = Callable[[Sequence[QueuedMessage]], dict[int, QueuedMessage]]
_SENT_HOOKS: dict[str, SentHook] = {}
_WRITERS: dict[str, Writer] = {}


class GaveUp(PermanentMailError):
    """The server refused this message for now, time after time, for OUTBOX_GIVE_UP_HOURS."""


class MessageGone(Exception):
    """An unwritten message whose subject no longer exists (a signature withdrawn meanwhile)."""


class NoWriter(Exception):
    """An unwritten message whose purpose has no writer registered (`written_when_sent`):
    sent as it is, it would go out blank."""


def written_when_sent(purpose: str) -> Callable[[Writer], Writer]:
    """Register how messages of this purpose queued without their text (subject and bodies
    empty) are written when they are sent: the writer takes a batch's messages of the
    purpose and returns each one it wrote by id, leaving out those whose subject is gone."""

    def register(writer: Writer) -> Writer:
        _WRITERS[purpose] = writer
        return writer

    return register


def _write_batch(messages: Sequence[QueuedMessage]) -> list[QueuedMessage | Exception]:
    """Each message of a batch ready to send, or why it cannot be sent. The unwritten ones are
    written a purpose at a time; a writer failing on the group writes its messages one by one,
    so that only the message it fails on fails."""
    unwritten: dict[str, list[QueuedMessage]] = {}
    for message in messages:
        if not message.body_text:
            unwritten.setdefault(message.purpose, []).append(message)
    written: dict[int, QueuedMessage | Exception] = {}
    for purpose, group in unwritten.items():
        writer = _WRITERS.get(purpose)
        if writer is None:
            missing = NoWriter(f"queued without its text, and nothing writes {purpose!r} messages")
            written.update((message.id, missing) for message in group)
            continue
        try:
            written.update(writer(group))
        except Exception:
            db.session.rollback()
            for message in group:
                try:
                    written.update(writer([message]))
                except Exception as error:
                    db.session.rollback()
                    written[message.id] = error
        db.session.rollback()  # end the reads before the batch is sent
        for message in group:
            written.setdefault(
                message.id, MessageGone(f"nothing left to write outbox message {message.id} about")
            )
    return [written.get(message.id, message) for message in messages]


def when_sent(purpose: str) -> Callable[[SentHook], SentHook]:
    """Register what else happens once a message of this purpose has left (a letter reaching
    an official shows on the petition's page). It runs after the message is marked sent, in
    its own transaction; if it fails, the message stays sent and the failure is logged."""

    def register(hook: SentHook) -> SentHook:
        _SENT_HOOKS[purpose] = hook
        return hook

    return register


def _mark_sent(messages: Sequence[QueuedMessage]) -> None:
    """Record a batch's sent messages in one commit, then run their purposes' hooks."""
    if not messages:
        return
    _record_sent(messages)
    for message in messages:
        hook = _SENT_HOOKS.get(message.purpose)
        if hook is None:
            continue
        try:
            hook(message)
        except Exception:
            db.session.rollback()
            log.exception("after sending outbox message %s", message.id)


def _record_sent(messages: Sequence[QueuedMessage]) -> None:
    at = now()
    to_signers = [m.id for m in messages if m.update_id is None and m.signature_id is not None]
    updates = [m.id for m in messages if m.update_id is not None]
    others = [m.id for m in messages if m.update_id is None and m.signature_id is None]
    claimed = OutboxMessage.claim_token == messages[0].claim_token  # one claim per batch
    sent = {
        "status": OutboxStatus.SENT,
        "sent_at": at,
        "attempts": OutboxMessage.attempts + 1,
    }
    with write_transaction() as session:
        if to_signers:
            # Mail to a signer holds their address and links: once sent, the outbox forgets it.
            session.execute(
                sa.delete(OutboxMessage)
                .where(OutboxMessage.id.in_(to_signers), claimed)
                .execution_options(synchronize_session=False)
            )
        if updates:
            # An update: the row stays, for the update's progress, but without the address or
            # the personal link.
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(updates), claimed)
                .values(
                    claim_token=None,
                    claimed_until=None,
                    recipient="",
                    body_text="",
                    body_html=None,
                    headers=None,
                    **sent,
                )
                .execution_options(synchronize_session=False)
            )
        if others:
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(others), claimed)
                .values(claim_token=None, claimed_until=None, **sent)
                .execution_options(synchronize_session=False)
            )


def _defer(messages: list[QueuedMessage], error: Exception) -> None:
    at = now()
    with write_transaction():
        for message in messages:
            attempts = message.attempts + 1
            db.session.execute(
                sa.update(OutboxMessage)
                .where(
                    OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token
                )
                .values(
                    claim_token=None,
                    claimed_until=None,
                    attempts=attempts,
                    next_attempt_at=at + _retry_delay(attempts),
                    last_error=_describe(error),
                )
                .execution_options(synchronize_session=False)
            )


def _gave_up(message: QueuedMessage, error: RefusedForNow) -> GaveUp | None:
    """Why this message, refused for now once more, is given up: it was queued
    OUTBOX_GIVE_UP_HOURS ago or more. None while it may still wait."""
    if message.queued_at is None:
        return None
    waited = now() - message.queued_at
    if waited < timedelta(hours=current_app.config["OUTBOX_GIVE_UP_HOURS"]):
        return None
    hours = waited.total_seconds() / 3600
    return GaveUp(
        f"gave up after {hours:.0f} hours and {message.attempts + 1} attempts; the last: {error}"
    )


def _fail(message: QueuedMessage, error: Exception) -> None:
    _finish(
        message,
        status=OutboxStatus.FAILED,
        attempts=message.attempts + 1,
        last_error=_describe(error),
    )
    if message.update_id is not None and isinstance(error, RecipientRefused):
        suppress_refused_address(message.update_id, message.recipient)
    if isinstance(error, PermanentMailError):
        log.warning("outbox message %s failed: %s", message.id, error)
    else:
        log.error("outbox message %s failed", message.id, exc_info=error)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def send_due_messages(limit: int | None = None) -> SendReport:
    """Send one batch of due messages over one connection."""
    report = SendReport()
    messages = claim_due_messages(limit or current_app.config["OUTBOX_BATCH_SIZE"])
    if not messages:
        return report
    remaining = list(zip(messages, _write_batch(messages), strict=True))
    sent: list[QueuedMessage] = []
    try:
        with open_transport() as transport:
            while remaining:
                message, written = remaining[0]
                try:
                    if isinstance(written, Exception):
                        raise written
                    transport.send(written)
                except TRANSIENT_ERRORS:
                    raise  # the server or the network: the rest of the batch waits
                except RefusedForNow as error:
                    gave_up = _gave_up(message, error)
                    if gave_up is None:
                        _defer([message], error)
                        log.info("outbox message %s deferred: %s", message.id, error)
                        report.deferred += 1
                    else:
                        _fail(message, gave_up)
                        report.failed += 1
                except Exception as error:
                    # This message's own failure, whatever it is: it must not stop the others.
                    _fail(message, error)
                    report.failed += 1
                else:
                    sent.append(message)
                    report.sent += 1
                    if len(sent) >= MARKED_SENT_EVERY:
                        _mark_sent(sent)
                        sent = []
                remaining.pop(0)
    except TRANSIENT_ERRORS as error:
        waiting = [message for message, _written in remaining]
        _defer(waiting, error)
        report.deferred += len(waiting)
        report.errors.append(_describe(error))
        log.warning("mail server unavailable, %d message(s) deferred: %s", len(waiting), error)
    finally:
        _mark_sent(sent)
    return report


def send_all_due() -> SendReport:
    """Send batches until nothing is due now (or the server fails)."""
    total = SendReport()
    while True:
        report = send_due_messages()
        total.add(report)
        if report.errors or (report.sent + report.failed) == 0:
            return total


def run_sender(stop: threading.Event | None = None) -> None:
    """Send forever (until `stop` is set), polling every OUTBOX_POLL_SECONDS and backing off
    while the server is unavailable. (app.cli.worker runs this beside the background jobs.)"""
    stop = stop or threading.Event()
    poll = current_app.config["OUTBOX_POLL_SECONDS"]
    pause = poll
    while not stop.is_set():
        try:
            report = send_all_due()
        except sa.exc.OperationalError as error:
            db.session.rollback()
            report = SendReport(errors=[_describe(error)])
            log.warning("database unavailable, outbox waits: %s", error)
        finally:
            db.session.remove()
        if report.sent or report.failed:
            log.info("outbox: %d sent, %d refused", report.sent, report.failed)
        pause = min(pause * 2, 30.0) if report.errors else poll
        stop.wait(pause)

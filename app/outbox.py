"""The email outbox: messages are queued in the database transaction that causes them and
delivered by `flask outbox send`, so a mail server that is down loses nothing.

Senders claim a batch for a lease (`OUTBOX_LEASE_SECONDS`), so several can run at once and
none sends what another holds; on PostgreSQL the claim skips rows another is claiming
(FOR UPDATE SKIP LOCKED). Each message is marked done in its own commit right after the
server took it: a sender killed mid-batch leaves at most the message in flight to be sent
again once its lease runs out.

A message that fails for a reason of its own (an address the server refuses or that cannot be
encoded, a message that cannot be built) is marked failed with the reason, and the batch goes
on. Only a failure of the server or the network (cannot connect, disconnected, timed out)
defers the rest of the batch, to be retried with backoff.
"""

import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import begin_write
from app.extensions import db
from app.mail_transport import (
    TRANSIENT_ERRORS,
    PermanentMailError,
    TemporaryRecipientError,
    open_transport,
)
from app.models import OutboxAttachment, OutboxMessage, OutboxStatus

log = logging.getLogger("app.outbox")

RETRY_BASE_SECONDS = 10
RETRY_MAX_SECONDS = 15 * 60


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


_INSERT_MESSAGE = sa.insert(OutboxMessage).returning(OutboxMessage.id)


def enqueue_email(
    *,
    purpose: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    signature_id: int | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> int:
    """Queue a message in the caller's transaction (it is sent once that commits); its id.

    A plain INSERT, not an ORM object: this runs inside the signing transaction, where every
    fraction of a millisecond is time the database's write lock is held.
    """
    at = now()
    connection = db.session.connection()
    message_id = connection.execute(
        _INSERT_MESSAGE,
        {
            "purpose": purpose,
            "recipient": recipient,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
            "signature_id": signature_id,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "created_at": at,
            "next_attempt_at": at,
        },
    ).scalar_one()
    for attachment in attachments:
        connection.execute(
            sa.insert(OutboxAttachment),
            {
                "message_id": message_id,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "data": attachment.data,
            },
        )
    return message_id


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


def _due(at):
    return sa.and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= at,
        sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at),
    )


@dataclass(frozen=True)
class QueuedMessage:
    """A claimed message, copied out of the database: sending a batch commits after each
    message, and ORM objects would be reloaded after every commit."""

    id: int
    claim_token: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    signature_id: int | None
    attempts: int
    attachments: tuple[Attachment, ...] = ()


def claim_due_messages(limit: int) -> list[QueuedMessage]:
    """Take up to `limit` due messages for this sender, committed, oldest first."""
    begin_write()
    at = now()
    token = secrets.token_hex(16)
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    due_ids = (
        sa.select(OutboxMessage.id)
        .where(_due(at))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    # The conditions again on the outer statement: PostgreSQL rechecks them on a row another
    # sender claimed meanwhile, and skips it.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due_ids), _due(at))
        .values(claim_token=token, claimed_until=at + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = db.session.execute(
        sa.select(
            OutboxMessage.id,
            OutboxMessage.claim_token,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.signature_id,
            OutboxMessage.attempts,
        )
        .where(OutboxMessage.claim_token == token, OutboxMessage.status == OutboxStatus.PENDING)
        .order_by(OutboxMessage.id)
    ).all()
    attached: dict[int, list[Attachment]] = {}
    if any(row.signature_id is None for row in rows):  # only letters carry files
        for message_id, filename, content_type, data in db.session.execute(
            sa.select(
                OutboxAttachment.message_id,
                OutboxAttachment.filename,
                OutboxAttachment.content_type,
                OutboxAttachment.data,
            ).where(OutboxAttachment.message_id.in_([row.id for row in rows]))
        ):
            attached.setdefault(message_id, []).append(Attachment(filename, content_type, data))
    db.session.commit()
    return [QueuedMessage(*row, attachments=tuple(attached.get(row.id, ()))) for row in rows]


def _retry_delay(attempts: int) -> timedelta:
    base = current_app.config.get("OUTBOX_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def _finish(message: QueuedMessage, **values) -> None:
    begin_write()
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
        .values(claim_token=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mark_sent(message: QueuedMessage) -> None:
    if message.signature_id is not None:
        # Mail to a signer holds their address and links: once sent, the outbox forgets it.
        begin_write()
        db.session.execute(
            sa.delete(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    else:
        _finish(message, status=OutboxStatus.SENT, sent_at=now(), attempts=message.attempts + 1)


def _defer(messages: list[QueuedMessage], error: Exception) -> None:
    at = now()
    begin_write()
    for message in messages:
        attempts = message.attempts + 1
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
            .values(
                claim_token=None,
                claimed_until=None,
                attempts=attempts,
                next_attempt_at=at + _retry_delay(attempts),
                last_error=_describe(error),
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def _fail(message: QueuedMessage, error: Exception) -> None:
    _finish(
        message,
        status=OutboxStatus.FAILED,
        attempts=message.attempts + 1,
        last_error=_describe(error),
    )
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
    remaining = list(messages)
    try:
        with open_transport() as transport:
            while remaining:
                message = remaining[0]
                try:
                    transport.send(message)
                except TRANSIENT_ERRORS:
                    raise  # the server or the network: the rest of the batch waits
                except TemporaryRecipientError as error:
                    _defer([message], error)
                    report.deferred += 1
                except Exception as error:
                    # This message's own failure, whatever it is: it must not stop the others.
                    _fail(message, error)
                    report.failed += 1
                else:
                    _mark_sent(message)
                    report.sent += 1
                remaining.pop(0)
    except TRANSIENT_ERRORS as error:
        _defer(remaining, error)
        report.deferred += len(remaining)
        report.errors.append(_describe(error))
        log.warning("mail server unavailable, %d message(s) deferred: %s", len(remaining), error)
    return report


def send_all_due() -> SendReport:
    """Send batches until nothing is due now (or the server fails)."""
    total = SendReport()
    while True:
        report = send_due_messages()
        total.add(report)
        if report.errors or (report.sent + report.failed) == 0:
            return total


def pending_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    )


def run_sender(stop: threading.Event | None = None) -> None:
    """Send forever (until `stop` is set), polling every OUTBOX_POLL_SECONDS and backing off
    while the server is unavailable. (app.worker runs this beside the background jobs.)"""
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

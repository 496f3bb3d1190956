"""The outbox queue: a message is queued in the caller's transaction (it is sent once that
commits), and senders claim batches of due messages for a lease (`OUTBOX_LEASE_SECONDS`), so
several can run at once and none sends what another holds; on PostgreSQL the claim skips rows
another is claiming (FOR UPDATE SKIP LOCKED)."""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import begin_write
from app.extensions import db
from app.mail.messages import Attachment, QueuedMessage
from app.models import OutboxAttachment, OutboxMessage, OutboxStatus

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


def _due(at):
    return sa.and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= at,
        sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at),
    )


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


def pending_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    )

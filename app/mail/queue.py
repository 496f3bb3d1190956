"""The outbox queue: a message is queued in the caller's transaction (it is sent once that
commits), and senders claim batches of due messages for a lease (`OUTBOX_LEASE_SECONDS`), so
several can run at once and none sends what another holds; on PostgreSQL the claim skips rows
another is claiming (FOR UPDATE SKIP LOCKED)."""

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.leases import claim_rows
from app.extensions import db
from app.mail.messages import Attachment, OutgoingEmail, QueuedMessage
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
    headers: Mapping[str, str] | None = None,
    sender_name: str | None = None,
    reply_to: str | None = None,
) -> int:
    """Queue a message in the caller's transaction (it is sent once that commits); its id.
    `headers` are sent with it as they are (subscription mail's list headers); `sender_name`
    goes before the platform's address on the From line (the petition's organizer), and
    `reply_to` is where replies go.

    A plain INSERT, not an ORM object: this runs inside the signing transaction, where every
    fraction of a millisecond is time the database's write lock is held.
    """
    at = now()
    connection = db.session.connection()
    message_id = connection.execute(
        _INSERT_MESSAGE,
        _row(
            OutgoingEmail(
                purpose=purpose,
                recipient=recipient,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                signature_id=signature_id,
                headers=headers or {},
                sender_name=sender_name,
                reply_to=reply_to,
            ),
            at,
        ),
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


def enqueue_emails(messages: Sequence[OutgoingEmail]) -> None:
    """Queue many messages (no attachments) in the caller's transaction, in one statement
    run by the driver's batch path."""
    if not messages:
        return
    at = now()
    db.session.connection().execute(
        sa.insert(OutboxMessage.__table__), [_row(message, at) for message in messages]
    )


def _row(message: OutgoingEmail, at) -> dict:
    return {
        "purpose": message.purpose,
        "recipient": message.recipient,
        "subject": message.subject,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "signature_id": message.signature_id,
        "update_id": message.update_id,
        "headers": json.dumps(dict(message.headers)) if message.headers else None,
        "sender_name": message.sender_name,
        "reply_to": message.reply_to,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": at,
        "next_attempt_at": at,
    }


def _due(at):
    return sa.and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= at,
        sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at),
    )


def claim_due_messages(limit: int) -> list[QueuedMessage]:
    """Take up to `limit` due messages for this sender, committed, oldest first."""
    at = now()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    token = claim_rows(OutboxMessage, _due(at), limit=limit, at=at, lease=lease)
    if token is None:
        return []
    rows = db.session.execute(
        sa.select(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.signature_id,
            OutboxMessage.attempts,
            OutboxMessage.update_id,
            OutboxMessage.headers,
            OutboxMessage.purpose,
            OutboxMessage.created_at,
            OutboxMessage.sender_name,
            OutboxMessage.reply_to,
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
    return [
        QueuedMessage(
            id=row.id,
            claim_token=token,  # what they were selected by
            recipient=row.recipient,
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            signature_id=row.signature_id,
            attempts=row.attempts,
            attachments=tuple(attached.get(row.id, ())),
            update_id=row.update_id,
            headers=tuple(json.loads(row.headers).items()) if row.headers else (),
            purpose=row.purpose,
            queued_at=row.created_at,
            sender_name=row.sender_name,
            reply_to=row.reply_to,
        )
        for row in rows
    ]


def pending_count() -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    ).scalar_one()

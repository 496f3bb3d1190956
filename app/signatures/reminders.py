"""One reminder to confirm. A signature still pending CONFIRMATION_REMINDER_HOURS after it was
made (and as long since its last email) gets its confirmation email again, once, saying it is
a reminder: never a second, never once its petition no longer takes confirmations, never for
a withdrawn or confirmed one. It is transactional mail, like the confirmation itself.

The worker looks on every poll (app.cli.worker), and so does `flask outbox send --once`. Due
signatures are read in bounded batches (keyset on id, an index per petition) and their emails
rendered outside any write transaction; the write is one conditional UPDATE, which claims only
rows still pending and never reminded and says by RETURNING which they were, plus their outbox
rows. Two workers at once therefore never remind anyone twice, and the write lock is held for
one batch at a time.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import Petition, Signature, SignatureStatus
from app.petitions.deadlines import confirmation_grace
from app.signatures.emails import confirmation_email

BATCH_SIZE = 200


def reminder_delay() -> timedelta | None:
    """How long a signature waits before its reminder; None when reminders are off."""
    hours = current_app.config.get("CONFIRMATION_REMINDER_HOURS") or 0
    return timedelta(hours=hours) if hours > 0 else None


def _petitions_taking_confirmations(at: datetime) -> list[Petition]:
    return list(
        db.session.scalars(
            sa.select(Petition)
            .where(Petition.purged_at.is_(None), Petition.closes_at > at - confirmation_grace())
            .order_by(Petition.id)
        )
    )


def _due(
    petition: Petition, cutoff: datetime, after_id: int, limit: int
) -> Sequence[sa.Row[int, str | None, str, str, str | None]]:
    return db.session.execute(
        sa.select(
            Signature.id,
            Signature.email,
            Signature.first_name,
            Signature.locale,
            Signature.link_key,
        )
        .where(
            Signature.petition_id == petition.id,
            Signature.status == SignatureStatus.PENDING,
            Signature.reminded_at.is_(None),
            Signature.created_at <= cutoff,
            # Made after the deadline, it could never be confirmed (app.petitions.deadlines).
            Signature.created_at < petition.closes_at,
            sa.or_(Signature.last_emailed_at.is_(None), Signature.last_emailed_at <= cutoff),
            Signature.email.is_not(None),
            Signature.link_key.is_not(None),
            Signature.id > after_id,
        )
        .order_by(Signature.id)
        .limit(limit)
    ).all()


def _claim(ids: list[int], at: datetime) -> set[int]:
    """Mark these signatures reminded, in the caller's write transaction; the ids this call
    changed (another worker's, a confirmed or a withdrawn one are not among them)."""
    return set(
        db.session.execute(
            sa.update(Signature)
            .where(
                Signature.id.in_(ids),
                Signature.status == SignatureStatus.PENDING,
                Signature.reminded_at.is_(None),
            )
            .values(reminded_at=at, last_emailed_at=at)
            .returning(Signature.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )


def send_due_reminders(batch_size: int = BATCH_SIZE) -> int:
    """Queue the reminders due now, batch after batch; how many were queued."""
    delay = reminder_delay()
    if delay is None:
        return 0
    at = now()
    cutoff = at - delay
    queued = 0
    for petition in _petitions_taking_confirmations(at):
        after_id = 0
        while True:
            rows = _due(petition, cutoff, after_id, batch_size)
            if not rows:
                break
            after_id = rows[-1].id
            emails = {
                row.id: (
                    row.email,
                    confirmation_email(
                        petition, row.first_name, row.locale, row.link_key, reminder=True
                    ),
                )
                for row in rows
            }
            with write_transaction():
                for signature_id in sorted(_claim(list(emails), now())):
                    recipient, email = emails[signature_id]
                    email.queue(recipient, signature_id)
                    queued += 1
            if len(rows) < batch_size:
                break
    db.session.commit()
    return queued

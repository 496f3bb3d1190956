"""Emailing an update to its petition's signers, once.

Asking (`request_sending`) sets the update's `send_requested_at` with a conditional UPDATE and
queues the "send update" job in the same transaction: only the first of two presses, two
organizers or a retried request finds it unset, so only one job is ever queued for an update
(and the job is exclusive per update besides).

The job (run by the worker) walks the confirmed signers who asked for updates in keyset
batches of BATCH_SIZE by signature id, so its memory stays the same at 100 or 100,000 signers.
A batch is read and rendered outside any write transaction; the write is then one UPDATE of
the update's cursor and one multi-row INSERT into the outbox, so the write lock that signing
also needs is held for a few milliseconds at a time. The cursor moves in the same commit as
the batch it covers (and only from where this job last left it), so a job taken over after
a crash goes on from the next signer: nobody is queued twice. The outbox's unique
(update_id, signature_id) is the last guard.
"""

import logging

import sqlalchemy as sa

from app.core.clock import now
from app.core.database import checkpoint_sqlite, rows_matched, write_transaction
from app.extensions import db
from app.jobs import JobAlreadyQueued, JobLost, JobRefused, JobRun, job_handler, queue_job
from app.mail.queue import enqueue_emails
from app.mail.suppression import email_hashes, suppressed_among
from app.models import Job, Petition, Signature, SignatureStatus, Update
from app.models.audit import actor_label, record_change
from app.models.event import EventKind, record_event
from app.updates.emails import SignerCopies

log = logging.getLogger("app.updates")

SEND_UPDATE_JOB = "send_update"
BATCH_SIZE = 1000


class SendRefused(Exception):
    """Why this update cannot be emailed (shown to the organizer as it is)."""


class AlreadySent(SendRefused):
    pass


def recipients_condition(petition_id: int):
    """Signatures an update is emailed to: confirmed, with an address and a link key (not
    erased), whose signer ticked the updates box. Suppressed addresses are left out batch by
    batch, by their hash."""
    return sa.and_(
        Signature.petition_id == petition_id,
        Signature.status == SignatureStatus.CONFIRMED,
        Signature.wants_updates.is_(True),
        Signature.email.is_not(None),
        Signature.link_key.is_not(None),
    )


def recipient_estimate(petition: Petition) -> int:
    """How many signers an update would go to now (at most: a few may be suppressed)."""
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Signature).where(recipients_condition(petition.id))
    ).scalar_one()


def request_sending(petition: Petition, update: Update) -> Job:
    """Publish the update (if it is not yet) and queue its emailing, once ever.
    Raises AlreadySent if anyone asked before, SendRefused if it cannot go."""
    if petition.purged_at is not None:
        raise SendRefused("Signers' personal data on this petition was erased: no one to email.")
    with write_transaction():
        at = now()
        changed = rows_matched(
            db.session.execute(
                sa.update(Update)
                .where(Update.id == update.id, Update.send_requested_at.is_(None))
                .values(
                    send_requested_at=at,
                    send_requested_by=actor_label(),
                    published_at=sa.func.coalesce(Update.published_at, at),
                )
                .execution_options(synchronize_session=False)
            )
        )
        if not changed:
            raise AlreadySent("This update was already emailed (or is being emailed) to signers.")
        try:
            job = queue_job(
                SEND_UPDATE_JOB,
                petition,
                {"update_id": update.id},
                exclusive=True,
                scope=f"update-{update.id}",
            )
        except JobAlreadyQueued:
            raise AlreadySent("This update is already being emailed to signers.") from None
        record_change(petition, "update emailed to signers", new=update.title)
    db.session.refresh(update)
    return job


_BATCH_COLUMNS = (Signature.id, Signature.email, Signature.locale, Signature.link_key)


@job_handler(SEND_UPDATE_JOB)
def _send_update_job(run: JobRun) -> None:
    update_id = run.job.payload.get("update_id")
    if not isinstance(update_id, int) or (update := db.session.get(Update, update_id)) is None:
        raise JobRefused("The update no longer exists.")
    petition = db.session.get_one(Petition, update.petition_id)
    copies = SignerCopies(petition, update)
    petition_id, cursor, queued = petition.id, update.send_cursor or 0, update.recipient_count
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(Signature).where(recipients_condition(petition_id))
    ).scalar_one()
    done = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(recipients_condition(petition_id), Signature.id <= cursor)
    ).scalar_one()
    db.session.commit()
    while True:
        batch = db.session.execute(
            sa.select(*_BATCH_COLUMNS)
            .where(recipients_condition(petition_id), Signature.id > cursor)
            .order_by(Signature.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            break
        hashes = email_hashes(row.email for row in batch)
        suppressed = suppressed_among(petition_id, hashes)
        db.session.commit()  # ends the read before the write below
        messages = [
            copies.copy_for(
                signature_id=row.id, recipient=row.email, locale=row.locale, link_key=row.link_key
            )
            for row, hashed in zip(batch, hashes, strict=True)
            if hashed not in suppressed
        ]
        last = batch[-1].id
        _queue_batch(update_id, cursor, last, messages)
        cursor, queued, done = last, queued + len(messages), done + len(batch)
        run.progress(min(done, total), total, "Queuing the emails")
    with write_transaction() as session:
        session.execute(
            sa.update(Update)
            .where(Update.id == update_id)
            .values(queued_all_at=now())
            .execution_options(synchronize_session=False)
        )
        record_event(petition_id, EventKind.UPDATE_SENT, update_id=update_id, emails=queued)
        run.mark_done()
    log.info("update %s: %d emails queued", update_id, queued)


def _queue_batch(update_id: int, cursor: int, last: int, messages: list) -> None:
    """Queue one batch and move the cursor past it, in one short write transaction; only
    from where this job left it (a worker that lost its job to another changes nothing)."""
    with write_transaction():
        moved = rows_matched(
            db.session.execute(
                sa.update(Update)
                .where(Update.id == update_id, sa.func.coalesce(Update.send_cursor, 0) == cursor)
                .values(send_cursor=last, recipient_count=Update.recipient_count + len(messages))
                .execution_options(synchronize_session=False)
            )
        )
        if not moved:
            raise JobLost(f"update {update_id}: another worker has moved past signature {cursor}")
        enqueue_emails(messages)
    checkpoint_sqlite()  # a batch is megabytes of text: the job copies it, not the next signer

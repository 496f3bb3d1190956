"""Erasing every signer's personal data once a petition is over and its final letters are
delivered, keeping the counts. It waits for the letters (none may still be on its way, the
final ones must have gone), so it sits above them."""

import sqlalchemy as sa

from app.core.clock import now
from app.core.database import rows_matched, write_transaction
from app.extensions import db
from app.jobs.files import delete_petition_files, files_in_preparation
from app.letters.records import final_delivery_sent, letters_in_flight
from app.models import (
    Delivery,
    DeliveryKind,
    Hold,
    NameDisplay,
    OutboxAttachment,
    OutboxMessage,
    Petition,
    Signature,
    SignatureStatus,
)
from app.models.audit import record_change
from app.petitions.deadlines import count_is_final


class PurgeRefused(Exception):
    pass


def purge_refusal(petition: Petition, *, delivered_by_hand: bool = False) -> str | None:
    """Why this petition's signer data may not be erased yet, or None if it may.

    It may once the count is final and the final letters are delivered: by email (recorded
    here), or by hand, which the organizer then vouches for (`delivered_by_hand`). Once
    erased, it may always be erased again: whatever is left goes too.
    """
    erased_before = petition.purged_at is not None
    if not erased_before and not count_is_final(petition):
        return (
            "The petition is not over: personal data can be erased once it has closed and "
            "the 24 hours for late confirmations have passed."
        )
    if letters_in_flight(petition):
        return "A letter is still being sent: erase the data once it has gone."
    if files_in_preparation(petition):
        return (
            "An export or a letter is being prepared: erase the data once it is ready "
            "(erasing deletes it too)."
        )
    if not erased_before and not delivered_by_hand and not final_delivery_sent(petition):
        return (
            "The final letters have not been delivered: deliver them first (after the "
            "deadline), or, if they were delivered by hand, say so."
        )
    return None


# A signature that still says who signed: what the purge erases.
_HAS_PERSONAL_DATA = sa.or_(
    Signature.first_name != "",
    Signature.last_name != "",
    Signature.name_key != "",
    Signature.email.is_not(None),
    Signature.email_canonical.is_not(None),
    Signature.reason.is_not(None),
    Signature.link_key.is_not(None),
    Signature.wants_updates.is_(True),
    Signature.name_display != NameDisplay.HIDDEN,
    Signature.network_key.is_not(None),
    Signature.email_domain.is_not(None),
    Signature.disposable_domain.is_(True),
    Signature.confirm_seconds.is_not(None),
)


def purge_personal_data(petition: Petition, *, delivered_by_hand: bool = False) -> int:
    """Erase every signer's name, email and reason, keeping what the counts need (status,
    ZIP code, resident flag, source, dates), and the letters' attached PDFs. Unconfirmed
    signatures are deleted outright. Running it again erases whatever is left.
    Returns how many signatures were erased this time."""
    refusal = purge_refusal(petition, delivered_by_hand=delivered_by_hand)
    if refusal:
        raise PurgeRefused(refusal)
    with write_transaction():
        # The letters' PDFs name the signers too; the delivery records (counts, checksums) stay.
        letters = sa.select(Delivery.outbox_message_id).where(Delivery.petition_id == petition.id)
        db.session.execute(
            sa.delete(OutboxAttachment)
            .where(OutboxAttachment.message_id.in_(letters))
            .execution_options(synchronize_session=False)
        )
        # The progress reports quote named signers' reasons: their text goes, their records
        # (counts, checksum, when sent) stay.
        reports = sa.select(Delivery.outbox_message_id).where(
            Delivery.petition_id == petition.id, Delivery.kind == DeliveryKind.REPORT
        )
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(reports))
            .values(body_text="", body_html=None)
            .execution_options(synchronize_session=False)
        )
        ours = sa.select(Signature.id).where(Signature.petition_id == petition.id)
        db.session.execute(
            sa.delete(OutboxMessage)
            .where(OutboxMessage.signature_id.in_(ours))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.delete(Signature)
            .where(
                Signature.petition_id == petition.id,
                Signature.status.in_((SignatureStatus.PENDING, SignatureStatus.HELD)),
            )
            .execution_options(synchronize_session=False)
        )
        erased = rows_matched(
            db.session.execute(
                sa.update(Signature)
                .where(Signature.petition_id == petition.id, _HAS_PERSONAL_DATA)
                .values(
                    first_name="",
                    last_name="",
                    name_key="",
                    email=None,
                    email_canonical=None,
                    reason=None,
                    link_key=None,
                    wants_updates=False,
                    name_display=NameDisplay.HIDDEN,
                    network_key=None,
                    email_domain=None,
                    disposable_domain=False,
                    confirm_seconds=None,
                )
                .execution_options(synchronize_session=False)
            )
        )
        delete_petition_files(petition.id)  # exports and letters waiting to be downloaded
        petition.purged_at = now()
        petition.integrity_key = None  # no network key can be computed again
        db.session.execute(
            sa.delete(Hold)
            .where(Hold.petition_id == petition.id)
            .execution_options(synchronize_session=False)
        )
        record_change(petition, "signers' personal data erased", new=f"{erased} signatures")
        return erased

"""What organizers see of a petition's email that failed for good: to its signers
(confirmations, their reminder, "already signed") and its updates. Letters show their own
outcome on the letters page (app.models.delivery).

A message belongs to the petition of its signature or of its update. Mail to a signer is
deleted with the signature (withdrawn, or the petition's signer data erased), so what is
listed here is what can still be acted on. Never an address: the reasons are the servers'
words, which often quote it, so every address in them is blanked out.
"""

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus, Petition, Signature, Update

# Anything shaped like an address (the local part as RFC 5322 allows it, unquoted).
_ADDRESS = re.compile(r"[\w.!#$%&*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*")
ADDRESS_BLANKED = "[address]"


@dataclass(frozen=True)
class FailedEmail:
    purpose: str  # the outbox's: confirm_signature, confirmation_reminder, already_signed...
    update_title: str | None  # for an update's email
    queued_at: datetime
    attempts: int
    reason: str  # with every address blanked out


@dataclass(frozen=True)
class FailedMail:
    count: int
    latest: list[FailedEmail]  # newest first, at most the limit asked for


def _of_petition(petition: Petition):
    return (
        sa.select()
        .select_from(OutboxMessage)
        .outerjoin(Signature, Signature.id == OutboxMessage.signature_id)
        .outerjoin(Update, Update.id == OutboxMessage.update_id)
        .where(
            OutboxMessage.status == OutboxStatus.FAILED,
            sa.or_(Signature.petition_id == petition.id, Update.petition_id == petition.id),
        )
    )


def failed_mail(petition: Petition, limit: int = 20) -> FailedMail:
    """How many of the petition's emails failed for good, and the latest with their reasons."""
    failed = _of_petition(petition)
    count = db.session.scalar(failed.add_columns(sa.func.count()))
    rows = db.session.execute(
        failed.add_columns(
            OutboxMessage.purpose,
            Update.title,
            OutboxMessage.created_at,
            OutboxMessage.attempts,
            OutboxMessage.recipient,
            OutboxMessage.last_error,
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return FailedMail(
        count=count,
        latest=[
            FailedEmail(
                purpose=row.purpose,
                update_title=row.title,
                queued_at=row.created_at,
                attempts=row.attempts,
                reason=without_addresses(row.last_error or "", row.recipient),
            )
            for row in rows
        ],
    )


def without_addresses(reason: str, recipient: str = "") -> str:
    """The reason with the recipient's address, and anything else shaped like one, blanked."""
    if recipient:
        reason = re.sub(re.escape(recipient), ADDRESS_BLANKED, reason, flags=re.IGNORECASE)
    return _ADDRESS.sub(ADDRESS_BLANKED, reason)

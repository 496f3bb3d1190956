"""Signatures gathered on paper at events, entered by an organizer."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.audit import record_change
from app.clock import PHILADELPHIA, as_utc, now
from app.counting import change_count
from app.email_address import canonical_email
from app.extensions import db
from app.models import Channel, NameDisplay, Petition, Signature, SignatureStatus
from app.signing import free_household_slot, is_resident, name_key, signatures_with_email


class PaperSignatureRefused(ValueError):
    pass


@dataclass(frozen=True)
class PaperSignature:
    first_name: str
    last_name: str
    zip_code: str
    signed_on: date
    email: str | None = None
    reason: str | None = None
    name_display: NameDisplay = NameDisplay.HIDDEN


def add_paper_signature(petition: Petition, paper: PaperSignature) -> Signature:
    """Counted at once (the signer signed in person), marked `paper`, dated the day signed
    (noon, Philadelphia time). Call after `begin_write()`."""
    signed_at = as_utc(datetime.combine(paper.signed_on, time(12), PHILADELPHIA))
    if petition.purged_at is not None:
        raise PaperSignatureRefused("This petition's signer data has been erased.")
    if signed_at >= petition.closes_at:
        raise PaperSignatureRefused("That date is after the petition closed.")
    if signed_at > now() + timedelta(days=1):
        raise PaperSignatureRefused("That date is in the future.")
    canonical = canonical_email(paper.email) if paper.email else None
    key = name_key(paper.first_name, paper.last_name)
    slot = 1
    if canonical:
        existing = signatures_with_email(petition.id, canonical)
        slot = free_household_slot(existing)
        if slot is None or any(s.name_key == key for s in existing):
            raise PaperSignatureRefused("This email address has already signed.")
    signature = Signature(
        petition_id=petition.id,
        status=SignatureStatus.CONFIRMED,
        channel=Channel.PAPER,
        first_name=paper.first_name,
        last_name=paper.last_name,
        name_key=key,
        name_display=paper.name_display,
        email=paper.email,
        email_canonical=canonical,
        household_slot=slot,
        zip_code=paper.zip_code,
        is_resident=is_resident(petition, paper.zip_code),
        reason=paper.reason or None,
        source="paper",
        link_key=secrets.token_urlsafe(16),
        created_at=signed_at,
        confirmed_at=signed_at,
    )
    db.session.add(signature)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # the same address signed online a moment ago
        raise PaperSignatureRefused("This email address has already signed.") from None
    change_count(petition.id, +1)
    record_change(petition, "paper signature added", new=f"signed {paper.signed_on.isoformat()}")
    db.session.commit()
    return signature

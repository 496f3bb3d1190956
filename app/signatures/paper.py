"""Signatures gathered on paper at events, entered by an organizer."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.clock import local_day, now
from app.core.database import write_transaction
from app.core.email_address import canonical_email
from app.core.i18n import Message
from app.extensions import db
from app.models import Channel, NameDisplay, Petition, Signature, SignatureStatus
from app.models.audit import record_change
from app.models.event import EventKind, record_event
from app.signatures.counting import change_count
from app.signatures.signing import free_household_slot, is_resident, name_key, signatures_with_email

LIKELY_DUPLICATES_SHOWN = 20


@dataclass(frozen=True)
class PaperColumn:
    """What a paper signature holds, in this order and under this label: a column of the
    printed sheet (app.letters.printed.sheet) and a field of the entry form, so that a row
    is read straight into the form."""

    name: str
    label: str  # lazily translated
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) to tick, one of


PAPER_NAME_CHOICES = (
    (NameDisplay.HIDDEN.value, _l("Not shown (unless the sheet says so)")),
    (NameDisplay.FIRST_INITIAL.value, _l("First name and last initial")),
    (NameDisplay.FULL.value, _l("Full name")),
)
PAPER_COLUMNS = (
    PaperColumn("first_name", _l("First name")),
    PaperColumn("last_name", _l("Last name")),
    PaperColumn("zip_code", _l("ZIP code")),
    PaperColumn("email", _l("Email (optional)")),
    PaperColumn("signed_on", _l("Date signed")),
    PaperColumn("reason", _l("Reason (optional)")),
    PaperColumn("name_display", _l("Name shown publicly"), choices=PAPER_NAME_CHOICES),
)
PAPER_LABELS = {column.name: column.label for column in PAPER_COLUMNS}


class PaperSignatureRefused(ValueError):
    """Why a paper signature was not added; `field` names the form field at fault, if one is."""

    def __init__(self, message: Message, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PaperSignature:
    first_name: str
    last_name: str
    zip_code: str
    signed_on: date
    email: str | None = None
    reason: str | None = None
    name_display: NameDisplay = NameDisplay.HIDDEN


@dataclass(frozen=True)
class LikelyDuplicate:
    """A signature already on the petition that may be the same person, as organizers see it."""

    name: str
    zip_code: str
    channel: Channel
    signed_on: date  # the sheet's date on paper, else the petition's day it was made


class LikelyDuplicates(Exception):
    """Nothing was added: these may be the same person. Adding anyway is the organizer's call."""

    def __init__(self, found: list[LikelyDuplicate]) -> None:
        super().__init__(f"{len(found)} likely duplicates")
        self.found = found


def sheet_date_problem(petition: Petition, signed_on: date) -> Message | None:
    """Why the date written on a sheet cannot be right for this petition, or None. Days are
    days in the petition's zone: the sheet may be dated any day the petition was open, up to
    today."""
    zone = petition.zone
    last_day = local_day(petition.closes_at - timedelta(microseconds=1), zone)
    first_day = local_day(petition.opens_at, zone)
    if signed_on > last_day:
        return _l(
            "That date is after the petition closed (its last day was %(date)s).",
            date=last_day.isoformat(),
        )
    if signed_on > local_day(now(), zone):
        return _l("The date signed cannot be in the future.")
    if signed_on < first_day:
        return _l(
            "That date is before the petition opened (on %(date)s).", date=first_day.isoformat()
        )
    return None


def add_paper_signature(
    petition: Petition, paper: PaperSignature, *, add_anyway: bool = False
) -> Signature:
    """Counted at once (the signer signed in person) and marked `paper`. It is made and
    confirmed at the moment it is entered, so the page, the letters, the exports and the
    dashboard count it together; the sheet's date is kept as `signed_on`.

    Raises PaperSignatureRefused (bad date, erased petition, this email already signed
    under this name or by two people), or LikelyDuplicates unless `add_anyway`: the same
    folded name and ZIP code (online or on paper), or the same email address."""
    with write_transaction():
        db.session.refresh(petition)
        try:
            signature = _add(petition, paper, add_anyway=add_anyway)
        except (PaperSignatureRefused, LikelyDuplicates):
            raise
        return signature


def _add(petition: Petition, paper: PaperSignature, *, add_anyway: bool) -> Signature:
    if petition.purged_at is not None:
        raise PaperSignatureRefused(_l("This petition's signer data has been erased."))
    problem = sheet_date_problem(petition, paper.signed_on)
    if problem is not None:
        raise PaperSignatureRefused(problem, field="signed_on")
    canonical = canonical_email(paper.email) if paper.email else None
    key = name_key(paper.first_name, paper.last_name)
    slot = 1
    if canonical:
        existing = signatures_with_email(petition.id, canonical)
        free = free_household_slot(existing)
        if free is None or any(s.name_key == key for s in existing):
            raise PaperSignatureRefused(_l("This email address has already signed."))
        slot = free
    if not add_anyway:
        found = likely_duplicates(petition, key, paper.zip_code, canonical)
        if found:
            raise LikelyDuplicates(found)
    at = now()
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
        signed_on=paper.signed_on,
        created_at=at,
        confirmed_at=at,
    )
    db.session.add(signature)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # the same address signed online a moment ago
        raise PaperSignatureRefused(_l("This email address has already signed.")) from None
    change_count(petition.id, +1)
    record_event(petition.id, EventKind.SIGNATURE_CONFIRMED, signature_id=signature.id)
    record_change(petition, "paper signature added", new=f"signed {paper.signed_on.isoformat()}")
    return signature


def likely_duplicates(
    petition: Petition, key: str, zip_code: str, canonical: str | None
) -> list[LikelyDuplicate]:
    """Signatures on this petition, any channel or status, with this folded name and ZIP
    code or with this email address."""
    same = sa.and_(Signature.name_key == key, Signature.zip_code == zip_code)
    if canonical:
        same = sa.or_(same, Signature.email_canonical == canonical)
    rows = db.session.execute(
        sa.select(
            Signature.first_name,
            Signature.last_name,
            Signature.zip_code,
            Signature.channel,
            Signature.signed_on,
            Signature.created_at,
        )
        .where(Signature.petition_id == petition.id, same)
        .order_by(Signature.id)
        .limit(LIKELY_DUPLICATES_SHOWN)
    )
    zone = petition.zone
    return [
        LikelyDuplicate(
            name=f"{row.first_name} {row.last_name}",
            zip_code=row.zip_code,
            channel=row.channel,
            signed_on=row.signed_on or local_day(row.created_at, zone),
        )
        for row in rows
    ]

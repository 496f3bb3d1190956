"""Signing, confirming and withdrawing: the rules of a signature's life, with no request in
sight, called by the web views and the command line alike."""

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import rows_matched, write_transaction
from app.core.email_address import canonical_email
from app.extensions import db
from app.jobs.files import discard_prepared_files
from app.models import Channel, NameDisplay, OutboxMessage, Petition, Signature, SignatureStatus
from app.models.event import EventKind, record_event
from app.petitions.deadlines import Window, accepts_confirmation, is_open
from app.petitions.queries import petition_for_visitors_now
from app.signatures import emails
from app.signatures.counting import change_count
from app.signatures.holds import check_values, is_held, sign_checks
from app.signatures.metrics import SignatureEvent, count_signature
from app.signatures.signals import signals_of

HOUSEHOLD_LIMIT = 2
# How many times a signature is tried again after a unique conflict (another request took
# its household slot or name a moment ago, and the next look finds it). More conflicts than
# that is not a race but a fault: the signer is asked to send it again.
MAX_TRIES = 5


class PetitionToSign(Window, Protocol):
    """What signing reads of a petition: a Petition, or the light read of one
    (app.petitions.queries.petition_for_visitors) that the sign form's request makes."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def resident_zip_prefixes(self) -> str: ...
    @property
    def integrity_key(self) -> str | None: ...
    @property
    def page_version(self) -> int: ...


class PetitionNotOpen(Exception):
    """The petition does not take signatures at this instant."""


class PetitionChanged(Exception):
    """Inside signing's transaction: the petition it was given is not the petition as it is
    now (its page version moved on). Nothing is written; signing reads it and goes on."""


class SignatureNotRecorded(Exception):
    """Every try conflicted with another signature being recorded: nothing was stored."""


@dataclass(frozen=True)
class SignerDetails:
    first_name: str
    last_name: str
    email: str
    zip_code: str
    reason: str | None = None
    name_display: NameDisplay = NameDisplay.FULL
    wants_updates: bool = False
    source: str | None = None
    locale: str = "en"
    # The client's network ("203.0.113.0/24", app.signatures.signals.client_network), only
    # to compute its key; None where the client is not the signer (a partner's server).
    network: str | None = None


class SignOutcome(StrEnum):
    SIGNED = "signed"  # a new pending signature; confirmation email queued
    HELD = "held"  # a new signature held quietly: no email; answered exactly as SIGNED
    REMINDED = "reminded"  # same person again: confirmation sent again, or "already signed"
    HOUSEHOLD_FULL = "household_full"  # two people already signed with this address
    THROTTLED = "throttled"  # same person again within minutes: no second email yet


class ConfirmOutcome(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    TOO_LATE = "too_late"
    GONE = "gone"  # withdrawn or deleted meanwhile


def name_key(first_name: str, last_name: str) -> str:
    """Folds case, width, spacing, accents and joiners: "  MARÍA  López", "Maria Lopez" and
    "ｍａｒｉａ ｌｏｐｅｚ" are one person.

    Accents are the marks of the shared combining blocks (Latin, Greek, Cyrillic: é, ñ, ễ);
    a script's own marks (a Devanagari virama, a Thai vowel) spell another name and stay.
    The zero-width joiners (U+200C, U+200D) only change how letters are drawn: dropped."""
    decomposed = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    kept = "".join(
        char for char in decomposed if not _is_accent(char) and char not in ("\u200c", "\u200d")
    )
    full = unicodedata.normalize("NFKC", kept).casefold()
    return " ".join(full.split())


def _is_accent(char: str) -> bool:
    code = ord(char)
    return (
        0x0300 <= code <= 0x036F  # Combining Diacritical Marks
        or 0x1AB0 <= code <= 0x1AFF  # ... Extended
        or 0x1DC0 <= code <= 0x1DFF  # ... Supplement
        or 0x20D0 <= code <= 0x20FF  # ... for Symbols
        or 0xFE20 <= code <= 0xFE2F  # Combining Half Marks
    )


def is_resident(petition: PetitionToSign, zip_code: str) -> bool:
    return zip_code.startswith(tuple(petition.resident_zip_prefixes.split()))


def signatures_with_email(petition_id: int, canonical: str) -> list[Signature]:
    """The (at most two) signatures on a petition made with this canonical address."""
    return list(
        db.session.scalars(
            sa.select(Signature)
            .where(Signature.petition_id == petition_id, Signature.email_canonical == canonical)
            .order_by(Signature.household_slot)
        )
    )


def signature_by_link_key(link_key: str) -> Signature | None:
    """The signature an emailed link names (a purged one has no key left)."""
    return db.session.scalar(sa.select(Signature).where(Signature.link_key == link_key))


def free_household_slot(existing: list[Signature]) -> int | None:
    """The slot a new signature with this address takes, or None if the household is full."""
    free = {1, 2} - {s.household_slot for s in existing}
    return min(free) if free else None


def _may_email_again(signature: Signature) -> bool:
    if signature.last_emailed_at is None:
        return True
    wait = timedelta(seconds=current_app.config["CONFIRMATION_RESEND_AFTER_SECONDS"])
    return now() - signature.last_emailed_at >= wait


def _remind(signature: Signature, *, household_full: bool = False) -> SignOutcome:
    if signature.status in QUIET:
        return SignOutcome.HELD  # held or invalidated: no email says anything
    if not _may_email_again(signature):
        return SignOutcome.THROTTLED
    if signature.status == SignatureStatus.PENDING and not household_full:
        emails.request_confirmation(signature)
        return SignOutcome.REMINDED
    emails.tell_already_signed(signature, household_full=household_full)
    return SignOutcome.HOUSEHOLD_FULL if household_full else SignOutcome.REMINDED


# Held or invalidated: nothing is emailed about such a signature.
QUIET = (SignatureStatus.HELD, SignatureStatus.INVALIDATED)

_INSERT_SIGNATURE = sa.insert(Signature).returning(Signature.id)


def _new_signature_values(petition: PetitionToSign, details: SignerDetails) -> dict[str, Any]:
    """The columns of a new pending signature from these details (times set by the caller)."""
    canonical = canonical_email(details.email)
    signals = signals_of(petition.integrity_key, details.network, canonical)
    return {
        "petition_id": petition.id,
        "status": SignatureStatus.PENDING,
        "channel": Channel.ONLINE,
        "first_name": details.first_name,
        "last_name": details.last_name,
        "name_key": name_key(details.first_name, details.last_name),
        "name_display": details.name_display,
        "email": details.email,
        "email_canonical": canonical,
        "zip_code": details.zip_code,
        "is_resident": is_resident(petition, details.zip_code),
        "reason": details.reason or None,
        "wants_updates": details.wants_updates,
        "source": details.source,
        "locale": details.locale,
        "link_key": secrets.token_urlsafe(16),
        "household_slot": 1,
        "network_key": signals.network_key,
        "email_domain": signals.email_domain,
        "disposable_domain": signals.disposable_domain,
    }


def sign_petition(petition: PetitionToSign, details: SignerDetails) -> SignOutcome:
    """Record a pending signature and queue its confirmation email, in one transaction.

    One address signs a petition at most twice, the second time under another name (a
    household sharing an address); signing again under the same name only sends the email
    again. Whatever happens, the caller shows the same answer: only the email tells the
    truth, and only to the mailbox's owner.

    Checking happens before the write transaction; inside it, for a new address, are one
    statement of checks and two inserts. The confirmation email is written by the sender, not
    here. `petition` may be behind the petition (a row the process kept): when its
    `page_version` is not the petition's, signing reads the petition and goes on with that.
    """
    for _try in range(MAX_TRIES):
        values = _new_signature_values(petition, details)
        canonical, key = values["email_canonical"], values["name_key"]
        try:
            with write_transaction() as session:
                connection = session.connection()
                at = now()
                values.update(created_at=at, last_emailed_at=at)
                checks = connection.execute(sign_checks(), check_values(values, at)).one()
                if checks.page_version != petition.page_version:
                    raise PetitionChanged(petition.slug)
                if not is_open(petition, at):
                    raise PetitionNotOpen(petition.slug)
                if checks.same_address:
                    existing = signatures_with_email(petition.id, canonical)
                    same = next((s for s in existing if s.name_key == key), None)
                    if same is not None or len(existing) >= HOUSEHOLD_LIMIT:
                        return _remind(same or existing[0], household_full=same is None)
                    values["household_slot"] = free_household_slot(existing)
                if is_held(checks):
                    values.update(status=SignatureStatus.HELD, last_emailed_at=None)
                    connection.execute(_INSERT_SIGNATURE, values)
                    return SignOutcome.HELD
                signature_id = connection.execute(_INSERT_SIGNATURE, values).scalar_one()
                emails.queue_confirmation(details.email, signature_id)
        except sa.exc.IntegrityError:
            # Another request took this slot or name a moment ago: nothing else was written
            # in this transaction, so start it again and look again.
            continue
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The database had dropped the pooled connection (a restart): try again on a new
            # one. Had the commit gone through, the address is taken, and the next try says so.
            continue
        except PetitionChanged:
            # Read a moment ago, or kept by this process: sign the petition as it is now.
            current = petition_for_visitors_now(petition.id)
            if current is None or current.published_at is None:
                raise PetitionNotOpen(petition.slug) from None
            petition = current
            continue
        count_signature(SignatureEvent.TAKEN)
        return SignOutcome.SIGNED
    raise SignatureNotRecorded(petition.slug)


class AlreadySigned(Exception):
    """This person (or a household of two) already signed the petition with this address."""


def record_confirmed_signature(petition: Petition, details: SignerDetails) -> Signature:
    """A signature a partner's tool collected and confirmed itself (the OSDI API, with a token
    the organizer trusted to confirm its signers), in one transaction: it counts at once,
    and no email is sent.

    The same rules as the form: one address at most twice, under two names. Unlike the form,
    the partner is told when the person had signed (AlreadySigned). A partner's signature
    to be confirmed by its signer goes through `sign_petition`, as the form's does.
    """
    values = _new_signature_values(petition, details)
    canonical, key = values["email_canonical"], values["name_key"]
    for _try in range(MAX_TRIES):
        try:
            with write_transaction() as session:
                at = now()
                if not is_open(petition, at):
                    raise PetitionNotOpen(petition.slug)
                values.update(
                    created_at=at,
                    last_emailed_at=None,
                    status=SignatureStatus.CONFIRMED,
                    confirmed_at=at,
                )
                existing = signatures_with_email(petition.id, canonical)
                slot = free_household_slot(existing)
                if slot is None or any(s.name_key == key for s in existing):
                    raise AlreadySigned(petition.slug)
                values["household_slot"] = slot
                signature_id = session.connection().execute(_INSERT_SIGNATURE, values).scalar_one()
                change_count(petition.id, +1)
                record_event(petition.id, EventKind.SIGNATURE_CONFIRMED, signature_id=signature_id)
        except sa.exc.IntegrityError:
            continue  # another request took this slot or name a moment ago: look again
        count_signature(SignatureEvent.CONFIRMED)
        return db.session.get_one(Signature, signature_id)
    raise SignatureNotRecorded(petition.slug)


def _stored_id(signature: Signature) -> int:
    """The id of a signature read from the database, known without loading its row (which
    may be expired, or gone)."""
    identity = sa.inspect(signature).identity
    if identity is None:
        raise ValueError(f"{signature!r} was never stored")
    signature_id: int = identity[0]
    return signature_id


def confirm_signature(signature: Signature) -> ConfirmOutcome:
    """Make a pending signature count, once, however often its button is pressed."""
    signature_id = _stored_id(signature)
    with write_transaction() as session:
        # Read again under the write lock: it may have been confirmed, or withdrawn, since.
        current = session.get(Signature, signature_id, populate_existing=True)
        if current is None:
            return ConfirmOutcome.GONE
        if current.status == SignatureStatus.CONFIRMED:
            return ConfirmOutcome.ALREADY_CONFIRMED
        if not accepts_confirmation(current.petition, current):
            return ConfirmOutcome.TOO_LATE
        at = now()
        emailed = current.last_emailed_at
        changed = rows_matched(
            session.execute(
                sa.update(Signature)
                .where(Signature.id == current.id, Signature.status == SignatureStatus.PENDING)
                .values(
                    status=SignatureStatus.CONFIRMED,
                    confirmed_at=at,
                    confirm_seconds=None
                    if emailed is None
                    else int((at - emailed).total_seconds()),
                )
                .execution_options(synchronize_session=False)
            )
        )
        if changed:
            change_count(current.petition_id, +1)
            record_event(
                current.petition_id, EventKind.SIGNATURE_CONFIRMED, signature_id=signature_id
            )
    if not changed:
        return ConfirmOutcome.ALREADY_CONFIRMED
    count_signature(SignatureEvent.CONFIRMED)
    return ConfirmOutcome.CONFIRMED


def resend_confirmation(signature: Signature) -> bool:
    """Send a fresh confirmation link (the old one expired). False when there is nothing to
    confirm any more, or one was sent minutes ago."""
    signature_id = _stored_id(signature)
    with write_transaction() as session:
        current = session.get(Signature, signature_id, populate_existing=True)
        if current is None or current.status != SignatureStatus.PENDING:
            return False
        if not accepts_confirmation(current.petition, current):
            return False
        if not _may_email_again(current):
            return False
        emails.request_confirmation(current)
    return True


def withdraw_signature(signature_id: int) -> bool:
    """Remove a signature and everything queued about it; it leaves the count if it was in,
    and every file prepared for the petition (an export, a letter) that may name it.

    Returns False if it was already gone.
    """
    with write_transaction() as session:
        session.execute(
            sa.delete(OutboxMessage)
            .where(OutboxMessage.signature_id == signature_id)
            .execution_options(synchronize_session=False)
        )
        removed = session.execute(
            sa.delete(Signature)
            .where(Signature.id == signature_id)
            .returning(Signature.petition_id, Signature.status)
            .execution_options(synchronize_session=False)
        ).first()
        if removed is not None:
            discard_prepared_files(removed.petition_id)
            if removed.status == SignatureStatus.CONFIRMED:
                change_count(removed.petition_id, -1)
                record_event(
                    removed.petition_id, EventKind.SIGNATURE_WITHDRAWN, signature_id=signature_id
                )
    if removed is None:
        return False
    count_signature(SignatureEvent.WITHDRAWN)
    return True

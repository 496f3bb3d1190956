"""Addresses that get no more updates about a petition: they unsubscribed, or the mail server
refused them for good (5xx). Kept as a keyed hash of the canonical address (HMAC-SHA256 with
a key derived from SECRET_KEY), never as the address: the record outlives the purge of
signers' data, and a signer who signs again with the same address is still left alone.
"""

import hashlib
import hmac
from collections.abc import Iterable

import sqlalchemy as sa

from app.core.database import write_transaction
from app.core.email_address import canonical_email
from app.core.links import secret_key
from app.extensions import db
from app.models import Signature, Suppression, SuppressionReason, Update


def _key() -> bytes:
    secret = secret_key()
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"petitions suppression list", hashlib.sha256).digest()


def email_hash(address: str, key: bytes | None = None) -> str:
    """The keyed hash an address is suppressed under (of its canonical form, so that
    `Maria.Lopez@gmail.com` and `marialopez+x@gmail.com` are one). `key`: `_key()`, when
    the caller hashes many addresses in a row."""
    canonical = canonical_email(address)
    return hmac.new(key or _key(), canonical.encode(), hashlib.sha256).hexdigest()


def email_hashes(addresses: Iterable[str]) -> list[str]:
    key = _key()
    return [email_hash(address, key) for address in addresses]


def suppress(petition_id: int, address: str, reason: SuppressionReason) -> None:
    """Record, in the caller's write transaction, that this address gets no more updates
    about the petition. Once is enough: a second record of the same address changes
    nothing."""
    hashed = email_hash(address)
    exists = sa.select(Suppression.id).where(
        Suppression.petition_id == petition_id, Suppression.email_hash == hashed
    )
    if db.session.scalar(exists) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(
                sa.insert(Suppression).values(
                    petition_id=petition_id, email_hash=hashed, reason=reason
                )
            )
    except sa.exc.IntegrityError:
        pass  # recorded a moment ago by another request: the same outcome


def suppress_refused_address(update_id: int, address: str) -> None:
    """The mail server refused an update's recipient for good: no more updates to it from
    that petition (its signatures no longer ask for them either). In a commit of its own."""
    with write_transaction():
        petition_id = db.session.scalar(sa.select(Update.petition_id).where(Update.id == update_id))
        if petition_id is not None:
            suppress(petition_id, address, SuppressionReason.BOUNCED)
            db.session.execute(
                sa.update(Signature)
                .where(
                    Signature.petition_id == petition_id,
                    Signature.email_canonical == canonical_email(address),
                )
                .values(wants_updates=False)
                .execution_options(synchronize_session=False)
            )


def suppressed_among(petition_id: int, hashes: Iterable[str]) -> set[str]:
    """Which of these hashes are suppressed for the petition (one query for a batch)."""
    hashes = list(hashes)
    if not hashes:
        return set()
    return set(
        db.session.scalars(
            sa.select(Suppression.email_hash).where(
                Suppression.petition_id == petition_id, Suppression.email_hash.in_(hashes)
            )
        )
    )


def is_suppressed(petition_id: int, address: str) -> bool:
    return bool(suppressed_among(petition_id, [email_hash(address)]))

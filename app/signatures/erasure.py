"""Signers' data rights on the organizers' side: finding a signer who asks to be deleted, and
deleting them. (Erasing every signer's personal data once the petition is over waits for its
letters: app.letters.purge.)"""

import sqlalchemy as sa

from app.core.database import write_transaction
from app.core.email_address import canonical_email
from app.extensions import db
from app.models import (
    Petition,
    Signature,
)
from app.models.audit import record_change
from app.signatures.signing import name_key, withdraw_signature

SEARCH_LIMIT = 50


def find_signatures(petition: Petition, query: str) -> list[Signature]:
    """Signatures whose email is `query` (compared as canonical), or whose name starts with it."""
    query = query.strip()
    if not query:
        return []
    ours = Signature.petition_id == petition.id
    if "@" in query:
        condition = Signature.email_canonical == canonical_email(query)
    else:
        folded = name_key(query, "")  # as names are kept: "María" finds "Maria" and "MARÍA"
        pattern = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = sa.or_(
            Signature.name_key.like(f"{pattern}%", escape="\\"),
            Signature.name_key.like(f"% {pattern}%", escape="\\"),
        )
    return list(
        db.session.scalars(
            sa.select(Signature).where(ours, condition).order_by(Signature.id).limit(SEARCH_LIMIT)
        )
    )


def signature_on_petition(petition: Petition, signature_id: int) -> Signature | None:
    """The signature with this id if it is on this petition."""
    return db.session.scalar(
        sa.select(Signature).where(
            Signature.id == signature_id, Signature.petition_id == petition.id
        )
    )


def delete_signature_on_request(petition: Petition, signature_id: int) -> bool:
    """Delete one signature (the signer asked): it leaves counts, exports and letters."""
    with write_transaction():
        if (
            db.session.scalar(sa.select(Signature.petition_id).where(Signature.id == signature_id))
            != petition.id
        ):
            return False
        record_change(petition, "signature deleted on the signer's request")
        return withdraw_signature(signature_id)  # with the exports and letters that name them

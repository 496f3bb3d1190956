"""Leaving an update list: the link in every update email, and the one-click POST that mail
programs send to it (RFC 8058). The link is signed (app.core.links) and names the signature
by its random `link_key`, so it is the proof on its own: no cookie, no form token.
Unsubscribing stops updates from that petition; the signature stays and still counts."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from app.core.database import write_transaction
from app.core.links import LinkPurpose, read_token, token_maker
from app.core.urls import absolute_url
from app.extensions import db
from app.mail.suppression import suppress
from app.models import OutboxMessage, OutboxStatus, Signature, SuppressionReason
from app.signatures.signing import signature_by_link_key

_MARK = "link"


def unsubscribe_urls() -> Callable[[str], str]:
    """What makes a signer's unsubscribe link (the https address in `List-Unsubscribe` and
    in the email) from their `link_key`. For many signers in a row: the address and the
    signer are made once, each link then costs its signature alone."""
    prefix = absolute_url("signing.unsubscribe", token=_MARK).removesuffix(_MARK)
    token = token_maker(LinkPurpose.UNSUBSCRIBE)
    return lambda link_key: prefix + token(link_key)


class BadUnsubscribeLink(Exception):
    """Not a link we made (mistyped, cut short, or forged)."""


@dataclass(frozen=True)
class UnsubscribeLink:
    """What a valid link names: the signature, or None once it was withdrawn or erased
    (then there is nothing left to send updates to)."""

    signature: Signature | None


def read_unsubscribe_link(token: str) -> UnsubscribeLink:
    claim = read_token(token, LinkPurpose.UNSUBSCRIBE)
    if claim is None:
        raise BadUnsubscribeLink(token)
    return UnsubscribeLink(signature_by_link_key(claim.key))


def unsubscribe(link: UnsubscribeLink) -> None:
    """Stop updates to this signature's address from its petition, at once and for good
    (even if it signs again): updates already queued for it are dropped too. The signature
    itself is untouched. Doing it twice is fine."""
    signature = link.signature
    if signature is None:
        return
    petition_id, signature_id = signature.petition_id, signature.id
    email, canonical = signature.email, signature.email_canonical
    with write_transaction():
        # The address, not only this signature: a household may share it.
        same_address = (
            sa.select(Signature.id).where(
                Signature.petition_id == petition_id, Signature.email_canonical == canonical
            )
            if canonical
            else sa.select(Signature.id).where(Signature.id == signature_id)
        )
        db.session.execute(
            sa.update(Signature)
            .where(Signature.id.in_(same_address))
            .values(wants_updates=False)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.delete(OutboxMessage)
            .where(
                OutboxMessage.signature_id.in_(same_address),
                OutboxMessage.update_id.is_not(None),
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .execution_options(synchronize_session=False)
        )
        if email:
            suppress(petition_id, email, SuppressionReason.UNSUBSCRIBED)

"""The signed links emailed to a signer: confirm a signature, withdraw it.

A token carries the signature's id and its `link_key`; it is signed with SECRET_KEY (so it
cannot be made up) and, for confirmation, stamped with its time (so it expires). Nothing is
stored per link.
"""

import hmac
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.clock import now
from app.models import Signature


class LinkPurpose(StrEnum):
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class LinkClaim:
    signature_id: int
    link_key: str
    expired: bool

    def matches(self, signature: Signature | None) -> bool:
        return signature is not None and hmac.compare_digest(signature.link_key, self.link_key)


class _ClockSigner(TimestampSigner):
    """Stamps and ages links by the application clock, like every other deadline."""

    def get_timestamp(self) -> int:
        return int(now().timestamp())


def _serializer(purpose: LinkPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.secret_key, salt=f"signature-{purpose}", signer=_ClockSigner
    )


def make_token(signature: Signature, purpose: LinkPurpose) -> str:
    return _serializer(purpose).dumps([signature.id, signature.link_key])


def read_token(token: str, purpose: LinkPurpose) -> LinkClaim | None:
    """What a token claims, or None if it was not made by us for this purpose.

    Confirmation links expire (CONFIRMATION_LINK_MAX_AGE_SECONDS); an expired one is still
    read, marked `expired`, so the page can offer to send a fresh one.
    """
    serializer = _serializer(purpose)
    max_age = (
        current_app.config["CONFIRMATION_LINK_MAX_AGE_SECONDS"]
        if purpose == LinkPurpose.CONFIRM
        else None
    )
    expired = False
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        expired = True
        payload = serializer.load_payload(error.payload) if error.payload is not None else None
    except BadSignature:
        return None
    if not (
        isinstance(payload, list)
        and len(payload) == 2
        and isinstance(payload[0], int)
        and isinstance(payload[1], str)
    ):
        return None
    return LinkClaim(payload[0], payload[1], expired)

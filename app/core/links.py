"""Signed links sent by email: confirm or withdraw a signature, stop its updates, set an
organizer's password.

A token carries a `key` that finds what it is about (a signature's random `link_key`; an
organizer's id with a fingerprint of their password hash), signed with SECRET_KEY so it
cannot be made up, and stamped with the application clock so it can expire. Changing the
row's key voids every link sent before. Nothing is stored per link.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.core.clock import now


class LinkPurpose(StrEnum):
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"
    UNSUBSCRIBE = "unsubscribe"
    SET_PASSWORD = "set-password"  # a link purpose # noqa: S105 # nosec B105


def _max_age(purpose: LinkPurpose) -> int | None:
    if purpose == LinkPurpose.CONFIRM:
        setting = "CONFIRMATION_LINK_MAX_AGE_SECONDS"
    elif purpose == LinkPurpose.SET_PASSWORD:
        setting = "PASSWORD_LINK_MAX_AGE_SECONDS"
    else:
        return None  # a signer may withdraw, or stop updates, at any time
    seconds: int = current_app.config[setting]
    return seconds


@dataclass(frozen=True)
class LinkClaim:
    key: str
    expired: bool


def secret_key() -> str | bytes:
    """The app's SECRET_KEY, which signs links and form tokens (every configuration sets it:
    create_app refuses to start without one in production)."""
    key = current_app.secret_key
    if key is None:
        raise RuntimeError("SECRET_KEY is not set")
    return key


class _ClockSigner(TimestampSigner):
    """Stamps and ages links by the application clock, like every other deadline."""

    def get_timestamp(self) -> int:
        return int(now().timestamp())


def _serializer(purpose: LinkPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(), salt=f"link-{purpose}", signer=_ClockSigner)


def make_token(purpose: LinkPurpose, key: str) -> str:
    return _serializer(purpose).dumps(key)


def token_maker(purpose: LinkPurpose) -> Callable[[str], str]:
    """`make_token` for many keys in a row (an update's 100,000 unsubscribe links): the
    serializer is built once."""
    return _serializer(purpose).dumps


def read_token(token: str, purpose: LinkPurpose) -> LinkClaim | None:
    """What a token claims, or None if we did not make it for this purpose. An expired one is
    still read, marked `expired`, so the page can offer to send a fresh one."""
    serializer = _serializer(purpose)
    expired = False
    try:
        payload = serializer.loads(token, max_age=_max_age(purpose))
    except SignatureExpired as error:
        expired = True
        payload = serializer.load_payload(error.payload) if error.payload is not None else None
    except BadSignature:
        return None
    if not isinstance(payload, str) or not payload:
        return None
    return LinkClaim(payload, expired)

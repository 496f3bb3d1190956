"""API tokens: organizers make, list and revoke them; the OSDI API finds the token a request
carries. Only a token's SHA-256 is stored: the secret is shown once, when it is made."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import ApiToken, Organizer

NAME_MAX_LENGTH = 80
# A token's last use is written at most this often: not a write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenRefused(ValueError):
    pass


class TooManyTokens(TokenRefused):
    """The organizer holds as many live tokens as they may (API_TOKENS_PER_ORGANIZER)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        plural = "" if limit == 1 else "s"
        super().__init__(
            f"This organizer already has {limit} live token{plural}, the most one may hold "
            "(API_TOKENS_PER_ORGANIZER): revoke one no longer used, then make the new one."
        )


@dataclass(frozen=True)
class TokenScopes:
    """What a token may do beyond reading petitions: read signers' personal data, record
    signatures, and record them as confirmed (without our confirmation email)."""

    personal_data: bool = False
    write: bool = False
    import_confirmed: bool = False


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(organizer: Organizer, name: str, scopes: TokenScopes) -> tuple[ApiToken, str]:
    """A new token for `organizer`, and its secret (never stored, never shown again)."""
    name = " ".join((name or "").split())
    if not name:
        raise TokenRefused("Give the token a name, such as the tool that will use it.")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenRefused(f"Use at most {NAME_MAX_LENGTH} characters for the name.")
    if scopes.import_confirmed and not scopes.write:
        raise TokenRefused("Recording signatures as confirmed needs the write scope too.")
    secret = secrets.token_urlsafe(32)
    limit = current_app.config["API_TOKENS_PER_ORGANIZER"]
    with write_transaction():
        # The organizer's row, locked, makes two requests at once count one after the other
        # (PostgreSQL; SQLite's write lock already does).
        db.session.execute(
            sa.select(Organizer.id).where(Organizer.id == organizer.id).with_for_update()
        )
        if live_token_count(organizer) >= limit:
            raise TooManyTokens(limit)
        token = ApiToken(
            organizer_id=organizer.id,
            name=name,
            token_hash=hash_secret(secret),
            hint=secret[:6],
            can_read_personal_data=scopes.personal_data,
            can_write=scopes.write,
            can_import_confirmed=scopes.import_confirmed,
        )
        db.session.add(token)
        return token, secret


def live_token_count(organizer: Organizer) -> int:
    return db.session.execute(
        sa.select(sa.func.count(ApiToken.id)).where(
            ApiToken.organizer_id == organizer.id, ApiToken.revoked_at.is_(None)
        )
    ).scalar_one()


def tokens_of(organizer: Organizer) -> list[ApiToken]:
    """The organizer's tokens, revoked ones included, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.organizer_id == organizer.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def token_of(organizer: Organizer, token_id: int) -> ApiToken | None:
    """One of the organizer's own tokens, revoked or not; None for anyone else's."""
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.organizer_id == organizer.id)
    )


def revoke_api_token(organizer: Organizer, token_id: int) -> ApiToken | None:
    """Revoke one of the organizer's own tokens; None if they have no such token. Revoking
    again changes nothing."""
    with write_transaction():
        token = db.session.scalar(
            sa.select(ApiToken).where(
                ApiToken.id == token_id, ApiToken.organizer_id == organizer.id
            )
        )
        if token is None:
            return None
        if token.revoked_at is None:
            token.revoked_at = now()
        return token


def token_for_secret(secret: str | None) -> ApiToken | None:
    """The live token this secret opens: not revoked, its organizer's account enabled."""
    if not secret or len(secret) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiToken)
        .join(Organizer, Organizer.id == ApiToken.organizer_id)
        .where(
            ApiToken.token_hash == hash_secret(secret),
            ApiToken.revoked_at.is_(None),
            Organizer.is_enabled.is_(True),
        )
    )


def note_token_used(token: ApiToken) -> None:
    """Remember when the token was last used (to the minute: one write a minute at most)."""
    at = now()
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_PRECISION:
        return
    token_id = token.id
    with write_transaction():
        db.session.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(last_used_at=at)
            .execution_options(synchronize_session=False)
        )

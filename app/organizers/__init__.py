"""Organizer accounts: created from the command line or invited by an admin; passwords set
from an emailed link; logging in."""

import hashlib
import hmac

import sqlalchemy as sa
from flask import render_template

from app.core.clock import now
from app.core.database import write_transaction
from app.core.email_address import normalize_email
from app.core.links import LinkClaim, LinkPurpose, make_token
from app.core.urls import absolute_url
from app.extensions import db
from app.mail.queue import enqueue_email
from app.models import Organizer

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    pass


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 200:
        raise AccountError("Use at most 200 characters.")


def organizer_by_email(email: str) -> Organizer | None:
    return db.session.scalar(sa.select(Organizer).where(Organizer.email == email.strip().lower()))


def create_organizer(
    email: str, password: str | None, *, admin: bool = False, invited_by: Organizer | None = None
) -> Organizer:
    """A new account, in the caller's transaction. Without a password it cannot log in until one
    is set from a link."""
    address = normalize_email(email).lower()
    if organizer_by_email(address) is not None:
        raise AccountError(f"{address} already has an account.")
    organizer = Organizer(email=address, is_admin=admin, invited_by_id=invited_by and invited_by.id)
    if password is not None:
        check_new_password(password)
        organizer.set_password(password)
    db.session.add(organizer)
    db.session.flush()
    return organizer


def create_account(email: str, password: str, *, admin: bool = False) -> Organizer:
    """A new account that can log in at once (the command line's first admin)."""
    with write_transaction():
        return create_organizer(email, password, admin=admin)


def _password_fingerprint(organizer: Organizer) -> str:
    # Changes whenever the password does, so a set-password link works once.
    return hashlib.sha256((organizer.password_hash or "unset").encode()).hexdigest()[:16]


def password_link(organizer: Organizer) -> str:
    key = f"{organizer.id}:{_password_fingerprint(organizer)}"
    return absolute_url("organizer.set_password", token=make_token(LinkPurpose.SET_PASSWORD, key))


def organizer_for_password_link(claim: LinkClaim) -> Organizer | None:
    """The enabled organizer a set-password link was made for, if it still fits: it stops
    fitting once the password is set."""
    organizer_id, _, fingerprint = claim.key.partition(":")
    organizer = db.session.get(Organizer, int(organizer_id)) if organizer_id.isdigit() else None
    if organizer is None or not organizer.is_enabled:
        return None
    return organizer if hmac.compare_digest(_password_fingerprint(organizer), fingerprint) else None


def queue_invitation(organizer: Organizer, invited_by: Organizer, petition=None) -> None:
    """Email an invited organizer a link to choose a password, in the caller's transaction;
    with `petition`, the one they were invited to help manage."""
    context = {
        "organizer": organizer,
        "invited_by": invited_by,
        "petition": petition,
        "link": password_link(organizer),
    }
    enqueue_email(
        purpose="organizer_invitation",
        recipient=organizer.email,
        subject="You are invited to organize petitions",
        body_text=render_template("email/organizer_invitation.txt", **context),
        body_html=render_template("email/organizer_invitation.html", **context),
    )


def invite_organizer(email: str, *, admin: bool, invited_by: Organizer) -> Organizer:
    """Create the account and email its owner a link to choose a password."""
    with write_transaction():
        organizer = create_organizer(email, None, admin=admin, invited_by=invited_by)
        queue_invitation(organizer, invited_by)
    return organizer


def authenticate(email: str, password: str) -> Organizer | None:
    """The organizer these credentials open, or None: as slowly whether the address is
    unknown, has no password yet, or is disabled (one password check each time)."""
    organizer = organizer_by_email(email)
    if organizer is None:
        Organizer.spend_a_password_check(password)
        return None
    if not organizer.check_password(password) or not organizer.is_active:
        return None
    with write_transaction():
        organizer.last_login_at = now()
    return organizer


def organizer_for_session(session_id: str) -> Organizer | None:
    """The active organizer a session's "<id>:<version>" names, if that version is still
    theirs: a session from before a logout, a disabling or a new password is not."""
    organizer_id, _, version = session_id.partition(":")
    if not (organizer_id.isdigit() and version.isdigit()):
        return None
    organizer = db.session.get(Organizer, int(organizer_id))
    if organizer is None or not organizer.is_active:
        return None
    return organizer if organizer.session_version == int(version) else None


def end_sessions(organizer_id: int) -> None:
    """Log the organizer out everywhere: every session opened so far stops working."""
    with write_transaction() as session:
        organizer = session.get(Organizer, organizer_id)
        if organizer is not None:
            organizer.end_sessions()


def change_password(organizer: Organizer, password: str) -> None:
    """A new password; every session opened with the old one ends."""
    check_new_password(password)
    with write_transaction():
        organizer.set_password(password)


def set_organizer_enabled(organizer_id: int, enabled: bool) -> Organizer | None:
    """Enable or disable an account; disabling ends its sessions. None if there is no such
    organizer."""
    with write_transaction() as session:
        organizer = session.get(Organizer, organizer_id)
        if organizer is None:
            return None
        if organizer.is_enabled and not enabled:
            organizer.end_sessions()
        organizer.is_enabled = enabled
    return organizer


def all_organizers() -> list[Organizer]:
    """Every account, by address (the admins' list)."""
    return list(db.session.scalars(sa.select(Organizer).order_by(Organizer.email)))

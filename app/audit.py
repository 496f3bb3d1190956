"""Recording who changed or took what, for the organizers' record."""

import getpass

from flask_login import current_user

from app.extensions import db
from app.models import Petition, PetitionChange


def actor_label() -> str:
    """The organizer logged in, or the command line's user."""
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.email
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"command line ({user})"


def _shown(value) -> str | None:
    return None if value is None else str(value)[:500]


def record_change(
    petition: Petition, what: str, old=None, new=None, *, actor: str | None = None
) -> None:
    """Add to the petition's record, in the caller's transaction; by `actor` if given, else
    by whoever `actor_label` finds."""
    db.session.add(
        PetitionChange(
            petition_id=petition.id,
            actor=actor or actor_label(),
            what=what,
            old_value=_shown(old),
            new_value=_shown(new),
        )
    )

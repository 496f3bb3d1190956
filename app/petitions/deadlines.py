"""Every rule about time windows: when a petition takes signatures and confirmations.

All of it judged against `app.core.clock.now()` unless an instant is given.
"""

from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.models import Petition, Signature


class Window(Protocol):
    """What the time rules read of a petition: a Petition, or the light read of one that
    the busiest requests make (app.petitions.queries.petition_for_visitors)."""

    @property
    def opens_at(self) -> datetime: ...
    @property
    def closes_at(self) -> datetime: ...
    @property
    def purged_at(self) -> datetime | None: ...


def _at(at: datetime | None) -> datetime:
    return now() if at is None else at


def has_opened(petition: Window, at: datetime | None = None) -> bool:
    return _at(at) >= petition.opens_at


def has_closed(petition: Window, at: datetime | None = None) -> bool:
    """Closed from the instant `closes_at` on: at the deadline the form is gone."""
    return _at(at) >= petition.closes_at


def is_open(petition: Window, at: datetime | None = None) -> bool:
    """Whether the petition takes new signatures at this instant. Never once its signers'
    data was erased, whatever the deadline says: a new signer's data would outlive it."""
    return petition.purged_at is None and has_opened(petition, at) and not has_closed(petition, at)


def open_at(at: datetime) -> sa.ColumnElement[bool]:
    """`is_open` as a query's condition on petitions: they take signatures at `at`."""
    return sa.and_(Petition.opens_at <= at, Petition.closes_at > at, Petition.purged_at.is_(None))


def confirmation_grace() -> timedelta:
    return timedelta(seconds=current_app.config["CONFIRMATION_GRACE_SECONDS"])


def accepts_confirmation(
    petition: Petition, signature: Signature, at: datetime | None = None
) -> bool:
    """A signature made while open may be confirmed until the grace period after closing ends."""
    moment = _at(at)
    made_in_time = signature.created_at < petition.closes_at
    return made_in_time and moment < petition.closes_at + confirmation_grace()


def count_is_final(petition: Petition, at: datetime | None = None) -> bool:
    return _at(at) >= petition.closes_at + confirmation_grace()


def time_left(petition: Window, at: datetime | None = None) -> timedelta:
    """Time until closing; zero once closed."""
    return max(petition.closes_at - _at(at), timedelta(0))

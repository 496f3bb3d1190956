"""A petition's closing, told once: the worker's scheduled task finds the published petitions
whose deadline has passed and records their petition.closed event with the final count (the
organizers' notice, app.events.notices, follows from it).

`closed_event_at` is set by a conditional UPDATE in the transaction that records the event,
so two workers, or a task run twice, record it once. A deadline moved into the future clears
it (app.petitions.settings), so a petition that reopens is told of again when it closes."""

import sqlalchemy as sa

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import Petition
from app.models.event import EventKind, record_event

BATCH = 100


def record_closed_petitions() -> int:
    """The scheduled task: how many petitions' closing it recorded."""
    at = now()
    due = list(
        db.session.scalars(
            sa.select(Petition.id)
            .where(
                Petition.published_at.is_not(None),
                Petition.closed_event_at.is_(None),
                Petition.closes_at <= at,
            )
            .order_by(Petition.closes_at)
            .limit(BATCH)
        )
    )
    return sum(record_closed(petition_id) for petition_id in due)


def record_closed(petition_id: int) -> int:
    """Record this petition's closing if it has not been; 1 if this call did."""
    with write_transaction() as session:
        at = now()
        count = session.execute(
            sa.update(Petition)
            .where(
                Petition.id == petition_id,
                Petition.closed_event_at.is_(None),
                Petition.closes_at <= at,
            )
            .values(closed_event_at=at)
            .returning(Petition.signature_count)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if count is None:
            return 0
        record_event(petition_id, EventKind.PETITION_CLOSED, count=count)
    return 1

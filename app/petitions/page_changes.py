"""Every change a petition's public page shows raises its `page_version`.

The rendered page is cached under that number (app.web.petition_page), so a change is seen at
the next request by every process: the web servers, the worker, the command line.

ORM changes are caught here in one place: any row of a kind the page shows (the petition, its
targets and their responses, translations, updates, deliveries, signatures) that a flush
adds, changes or deletes raises its petition's version in the same transaction, and so does
every entry in a petition's record of changes (`app.models.audit.record_change`), which the
services that write with Core statements (publishing an update, erasure) add. The count
raises it itself (`app.signatures.counting`).
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from app.models import (
    Delivery,
    Petition,
    PetitionChange,
    PetitionTranslation,
    Signature,
    Target,
    TargetTranslation,
    Update,
)
from app.models.response import TargetResponse
from app.models.update import UpdateTranslation


def page_changed(session: Session, *petition_ids: int) -> None:
    """Raise these petitions' page versions, inside the caller's transaction."""
    if petition_ids:
        session.execute(
            sa.update(Petition)
            .where(Petition.id.in_(set(petition_ids)))
            .values(page_version=Petition.page_version + 1)
            .execution_options(synchronize_session=False)
        )


_PETITION_ROWS = (Target, PetitionTranslation, Update, Delivery, PetitionChange, Signature)
_TARGET_ROWS = (TargetTranslation, TargetResponse)


def _changed_petitions(session: Session, rows: Iterable[object]) -> set[int]:
    """The petitions these rows belong to: most say it themselves, a target's rows through
    their target, an update's translations through their update."""
    ids: set[int] = set()
    target_ids: set[int] = set()
    update_ids: set[int] = set()
    for row in rows:
        if isinstance(row, Petition):
            ids.add(row.id)
        elif isinstance(row, _PETITION_ROWS):
            ids.add(row.petition_id)
        elif isinstance(row, _TARGET_ROWS):
            target_ids.add(row.target_id)
        elif isinstance(row, UpdateTranslation):
            update_ids.add(row.update_id)
    if target_ids:
        ids.update(session.scalars(sa.select(Target.petition_id).where(Target.id.in_(target_ids))))
    if update_ids:
        ids.update(session.scalars(sa.select(Update.petition_id).where(Update.id.in_(update_ids))))
    ids.discard(None)
    return ids


@event.listens_for(Session, "after_flush")
def _raise_versions(session: Session, _context: UOWTransaction) -> None:
    # After the flush new rows have their keys; the new/dirty/deleted sets are still the
    # flushed ones.
    changed = [row for row in session.dirty if session.is_modified(row, include_collections=False)]
    ids = _changed_petitions(session, (*session.new, *changed, *session.deleted))
    if ids:
        page_changed(session, *ids)

"""The signature count: kept exact in the transaction of every change, never counted per view.

`Petition.signature_count` holds the confirmed signatures. Whatever confirms, adds or removes
a confirmed signature calls `change_count` in the same transaction, so the number a page
shows is a column read, the same at ten signatures as at a million. `recount` checks it
against the rows and repairs it.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from app.core.database import write_transaction
from app.extensions import db
from app.models import Petition, Signature, SignatureStatus
from app.petitions.milestones import record_crossed


def change_count(petition_id: int, delta: int) -> None:
    """Add `delta` confirmed signatures, inside the caller's transaction; a rise that reaches
    the petition's next milestone records it, in the same transaction (once, whatever the
    race: app.petitions.milestones). The UPDATE reads back what that needs, so a change that
    crosses nothing costs no more statements."""
    count, next_milestone = db.session.execute(
        sa.update(Petition)
        .where(Petition.id == petition_id)
        # The page lists the latest signers: a change to the count is a change to the page.
        .values(
            signature_count=Petition.signature_count + delta,
            page_version=Petition.page_version + 1,
        )
        .returning(Petition.signature_count, Petition.next_milestone)
        .execution_options(synchronize_session=False)
    ).one()
    if delta > 0 and next_milestone is not None and count >= next_milestone:
        record_crossed(petition_id, count, delta, next_milestone)


@dataclass(frozen=True)
class Recount:
    slug: str
    stored: int
    counted: int

    @property
    def was_right(self) -> bool:
        return self.stored == self.counted


def recount(petition: Petition) -> Recount:
    """Count the confirmed rows and store that number, exactly, even while people confirm.

    The petition row is locked first: a confirmation that has changed its row but not yet
    the count waits for the lock, is not counted here, and adds itself after.
    """
    with write_transaction() as session:
        petition_id, slug = petition.id, petition.slug
        stored = session.execute(
            sa.select(Petition.signature_count).where(Petition.id == petition_id).with_for_update()
        ).scalar_one()
        counted = session.execute(
            sa.select(sa.func.count())
            .select_from(Signature)
            .where(
                Signature.petition_id == petition_id, Signature.status == SignatureStatus.CONFIRMED
            )
        ).scalar_one()
        if stored != counted:
            session.execute(
                sa.update(Petition)
                .where(Petition.id == petition_id)
                .values(signature_count=counted, page_version=Petition.page_version + 1)
                .execution_options(synchronize_session=False)
            )
    return Recount(slug, stored, counted)

"""Who manages which petition: admins manage all; other organizers the petitions they
started or were added to (PetitionMember). Adding and removing members is recorded on the
petition like any change of its settings."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.database import write_transaction
from app.extensions import db
from app.models import Organizer, Petition, PetitionMember
from app.models.audit import record_change
from app.organizers import create_organizer, organizer_by_email, queue_invitation


class MembershipRefused(ValueError):
    pass


@dataclass(frozen=True)
class Member:
    organizer_id: int
    email: str
    is_admin: bool
    is_enabled: bool
    added_at: datetime


def may_manage(organizer: Organizer, petition: Petition) -> bool:
    if organizer.is_admin:
        return True
    return (
        db.session.scalar(
            sa.select(PetitionMember.id).where(
                PetitionMember.petition_id == petition.id,
                PetitionMember.organizer_id == organizer.id,
            )
        )
        is not None
    )


def managed_petitions_query(organizer: Organizer) -> sa.Select:
    """The petitions `organizer` manages, drafts included, newest first."""
    query = sa.select(Petition).order_by(Petition.created_at.desc(), Petition.id.desc())
    if organizer.is_admin:
        return query
    return query.where(
        Petition.id.in_(
            sa.select(PetitionMember.petition_id).where(PetitionMember.organizer_id == organizer.id)
        )
    )


def petitions_managed_by(organizer: Organizer) -> list[Petition]:
    return list(db.session.scalars(managed_petitions_query(organizer)))


def members_of(petition: Petition) -> list[Member]:
    """The organizers added to `petition`, in the order they were added."""
    rows = db.session.execute(
        sa.select(
            Organizer.id,
            Organizer.email,
            Organizer.is_admin,
            Organizer.is_enabled,
            PetitionMember.added_at,
        )
        .join(PetitionMember, PetitionMember.organizer_id == Organizer.id)
        .where(PetitionMember.petition_id == petition.id)
        .order_by(PetitionMember.added_at, PetitionMember.id)
    )
    return [Member(*row) for row in rows]


def _membership(petition_id: int, organizer_id: int) -> PetitionMember | None:
    return db.session.scalar(
        sa.select(PetitionMember).where(
            PetitionMember.petition_id == petition_id,
            PetitionMember.organizer_id == organizer_id,
        )
    )


def join_petition(petition: Petition, organizer: Organizer) -> bool:
    """Make `organizer` a member, in the caller's transaction (a petition's creator joins
    the one that creates it). False if they already were."""
    stored = sa.inspect(petition).has_identity  # else it has no id yet
    if stored and _membership(petition.id, organizer.id) is not None:
        return False
    db.session.flush()  # the petition's id
    db.session.add(PetitionMember(petition_id=petition.id, organizer_id=organizer.id))
    record_change(petition, "member added", None, organizer.email)
    return True


def invite_to_petition(email: str, petition: Petition, invited_by: Organizer) -> Organizer:
    """A new account for `email` on `petition`'s team, its invitation queued, in the caller's
    transaction."""
    organizer = create_organizer(email, None, invited_by=invited_by)
    join_petition(petition, organizer)
    queue_invitation(organizer, invited_by, petition)
    return organizer


def add_member(petition: Petition, email: str, by: Organizer) -> str:
    """Let the organizer with this address manage `petition`, recorded on it; returns the
    address as kept. Whether the address has an account is not the adder's to learn, so the
    answer is the same either way: an address without one is invited (an account is made
    and its owner emailed a link to choose a password), a disabled account joins the team
    and still cannot log in. Only an address already on the team is refused."""
    with write_transaction():
        organizer = organizer_by_email(email)
        if organizer is None:
            organizer = invite_to_petition(email, petition, invited_by=by)
        elif not join_petition(petition, organizer):
            raise MembershipRefused(
                _l("%(email)s already manages this petition.", email=organizer.email)
            )
        address = organizer.email
        return address


def remove_member(petition: Petition, organizer_id: int) -> Organizer | None:
    """Take `organizer_id` off the team, recorded; never the last member (someone must
    remain who may manage it). None if they were not a member."""
    with write_transaction():
        membership = _membership(petition.id, organizer_id)
        if membership is None:
            return None
        remaining = db.session.execute(
            sa.select(sa.func.count())
            .select_from(PetitionMember)
            .where(PetitionMember.petition_id == petition.id)
        ).scalar_one()
        if remaining <= 1:
            raise MembershipRefused(
                _l("This is the last member of the team: add someone else before removing them.")
            )
        organizer = db.session.get_one(Organizer, organizer_id)  # a member's
        db.session.delete(membership)
        record_change(petition, "member removed", organizer.email, None)
        return organizer

"""Organizers' edits to a petition: goal, deadline, targets, the featured petition, from the
web or the command line. Each change is recorded with who made it, the old and new values.
The functions change the session; the caller commits."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.audit import record_change
from app.core.clock import in_zone, now
from app.extensions import db
from app.models import Petition, PetitionChange, Target


class TargetMissing(LookupError):
    pass


class DeadlineRefused(ValueError):
    pass


@dataclass(frozen=True)
class TargetSettings:
    title: str
    name: str
    email: str | None


@dataclass(frozen=True)
class PetitionSettings:
    goal: int
    closes_at: datetime
    featured: bool
    targets: tuple[TargetSettings, ...]


def _shown_time(petition: Petition, moment: datetime) -> str:
    return in_zone(moment, petition.zone).isoformat(timespec="seconds")


def set_goal(petition: Petition, goal: int) -> int:
    if goal == petition.goal:
        return 0
    record_change(petition, "goal", petition.goal, goal)
    petition.goal = goal
    return 1


def deadline_refusal(petition: Petition, closes_at: datetime) -> str | None:
    """Why the deadline may not move to `closes_at`, or None if it may.

    Once its signers' data is erased a petition never takes signatures again (a new signer's
    data would outlive the erasure): its deadline may not move into the future."""
    if petition.purged_at is None or closes_at == petition.closes_at or closes_at <= now():
        return None
    return (
        "This petition's signers' personal data was erased, so it cannot take signatures "
        "again: its deadline cannot move into the future."
    )


def set_deadline(petition: Petition, closes_at: datetime) -> int:
    if closes_at == petition.closes_at:
        return 0
    refusal = deadline_refusal(petition, closes_at)
    if refusal:
        raise DeadlineRefused(refusal)
    record_change(
        petition,
        "deadline",
        _shown_time(petition, petition.closes_at),
        _shown_time(petition, closes_at),
    )
    petition.closes_at = closes_at
    return 1


def set_featured(petition: Petition, featured: bool) -> int:
    """One petition is featured at a time (the home page shows it): featuring this one
    unfeatures any other, and that is recorded on the other too."""
    changes = 0
    if featured:
        others = db.session.scalars(
            sa.select(Petition).where(Petition.id != petition.id, Petition.featured.is_(True))
        ).all()
        for other in others:
            record_change(other, "featured", True, False)
            other.featured = False
            changes += 1
    if featured != petition.featured:
        record_change(petition, "featured", petition.featured, featured)
        petition.featured = featured
        changes += 1
    return changes


def set_target(
    petition: Petition,
    position: int,
    *,
    title: str | None = None,
    name: str | None = None,
    email: str | None = None,
    clear_email: bool = False,
) -> tuple[Target, int]:
    """Edit the target at `position` (1 is named first), or add it given a title and name."""
    target = next((t for t in petition.targets if t.position == position), None)
    if target is None:
        if not (title and name):
            raise TargetMissing(position)
        target = Target(position=position, title=title, name=name, email=email)
        petition.targets.append(target)
        record_change(petition, f"target {position} added", None, f"{title} {name} <{email or ''}>")
        return target, 1
    changes = 0
    wanted = {"title": title, "name": name, "email": None if clear_email else email}
    for field, new in wanted.items():
        if new is None and not (field == "email" and clear_email):
            continue
        old = getattr(target, field)
        if old != new:
            record_change(petition, f"target {position} {field}", old, new)
            setattr(target, field, new)
            changes += 1
    return target, changes


def current_settings(petition: Petition) -> PetitionSettings:
    return PetitionSettings(
        goal=petition.goal,
        closes_at=petition.closes_at,
        featured=petition.featured,
        targets=tuple(TargetSettings(t.title, t.name, t.email) for t in petition.targets),
    )


def apply_settings(petition: Petition, wanted: PetitionSettings) -> int:
    """Change what differs, recording each change. Returns how many changed.

    Raises DeadlineRefused before changing anything if the deadline may not move."""
    refusal = deadline_refusal(petition, wanted.closes_at)
    if refusal:
        raise DeadlineRefused(refusal)
    changes = set_goal(petition, wanted.goal)
    changes += set_deadline(petition, wanted.closes_at)
    changes += set_featured(petition, wanted.featured)
    for position, target in enumerate(wanted.targets, start=1):
        changes += set_target(
            petition,
            position,
            title=target.title,
            name=target.name,
            email=target.email,
            clear_email=not target.email,
        )[1]
    return changes


def recent_changes(petition: Petition, limit: int = 30) -> list[PetitionChange]:
    return list(
        db.session.scalars(
            sa.select(PetitionChange)
            .where(PetitionChange.petition_id == petition.id)
            .order_by(PetitionChange.changed_at.desc(), PetitionChange.id.desc())
            .limit(limit)
        )
    )

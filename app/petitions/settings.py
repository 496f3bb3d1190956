"""Organizers' edits to a petition: goal, deadline, targets, the featured petition, from the
web or the command line. Each change is recorded with who made it, the old and new values.
The services open their write transaction (joining the caller's, if it has one)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.clock import in_zone, now
from app.core.database import write_transaction
from app.core.text_rules import is_one_line
from app.extensions import db
from app.models import Organizer, Petition, PetitionChange, Target
from app.models.audit import record_change
from app.petitions.milestones import goal_changed


class TargetMissing(LookupError):
    pass


class DeadlineRefused(ValueError):
    pass


# What every way of editing a target (the forms, files, the command line) holds it to: its
# title and name are drawn on the page, the share image and the letters.
TARGET_TEXT_RULE = _l(
    "A target's title and name are one line of visible text: remove the control and invisible "
    "characters (direction marks, zero-width spaces)."
)


class SettingRefused(ValueError):
    """A value no petition may have, or a change this organizer may not make; nothing was
    changed."""


@dataclass(frozen=True)
class TargetSettings:
    title: str
    name: str
    email: str | None


@dataclass(frozen=True)
class PetitionSettings:
    goal: int
    closes_at: datetime
    featured: bool | None  # None: as it is (what organizers other than admins send)
    targets: tuple[TargetSettings, ...]
    share_channel: str | None = None  # app.petitions.sharing.SHARE_CHANNELS; None: anywhere
    contact_email: str | None = None  # the Reply-To of what goes to the officials


def _shown_time(petition: Petition, moment: datetime) -> str:
    return in_zone(moment, petition.zone).isoformat(timespec="seconds")


def _set_recorded(petition: Petition, column: str, value: object) -> int:
    """Set one column, recording the change; how many changed (0 or 1)."""
    old = getattr(petition, column)
    if old == value:
        return 0
    record_change(petition, column.replace("_", " "), old, value)
    setattr(petition, column, value)
    return 1


def set_goal(petition: Petition, goal: int) -> int:
    if goal == petition.goal:
        return 0
    record_change(petition, "goal", petition.goal, goal)
    petition.goal = goal
    goal_changed(petition)
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
    with write_transaction():
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
        if closes_at > now():
            petition.closed_event_at = None  # it takes signatures again: told when it closes
        return 1


def set_featured(petition: Petition, featured: bool | None, by: Organizer | None = None) -> int:
    """One petition is featured at a time (the home page shows it): featuring this one
    unfeatures any other, and that is recorded on the other too. The home page belongs to
    the whole site, so only an admin (or the command line, `by` None) changes it; a draft
    is never featured. `featured` None leaves it as it is."""
    if featured is None:
        return 0
    others: Sequence[Petition] = []
    if featured:
        others = db.session.scalars(
            sa.select(Petition).where(Petition.id != petition.id, Petition.featured.is_(True))
        ).all()
    if featured == petition.featured and not others:
        return 0
    if by is not None and not by.is_admin:
        raise SettingRefused(_l("Only an admin chooses the petition the home page features."))
    if featured and not petition.is_published:
        raise SettingRefused(_l("A draft cannot be featured: publish it first."))
    for other in others:
        record_change(other, "featured", True, False)
        other.featured = False
    if featured == petition.featured:
        return len(others)
    record_change(petition, "featured", petition.featured, featured)
    petition.featured = featured
    return len(others) + 1


def set_target(
    petition: Petition,
    position: int,
    *,
    title: str | None = None,
    name: str | None = None,
    email: str | None = None,
    clear_email: bool = False,
) -> tuple[Target, int]:
    """Edit the target at `position` (1 is named first), or add it given a title and name.
    A title or name that is not one line of visible text is refused (SettingRefused)."""
    if not all(given is None or is_one_line(given) for given in (title, name)):
        raise SettingRefused(TARGET_TEXT_RULE)
    with write_transaction():
        target = next((t for t in petition.targets if t.position == position), None)
        if target is None:
            if not (title and name):
                raise TargetMissing(position)
            target = Target(position=position, title=title, name=name, email=email)
            petition.targets.append(target)
            record_change(
                petition, f"target {position} added", None, f"{title} {name} <{email or ''}>"
            )
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
        share_channel=petition.share_channel,
        contact_email=petition.contact_email,
    )


def apply_settings(
    petition: Petition, wanted: PetitionSettings, by: Organizer | None = None
) -> int:
    """Change what differs, recording each change, as `by` (None: the command line).
    Returns how many changed.

    Raises DeadlineRefused if the deadline may not move, and SettingRefused for a change
    `by` may not make: then nothing changes."""
    with write_transaction():
        refusal = deadline_refusal(petition, wanted.closes_at)
        if refusal:
            raise DeadlineRefused(refusal)
        changes = set_featured(petition, wanted.featured, by)
        changes += set_goal(petition, wanted.goal)
        changes += set_deadline(petition, wanted.closes_at)
        for column in ("share_channel", "contact_email"):
            changes += _set_recorded(petition, column, getattr(wanted, column))
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

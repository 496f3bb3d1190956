"""A petition's life before and around publishing: started as a draft from the web (or a
file), edited, published. A draft is invisible to the public; once published, every edit is
recorded like the settings are, and a changed slug leaves its old one behind as a redirect.

Each service opens its write transaction and commits: views and commands only call them."""

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from slugify import slugify

from app.core.clock import as_utc, default_time_zone, now
from app.core.database import write_transaction
from app.core.i18n import Message
from app.core.text_rules import is_one_line
from app.extensions import db
from app.models import FormerSlug, Organizer, Petition, PetitionMember, Target
from app.models.audit import record_change
from app.petitions.milestones import goal_changed
from app.petitions.settings import TARGET_TEXT_RULE, deadline_refusal

SLUG_MAX_LENGTH = 80
# The pattern of app.web.routing.SlugConverter: lower-case words and hyphens.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Slugs that would shadow a page of ours: /organizer/petitions/new is the form.
RESERVED_SLUGS = frozenset({"new"})
MAX_TARGETS = 12


class AuthoringRefused(ValueError):
    """Nothing was saved; `field` names the form field at fault, if one is."""

    def __init__(self, message: Message, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TargetFields:
    title: str
    name: str
    email: str | None = None
    # The target being edited; None adds one. Its translations stay with it when reordered.
    id: int | None = None


@dataclass(frozen=True)
class PetitionFields:
    """Everything an organizer writes about a petition. `slug` None (or empty) makes one
    from the title; the instants are aware (any zone), stored in UTC."""

    title: str
    organizer_name: str
    opens_at: datetime
    closes_at: datetime
    slug: str | None = None
    time_zone: str | None = None
    goal: int = 100
    resident_zip_prefixes: str = ""
    resident_label: str = ""
    about: str = ""
    letter_subject: str = ""
    letter_body: str = ""
    targets: tuple[TargetFields, ...] = ()


# --- slugs ---------------------------------------------------------------------------------


def slug_from(text: str) -> str:
    """A slug for the URL from a title or what an organizer typed: lower-case ASCII words and
    hyphens, at most 80 characters, cut at a word. Empty if nothing in it can be spelled so."""
    return slugify(text or "", max_length=SLUG_MAX_LENGTH, word_boundary=True)


def _slug_taken(slug: str, petition_id: int | None) -> bool:
    """In use by another petition, as its slug or a former one."""
    current = db.session.scalar(sa.select(Petition.id).where(Petition.slug == slug))
    if current is not None and current != petition_id:
        return True
    former = db.session.scalar(sa.select(FormerSlug.petition_id).where(FormerSlug.slug == slug))
    return former is not None and former != petition_id


def _with_suffix(base: str, number: int) -> str:
    suffix = f"-{number}"
    return base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix


def free_slug(base: str, petition_id: int | None = None) -> str:
    """`base`, or `base-2`, `base-3`... the first no other petition uses (now or before)."""
    base = base or "petition"
    candidate, number = base, 1
    while candidate in RESERVED_SLUGS or _slug_taken(candidate, petition_id):
        number += 1
        candidate = _with_suffix(base, number)
    return candidate


def _chosen_slug(wanted: str | None, title: str, petition_id: int | None) -> str:
    """The slug typed (refused if taken), or one made from the title (made free)."""
    if not wanted:
        return free_slug(slug_from(title), petition_id)
    slug = slug_from(wanted)
    if not slug or not SLUG_PATTERN.match(slug):
        raise AuthoringRefused(
            _l("Use lower-case letters, digits and hyphens, like save-the-library."), "slug"
        )
    if slug in RESERVED_SLUGS or _slug_taken(slug, petition_id):
        # Whatever makes it unavailable: that another team's draft has it is theirs to know.
        raise AuthoringRefused(
            _l(
                "The address %(slug)s is not available. Try %(free)s.",
                slug=slug,
                free=free_slug(slug, petition_id),
            ),
            "slug",
        )
    return slug


def _set_slug(petition: Petition, slug: str, record: "_Record") -> None:
    """Give the petition its new slug. A published petition keeps its old one as a redirect
    (links to it are out in the world); taking back a former slug of its own removes that."""
    own_former = db.session.scalar(
        sa.select(FormerSlug).where(FormerSlug.slug == slug, FormerSlug.petition_id == petition.id)
    )
    if own_former is not None:
        db.session.delete(own_former)
        db.session.flush()
    if petition.is_published:
        db.session.add(FormerSlug(slug=petition.slug, petition_id=petition.id))
    record("slug", petition.slug, slug)
    petition.slug = slug


# --- checks ---------------------------------------------------------------------------------


def _check_times(petition: Petition | None, fields_: PetitionFields) -> None:
    if as_utc(fields_.closes_at) <= as_utc(fields_.opens_at):
        raise AuthoringRefused(_l("The petition must close after it opens."), "closes_at")
    if petition is not None:
        refusal = deadline_refusal(petition, as_utc(fields_.closes_at))
        if refusal:
            raise AuthoringRefused(refusal, "closes_at")


def _check_targets(targets: tuple[TargetFields, ...]) -> None:
    if len(targets) > MAX_TARGETS:
        raise AuthoringRefused(
            _l("A petition can address at most %(num)d targets.", num=MAX_TARGETS), "targets"
        )
    if not all(is_one_line(t.title) and is_one_line(t.name) for t in targets):
        raise AuthoringRefused(TARGET_TEXT_RULE, "targets")


# --- the services ---------------------------------------------------------------------------


class _Record:
    """Writes a published petition's changes to its record; a draft's are not recorded."""

    def __init__(self, petition: Petition, actor: Organizer | None) -> None:
        self.petition = petition
        self.on = petition.is_published
        self.actor = actor

    def __call__(self, what: str, old: object = None, new: object = None) -> None:
        if self.on:
            actor = self.actor.email if self.actor is not None else None
            record_change(self.petition, what, _shown(old), _shown(new), actor=actor)


def _shown(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="seconds")
    return str(value)


def _apply(petition: Petition, wanted: PetitionFields, record: _Record) -> int:
    values = {
        "title": wanted.title,
        "organizer_name": wanted.organizer_name,
        "time_zone": wanted.time_zone or petition.time_zone or default_time_zone(),
        "goal": wanted.goal,
        "resident_zip_prefixes": " ".join(wanted.resident_zip_prefixes.split()),
        "resident_label": wanted.resident_label,
        "about": wanted.about,
        "letter_subject": wanted.letter_subject,
        "letter_body": wanted.letter_body,
        "opens_at": as_utc(wanted.opens_at),
        "closes_at": as_utc(wanted.closes_at),
    }
    changes = 0
    for column, new in values.items():
        old = getattr(petition, column)
        if isinstance(old, datetime):
            old = as_utc(old)
        if old != new:
            record(column.replace("_", " "), old, new)
            setattr(petition, column, new)
            changes += 1
            if column == "goal":
                goal_changed(petition)
            if column == "closes_at" and as_utc(wanted.closes_at) > now():
                petition.closed_event_at = None  # it takes signatures again
    return changes + _apply_targets(petition, wanted.targets, record)


def _target_label(target: Target | TargetFields) -> str:
    return f"{target.title} {target.name} <{target.email or ''}>"


_STEP_ASIDE = 1000  # more than any position: moved targets wait there for their new place


def _apply_targets(petition: Petition, wanted: tuple[TargetFields, ...], record: _Record) -> int:
    """The targets as listed, in that order: kept ones edited (and moved), missing ones
    removed, new ones added. A target keeps its row (and its translated title) when it moves;
    positions are unique, so the rows step aside before taking their new places."""
    existing = {target.id: target for target in petition.targets}
    kept = {row.id for row in wanted if row.id in existing}
    changes = 0
    for removed in list(petition.targets):
        if removed.id not in kept:
            record(f"target {removed.position} removed", _target_label(removed), None)
            petition.targets.remove(removed)
            changes += 1
    for moved in petition.targets:
        moved.position += _STEP_ASIDE
    db.session.flush()
    placed = set()
    for position, row in enumerate(wanted, start=1):
        # A target is edited by one row; a second row naming it (a forged form) adds one.
        target = existing.get(row.id) if row.id in kept and row.id not in placed else None
        if target is None:
            petition.targets.append(
                Target(position=position, title=row.title, name=row.name, email=row.email)
            )
            record(f"target {position} added", None, _target_label(row))
            changes += 1
            continue
        placed.add(target.id)
        was = target.position - _STEP_ASIDE
        target.position = position
        if was != position:
            record("target moved", f"{was}. {target.full_name}", f"{position}. {target.full_name}")
            changes += 1
        for column in ("title", "name", "email"):
            old, new = getattr(target, column), getattr(row, column)
            if old != new:
                record(f"target {position} {column}", old, new)
                setattr(target, column, new)
                changes += 1
    petition.targets.sort(key=lambda target: target.position)
    return changes


def _slug_race() -> AuthoringRefused:
    return AuthoringRefused(_l("Another petition just took this address: save again."), "slug")


def start_petition(by: Organizer, wanted: PetitionFields) -> Petition:
    """A new draft from what `by` wrote: they are recorded as its creator and as a member
    who manages it. The slug is the one typed (refused if taken) or made from the title."""
    organizer_id = by.id
    _check_times(None, wanted)
    _check_targets(wanted.targets)
    try:
        with write_transaction() as session:
            petition = Petition(
                slug=_chosen_slug(wanted.slug, wanted.title, None),
                time_zone=wanted.time_zone or default_time_zone(),
                featured=False,
                published_at=None,
                created_by_id=organizer_id,
                title="",
                organizer_name="",
                about="",
                letter_subject="",
                letter_body="",
                opens_at=as_utc(wanted.opens_at),
                closes_at=as_utc(wanted.closes_at),
            )
            session.add(petition)
            session.flush()
            _apply(petition, wanted, _Record(petition, by))
            session.add(PetitionMember(petition_id=petition.id, organizer_id=organizer_id))
    except sa.exc.IntegrityError:  # another organizer took the same address at that instant
        raise _slug_race() from None
    return petition


def edit_petition(
    petition: Petition, wanted: PetitionFields, actor: Organizer | None = None
) -> int:
    """Change what differs; returns how many changes. Once published, each one is recorded
    (who, when, old and new value) and a new slug leaves the old one as a redirect.
    `wanted.slug` empty keeps the slug."""
    _check_targets(wanted.targets)
    petition_id = petition.id
    try:
        with write_transaction() as session:
            petition = session.get_one(Petition, petition_id)
            _check_times(petition, wanted)
            slug = _chosen_slug(wanted.slug, wanted.title, petition.id) if wanted.slug else None
            record = _Record(petition, actor)
            changes = _apply(petition, wanted, record)
            if slug and slug != petition.slug:
                _set_slug(petition, slug, record)
                changes += 1
            if changes:
                petition.updated_at = now()
    except sa.exc.IntegrityError:
        raise _slug_race() from None
    return changes


def fields_of(petition: Petition) -> PetitionFields:
    """The petition as the form shows it (the instants in UTC)."""
    return PetitionFields(
        title=petition.title,
        organizer_name=petition.organizer_name,
        opens_at=as_utc(petition.opens_at),
        closes_at=as_utc(petition.closes_at),
        slug=petition.slug,
        time_zone=petition.time_zone,
        goal=petition.goal,
        resident_zip_prefixes=petition.resident_zip_prefixes,
        resident_label=petition.resident_label,
        about=petition.about,
        letter_subject=petition.letter_subject,
        letter_body=petition.letter_body,
        targets=tuple(TargetFields(t.title, t.name, t.email, t.id) for t in petition.targets),
    )

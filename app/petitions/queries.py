"""Finding petitions and what their public page shows."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from app.core.clock import in_zone, now
from app.core.database import AnyRow, read_one_row
from app.extensions import db
from app.models import (
    FormerSlug,
    NameDisplay,
    Petition,
    Signature,
    SignatureStatus,
    Target,
)
from app.models.signature import public_name
from app.petitions.deadlines import is_open
from app.petitions.goals import displayed_goal

RECENT_SIGNERS_SHOWN = 10


def all_petitions() -> list[Petition]:
    """Every petition, drafts included, oldest first."""
    return list(db.session.scalars(sa.select(Petition).order_by(Petition.id)))


def current_slug_of(former_slug: str) -> str | None:
    """The slug a published petition has now, if it once had `former_slug` (its old links
    keep working)."""
    return db.session.scalar(
        sa.select(Petition.slug)
        .join(FormerSlug, FormerSlug.petition_id == Petition.id)
        .where(FormerSlug.slug == former_slug, Petition.published_at.is_not(None))
    )


def petition_by_slug(slug: str) -> Petition | None:
    return db.session.scalar(sa.select(Petition).where(Petition.slug == slug))


# What the busiest requests (the page, the count, signing) need of a petition: Petition's
# own columns, read in one light query without building an ORM object.
_VISITORS_COLUMNS = (
    Petition.id,
    Petition.slug,
    Petition.title,
    Petition.organizer_name,
    Petition.resident_zip_prefixes,
    Petition.time_zone,
    Petition.signature_count,
    Petition.goal,
    Petition.opens_at,
    Petition.closes_at,
    Petition.purged_at,  # an erased petition never takes signatures again
    Petition.published_at,  # a draft (None) is not public
    Petition.page_version,  # raised by every change the public page shows
    Petition.integrity_key,  # signing keys the signer's network with it
)
_FOR_VISITORS = sa.select(*_VISITORS_COLUMNS).where(Petition.slug == sa.bindparam("slug"))
_FOR_VISITORS_BY_ID = sa.select(*_VISITORS_COLUMNS).where(Petition.id == sa.bindparam("id"))

# Rows kept per process and app (app.extensions), by slug, for `kept_petition_for_visitors`.
_KEPT = "petition_rows_for_visitors"
_KEPT_AT_MOST = 256


def _kept() -> dict[str, AnyRow]:
    kept: dict[str, AnyRow] = current_app.extensions.setdefault(_KEPT, {})
    return kept


def _keep(row: AnyRow | None) -> AnyRow | None:
    if row is not None:
        kept = _kept()
        if len(kept) >= _KEPT_AT_MOST:
            kept.clear()
        kept[row.slug] = row
    return row


def petition_for_visitors(slug: str) -> AnyRow | None:
    """The columns of `_FOR_VISITORS`, by name, as they are now. Outside the session: a
    request that goes on to write (signing) begins its write at once instead of first ending
    a read."""
    return _keep(read_one_row(_FOR_VISITORS, {"slug": slug}))


def petition_for_visitors_now(petition_id: int) -> AnyRow | None:
    """The same, by id (a slug may have changed since a kept row was read)."""
    return _keep(read_one_row(_FOR_VISITORS_BY_ID, {"id": petition_id}))


def kept_petition_for_visitors(slug: str) -> AnyRow | None:
    """The row this process last read for `slug`, which may be behind the petition: for
    signing alone, which compares its `page_version` with the petition's inside its write
    transaction and reads it again if it moved on (app.signatures.signing)."""
    row = _kept().get(slug)
    if row is None or row.published_at is None:  # a refusal is never made from a kept row
        return petition_for_visitors(slug)
    return row


def home_petition() -> Petition | None:
    """The featured petition that is open; else the most recently created one. Never a
    draft."""
    at = now()
    published = Petition.published_at.is_not(None)
    featured_open = db.session.scalar(
        sa.select(Petition)
        .where(
            published,
            Petition.featured.is_(True),
            Petition.opens_at <= at,
            Petition.closes_at > at,
        )
        .order_by(Petition.closes_at)
        .limit(1)
    )
    if featured_open is not None:
        return featured_open
    return db.session.scalar(
        sa.select(Petition).where(published).order_by(Petition.created_at.desc()).limit(1)
    )


@dataclass(frozen=True)
class PublicSigner:
    name: str
    zip_code: str
    reason: str | None
    signed_at: datetime


def recent_public_signers(
    petition: Petition, limit: int = RECENT_SIGNERS_SHOWN
) -> list[PublicSigner]:
    """The latest confirmed signers who chose to be named, newest first. One index walk,
    whatever the number of signatures."""
    rows = db.session.execute(
        sa.select(
            Signature.first_name,
            Signature.last_name,
            Signature.name_display,
            Signature.zip_code,
            Signature.reason,
            Signature.confirmed_at,
        )
        .where(
            Signature.petition_id == petition.id,
            Signature.status == SignatureStatus.CONFIRMED,
            Signature.name_display != NameDisplay.HIDDEN,
        )
        .order_by(Signature.confirmed_at.desc())
        .limit(limit)
    )
    return [
        PublicSigner(
            name=name, zip_code=row.zip_code, reason=row.reason, signed_at=row.confirmed_at
        )
        for row in rows
        # Always named: hidden names are not selected.
        if (name := public_name(row.first_name, row.last_name, row.name_display)) is not None
    ]


def letter_greeting(targets: list[Target]) -> str:
    """'Dear Mayor Michael Nutter, District Attorney Seth Williams and Judge Marsha Neifield:'"""
    names = [target.full_name for target in targets]
    if len(names) > 1:
        joined = ", ".join(names[:-1]) + " and " + names[-1]
    else:
        joined = "".join(names)
    return f"Dear {joined}:"


def petition_summary(petition: Petition, url: str) -> dict[str, object]:
    """The public JSON description of a petition (no signer, no official's address)."""
    count = petition.signature_count
    return {
        "slug": petition.slug,
        "title": petition.title,
        "url": url,
        "organizer": petition.organizer_name,
        "signature_count": count,
        "goal": displayed_goal(count, petition.goal),
        "is_open": is_open(petition),
        "opens_at": in_zone(petition.opens_at, petition.zone).isoformat(),
        "closes_at": in_zone(petition.closes_at, petition.zone).isoformat(),
        # "none", "won", "answered" or "lost", as the organizers declared it, and when.
        "outcome": petition.outcome.value,
        "outcome_at": (
            petition.outcome_at.astimezone(petition.zone).isoformat()
            if petition.outcome_at
            else None
        ),
        "targets": [
            {"position": t.position, "title": t.title, "name": t.name} for t in petition.targets
        ],
    }

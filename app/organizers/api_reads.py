"""What an API token sees: the published petitions its organizer manages (admins: every
published petition), and their confirmed signatures. Reading signers' personal data is
recorded like an export."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.clock import now
from app.core.database import is_postgresql, write_transaction
from app.extensions import db
from app.mail.suppression import email_hashes, suppressed_among
from app.models import ApiToken, Petition, Signature, SignatureExport, SignatureStatus
from app.models.types import UTCDateTime
from app.organizers.membership import managed_petitions_query

# A signature is listed once the second it was confirmed in is over, and this long more for
# the transactions that confirmed in that second to commit. Modified dates are shown to the
# second, so a client that then asks for what was modified after the last one it saw (that
# second) would never be shown one confirmed later in the same second.
SETTLING = timedelta(seconds=1)


@dataclass(frozen=True)
class Page:
    items: list
    total: int


@dataclass(frozen=True)
class ModifiedRange:
    """Which modified dates a filter keeps: from `since` (included) until `until` (excluded),
    outside each of `excluded`'s [start, end)."""

    since: datetime | None = None
    until: datetime | None = None
    excluded: tuple[tuple[datetime, datetime], ...] = ()

    def conditions(self, column) -> list:
        conditions = [sa.or_(column < start, column >= end) for start, end in self.excluded]
        if self.since is not None:
            conditions.append(column >= self.since)
        if self.until is not None:
            conditions.append(column < self.until)
        return conditions


def token_actor(token: ApiToken) -> str:
    """Who, in the organizers' records: the token and its organizer."""
    return f"API token {token.name!r} of {token.organizer.email}"[:300]


def _visible(token: ApiToken) -> sa.Select:
    return managed_petitions_query(token.organizer).where(Petition.published_at.is_not(None))


def _petition_modified_date() -> sa.ColumnElement:
    """A petition's modified date as the API shows it: the latest of when it was made, last
    edited and published (app.signatures.osdi_resources.petition_resource)."""
    latest = sa.func.greatest if is_postgresql() else sa.func.max  # SQLite's max of several
    moments = [
        Petition.created_at,
        sa.func.coalesce(Petition.updated_at, Petition.created_at),
        sa.func.coalesce(Petition.published_at, Petition.created_at),
    ]
    return sa.type_coerce(latest(*moments), UTCDateTime)


def visible_petitions(
    token: ApiToken, *, page: int, per_page: int, modified: ModifiedRange = ModifiedRange()
) -> Page:
    query = _visible(token).where(*modified.conditions(_petition_modified_date()))
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(query.subquery())
    ).scalar_one()
    items = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Page(items, total)


def visible_petition(token: ApiToken, identifier: str) -> Petition | None:
    """The petition named by its id (`42`) or its slug, if the token may see it."""
    identifier = identifier.strip()
    if identifier.isascii() and identifier.isdigit() and len(identifier) < 12:
        condition = Petition.id == int(identifier)
    else:
        condition = Petition.slug == identifier
    return db.session.scalar(_visible(token).where(condition))


def _confirmed(petition: Petition) -> list:
    conditions = [
        Signature.petition_id == petition.id,
        Signature.status == SignatureStatus.CONFIRMED,
    ]
    if petition.purged_at is not None:
        conditions.append(sa.false())  # erased signers are nobody's data any more
    return conditions


def confirmed_signatures(
    petition: Petition,
    *,
    page: int,
    per_page: int,
    modified: ModifiedRange = ModifiedRange(),
) -> Page:
    """Confirmed signatures, in the order they came to count, those confirmed in the last
    second or two (SETTLING) left for later. A signature's modified date is when it was
    confirmed (nothing in it changes after that but its erasure, which hides it)."""
    settled = (now() - SETTLING).replace(microsecond=0)
    conditions = [
        *_confirmed(petition),
        Signature.confirmed_at < settled,
        *modified.conditions(Signature.confirmed_at),
    ]
    total = db.session.execute(
        sa.select(sa.func.count(Signature.id)).where(*conditions)
    ).scalar_one()
    items = list(
        db.session.scalars(
            sa.select(Signature)
            .where(*conditions)
            .order_by(Signature.confirmed_at, Signature.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return Page(items, total)


def confirmed_signature(petition: Petition, signature_id: int) -> Signature | None:
    return db.session.scalar(
        sa.select(Signature).where(*_confirmed(petition), Signature.id == signature_id)
    )


def subscribed_to_updates(petition: Petition, signatures: list[Signature]) -> set[int]:
    """Which of these signatures' signers get updates about the petition: they asked for them
    and their address is not suppressed (unsubscribed, or refused by its mail server)."""
    asking = {s.id: s.email for s in signatures if s.wants_updates and s.email}
    hashes = dict(zip(asking, email_hashes(asking.values()), strict=True))
    suppressed = suppressed_among(petition.id, hashes.values())
    return {signature_id for signature_id, hashed in hashes.items() if hashed not in suppressed}


def record_personal_data_read(
    petition: Petition, token: ApiToken, description: str, rows: int
) -> None:
    """Record that the API handed out signers' personal data, as an export is recorded."""
    petition_id, actor = petition.id, token_actor(token)
    at = now()
    with write_transaction():
        db.session.add(
            SignatureExport(
                petition_id=petition_id,
                actor=actor,
                started_at=at,
                filters=description[:300],
                row_count=rows,
                finished_at=at,
            )
        )

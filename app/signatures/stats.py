"""The figures on an organizer's dashboard. Counted from the signature rows, which keep ZIP,
source and dates even after a purge erases names and addresses."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.core.clock import local_day
from app.extensions import db
from app.models import Channel, Petition, Signature, SignatureStatus


@dataclass
class Dashboard:
    confirmed: int = 0
    pending: int = 0
    residents: int = 0
    elsewhere: int = 0
    paper: int = 0
    per_day: list[tuple[date, int]] = field(default_factory=list)
    top_zip_codes: list[tuple[str, int]] = field(default_factory=list)
    by_source: list[tuple[str, int]] = field(default_factory=list)


def _per_day(confirmed: sa.ColumnElement[bool], zone: ZoneInfo) -> list[tuple[date, int]]:
    """Confirmed signatures per day of the petition's zone.

    PostgreSQL groups by the local day itself. SQLite has no time zones: it groups by UTC
    quarter hour, which regroups exactly into local days in Python (every zone's offset, and
    every change of it, falls on a quarter hour)."""
    days: Counter[date] = Counter()
    if db.engine.dialect.name == "postgresql":
        # The zone inline (a known name), so SELECT and GROUP BY are the same expression.
        name = sa.literal(zone.key, literal_execute=True)
        day = sa.cast(sa.func.timezone(name, Signature.confirmed_at), sa.Date)
        for bucket, count in db.session.execute(
            sa.select(day, sa.func.count()).where(confirmed).group_by(day)
        ):
            days[bucket] += count
        return sorted(days.items())
    hour = sa.func.strftime("%Y-%m-%d %H:00:00", Signature.confirmed_at)
    quarter = sa.cast(sa.func.strftime("%M", Signature.confirmed_at), sa.Integer) // 15
    for bucket, quarters, count in db.session.execute(
        sa.select(hour, quarter, sa.func.count()).where(confirmed).group_by(hour, quarter)
    ):
        start = datetime.fromisoformat(bucket).replace(tzinfo=UTC)
        days[local_day(start + timedelta(minutes=15 * quarters), zone)] += count
    return sorted(days.items())


def dashboard(petition: Petition, top: int = 10) -> Dashboard:
    figures = Dashboard()
    ours = Signature.petition_id == petition.id
    confirmed = sa.and_(ours, Signature.status == SignatureStatus.CONFIRMED)

    for status, count in db.session.execute(
        sa.select(Signature.status, sa.func.count()).where(ours).group_by(Signature.status)
    ):
        if status == SignatureStatus.CONFIRMED:
            figures.confirmed = count
        else:
            figures.pending = count

    for is_resident, channel, count in db.session.execute(
        sa.select(Signature.is_resident, Signature.channel, sa.func.count())
        .where(confirmed)
        .group_by(Signature.is_resident, Signature.channel)
    ):
        if is_resident:
            figures.residents += count
        else:
            figures.elsewhere += count
        if channel == Channel.PAPER:
            figures.paper += count

    figures.per_day = _per_day(confirmed, petition.zone)

    zip_count = sa.func.count().label("n")
    figures.top_zip_codes = [
        (row.zip_code, row.n)
        for row in db.session.execute(
            sa.select(Signature.zip_code, zip_count)
            .where(confirmed)
            .group_by(Signature.zip_code)
            .order_by(zip_count.desc(), Signature.zip_code)
            .limit(top)
        )
    ]
    source_count = sa.func.count().label("n")
    figures.by_source = [
        (row.source or "direct", row.n)
        for row in db.session.execute(
            sa.select(Signature.source, source_count)
            .where(confirmed)
            .group_by(Signature.source)
            .order_by(source_count.desc())
        )
    ]
    return figures

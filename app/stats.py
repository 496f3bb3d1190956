"""The figures on an organizer's dashboard. Counted from the signature rows, which keep ZIP,
source and dates even after a purge erases names and addresses."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.core.clock import in_philadelphia
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


def _hour_bucket(column):
    """The UTC hour of a timestamp, in SQL. Philadelphia's offset is whole hours, so hours
    regroup exactly into Philadelphia days in Python."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.date_trunc("hour", sa.func.timezone("UTC", column))
    return sa.func.strftime("%Y-%m-%d %H:00:00", column)


def _as_utc_datetime(value) -> datetime:

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


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

    hour = _hour_bucket(Signature.confirmed_at)
    days: Counter[date] = Counter()
    for bucket, count in db.session.execute(
        sa.select(hour, sa.func.count()).where(confirmed).group_by(hour)
    ):
        days[in_philadelphia(_as_utc_datetime(bucket)).date()] += count
    figures.per_day = sorted(days.items())

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

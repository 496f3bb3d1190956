"""paper sheet dates, and name keys that fold accents and joiners

A paper signature keeps the date written on its sheet in `signed_on`; its `created_at` and
`confirmed_at` become the moment it was entered (for rows entered before this revision,
stamped at noon of the sheet's day, that moment is unknown: only a stamp still in the
future is moved to now). `name_key` is recomputed to fold accents and zero-width joiners
too; a row whose new key would make it the same person as another signature with the same
email on the same petition keeps its old key, and is named in the log.

Revision ID: eee63218b32b
Revises: 7c2f4a9d1e35
Create Date: 2026-11-23 10:00:00.000000

"""
import itertools
import logging
import unicodedata
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eee63218b32b'
down_revision = '7c2f4a9d1e35'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
PHILADELPHIA = ZoneInfo("America/New_York")
BATCH = 5000

signature = sa.table(
    "signature",
    sa.column("id", sa.Integer),
    sa.column("petition_id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("first_name", sa.String),
    sa.column("last_name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("email_canonical", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("confirmed_at", sa.DateTime(timezone=True)),
    sa.column("signed_on", sa.Date),
)


def _accent(char):
    code = ord(char)
    return (
        0x0300 <= code <= 0x036F
        or 0x1AB0 <= code <= 0x1AFF
        or 0x1DC0 <= code <= 0x1DFF
        or 0x20D0 <= code <= 0x20FF
        or 0xFE20 <= code <= 0xFE2F
    )


def folded_key(first_name, last_name):
    """app.signing.name_key as of this revision (copied: a migration must not change)."""
    decomposed = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    kept = "".join(c for c in decomposed if not _accent(c) and c not in ("\u200c", "\u200d"))
    return " ".join(unicodedata.normalize("NFKC", kept).casefold().split())


def previous_key(first_name, last_name):
    """app.signing.name_key before this revision: case, width and spacing only."""
    return " ".join(unicodedata.normalize("NFKC", f"{first_name} {last_name}").casefold().split())


def _utc(moment, bind):
    """An aware UTC instant as this database's driver takes it (SQLite: naive UTC)."""
    return moment.replace(tzinfo=None) if bind.dialect.name == "sqlite" else moment


def _recompute_name_keys(bind, key_of):
    """Every name key (erased ones, "", stay) recomputed by `key_of`, but never into the
    key of another signature with the same petition and email (the unique constraint):
    such a row keeps its key and is logged. Returns (changed, kept) counts."""
    rows = bind.execute(
        sa.select(
            signature.c.id,
            signature.c.petition_id,
            signature.c.email_canonical,
            signature.c.first_name,
            signature.c.last_name,
            signature.c.name_key,
        )
        .where(signature.c.name_key != "")
        .order_by(signature.c.petition_id, signature.c.email_canonical, signature.c.id)
        .execution_options(yield_per=BATCH)
    )
    updates, kept = [], []
    for (_petition, email), group in itertools.groupby(
        rows, key=lambda row: (row.petition_id, row.email_canonical)
    ):
        group = list(group)
        keys = {row.id: row.name_key for row in group}
        for row in group:
            new = key_of(row.first_name, row.last_name)
            if new == row.name_key:
                continue
            # Without an address there is no constraint: NULLs never collide.
            if email is not None and new in {k for i, k in keys.items() if i != row.id}:
                kept.append(row.id)
                continue
            keys[row.id] = new
            updates.append({"row_id": row.id, "key": new})
    change = (
        sa.update(signature)
        .where(signature.c.id == sa.bindparam("row_id"))
        .values(name_key=sa.bindparam("key"))
    )
    for start in range(0, len(updates), BATCH):  # in order: no two keys collide on the way
        bind.execute(change, updates[start : start + BATCH])
    if kept:
        log.warning(
            "name_key kept unchanged for signatures %s: folded, each would be the same person "
            "as another signature with the same email on the same petition. Check them in "
            "the organizers' signer search.",
            ", ".join(map(str, kept)),
        )
    log.info("name_key recomputed for %d signatures", len(updates))
    return len(updates), len(kept)


def upgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_on', sa.Date(), nullable=True))

    bind = op.get_bind()
    paper = bind.execute(
        sa.select(signature.c.id, signature.c.created_at).where(signature.c.channel == "paper")
    ).all()
    # Stamped at noon in Philadelphia on the sheet's day: that day is the sheet's date.
    sheet_dates = [{"row_id": row.id, "day": _philadelphia_day(row.created_at)} for row in paper]
    if sheet_dates:
        bind.execute(
            sa.update(signature)
            .where(signature.c.id == sa.bindparam("row_id"))
            .values(signed_on=sa.bindparam("day")),
            sheet_dates,
        )
    moment = _utc(datetime.now(UTC), bind)
    bind.execute(
        sa.update(signature)
        .where(signature.c.channel == "paper", signature.c.created_at > moment)
        .values(created_at=moment, confirmed_at=moment)
    )
    _recompute_name_keys(bind, folded_key)


def downgrade():
    bind = op.get_bind()
    _recompute_name_keys(bind, previous_key)
    paper = bind.execute(
        sa.select(signature.c.id, signature.c.signed_on).where(
            signature.c.channel == "paper", signature.c.signed_on.is_not(None)
        )
    ).all()
    noon = [
        {"row_id": row.id, "at": _utc(_noon_in_philadelphia(row.signed_on), bind)}
        for row in paper
    ]
    if noon:  # the dating of paper signatures before this revision
        bind.execute(
            sa.update(signature)
            .where(signature.c.id == sa.bindparam("row_id"))
            .values(created_at=sa.bindparam("at"), confirmed_at=sa.bindparam("at")),
            noon,
        )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_column('signed_on')


def _philadelphia_day(moment: datetime) -> date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(PHILADELPHIA).date()


def _noon_in_philadelphia(day: date) -> datetime:
    return datetime.combine(day, time(12), PHILADELPHIA).astimezone(UTC)

"""Signatures as CSV, streamed in chunks so a million rows take the memory of a few thousand.

Used by the organizers' download and by `flask signatures export`. Every cell that a
spreadsheet would run as a formula is neutralised, and every export is recorded.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.audit import actor_label
from app.clock import PHILADELPHIA, as_utc, in_philadelphia, now
from app.database import begin_write
from app.extensions import db
from app.models import Petition, Signature, SignatureExport, SignatureStatus

CHUNK_ROWS = 2000
BYTE_ORDER_MARK = "\ufeff"  # so spreadsheets open the file as UTF-8
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER = (
    "status",
    "channel",
    "first_name",
    "last_name",
    "name_display",
    "email",
    "zip_code",
    "philadelphia_resident",
    "reason",
    "source",
    "created_at",
    "confirmed_at",
)
_COLUMNS = (
    Signature.id,
    Signature.status,
    Signature.channel,
    Signature.first_name,
    Signature.last_name,
    Signature.name_display,
    Signature.email,
    Signature.zip_code,
    Signature.is_resident,
    Signature.reason,
    Signature.source,
    Signature.created_at,
    Signature.confirmed_at,
)


@dataclass(frozen=True)
class ExportFilters:
    status: SignatureStatus | None = None  # None: every signature
    signed_from: date | None = None  # Philadelphia dates, both included
    signed_to: date | None = None

    def describe(self) -> str:
        parts = [f"status={self.status.value if self.status else 'all'}"]
        if self.signed_from:
            parts.append(f"from={self.signed_from.isoformat()}")
        if self.signed_to:
            parts.append(f"to={self.signed_to.isoformat()}")
        return " ".join(parts)

    def conditions(self, petition: Petition) -> list:
        conditions = [Signature.petition_id == petition.id]
        if self.status is not None:
            conditions.append(Signature.status == self.status)
        if self.signed_from is not None:
            start = datetime.combine(self.signed_from, time.min, PHILADELPHIA)
            conditions.append(Signature.created_at >= as_utc(start))
        if self.signed_to is not None:
            end = datetime.combine(self.signed_to + timedelta(days=1), time.min, PHILADELPHIA)
            conditions.append(Signature.created_at < as_utc(end))
        return conditions


def neutralise(value: str) -> str:
    """A cell a spreadsheet would evaluate (=, +, -, @, tab, CR first) is prefixed with '."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _iso(moment: datetime | None) -> str:
    return in_philadelphia(moment).isoformat(timespec="seconds") if moment else ""


def _row(values) -> list[str]:
    (
        _id,
        status,
        channel,
        first,
        last,
        display,
        email,
        zip_code,
        resident,
        reason,
        source,
        created_at,
        confirmed_at,
    ) = values
    return [
        status,
        channel,
        neutralise(first),
        neutralise(last),
        display,
        neutralise(email or ""),
        zip_code,
        "yes" if resident else "no",
        neutralise(reason or ""),
        neutralise(source or ""),
        _iso(created_at),
        _iso(confirmed_at),
    ]


def _chunks(petition: Petition, filters: ExportFilters) -> Iterator[list]:
    """Rows in id order, a chunk per query (keyset pagination: no long transaction, no
    cursor held open across a slow download)."""
    last_id = 0
    conditions = filters.conditions(petition)
    while True:
        rows = db.session.execute(
            sa.select(*_COLUMNS)
            .where(*conditions, Signature.id > last_id)
            .order_by(Signature.id)
            .limit(CHUNK_ROWS)
        ).all()
        db.session.rollback()  # end the read transaction between chunks
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def export_signatures_csv(petition: Petition, filters: ExportFilters) -> Iterator[str]:
    """The CSV text in pieces, recording the export as it starts and when it completes."""
    begin_write()
    record = SignatureExport(
        petition_id=petition.id, actor=actor_label(), filters=filters.describe(), started_at=now()
    )
    db.session.add(record)
    db.session.commit()
    record_id = record.id

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BYTE_ORDER_MARK)
    writer.writerow(HEADER)
    yield buffer.getvalue()
    count = 0
    for rows in _chunks(petition, filters):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_row(row) for row in rows)
        count += len(rows)
        yield buffer.getvalue()

    begin_write()
    db.session.execute(
        sa.update(SignatureExport)
        .where(SignatureExport.id == record_id)
        .values(row_count=count, finished_at=now())
    )
    db.session.commit()


def recent_exports(petition: Petition, limit: int = 20) -> list[SignatureExport]:
    return list(
        db.session.scalars(
            sa.select(SignatureExport)
            .where(SignatureExport.petition_id == petition.id)
            .order_by(SignatureExport.started_at.desc(), SignatureExport.id.desc())
            .limit(limit)
        )
    )

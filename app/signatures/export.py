"""Signatures as CSV, streamed in chunks so a million rows take the memory of a few thousand.

Used by the organizers' download and by `flask signatures export`. Every cell that a
spreadsheet would run as a formula is neutralised, and every export is recorded.

The database writes each CSV line itself (quoting, neutralising, times in the petition's
zone): Python then only passes finished lines along, one string per row instead of a dozen
values to convert and quote. That is what keeps a million-row export within a small multiple of the
database's own CSV dump. Tests read the result back with Python's csv module, on SQLite and
PostgreSQL alike.
"""

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import ColumnElement, ColumnExpressionArgument

from app.core.clock import day_end, day_start, now
from app.core.database import is_postgresql, write_transaction
from app.core.text_rules import FORMULA_STARTS
from app.extensions import db
from app.models import Petition, Signature, SignatureExport, SignatureStatus
from app.models.audit import actor_label

CHUNK_ROWS = 10_000
Progress = Callable[[int], None]
_PIECE_BYTES = 256 * 1024
BYTE_ORDER_MARK = "\ufeff"  # so spreadsheets open the file as UTF-8
LINE_END = "\n"  # what PostgreSQL's COPY writes; every spreadsheet reads it

HEADER = (
    "status",
    "channel",
    "first_name",
    "last_name",
    "name_display",
    "email",
    "zip_code",
    "resident",
    "reason",
    "source",
    "created_at",
    "confirmed_at",
    "paper_signed_on",
    "wants_updates",  # last: added after the others, whose positions scripts may rely on
)


@dataclass(frozen=True)
class ExportFilters:
    status: SignatureStatus | None = None  # None: every signature
    signed_from: date | None = None  # days in the petition's zone, both included
    signed_to: date | None = None

    def describe(self) -> str:
        parts = [f"status={self.status.value if self.status else 'all'}"]
        if self.signed_from:
            parts.append(f"from={self.signed_from.isoformat()}")
        if self.signed_to:
            parts.append(f"to={self.signed_to.isoformat()}")
        return " ".join(parts)

    def conditions(self, petition: Petition) -> list[ColumnElement[bool]]:
        conditions = [Signature.petition_id == petition.id]
        if self.status is not None:
            conditions.append(Signature.status == self.status)
        if self.signed_from is not None:
            conditions.append(Signature.created_at >= day_start(self.signed_from, petition.zone))
        if self.signed_to is not None:
            conditions.append(Signature.created_at < day_end(self.signed_to, petition.zone))
        return conditions


# --- the CSV line, written by the database ------------------------------------------------


def _text(expression: ColumnExpressionArgument[Any]) -> ColumnElement[str]:
    return sa.type_coerce(sa.func.coalesce(expression, ""), sa.String())


def _formula_safe(expression: ColumnExpressionArgument[str | None]) -> ColumnElement[str]:
    text = _text(expression)
    if is_postgresql():
        starts_like_formula = sa.func.substr(text, 1, 1).in_(FORMULA_STARTS)
    else:  # one GLOB per cell is the cheapest test SQLite has
        starts_like_formula = text.op("GLOB")("[" + "".join(FORMULA_STARTS) + "]*")
    return sa.case((starts_like_formula, "'" + text), else_=text)


def _local_time(column: ColumnExpressionArgument[datetime | None]) -> ColumnElement[str]:
    """PostgreSQL: a stored timestamp as ISO 8601 in the petition's zone, with its offset
    (the export sets the session's time zone to it)."""
    return _text(sa.func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'))


class _LocalTime:
    """SQLite: its stored UTC text ("2027-07-15 16:00:00.000000") as ISO 8601 in `zone`.
    Where the offset is whole hours and the same all through a UTC hour (most zones, every
    hour but a change's), the hour is converted once (by the zone database) and minutes and
    seconds are copied; otherwise ("+05:30", the hour of a change) each time is converted."""

    _EXACT = ("", "")  # this hour's times are converted one by one

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._hours: dict[str, tuple[str, str]] = {}

    def _hour(self, utc_hour: str) -> tuple[str, str]:
        utc = datetime.fromisoformat(utc_hour + ":00:00").replace(tzinfo=UTC)
        start = utc.astimezone(self.zone)
        last = (utc + timedelta(seconds=3599)).astimezone(self.zone)
        offset = start.utcoffset()  # never None: the time is in a zone
        if offset is None or offset != last.utcoffset() or offset.total_seconds() % 3600:
            return self._EXACT
        local = start.isoformat()
        return local[:13], local[-6:]

    def __call__(self, utc_text: str) -> str:
        if not utc_text:
            return ""
        hour = self._hours.get(utc_text[:13])
        if hour is None:
            hour = self._hours[utc_text[:13]] = self._hour(utc_text[:13])
        if hour is self._EXACT:
            utc = datetime.fromisoformat(utc_text[:19]).replace(tzinfo=UTC)
            return utc.astimezone(self.zone).isoformat()
        return hour[0] + utc_text[13:19] + hour[1]


# Which cells may hold anything a person typed, and so are quoted.
_CELLS_QUOTED = (
    False,
    False,
    True,
    True,
    False,
    True,
    True,
    False,
    True,
    True,
    False,
    False,
    False,
    False,
)


def _sheet_date(column: ColumnExpressionArgument[date | None]) -> ColumnElement[str]:
    """A date as YYYY-MM-DD, or empty."""
    if is_postgresql():
        return _text(sa.func.to_char(column, "YYYY-MM-DD"))
    return _text(sa.type_coerce(column, sa.String()))  # SQLite keeps dates as that text


TimeCell = Callable[[ColumnExpressionArgument[datetime | None]], ColumnElement[str]]


def _cells(time: TimeCell = _local_time) -> list[ColumnElement[Any]]:
    """The cells of a row, each time written by `time` (PostgreSQL: in the petition's zone)."""
    return [
        _text(sa.type_coerce(Signature.status, sa.String())),
        _text(sa.type_coerce(Signature.channel, sa.String())),
        _formula_safe(Signature.first_name),
        _formula_safe(Signature.last_name),
        _text(sa.type_coerce(Signature.name_display, sa.String())),
        _formula_safe(Signature.email),
        _formula_safe(Signature.zip_code),
        sa.case((Signature.is_resident, "yes"), else_="no"),
        _formula_safe(Signature.reason),
        _formula_safe(Signature.source),
        time(Signature.created_at),
        time(Signature.confirmed_at),
        _sheet_date(Signature.signed_on),
        # Unsubscribing (or a bounce) clears it: whether the signer gets the updates.
        sa.case((Signature.wants_updates, "yes"), else_="no"),
    ]


def _csv_line() -> ColumnElement[str]:
    """SQLite writes the line with printf (%w doubles the double quotes inside a quoted
    cell), with the two times as stored UTC text: Python puts them in the petition's zone
    (SQLite has no time zones)."""
    cells = _cells(time=lambda column: sa.type_coerce(column, sa.String()))
    template = ",".join('"%w"' if quoted else "%s" for quoted in _CELLS_QUOTED)
    return sa.func.printf(template, *cells)


def _sqlite_lines(petition: Petition, filters: ExportFilters) -> Iterator[tuple[str, int]]:
    """Finished CSV text in id order, a page per query (keyset pagination: no transaction
    or cursor held open across a slow download), with its number of rows.

    The query is compiled once, its values written in (ours: ids, dates, a status), and run
    on the driver's cursor: a million rows skip SQLAlchemy's per-row result objects."""
    query = (
        sa.select(Signature.id, _csv_line())
        .where(*filters.conditions(petition), Signature.id > sa.literal_column("?"))
        .order_by(Signature.id)
        .limit(CHUNK_ROWS)
    )
    sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    iso = _LocalTime(petition.zone)
    last_id = 0
    while True:
        rows = _sqlite_connection().execute(sql, (last_id,)).fetchall()
        db.session.commit()  # end the read transaction between pages
        if not rows:
            return
        lines = []
        for _id, text in rows:
            head, created_at, confirmed_at, signed_on, wants = text.rsplit(",", 4)  # comma-free
            lines.append(f"{head},{iso(created_at)},{iso(confirmed_at)},{signed_on},{wants}")
        yield LINE_END.join(lines) + LINE_END, len(rows)
        last_id = rows[-1][0]


def _sqlite_connection() -> sqlite3.Connection:
    """The driver's connection under the session's, in the session's transaction."""
    connection = db.session.connection().connection.dbapi_connection
    if not isinstance(connection, sqlite3.Connection):
        raise TypeError(f"not a SQLite connection: {connection!r}")
    return connection


def _postgresql_copy(petition: Petition, filters: ExportFilters) -> Iterator[tuple[str, int]]:
    """PostgreSQL writes the CSV itself (COPY ... TO STDOUT), streamed to us block by block:
    one statement, one snapshot, no Python per row."""
    from psycopg import ClientCursor, Connection

    query = (
        sa.select(*_cells())
        .where(*filters.conditions(petition))
        .order_by(Signature.id)
        .compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    )
    connection = db.session.connection().connection.dbapi_connection
    if not isinstance(connection, Connection):
        raise TypeError(f"not a psycopg connection: {connection!r}")
    select = ClientCursor(connection).mogrify(str(query), query.params)
    buffered: list[bytes] = []
    size = 0
    with connection.cursor() as cursor:
        # SET takes no parameter; set_config does, for this transaction only.
        cursor.execute("SELECT set_config('TimeZone', %s, true)", (petition.zone.key,))
        with cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:  # about a row each: gathered into pieces of some size
                buffered.append(bytes(block))
                size += len(block)
                if size >= _PIECE_BYTES:
                    yield b"".join(buffered).decode("utf-8"), 0
                    buffered, size = [], 0
        rows = cursor.rowcount
    db.session.commit()
    yield b"".join(buffered).decode("utf-8"), rows


def matching_count(petition: Petition, filters: ExportFilters) -> int:
    """How many rows an export with these filters has now (for a progress bar)."""
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Signature).where(*filters.conditions(petition))
    ).scalar_one()


def signature_csv_pieces(
    petition: Petition, filters: ExportFilters, progress: Progress | None = None
) -> Iterator[tuple[str, int]]:
    """The CSV text in pieces, each with the number of rows it completes (PostgreSQL's COPY
    tells only at its end), recording nothing. `progress` is told the rows written so far
    after each piece (PostgreSQL: its lines, until the COPY ends and gives the exact count);
    on PostgreSQL it runs while the COPY's transaction is open, so it must not use the
    session."""
    yield BYTE_ORDER_MARK + ",".join(HEADER) + LINE_END, 0
    count = shown = 0
    pieces = _postgresql_copy if is_postgresql() else _sqlite_lines
    for text, rows in pieces(petition, filters):
        count += rows
        shown = count if rows else shown + text.count(LINE_END)
        if progress is not None:
            progress(shown)
        yield text, rows


def export_signatures_csv(
    petition: Petition, filters: ExportFilters, progress: Progress | None = None
) -> Iterator[str]:
    """The CSV text in pieces, recording the export as it starts and when it completes."""
    record_id = start_export_record(petition, filters.describe())
    count = 0
    for text, rows in signature_csv_pieces(petition, filters, progress):
        count += rows
        yield text
    finish_export_record(record_id, count)


def start_export_record(petition: Petition, filters: str) -> int:
    """Record that signatures are being handed out (who, when, which filters), committed."""
    with write_transaction():
        record = SignatureExport(
            petition_id=petition.id, actor=actor_label(), filters=filters, started_at=now()
        )
        db.session.add(record)
        db.session.flush()
        return record.id


def finish_export_record(record_id: int, row_count: int) -> None:
    with write_transaction():
        db.session.execute(
            sa.update(SignatureExport)
            .where(SignatureExport.id == record_id)
            .values(row_count=row_count, finished_at=now())
        )


def recent_exports(petition: Petition, limit: int = 20) -> list[SignatureExport]:
    return list(
        db.session.scalars(
            sa.select(SignatureExport)
            .where(SignatureExport.petition_id == petition.id)
            .order_by(SignatureExport.started_at.desc(), SignatureExport.id.desc())
            .limit(limit)
        )
    )

"""Database behaviour that is ours rather than the ORM's: SQLite tuning and write transactions
(`write_transaction`, the unit of work every service writes in)."""

import logging
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from app.extensions import db

WRITE_OPTION = "petitions_write"
SINGLE_READ_OPTION = "petitions_single_read"
log = logging.getLogger("app.database")

# A row read by column name (`row.slug`): how many columns, and of which types, is not tracked.
AnyRow = sa.Row[*tuple[Any, ...]]


def configure_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    else:
        _ping_after_idle(engine)

    # Registered after Flask-SQLAlchemy's, so it runs first: a connection the database
    # dropped fails even the closing rollback, and that must not turn an answered request
    # into an error. The pool has already discarded the dead connection.
    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except sa.exc.SQLAlchemyError as error:
            db.session.registry.clear()
            log.warning("closing a database session failed: %s", error)


# A pooled connection left unused this long is checked (one round trip) before it is used
# again, so one the server dropped meanwhile (a restart, a failover, an idle timeout) is
# replaced instead of failing a request. One used a moment ago is not: checking every time
# (pool_pre_ping) was a round trip of every request. A connection dropped while busy fails its
# request (503, app.web.errors) unless the request can simply try again (the busiest reads,
# `read_one_row`, and signing do), and the pool replaces it.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "petitions_idle_since"


def _ping_after_idle(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connected(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info.pop(_IDLE_SINCE, None)

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out another.
            raise sa.exc.DisconnectionError(str(error)) from error


def _tune_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # We emit BEGIN ourselves (below); pysqlite's own transaction handling would not let
        # a writer take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        options = connection.get_execution_options()
        if options.get(SINGLE_READ_OPTION):
            return  # one statement is its own transaction
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


class PendingChanges(RuntimeError):
    """A write transaction was asked for while the session held ORM changes made outside
    one: they would have been committed with it, unseen."""


_DEPTH = "petitions_write_depth"


@contextmanager
def write_transaction() -> Iterator[Session]:
    """The unit of work of a service: everything written inside commits together when the
    block ends, or is rolled back if it raises (and the error goes on).

    It behaves the same on SQLite and PostgreSQL. A read transaction still open is ended
    first, and the write begins at once: on SQLite with BEGIN IMMEDIATE, so a writer waits
    its turn for the lock under `busy_timeout` instead of failing with "database is locked"
    because another wrote since it began reading. It refuses to start (PendingChanges) while
    the session holds ORM changes made outside a write transaction. A service called inside
    another's transaction joins it: the outermost commits."""
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    if depth:
        session.info[_DEPTH] = depth + 1
        try:
            yield session
        finally:
            session.info[_DEPTH] = depth
        return
    if session.new or session.dirty or session.deleted:
        raise PendingChanges(
            "the session holds changes made outside a write transaction: "
            + ", ".join(repr(row) for row in (*session.new, *session.dirty, *session.deleted))
        )
    if session.in_transaction():
        session.commit()  # a read: nothing to write
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={WRITE_OPTION: True})
    session.info[_DEPTH] = 1
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info[_DEPTH] = 0


def rows_matched(result: sa.Result[*tuple[Any, ...]]) -> int:
    """How many rows the UPDATE or DELETE that gave `result` matched. Session.execute types
    every result as a plain Result; an UPDATE's or a DELETE's is a CursorResult."""
    if not isinstance(result, sa.CursorResult):
        raise TypeError(f"a {type(result).__name__} has no row count")
    return result.rowcount


def end_session_after_failure() -> None:
    """After an error that reached the top of a request or of the worker's loop: whatever
    the session was doing is rolled back, and a connection the database dropped is let go."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError as error:
        log.warning("rolling back after a failure failed: %s", error)
    db.session.remove()


def read_one_row(statement: sa.Executable, params: Mapping[str, object]) -> AnyRow | None:
    """One read statement on a connection of its own, outside any transaction: no BEGIN and
    no ROLLBACK around it (on PostgreSQL, two round trips of three). For the busiest reads
    (a petition's page and count); the caller's session is left without a transaction.
    Read again once on a new connection if the database had dropped the pooled one."""
    try:
        return _read_one_row(statement, params)
    except sa.exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return _read_one_row(statement, params)


def _read_one_row(statement: sa.Executable, params: Mapping[str, object]) -> AnyRow | None:
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection = connection.execution_options(**{SINGLE_READ_OPTION: True})
        else:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection.execute(statement, params).first()


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def checkpoint_sqlite() -> None:
    """After a large write on SQLite, copy the write-ahead log into the database now, on this
    caller's time: otherwise the next small writer (a signer) crosses the log's size limit
    and pays for the copy. PASSIVE: it waits for no one. On PostgreSQL it does nothing."""
    if db.engine.dialect.name != "sqlite":
        return
    raw = db.engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        raw.close()

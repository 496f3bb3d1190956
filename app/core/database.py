"""Database behaviour that is ours rather than the ORM's: SQLite tuning and write transactions."""

import logging

import sqlalchemy as sa
from flask import Flask

from app.extensions import db

WRITE_OPTION = "petitions_write"
SINGLE_READ_OPTION = "petitions_single_read"
log = logging.getLogger("app.database")


def configure_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)

    # Registered after Flask-SQLAlchemy's, so it runs first: a connection the database
    # dropped fails even the closing rollback, and that must not turn an answered request
    # into an error. The pool has already discarded the dead connection.
    @app.teardown_appcontext
    def _close_session(_error) -> None:
        try:
            db.session.remove()
        except sa.exc.SQLAlchemyError as error:
            db.session.registry.clear()
            log.warning("closing a database session failed: %s", error)


def _tune_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
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
    def _on_begin(connection):
        options = connection.get_execution_options()
        if options.get(SINGLE_READ_OPTION):
            return  # one statement is its own transaction
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def begin_write() -> None:
    """Start the session's next work as a write transaction.

    On SQLite this takes the write lock at once (BEGIN IMMEDIATE): a writer then waits its
    turn under `busy_timeout` instead of failing with "database is locked" because another
    wrote since it began reading. Any read-only transaction already open is ended first.
    On PostgreSQL it changes nothing.
    """
    if db.engine.dialect.name != "sqlite":
        return
    if db.session().in_transaction():
        db.session.commit()
    db.session.connection(execution_options={WRITE_OPTION: True})


def read_one_row(statement: sa.Executable, params: dict) -> sa.Row | None:
    """One read statement on a connection of its own, outside any transaction: no BEGIN and
    no ROLLBACK around it (on PostgreSQL, two round trips of three). For the busiest reads
    (a petition's page and count); the caller's session is left without a transaction."""
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

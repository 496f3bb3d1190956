"""Databases of a test's own, apart from the suite's: a new SQLite file, or on PostgreSQL
(TEST_DATABASE_URL) a new database on the same server, dropped afterwards."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import TEST_DATABASE_URL


@contextmanager
def scratch_database(folder: Path, purpose: str) -> Iterator[str]:
    """The URL of a new, empty database for `purpose` (letters and underscores)."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{folder / f'{purpose}.sqlite3'}"
        return
    server = sa.make_url(TEST_DATABASE_URL)
    name = f"{server.database}_{purpose}_{secrets.token_hex(4)}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()

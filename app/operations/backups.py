"""Backups of the whole site, and their restore (`backup create DIR`, `backup restore DIR`).

A backup is a folder:

    manifest.json     what the backup holds, written last: a folder without one is no backup
    database.sqlite3  SQLite: a copy made with the online backup API, a few pages at a time
    database.dump     PostgreSQL: pg_dump's custom format (-Fc), for pg_restore
    uploads/          UPLOAD_FOLDER's tree: the petitions' pictures and their share images

The prepared files (letters' PDFs, signature exports) are stored in the database, in
generated_file and generated_file_chunk (app.jobs.files), so they come with it; nothing else
is kept on disk. The manifest counts every table's rows in the same snapshot the copy was
taken from, and holds every upload's SHA-256, so a restore can check what it restored.

SECRET_KEY is never in a backup: it signs the emailed links and keys the suppression list's
hashes (docs/backups.md says why it is kept apart). The manifest holds only a check value
derived from it, so a restore can say whether the site runs under the same key.
"""

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess  # pg_dump and pg_restore, by their full path, without a shell # nosec B404
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.pool import NullPool

from app.core.clock import now
from app.extensions import db
from app.operations.readiness import migrations_directory

MANIFEST = "manifest.json"
FORMAT = "petitions-backup"
FORMAT_VERSION = 1
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DATABASE_FILES = {SQLITE: "database.sqlite3", POSTGRESQL: "database.dump"}
UPLOADS = "uploads"
# The tables the prepared files live in (app.models.generated_file).
PREPARED_FILE_TABLES = ("generated_file", "generated_file_chunk")

# SQLite's online backup copies this many pages (4 MiB at the usual 4 KiB a page) per step
# and lets go of the database between steps. A write by the site meanwhile restarts the copy;
# after this many restarts it is finished in one step, which under WAL (the site's journal
# mode) blocks no writer: a reader never does.
PAGES_PER_STEP = 1024
RESTARTS_BEFORE_ONE_STEP = 5
READ_BYTES = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed, with the reason for the operator. A refused
    restore has changed nothing; a failed backup leaves no backup behind."""


@dataclass(frozen=True)
class UploadEntry:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    created_at: datetime
    revision: str  # alembic_version's version_num (several, if any, joined by commas)
    database_kind: str  # SQLITE or POSTGRESQL
    database_sha256: str
    database_size: int
    database_version: str  # the server's (PostgreSQL) or the library's (SQLite)
    made_with: str  # "pg_dump (PostgreSQL) 15.8", or "sqlite3 online backup"
    tables: dict[str, int]  # every table's rows, alembic_version included
    uploads: dict[str, UploadEntry]  # by path under uploads/, with forward slashes
    secret_key_check: str
    missing_pictures: tuple[str, ...] = ()

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.database_kind]

    @property
    def prepared_files(self) -> int:
        return self.tables.get(PREPARED_FILE_TABLES[0], 0)

    def to_json(self) -> str:
        content: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": self.created_at.isoformat(),
            "revision": self.revision,
            "database": {
                "kind": self.database_kind,
                "file": self.database_file,
                "bytes": self.database_size,
                "sha256": self.database_sha256,
                "server_version": self.database_version,
                "made_with": self.made_with,
            },
            "tables": dict(sorted(self.tables.items())),
            "uploads": {
                path: {"bytes": entry.size, "sha256": entry.sha256}
                for path, entry in sorted(self.uploads.items())
            },
            "prepared_files": {"stored_in": "database", "tables": list(PREPARED_FILE_TABLES)},
            "missing_pictures": list(self.missing_pictures),
            "secret_key_check": self.secret_key_check,
        }
        return json.dumps(content, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        """The manifest a backup's manifest.json describes; BackupError if it is none."""
        try:
            content = json.loads(text)
            if content.get("format") != FORMAT:
                raise BackupError(f"{MANIFEST} is not a petitions backup's manifest")
            if content.get("version") != FORMAT_VERSION:
                raise BackupError(
                    f"{MANIFEST} is of version {content.get('version')!r}; this code reads "
                    f"version {FORMAT_VERSION}"
                )
            database = content["database"]
            if database["kind"] not in DATABASE_FILES:
                raise BackupError(f"{MANIFEST} names an unknown database: {database['kind']!r}")
            return cls(
                created_at=datetime.fromisoformat(content["created_at"]),
                revision=str(content["revision"]),
                database_kind=database["kind"],
                database_sha256=str(database["sha256"]),
                database_size=int(database["bytes"]),
                database_version=str(database["server_version"]),
                made_with=str(database["made_with"]),
                tables={str(name): int(rows) for name, rows in content["tables"].items()},
                uploads={
                    str(path): UploadEntry(sha256=str(entry["sha256"]), size=int(entry["bytes"]))
                    for path, entry in content["uploads"].items()
                },
                secret_key_check=str(content["secret_key_check"]),
                missing_pictures=tuple(content.get("missing_pictures") or ()),
            )
        except BackupError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"{MANIFEST} cannot be read: {error!r}") from None


@dataclass(frozen=True)
class CreatedBackup:
    directory: Path
    manifest: Manifest


@dataclass(frozen=True)
class RestoredBackup:
    directory: Path
    manifest: Manifest
    tables: dict[str, int]  # counted in the restored database
    uploads: dict[str, UploadEntry]  # as restored into UPLOAD_FOLDER
    differences: list[str]  # from the manifest; none when everything matches
    head_revision: str  # this code's latest migration
    same_secret_key: bool

    @property
    def needs_upgrade(self) -> bool:
        return self.manifest.revision != self.head_revision


@dataclass(frozen=True)
class _Snapshot:
    """What was read in the snapshot the database's copy holds."""

    revision: str
    tables: dict[str, int]
    pictures: set[str]
    database_version: str
    made_with: str


# --- create ---------------------------------------------------------------------------------


def create_backup(directory: Path) -> CreatedBackup:
    """Back up the database, the uploads and the manifest into `directory`, which must be
    new or empty: a backup is never overwritten. The manifest is written last, so a backup
    that failed half way is removed and one that has a manifest is complete."""
    _check_destination(directory)
    kind = _database_kind()
    back_up: Callable[[Path], _Snapshot] = (
        partial(_back_up_sqlite, _sqlite_file())
        if kind == SQLITE
        else partial(_back_up_postgresql, _program("pg_dump"))
    )
    with db.engine.connect() as connection:
        _migrated_revision(connection)  # refused before anything is written
    made = not directory.exists()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        copy = directory / DATABASE_FILES[kind]
        taken_at = now()  # the data is as of the snapshot, taken from here
        snapshot = back_up(copy)
        copy.chmod(0o600)  # signers' names and addresses
        uploads = _copy_tree(_upload_folder(), directory / UPLOADS)
        names = {Path(path).name for path in uploads if "/" not in path}
        manifest = Manifest(
            created_at=taken_at,
            revision=snapshot.revision,
            database_kind=kind,
            database_sha256=_file_hash(copy).sha256,
            database_size=copy.stat().st_size,
            database_version=snapshot.database_version,
            made_with=snapshot.made_with,
            tables=snapshot.tables,
            uploads=uploads,
            secret_key_check=secret_key_check(),
            missing_pictures=tuple(sorted(snapshot.pictures - names)),
        )
        _write_atomically(directory / MANIFEST, manifest.to_json())
    except BaseException:
        _remove_partial_backup(directory, made)
        raise
    return CreatedBackup(directory=directory, manifest=manifest)


def _check_destination(directory: Path) -> None:
    if directory.resolve().is_relative_to(_upload_folder().resolve()):
        raise BackupError(
            f"{directory} is inside UPLOAD_FOLDER ({_upload_folder()}): the backup would copy "
            "itself; choose a folder elsewhere"
        )
    if not directory.exists():
        return
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a folder")
    if (directory / MANIFEST).exists():
        raise BackupError(
            f"{directory} already holds a backup: a backup is never overwritten; choose a new "
            "folder"
        )
    if any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: choose a new or empty folder")


def _migrated_revision(connection: sa.Connection) -> str:
    revision = _revision(connection)
    if revision is None:
        raise BackupError(
            "the database has no migration revision (no alembic_version): it was not made "
            "by `flask --app app db upgrade`, so a restore could not tell its schema"
        )
    return revision


def _remove_partial_backup(directory: Path, made: bool) -> None:
    """What a failed backup wrote: the folder if it made it, else what it put in it (the
    folder was empty)."""
    if made:
        shutil.rmtree(directory, ignore_errors=True)
        return
    for name in (*DATABASE_FILES.values(), MANIFEST, f".{MANIFEST}.part"):
        (directory / name).unlink(missing_ok=True)
    shutil.rmtree(directory / UPLOADS, ignore_errors=True)


def _back_up_sqlite(live_file: Path, copy: Path) -> _Snapshot:
    with closing(sqlite3.connect(live_file, timeout=15)) as live:
        copy_sqlite_database(live, copy)
    engine = sa.create_engine(sa.URL.create("sqlite", database=str(copy)), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return _Snapshot(
                revision=_migrated_revision(connection),
                tables=_count_rows(connection),
                pictures=_pictures_named(connection),
                database_version=sqlite3.sqlite_version,
                made_with="sqlite3 online backup",
            )
    finally:
        engine.dispose()


class _CopyRestarting(Exception):
    pass


def copy_sqlite_database(
    live: sqlite3.Connection,
    copy: Path,
    *,
    pages: int = PAGES_PER_STEP,
    restarts_allowed: int = RESTARTS_BEFORE_ONE_STEP,
    progress: Callable[[int, int], None] | None = None,
) -> bool:
    """Copy the database `live` is connected to into the file `copy` with SQLite's online
    backup API, `pages` at a time, letting go of the database between steps. The copy is one
    snapshot: a write by another connection restarts it. Past `restarts_allowed` restarts it
    is taken in one step (under WAL a reader blocks no writer). Returns whether it had to.
    `progress`, if given, is called after each step with the pages left and the total.
    The copy keeps its journal in a file of its own while written, then none (DELETE mode),
    so that it is one self-contained file."""
    restarts = 0
    remaining_before: int | None = None

    def after_step(_status: int, remaining: int, total: int) -> None:
        nonlocal restarts, remaining_before
        if progress is not None:
            progress(remaining, total)
        if remaining_before is not None and remaining >= remaining_before:
            restarts += 1
            if restarts > restarts_allowed:
                raise _CopyRestarting
        remaining_before = remaining

    in_one_step = False
    with closing(sqlite3.connect(copy)) as target:
        try:
            live.backup(target, pages=pages, progress=after_step)
        except _CopyRestarting:
            in_one_step = True
            live.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode=DELETE")
    return in_one_step


def _back_up_postgresql(pg_dump: str, copy: Path) -> _Snapshot:
    """pg_dump, in a snapshot this connection exports and holds while it runs: the counts in
    the manifest are of exactly the rows in the dump, however busy the site."""
    url = db.engine.url
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={copy}",
                    f"--dbname={_libpq_uri(url)}",
                ],
                url,
            )
            revision = _migrated_revision(connection)
            tables = _count_rows(connection)
            pictures = _pictures_named(connection)
            server = connection.execute(sa.text("SHOW server_version")).scalar_one()
    return _Snapshot(
        revision=revision,
        tables=tables,
        pictures=pictures,
        database_version=str(server),
        made_with=_run([pg_dump, "--version"], url).strip(),
    )


# --- restore --------------------------------------------------------------------------------


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} holds no backup: {MANIFEST} is missing")
    return Manifest.from_json(path.read_text(encoding="utf-8"))


def restore_backup(directory: Path) -> RestoredBackup:
    """Restore the backup in `directory` into this site's database, which must be empty (no
    tables: not even `db upgrade`'s), and its UPLOAD_FOLDER, which must be empty too. Then
    count every table and hash every upload restored, and list where they differ from the
    manifest. Refuses, changing nothing, a backup of the other kind of database, one whose
    migration this code does not know, or one whose database file is not the manifest's."""
    manifest = read_manifest(directory)
    known, head = _migrations()
    unknown = [part for part in manifest.revision.split(",") if part not in known]
    if unknown:
        raise BackupError(
            f"the backup's database is at migration revision {manifest.revision}, which this "
            f"code's migrations do not know (its latest is {head}): restore it with the "
            "version of the code that made it, or a later one"
        )
    kind = _database_kind()
    if manifest.database_kind != kind:
        raise BackupError(
            f"the backup holds a {manifest.database_kind} database and this site runs on "
            f"{kind}: restore it into a {manifest.database_kind} database"
        )
    copy = directory / manifest.database_file
    if not copy.is_file():
        raise BackupError(f"{copy} is missing")
    if _file_hash(copy).sha256 != manifest.database_sha256:
        raise BackupError(
            f"{copy}'s SHA-256 is not the manifest's: the backup was damaged or changed"
        )
    restore_database: Callable[[Path], None] = (
        partial(_restore_sqlite, target=_sqlite_file(must_exist=False))
        if kind == SQLITE
        else partial(_restore_postgresql, _program("pg_restore"))
    )
    _check_database_empty()
    uploads_folder = _upload_folder()
    if uploads_folder.exists() and any(uploads_folder.iterdir()):
        raise BackupError(
            f"UPLOAD_FOLDER ({uploads_folder}) is not empty: restore into an empty one (move "
            "its files away, or point UPLOAD_FOLDER at a new folder)"
        )

    db.session.remove()
    db.engine.dispose()
    restore_database(copy)
    db.engine.dispose()
    uploads = _copy_tree(directory / UPLOADS, uploads_folder)
    with db.engine.connect() as connection:
        tables = _count_rows(connection)
    return RestoredBackup(
        directory=directory,
        manifest=manifest,
        tables=tables,
        uploads=uploads,
        differences=_differences(manifest, tables, uploads),
        head_revision=head,
        same_secret_key=hmac.compare_digest(
            manifest.secret_key_check.encode(), secret_key_check().encode()
        ),
    )


def _check_database_empty() -> None:
    with db.engine.connect() as connection:
        tables = _all_tables(connection)
    if tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise BackupError(
            f"the database ({db.engine.url}) is not empty: it has {len(tables)} tables "
            f"({shown}). Restore into a new, empty database (do not run `db upgrade` on it "
            "first: the backup brings its own tables)"
        )


def _restore_sqlite(copy: Path, target: Path) -> None:
    source = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    with closing(source), closing(sqlite3.connect(target)) as restored:
        source.backup(restored)


def _restore_postgresql(pg_restore: str, copy: Path) -> None:
    """pg_restore in one transaction (a failure leaves the database empty, to try again).
    The restoring role owns what it makes (--no-owner), and no GRANT is replayed
    (--no-privileges): the roles of the server the backup came from may not exist here."""
    url = db.engine.url
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={_libpq_uri(url)}",
            str(copy),
        ],
        url,
    )


def _differences(
    manifest: Manifest, tables: dict[str, int], uploads: dict[str, UploadEntry]
) -> list[str]:
    found = []
    for name in sorted(set(manifest.tables) | set(tables)):
        expected, restored = manifest.tables.get(name), tables.get(name)
        if expected is None:
            found.append(f"table {name}: restored, but the manifest does not list it")
        elif restored is None:
            found.append(f"table {name}: missing; the manifest counts {expected:,} rows")
        elif restored != expected:
            found.append(
                f"table {name}: {restored:,} rows restored; the manifest counts {expected:,}"
            )
    for path in sorted(set(manifest.uploads) | set(uploads)):
        listed, copied = manifest.uploads.get(path), uploads.get(path)
        if listed is None:
            found.append(f"{UPLOADS}/{path}: restored, but the manifest does not list it")
        elif copied is None:
            found.append(f"{UPLOADS}/{path}: missing from the backup")
        elif copied.sha256 != listed.sha256:
            found.append(
                f"{UPLOADS}/{path}: its SHA-256 is not the manifest's (changed or damaged)"
            )
    return found


# --- what both share ------------------------------------------------------------------------


def secret_key_check() -> str:
    """A check value of SECRET_KEY (an HMAC under it of a fixed text), not the key: a
    restore tells by it whether the site runs under the key the backup was made with."""
    secret = current_app.secret_key
    key = secret.encode() if isinstance(secret, str) else bytes(secret or b"")
    return hmac.new(key, b"petitions backup: which SECRET_KEY", hashlib.sha256).hexdigest()[:16]


def _database_kind() -> str:
    kind = db.engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupError(f"backups know SQLite and PostgreSQL, not {kind}")
    return kind


def _sqlite_file(*, must_exist: bool = True) -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError("the database is in memory: backups need a database file")
    path = Path(name)
    if must_exist and not path.is_file():
        raise BackupError(f"no database at {path}")
    return path


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _migrations() -> tuple[set[str], str]:
    """The revisions this code's migrations know, and the latest."""
    script = ScriptDirectory(migrations_directory())
    return {revision.revision for revision in script.walk_revisions()}, str(
        script.get_current_head()
    )


def _revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    version = sa.table("alembic_version", sa.column("version_num"))
    found = sorted(connection.scalars(sa.select(version.c.version_num)))
    return ",".join(found) or None


def _count_rows(connection: sa.Connection) -> dict[str, int]:
    counts = {}
    for name in sorted(sa.inspect(connection).get_table_names()):
        query = sa.select(sa.func.count()).select_from(sa.table(name))
        counts[name] = connection.execute(query).scalar_one()
    return counts


def _all_tables(connection: sa.Connection) -> list[str]:
    """Every table in the database, in every schema of its own (PostgreSQL), those of the
    default schema (public) by their name alone."""
    inspector = sa.inspect(connection)
    if connection.dialect.name == SQLITE:
        return sorted(inspector.get_table_names())
    schemas = [
        schema
        for schema in inspector.get_schema_names()
        if schema != "information_schema" and not schema.startswith("pg_")
    ]
    return sorted(
        name if schema == inspector.default_schema_name else f"{schema}.{name}"
        for schema in schemas
        for name in inspector.get_table_names(schema)
    )


def _pictures_named(connection: sa.Connection) -> set[str]:
    """The pictures' files the petitions name (a backup without one lacks the picture)."""
    inspector = sa.inspect(connection)
    if not inspector.has_table("petition"):
        return set()
    if "image_filename" not in {column["name"] for column in inspector.get_columns("petition")}:
        return set()
    petition = sa.table("petition", sa.column("image_filename"))
    query = sa.select(petition.c.image_filename).where(petition.c.image_filename.is_not(None))
    return set(connection.scalars(query.distinct()))


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install PostgreSQL's client programs, of the server's "
            "major version or later (Debian: apt-get install postgresql-client)"
        )
    return found


def _libpq_uri(url: sa.URL) -> str:
    """The database as libpq names it (postgresql://user@host:port/name?...): the password
    goes to the program in PGPASSWORD, never on its command line (`ps` shows those)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(argv: list[str], url: sa.URL) -> str:
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    # A list argv, no shell; argv[0] is the full path _program found.
    result = subprocess.run(  # noqa: S603 # nosec B603
        argv, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        message = result.stderr.strip() or f"exit status {result.returncode}"
        raise BackupError(f"{Path(argv[0]).name} failed: {message}")
    return result.stdout


def _files_under(folder: Path) -> Iterator[Path]:
    """The regular files under `folder` (links not followed), sorted; without the files
    being written at this moment (app.petitions.images writes `.name.part`, then renames)."""
    for root, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith(".") and name.endswith(".part"):
                continue
            if path.is_file() and not path.is_symlink():
                yield path


def _copy_tree(source: Path, target: Path) -> dict[str, UploadEntry]:
    """Copy the files under `source` into `target` (never over a file there); returns each
    copied file's hash and size by its path under `source`."""
    copied: dict[str, UploadEntry] = {}
    if not source.is_dir():
        return copied
    for path in _files_under(source):
        relative = path.relative_to(source).as_posix()
        try:
            copied[relative] = _copy_file(path, target / relative)
        except FileNotFoundError:
            continue  # deleted meanwhile (a picture replaced): not in the copy either
    return copied


def _copy_file(source: Path, target: Path) -> UploadEntry:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reading, target.open("xb") as writing:
        try:
            while chunk := reading.read(READ_BYTES):
                digest.update(chunk)
                size += len(chunk)
                writing.write(chunk)
        except BaseException:
            target.unlink(missing_ok=True)  # ours: "xb" made it
            raise
    shutil.copystat(source, target)
    return UploadEntry(sha256=digest.hexdigest(), size=size)


def _file_hash(path: Path) -> UploadEntry:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as reading:
        while chunk := reading.read(READ_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return UploadEntry(sha256=digest.hexdigest(), size=size)


def _write_atomically(path: Path, text: str) -> None:
    part = path.with_name(f".{path.name}.part")
    with part.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, path)

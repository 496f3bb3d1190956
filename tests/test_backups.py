"""`backup create DIR` and `backup restore DIR` through the CLI: a site with petitions,
signatures, organizers, a picture and a prepared file comes back whole (SQLite always,
PostgreSQL with TEST_DATABASE_URL, with the real pg_dump and pg_restore), and what would
overwrite or lose data, or restore a damaged backup unnoticed, is refused."""

import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import stamp
from PIL import Image

from app import create_app
from app.extensions import db
from app.jobs.files import file_chunks, store_file
from app.models import SignatureStatus
from app.operations.backups import copy_sqlite_database
from app.organizers.membership import add_member
from app.petitions.images import set_petition_image
from app.petitions.queries import petition_by_slug
from tests import instants
from tests.conftest import ON_POSTGRESQL, TEST_DATABASE_URL, needs_postgresql, sign
from tests.factories import make_organizer, make_petition, make_signature
from tests.scratch_databases import scratch_database

SLUG = "end-the-pars-contract"
EXPORT = "first_name,last_name\nMaría José,Núñez\nRosa,Parks\n".encode()


def jpeg(color: str = "#c33") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def site(app: Flask, client) -> Iterator[Flask]:
    """The test app's database, migrated (stamped at the latest revision: its tables are the
    models', which the migrations build), with a site's worth of rows and uploads."""
    with app.app_context():
        stamp()
        admin = make_organizer("admin@example.org", admin=True)
        make_organizer("friend@example.org")
        petition = make_petition(slug=SLUG, title="Protect Philly")
        other = make_petition()
        for _ in range(3):
            make_signature(petition)
        make_signature(petition, status=SignatureStatus.PENDING)
        make_signature(other)
        add_member(petition, "friend@example.org", by=admin)
        set_petition_image(petition, jpeg(), actor=admin)
        store_file(
            io.BytesIO(EXPORT),
            petition_id=petition.id,
            job_id=None,
            purpose="export",
            filename="signers.csv",
            mimetype="text/csv",
            actor="admin@example.org",
        )
        db.session.remove()
    assert client.get(f"/petitions/{SLUG}/share.png").status_code == 200  # drawn, on disk
    yield app
    if ON_POSTGRESQL:  # the suite's own tables come from the models, unstamped
        with app.app_context(), db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.fixture
def empty_site(tmp_path: Path) -> Iterator[Flask]:
    """A second site, on a new empty database and an empty UPLOAD_FOLDER: where to restore."""
    with scratch_database(tmp_path, "restored") as url:
        target = create_app(
            {
                "APP_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": url,
                "UPLOAD_FOLDER": str(tmp_path / "restored-uploads"),
            }
        )
        yield target
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


def table_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        inspector = sa.inspect(db.engine)
        with db.engine.connect() as connection:
            return {
                name: connection.execute(
                    sa.text(f'SELECT count(*) FROM "{name}"')  # noqa: S608
                ).scalar_one()
                for name in inspector.get_table_names()
            }


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def uploads_of(app: Flask) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def back_up(runner: FlaskCliRunner, folder: Path) -> None:
    result = runner.invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 0, result.output


def restore(target: Flask, folder: Path):
    return target.test_cli_runner().invoke(args=["backup", "restore", str(folder)])


def test_a_backup_restores_every_row_and_upload(site, runner, empty_site, client, tmp_path):
    folder = tmp_path / "backup"
    result = runner.invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 0, result.output
    kind = "postgresql" if ON_POSTGRESQL else "sqlite"
    database_file = "database.dump" if ON_POSTGRESQL else "database.sqlite3"
    assert f"Backed up to {folder}:" in result.output
    assert f"{database_file}: {kind} at migration " in result.output
    assert "uploads/: 2 files" in result.output  # the picture and its share image
    assert "prepared files: 1, in the database" in result.output
    assert sorted(path.name for path in folder.iterdir()) == [
        database_file,
        "manifest.json",
        "uploads",
    ]

    source_counts = table_counts(site)
    source_uploads = file_hashes(uploads_of(site))
    assert source_counts["signature"] == 5 and source_counts["organizer"] == 2
    assert source_counts["petition_member"] == 1 and source_counts["generated_file"] == 1
    assert {path.split("/")[0] for path in source_uploads} == {
        picture_of(site),
        "share",
    }

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "petitions-backup" and manifest["version"] == 1
    assert manifest["database"]["kind"] == kind
    assert manifest["database"]["file"] == database_file
    assert manifest["tables"] == source_counts
    assert manifest["revision"] and manifest["tables"]["alembic_version"] == 1
    assert {path: entry["sha256"] for path, entry in manifest["uploads"].items()} == (
        source_uploads
    )
    assert manifest["prepared_files"]["stored_in"] == "database"
    made = datetime.fromisoformat(manifest["created_at"])
    assert instants.OPEN <= made < instants.OPEN + timedelta(minutes=5)  # the app's clock

    result = restore(empty_site, folder)
    assert result.exit_code == 0, result.output
    assert f"Restored {folder}" in result.output
    assert "uploads: 2 files" in result.output
    assert "The database is at this code's latest migration" in result.output
    assert "Every table's rows and every upload's SHA-256 match the manifest." in result.output
    assert "SECRET_KEY" not in result.output  # the same key: no warning

    assert table_counts(empty_site) == source_counts
    assert file_hashes(uploads_of(empty_site)) == source_uploads
    picture = picture_of(site)
    with empty_site.app_context():
        petition = petition_by_slug(SLUG)
        assert petition.signature_count == 3
        assert petition.image_filename == picture
        file_id = db.session.scalar(sa.text("SELECT id FROM generated_file"))
        assert b"".join(file_chunks(file_id)) == EXPORT
        db.session.remove()

    # The restored site works: its page shows the count and the picture, and a visitor signs
    # (on PostgreSQL, the sequences came back with the rows).
    visitor = empty_site.test_client()
    page = visitor.get(f"/petitions/{SLUG}").get_data(as_text=True)
    assert '<strong class="count-number" data-count>3</strong>' in page
    assert visitor.get(f"/uploads/{picture}").status_code == 200
    assert sign(visitor, SLUG, email="new.signer@example.org").status_code in (302, 303)
    assert table_counts(empty_site)["signature"] == 6


def picture_of(app: Flask) -> str:
    """The file name of the petition's picture."""
    with app.app_context():
        picture = petition_by_slug(SLUG).image_filename
        db.session.remove()
    assert picture
    return picture


def test_a_picture_the_petitions_name_but_the_folder_lacks_is_named(site, runner, tmp_path):
    picture = picture_of(site)
    (uploads_of(site) / picture).unlink()
    folder = tmp_path / "backup"
    result = runner.invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Warning: petitions name pictures that were not in UPLOAD_FOLDER" in result.output
    assert picture in result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["missing_pictures"] == [picture]


def test_the_backup_holds_no_secret_key(site, runner, tmp_path):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    secret = site.config["SECRET_KEY"].encode()
    for path in folder.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path


def test_a_restore_under_another_secret_key_warns(site, runner, tmp_path):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    with scratch_database(tmp_path, "other_key") as url:
        target = create_app(
            {
                "APP_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": url,
                "UPLOAD_FOLDER": str(tmp_path / "other-uploads"),
                "SECRET_KEY": "another-key-that-signs-nothing-of-the-backups",
            }
        )
        try:
            result = restore(target, folder)
        finally:
            with target.app_context():
                db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "this site's SECRET_KEY is not the one the backup was made under" in result.output


def test_create_refuses_a_folder_holding_a_backup_or_anything(site, runner, tmp_path):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    before = file_hashes(folder)

    result = runner.invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 1
    assert f"Error: {folder} already holds a backup: a backup is never overwritten" in (
        result.output
    )
    assert file_hashes(folder) == before

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = runner.invoke(args=["backup", "create", str(busy)])
    assert result.exit_code == 1
    assert f"Error: {busy} is not empty: choose a new or empty folder" in result.output
    assert [path.name for path in busy.iterdir()] == ["notes.txt"]

    inside = uploads_of(site) / "backup"
    result = runner.invoke(args=["backup", "create", str(inside)])
    assert result.exit_code == 1
    assert "is inside UPLOAD_FOLDER" in result.output and "would copy itself" in result.output
    assert not inside.exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    back_up(runner, empty)  # an empty folder is fine
    assert (empty / "manifest.json").is_file()


def test_restore_refuses_a_database_that_is_not_empty(site, runner, tmp_path):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    counts = table_counts(site)
    uploads = file_hashes(uploads_of(site))

    result = runner.invoke(args=["backup", "restore", str(folder)])  # into the site itself
    assert result.exit_code == 1
    assert f"is not empty: it has {len(counts)} tables (alembic_version, api_token," in (
        result.output
    )
    assert "Restore into a new, empty database" in result.output
    assert table_counts(site) == counts and file_hashes(uploads_of(site)) == uploads


def test_restore_refuses_tables_without_rows_and_a_folder_of_uploads(site, runner, tmp_path):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    with scratch_database(tmp_path, "migrated") as url:
        target = create_app(
            {
                "APP_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": url,
                "UPLOAD_FOLDER": str(tmp_path / "target-uploads"),
            }
        )
        try:
            with target.app_context():
                db.create_all()  # empty tables are still tables
            result = restore(target, folder)
            assert result.exit_code == 1
            assert f"is not empty: it has {len(db.metadata.tables)} tables" in result.output

            with target.app_context():
                db.drop_all()
            (tmp_path / "target-uploads").mkdir()
            (tmp_path / "target-uploads" / "0123456789abcdef0123.jpg").write_bytes(b"old")
            result = restore(target, folder)
            assert result.exit_code == 1
            assert "UPLOAD_FOLDER" in result.output and "is not empty" in result.output
            with target.app_context():
                assert sa.inspect(db.engine).get_table_names() == []  # nothing restored
        finally:
            with target.app_context():
                db.engine.dispose()


def test_a_changed_upload_is_found_on_restore(site, runner, empty_site, tmp_path):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    picture = picture_of(site)
    (folder / "uploads" / picture).write_bytes(jpeg("#3c3"))
    (folder / "uploads" / "extra.txt").write_text("not in the manifest")
    (folder / "uploads" / "share").joinpath(
        next((folder / "uploads" / "share").iterdir()).name
    ).unlink()

    result = restore(empty_site, folder)
    assert result.exit_code == 1
    assert f"differs: uploads/{picture}: its SHA-256 is not the manifest's" in result.output
    assert "differs: uploads/extra.txt: restored, but the manifest does not list it" in (
        result.output
    )
    assert "differs: uploads/share/" in result.output and "missing from the backup" in (
        result.output
    )
    assert "Error: what was restored differs from the backup's manifest in 3 places" in (
        result.output
    )
    assert table_counts(empty_site) == table_counts(site)  # the database came back whole


def test_a_changed_manifest_is_found_on_restore(site, runner, empty_site, tmp_path):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tables"]["signature"] += 1
    path.write_text(json.dumps(manifest))

    result = restore(empty_site, folder)
    assert result.exit_code == 1
    assert "differs: table signature: 5 rows restored; the manifest counts 6" in result.output
    assert "differs from the backup's manifest in 1 place (above)" in result.output


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (
            {"revision": "0123456789ab"},
            "at migration revision 0123456789ab, which this code's migrations do not know",
        ),
        (
            {"database": {"kind": "postgresql" if not ON_POSTGRESQL else "sqlite"}},
            "Restore it into a",
        ),
        ({"format": "something-else"}, "manifest.json is not a petitions backup's manifest"),
        ({"uploads": "many"}, "manifest.json cannot be read"),
    ],
)
def test_restore_refuses_a_manifest_it_cannot_trust(
    site, runner, empty_site, tmp_path, change, refusal
):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    for key, value in change.items():
        if isinstance(value, dict):
            manifest[key].update(value)
        else:
            manifest[key] = value
    path.write_text(json.dumps(manifest))

    result = restore(empty_site, folder)
    assert result.exit_code == 1
    assert refusal.lower() in result.output.lower()
    assert table_counts(empty_site) == {}  # refused before anything was written
    assert not uploads_of(empty_site).exists()


def test_restore_refuses_a_damaged_database_file_or_no_backup(
    site, runner, empty_site, tmp_path
):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    database = next(folder.glob("database.*"))
    with database.open("ab") as damaged:
        damaged.write(b"\0")

    result = restore(empty_site, folder)
    assert result.exit_code == 1
    assert f"{database}'s SHA-256 is not the manifest's: the backup was damaged" in (
        result.output
    )
    assert table_counts(empty_site) == {}

    (folder / "manifest.json").unlink()
    result = restore(empty_site, folder)
    assert result.exit_code == 1
    assert f"{folder} holds no backup: manifest.json is missing" in result.output


@needs_postgresql
def test_without_pg_dump_or_pg_restore_a_clear_error(
    site, runner, empty_site, tmp_path, monkeypatch
):
    folder = tmp_path / "backup"
    back_up(runner, folder)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))

    result = runner.invoke(args=["backup", "create", str(tmp_path / "second")])
    assert result.exit_code == 1
    assert "Error: pg_dump is not on PATH: install PostgreSQL's client programs" in (
        result.output
    )
    assert not (tmp_path / "second").exists()

    result = restore(empty_site, folder)
    assert result.exit_code == 1
    assert "Error: pg_restore is not on PATH" in result.output


@needs_postgresql
def test_a_pg_dump_that_fails_leaves_no_backup(site, runner, tmp_path, monkeypatch):
    """pg_dump's own message reaches the operator, and the folder it was writing goes."""
    wrong = sa.make_url(TEST_DATABASE_URL).set(username="nobody_at_all")
    with site.app_context():
        monkeypatch.setattr(db.engine, "url", wrong)
        result = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
    assert result.exit_code == 1
    assert "Error: pg_dump failed:" in result.output and "nobody_at_all" in result.output
    assert not (tmp_path / "backup").exists()


# --- SQLite's copy while the site writes -------------------------------------------------


def test_the_sqlite_copy_restarts_on_writes_then_is_taken_in_one_step(tmp_path):
    """Another connection writes between the copy's steps (as the site would): each write
    restarts the copy; past the restarts allowed it is finished in one step, and whole."""
    live_file = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(live_file, isolation_level=None)) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE signature (id INTEGER PRIMARY KEY, name TEXT)")
        setup.executemany(
            "INSERT INTO signature (name) VALUES (?)", [("x" * 200,) for _ in range(500)]
        )
    steps: list[int] = []
    with (
        closing(sqlite3.connect(live_file, isolation_level=None)) as site,
        closing(sqlite3.connect(live_file)) as live,
    ):

        def write_between_steps(remaining: int, _total: int) -> None:
            steps.append(remaining)
            site.execute("INSERT INTO signature (name) VALUES ('signed meanwhile')")

        in_one_step = copy_sqlite_database(
            live,
            tmp_path / "copy.sqlite3",
            pages=1,
            restarts_allowed=2,
            progress=write_between_steps,
        )
        assert in_one_step
        assert len(steps) == 4  # three restarts: the same pages left after each write
        with closing(sqlite3.connect(tmp_path / "copy.sqlite3")) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            rows = copy.execute("SELECT count(*) FROM signature").fetchone()[0]
    assert rows == 500 + len(steps)  # every write before the last step, none half


def test_the_sqlite_copy_goes_in_steps_when_nobody_writes(tmp_path):
    live_file = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(live_file, isolation_level=None)) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE signature (id INTEGER PRIMARY KEY, name TEXT)")
        setup.executemany(
            "INSERT INTO signature (name) VALUES (?)", [("x" * 200,) for _ in range(500)]
        )
    steps: list[int] = []
    with closing(sqlite3.connect(live_file)) as live:
        in_one_step = copy_sqlite_database(
            live, tmp_path / "copy.sqlite3", pages=4, progress=lambda left, _: steps.append(left)
        )
    assert not in_one_step
    assert len(steps) > 5 and steps == sorted(steps, reverse=True) and steps[-1] == 0

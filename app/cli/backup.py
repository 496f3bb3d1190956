"""`flask --app app backup create DIR` and `backup restore DIR` (docs/backups.md)."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.core.english import english_count
from app.operations.backups import (
    MANIFEST,
    UPLOADS,
    BackupError,
    Manifest,
    UploadEntry,
    create_backup,
    restore_backup,
)

backup_cli = AppGroup("backup", help="Back up the site (database and uploads), and restore it.")

FOLDER = click.Path(file_okay=False, dir_okay=True, path_type=Path)
BACKUP = click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)


@backup_cli.command("create")
@click.argument("directory", metavar="DIR", type=FOLDER)
def create_command(directory: Path) -> None:
    """Back up the database, the uploaded pictures and a manifest into DIR, a new or empty
    folder. SECRET_KEY is not in it: keep that apart."""
    try:
        created = create_backup(directory)
    except (BackupError, OSError) as error:  # OSError: a folder it may not write, a full disk
        raise click.ClickException(str(error)) from None
    manifest = created.manifest
    click.echo(f"Backed up to {created.directory}:")
    click.echo(f"  {manifest.database_file}: {_database_line(manifest)}")
    click.echo(f"  {UPLOADS}/: {_uploads_line(manifest.uploads)}")
    click.echo(f"  prepared files: {manifest.prepared_files:,}, in the database")
    click.echo(f"  {MANIFEST}: the revision, every table's rows, every upload's SHA-256")
    if manifest.missing_pictures:
        click.echo(
            "Warning: petitions name pictures that were not in UPLOAD_FOLDER to copy (replaced "
            f"while the backup ran, or lost before): {', '.join(manifest.missing_pictures)}",
            err=True,
        )
    click.echo(
        "SECRET_KEY is not in the backup: keep it apart, safely. A restore needs the same key "
        "for emailed links and the suppression list to keep working."
    )


@backup_cli.command("restore")
@click.argument("directory", metavar="DIR", type=BACKUP)
def restore_command(directory: Path) -> None:
    """Restore the backup in DIR into this site's database, which must be empty (no tables),
    and its UPLOAD_FOLDER, then check them against the backup's manifest."""
    try:
        restored = restore_backup(directory)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error)) from None
    manifest = restored.manifest
    made = manifest.created_at.strftime("%Y-%m-%d %H:%M:%S %Z")
    click.echo(f"Restored {restored.directory} (made {made}):")
    click.echo(f"  database: {manifest.database_kind}, {_tables_line(restored.tables)}")
    click.echo(f"  uploads: {_uploads_line(restored.uploads)}")
    if not restored.same_secret_key:
        click.echo(
            "Warning: this site's SECRET_KEY is not the one the backup was made under. Links "
            "emailed before will not open, and the suppression list will not know the "
            "addresses in it (people who unsubscribed could get updates again): set the old "
            "SECRET_KEY before starting the site (docs/backups.md).",
            err=True,
        )
    if restored.needs_upgrade:
        click.echo(
            f"The database is at migration {manifest.revision}; this code's latest is "
            f"{restored.head_revision}: run `flask --app app db upgrade` before starting the site."
        )
    else:
        click.echo(f"The database is at this code's latest migration ({restored.head_revision}).")
    if restored.differences:
        for difference in restored.differences:
            click.echo(f"  differs: {difference}", err=True)
        count = english_count(len(restored.differences), "%(num)s place", "%(num)s places")
        raise click.ClickException(
            f"what was restored differs from the backup's manifest in {count} (above)"
        )
    click.echo("Every table's rows and every upload's SHA-256 match the manifest.")


def _database_line(manifest: Manifest) -> str:
    return (
        f"{manifest.database_kind} at migration {manifest.revision}, "
        f"{_tables_line(manifest.tables)} ({_size(manifest.database_size)})"
    )


def _tables_line(tables: dict[str, int]) -> str:
    rows = english_count(sum(tables.values()), "%(num)s row", "%(num)s rows")
    return f"{english_count(len(tables), '%(num)s table', '%(num)s tables')}, {rows}"


def _uploads_line(uploads: dict[str, UploadEntry]) -> str:
    files = english_count(len(uploads), "%(num)s file", "%(num)s files")
    return f"{files} ({_size(sum(entry.size for entry in uploads.values()))})"


def _size(size: int) -> str:
    if size < 1024:
        return english_count(size, "%(num)s byte", "%(num)s bytes")
    units = ("KB", "MB", "GB", "TB")
    value = size / 1024
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{value:,.1f} {units[unit]}"

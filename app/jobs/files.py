"""The store of generated files: written a chunk at a time from a stream, each chunk in a
short commit of its own (no write lock held while the rest is read), served a chunk at a
time, and deleted once expired. A file is served only once complete and only on its own
petition's organizer pages; expired files are refused even before the worker deletes them."""

import hashlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import GeneratedFile, GeneratedFileChunk, Job, JobStatus, Petition
from app.models.job import ACTIVE

CHUNK_BYTES = 1024 * 1024
DEFAULT_HOURS = 24
# The jobs that build files naming signers (app.letters.letter_files, app.signatures.export_files).
FILE_JOBS = ("letter_pdf", "export_signatures")


def retention() -> timedelta:
    return timedelta(hours=current_app.config.get("GENERATED_FILE_HOURS", DEFAULT_HOURS))


def store_file(
    source: BinaryIO,
    *,
    petition_id: int,
    job_id: int | None,
    purpose: str,
    filename: str,
    mimetype: str,
    actor: str,
    row_count: int | None = None,
    description: str | None = None,
    size_hint: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    also: Callable[[], None] | None = None,
) -> int:
    """Copy `source` into the store, CHUNK_BYTES at a time; returns the file's id. The file
    is complete (and served) from the last commit on, in which `also` runs too (a job marks
    itself done there)."""
    with write_transaction() as session:
        created = now()
        file = GeneratedFile(
            petition_id=petition_id,
            job_id=job_id,
            purpose=purpose,
            filename=filename,
            mimetype=mimetype,
            actor=actor,
            row_count=row_count,
            description=description,
            created_at=created,
            expires_at=created + retention(),
        )
        session.add(file)
        session.flush()
        file_id = file.id
    chunks = -(-size_hint // CHUNK_BYTES) if size_hint else 0
    digest = hashlib.sha256()
    size = position = 0
    while chunk := source.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
        with write_transaction() as session:
            session.execute(
                sa.insert(GeneratedFileChunk).values(file_id=file_id, position=position, data=chunk)
            )
        position += 1
        if progress is not None:
            progress(position, max(chunks, position))
    with write_transaction() as session:
        session.execute(
            sa.update(GeneratedFile)
            .where(GeneratedFile.id == file_id)
            .values(size=size, sha256=digest.hexdigest(), completed_at=now())
            .execution_options(synchronize_session=False)
        )
        if also is not None:
            also()
    return file_id


def is_expired(file: GeneratedFile) -> bool:
    return file.expires_at <= now()


def petition_file(petition: Petition, file_id: int) -> GeneratedFile | None:
    """A complete file of this petition (expired or not), or None."""
    return db.session.scalar(
        sa.select(GeneratedFile).where(
            GeneratedFile.id == file_id,
            GeneratedFile.petition_id == petition.id,
            GeneratedFile.completed_at.is_not(None),
        )
    )


def ready_files(petition: Petition, purpose: str, limit: int = 5) -> list[GeneratedFile]:
    """This petition's complete, unexpired files for `purpose`, the newest first."""
    return list(
        db.session.scalars(
            sa.select(GeneratedFile)
            .where(
                GeneratedFile.petition_id == petition.id,
                GeneratedFile.purpose == purpose,
                GeneratedFile.completed_at.is_not(None),
                GeneratedFile.expires_at > now(),
            )
            .order_by(GeneratedFile.id.desc())
            .limit(limit)
        )
    )


def file_of_job(job_id: int) -> GeneratedFile | None:
    """The complete, unexpired file a job built, if any."""
    return db.session.scalar(
        sa.select(GeneratedFile).where(
            GeneratedFile.job_id == job_id,
            GeneratedFile.completed_at.is_not(None),
            GeneratedFile.expires_at > now(),
        )
    )


def file_chunks(file_id: int) -> Iterator[bytes]:
    """The file's bytes, a chunk per query (no transaction held open across a slow
    download)."""
    position = 0
    while True:
        data = db.session.scalar(
            sa.select(GeneratedFileChunk.data).where(
                GeneratedFileChunk.file_id == file_id, GeneratedFileChunk.position == position
            )
        )
        db.session.commit()
        if data is None:
            return
        yield bytes(data)
        position += 1


def delete_expired_files() -> int:
    """Delete every expired file with its chunks, a file per commit; returns how many."""
    deleted = 0
    at = now()
    expired = list(
        db.session.scalars(sa.select(GeneratedFile.id).where(GeneratedFile.expires_at <= at))
    )
    db.session.commit()
    for file_id in expired:
        with write_transaction() as session:
            session.execute(
                sa.delete(GeneratedFileChunk).where(GeneratedFileChunk.file_id == file_id)
            )
            session.execute(sa.delete(GeneratedFile).where(GeneratedFile.id == file_id))
        deleted += 1
    return deleted


def delete_petition_files(petition_id: int) -> None:
    """Delete every file built for the petition, in the caller's write transaction: a
    signer deleted on request, or erased, must not stay in an export or a letter waiting to
    be downloaded."""
    files = sa.select(GeneratedFile.id).where(GeneratedFile.petition_id == petition_id)
    db.session.execute(
        sa.delete(GeneratedFileChunk)
        .where(GeneratedFileChunk.file_id.in_(files))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.delete(GeneratedFile)
        .where(GeneratedFile.petition_id == petition_id)
        .execution_options(synchronize_session=False)
    )


SIGNER_LEFT = "A signer withdrew or was deleted while this was being prepared: prepare it again."


def discard_prepared_files(petition_id: int) -> None:
    """A signer has left the petition (withdrew, or was deleted on request), in the caller's
    write transaction: every file built for it goes, and every file job under way fails
    with the reason, since it may have read the signer's row already. Its worker, finding
    the job no longer its own, stops without completing the file (app.jobs.JobLost)."""
    delete_petition_files(petition_id)
    db.session.execute(
        sa.update(Job)
        .where(Job.petition_id == petition_id, Job.kind.in_(FILE_JOBS), Job.status.in_(ACTIVE))
        .values(
            status=JobStatus.FAILED,
            error=SIGNER_LEFT,
            finished_at=now(),
            claim_token=None,
            claimed_until=None,
            exclusive_key=None,
        )
        .execution_options(synchronize_session=False)
    )


def delete_unfinished_files(job_id: int) -> None:
    """The incomplete files a job left when it stopped being its worker's: deleted at once
    if the job is over (failed because a signer left), not left with their chunks until
    they expire. A job another worker took over keeps its files: that worker writes them."""
    with write_transaction():
        over = db.session.scalar(
            sa.select(Job.id).where(Job.id == job_id, Job.status.not_in(ACTIVE))
        )
        if over is not None:
            unfinished = sa.select(GeneratedFile.id).where(
                GeneratedFile.job_id == job_id, GeneratedFile.completed_at.is_(None)
            )
            db.session.execute(
                sa.delete(GeneratedFileChunk)
                .where(GeneratedFileChunk.file_id.in_(unfinished))
                .execution_options(synchronize_session=False)
            )
            db.session.execute(
                sa.delete(GeneratedFile)
                .where(GeneratedFile.job_id == job_id, GeneratedFile.completed_at.is_(None))
                .execution_options(synchronize_session=False)
            )


def files_in_preparation(petition: Petition) -> int:
    """Jobs queued or running that will store a file naming this petition's signers."""
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Job)
        .where(Job.petition_id == petition.id, Job.kind.in_(FILE_JOBS), Job.status.in_(ACTIVE))
    ).scalar_one()

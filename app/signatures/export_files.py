"""Signatures exports from the web, built by the worker: the organizer asks (one export at a
time per petition), the worker writes the CSV (to a temporary file on its own disk, then
into the file store a megabyte at a time) with its progress, and the dashboard offers the
download until the file expires. The export is recorded, as the command line's is, when
the personal data is handed out: at each download, with who downloaded it."""

import tempfile
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from app.core.clock import local_day
from app.core.database import is_postgresql, write_transaction
from app.extensions import db
from app.jobs import JobRefused, JobRun, job_handler, latest_job, queue_job
from app.jobs.files import FILE_JOBS, file_chunks, file_of_job, store_file
from app.models import GeneratedFile, Job, JobStatus, Petition, SignatureStatus
from app.signatures.export import (
    ExportFilters,
    finish_export_record,
    matching_count,
    signature_csv_pieces,
    start_export_record,
)

EXPORT_JOB = FILE_JOBS[1]
EXPORT_PURPOSE = "export"
CSV_MIME = "text/csv"


def queue_export(petition: Petition, filters: ExportFilters) -> Job:
    """Leave the export to the worker. Raises JobAlreadyQueued while this petition's export
    is under way."""
    payload = {
        "status": filters.status.value if filters.status else None,
        "from": filters.signed_from.isoformat() if filters.signed_from else None,
        "to": filters.signed_to.isoformat() if filters.signed_to else None,
    }
    with write_transaction():
        job = queue_job(EXPORT_JOB, petition, payload, exclusive=True)
        return job


def _filters(payload: Mapping[str, Any]) -> ExportFilters:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    status = payload.get("status")
    return ExportFilters(
        status=SignatureStatus(status) if status else None,
        signed_from=day(payload.get("from")),
        signed_to=day(payload.get("to")),
    )


def export_state(petition: Petition) -> tuple[Job | None, GeneratedFile | None]:
    """The petition's latest export job, if it is under way or failed, and the file of the
    latest one that finished (while it lasts)."""
    job = latest_job(petition, EXPORT_JOB)
    if job is None:
        return None, None
    if job.status == JobStatus.DONE:
        return None, file_of_job(job.id)
    return job, None


def download_export(petition: Petition, file: GeneratedFile) -> Iterator[bytes]:
    """The export's bytes, recorded as an export by whoever downloads it: when it starts,
    and with its rows once it is all sent."""
    rows, file_id, filters = file.row_count or 0, file.id, file.description or ""
    record_id = start_export_record(petition, filters)
    yield from file_chunks(file_id)
    finish_export_record(record_id, rows)


@job_handler(EXPORT_JOB)
def _export_job(run: JobRun) -> None:
    job = run.job
    petition = db.session.get(Petition, job.petition_id)
    if petition is None:
        raise JobRefused("The petition no longer exists.")
    petition_id = petition.id  # the job's
    if petition.purged_at is not None:
        raise JobRefused("Signers' personal data on this petition was erased.")
    filters = _filters(job.payload)
    total = matching_count(petition, filters)
    db.session.commit()
    label = "Writing the CSV"
    run.progress(0, total, label)

    def rows_written(done: int) -> None:
        run.progress(min(done, total), total, label)

    # PostgreSQL's COPY holds the session's transaction until it ends: progress after it.
    progress = None if is_postgresql() else rows_written
    rows = 0
    with tempfile.TemporaryFile() as spool:
        for text, piece_rows in signature_csv_pieces(petition, filters, progress):
            spool.write(text.encode("utf-8"))
            rows += piece_rows
        size = spool.tell()
        spool.seek(0)
        slug, zone = petition.slug, petition.zone
        db.session.commit()
        store_file(
            spool,
            petition_id=petition_id,
            job_id=job.id,
            purpose=EXPORT_PURPOSE,
            filename=f"{slug}-signatures-{local_day(job.created_at, zone).isoformat()}.csv",
            mimetype=CSV_MIME,
            actor=job.actor,
            row_count=rows,
            description=filters.describe(),
            size_hint=size,
            progress=lambda done, of: run.progress(done, of, "Storing the file"),
            also=run.mark_done,
        )

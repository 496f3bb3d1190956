"""A target's letter as a PDF, built by the worker (seconds for a large petition: past a
web request's time): the organizer asks (once per target at a time), the letters page
follows the job, then offers the file until it expires. Loads no PDF library until the job
runs, so the pages that only queue or show stay light."""

import io
from dataclasses import dataclass

import sqlalchemy as sa

from app.core.database import write_transaction
from app.extensions import db
from app.jobs import JobRefused, JobRun, job_handler, queue_job
from app.jobs.files import FILE_JOBS, file_of_job, store_file
from app.models import GeneratedFile, Job, JobStatus, Petition, Target

LETTER_PDF_JOB = FILE_JOBS[0]
RECENT_JOBS = 50


class LetterPdfRefused(Exception):
    pass


def letter_purpose(position: int) -> str:
    return f"letter:{position}"


def queue_letter_pdf(petition: Petition, position: int) -> Job:
    """Leave the building of one target's letter to the worker. Raises LetterPdfRefused for
    an unknown target, JobAlreadyQueued while that letter is being prepared."""
    if not any(target.position == position for target in petition.targets):
        raise LetterPdfRefused(f"No target at position {position}.")
    with write_transaction():
        job = queue_job(
            LETTER_PDF_JOB,
            petition,
            {"position": position},
            exclusive=True,
            scope=f"{petition.id}:{position}",
        )
        return job


@dataclass(frozen=True)
class LetterPdfState:
    """Where a target's letter stands: the job under way or failed (else None), and the
    latest file built (while it lasts)."""

    job: Job | None
    file: GeneratedFile | None


def letter_pdf_states(petition: Petition) -> dict[int, LetterPdfState]:
    """Each target's state, by position, from its latest letter job."""
    jobs = db.session.scalars(
        sa.select(Job)
        .where(Job.petition_id == petition.id, Job.kind == LETTER_PDF_JOB)
        .order_by(Job.id.desc())
        .limit(RECENT_JOBS)
    )
    latest: dict[object, Job] = {}  # by the position in their payload
    for recent in jobs:
        latest.setdefault(recent.payload.get("position"), recent)
    states = {}
    for target in petition.targets:
        job = latest.get(target.position)
        if job is None:
            states[target.position] = LetterPdfState(None, None)
        elif job.status == JobStatus.DONE:
            states[target.position] = LetterPdfState(None, file_of_job(job.id))
        else:
            states[target.position] = LetterPdfState(job, None)
    return states


@job_handler(LETTER_PDF_JOB)
def _letter_pdf_job(run: JobRun) -> None:
    """The letter as of the moment the organizer asked, its list's progress reported a page
    at a time; stored, and the job marked done in the file's last commit."""
    from app.letters.letter import PDF_MIME, build_letter  # the PDF library, in the worker only

    job = run.job
    petition = db.session.get(Petition, job.petition_id)
    if petition is None:
        raise JobRefused("The petition no longer exists.")
    petition_id = petition.id  # the job's
    position = job.payload.get("position")
    target: Target | None = next((t for t in petition.targets if t.position == position), None)
    if target is None:
        raise JobRefused(f"No target at position {position} any more.")
    label = f"Listing the signers in the letter to {target.full_name}"
    letter = build_letter(
        petition,
        target,
        job.created_at,
        progress=lambda done, total: run.progress(done, total, label),
    )
    db.session.commit()
    store_file(
        io.BytesIO(letter.data),
        petition_id=petition_id,
        job_id=job.id,
        purpose=letter_purpose(target.position),  # the job's position
        filename=letter.filename,
        mimetype=PDF_MIME,
        actor=job.actor,
        size_hint=len(letter.data),
        also=run.mark_done,
    )

"""Delivering the letters: one email per target with its PDF attached, queued in the outbox
(so a mail server that is down loses nothing) and recorded: target, time, address, number
of signatures, the file's SHA-256, and the outcome as the outbox reports it.

From the web, the building (seconds a letter for a large petition) is a job for the worker:
`queue_delivery` refuses at once what it can and queues it; the command line builds in place."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import render_template

from app.core.clock import now
from app.core.database import write_transaction
from app.core.english import english_count
from app.extensions import db
from app.jobs import JobRefused, JobRun, job_handler, queue_job
from app.letters.letter import PDF_MIME, LetterFile, build_letter, counts_sentence, greeting_for
from app.letters.records import DELIVER_LETTERS_JOB
from app.mail.messages import Attachment
from app.mail.queue import enqueue_email
from app.models import Delivery, Job, Petition, Target
from app.models.audit import actor_label
from app.petitions.deadlines import has_closed
from app.petitions.sharing import canonical_url

Progress = Callable[[int, int, str], None]


class DeliveryRefused(Exception):
    pass


@dataclass(frozen=True)
class LetterEmail:
    recipient: str
    subject: str
    body_text: str
    body_html: str


def chosen_targets(petition: Petition, positions: Iterable[int] | None) -> list[Target]:
    """The targets to deliver to (all by default), each with an address, or a clear refusal."""
    wanted = set(positions) if positions else None
    targets = [t for t in petition.targets if wanted is None or t.position in wanted]
    if wanted and len(targets) != len(wanted):
        unknown = sorted(wanted - {t.position for t in targets})
        raise DeliveryRefused(f"No target at position {', '.join(map(str, unknown))}.")
    if not targets:
        raise DeliveryRefused("This petition has no targets.")
    missing = [t for t in targets if not t.email]
    if missing:
        names = ", ".join(f"{t.position}. {t.full_name}" for t in missing)
        raise DeliveryRefused(
            f"No email address for {names}: add it in the settings (or petitions set-target), "
            "or deliver by hand with letters build."
        )
    return targets


def letter_email(petition: Petition, target: Target, letter: LetterFile) -> LetterEmail:
    """For a target with an address (the callers check it)."""
    if target.email is None:
        raise ValueError(f"no email address for {target.full_name}")
    context = {
        "petition": petition,
        "target": target,
        "greeting": greeting_for(target),
        "counts_sentence": counts_sentence(petition, letter.counts),
        "letter": letter,
        "petition_url": canonical_url(petition),
    }
    people = english_count(letter.counts.total, "%(num)s person", "%(num)s people")
    subject = f"{petition.letter_subject}: a petition signed by {people}"
    return LetterEmail(
        recipient=target.email,
        subject=subject,
        body_text=render_template("email/letter_delivery.txt", **context),
        body_html=render_template("email/letter_delivery.html", **context),
    )


def check_delivery(petition: Petition, positions: Iterable[int] | None) -> list[Target]:
    """What can be refused before building anything: the chosen targets, or a refusal."""
    targets = chosen_targets(petition, positions)
    if petition.signature_count == 0:
        raise DeliveryRefused("There is no confirmed signature to deliver yet.")
    return targets


@dataclass(frozen=True)
class PreparedLetter:
    """A target's letter and email, built and ready to be queued; the target as it was."""

    target_position: int
    target_name: str
    letter: LetterFile
    email: LetterEmail


def build_letters(
    petition: Petition, targets: list[Target], as_of: datetime, progress: Progress | None = None
) -> list[PreparedLetter]:
    """Each target's PDF and email, listing signatures confirmed up to `as_of`. Reads only:
    this is the long part (about 12 s a letter for 100,000 signers)."""
    prepared = []
    for number, target in enumerate(targets):
        if progress is not None:
            progress(number, len(targets), f"Building the letter to {target.full_name}")
        letter = build_letter(petition, target, as_of)
        prepared.append(
            PreparedLetter(
                target.position, target.full_name, letter, letter_email(petition, target, letter)
            )
        )
    return prepared


def record_deliveries(
    petition: Petition,
    prepared: list[PreparedLetter],
    as_of: datetime,
    actor: str,
    also: Callable[[], None] | None = None,
) -> list[Delivery]:
    """Queue the emails with their PDFs and record the deliveries, all in one short write
    transaction (with `also`, run in it before the commit)."""
    with write_transaction():
        deliveries = []
        for item in prepared:
            message_id = enqueue_email(
                purpose="letter",
                recipient=item.email.recipient,
                subject=item.email.subject,
                body_text=item.email.body_text,
                body_html=item.email.body_html,
                attachments=(Attachment(item.letter.filename, PDF_MIME, item.letter.data),),
                sender_name=petition.organizer_name,
                reply_to=petition.contact_email,
            )
            delivery = Delivery(
                petition_id=petition.id,
                target_position=item.target_position,
                target_name=item.target_name,
                address=item.email.recipient,
                as_of=as_of,
                is_final=has_closed(petition, as_of),
                signature_count=item.letter.counts.total,
                residents=item.letter.counts.residents,
                elsewhere=item.letter.counts.elsewhere,
                filename=item.letter.filename,
                sha256=item.letter.sha256,
                actor=actor,
                created_at=now(),
                outbox_message_id=message_id,
            )
            db.session.add(delivery)
            deliveries.append(delivery)
        if also is not None:
            also()
        return deliveries


def deliver_letters(
    petition: Petition,
    positions: Iterable[int] | None = None,
    *,
    as_of: datetime | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
    also: Callable[[], None] | None = None,
) -> list[Delivery]:
    """Build each chosen target's letter with every signature confirmed until `as_of` (now),
    queue it, record it. All targets' letters are queued together, or none."""
    targets = check_delivery(petition, positions)
    as_of = as_of or now()
    prepared = build_letters(petition, targets, as_of, progress)
    return record_deliveries(petition, prepared, as_of, actor or actor_label(), also)


def queue_delivery(petition: Petition, positions: Iterable[int] | None = None) -> Job:
    """Refuse at once what can be refused, then leave the building and sending to the worker.
    Raises DeliveryRefused, or JobAlreadyQueued while this petition's letters are under way."""
    targets = check_delivery(petition, positions)
    with write_transaction():
        job = queue_job(
            DELIVER_LETTERS_JOB,
            petition,
            {"positions": [target.position for target in targets]},
            exclusive=True,
        )
        return job


@job_handler(DELIVER_LETTERS_JOB)
def _deliver_letters_job(run: JobRun) -> None:
    """The worker's side of queue_delivery: the letters as of the moment the organizer asked,
    checked again (an address may have gone meanwhile); the job is marked done in the same
    commit as the deliveries, so a worker killed after it does not send them twice."""
    job = run.job
    petition = db.session.get(Petition, job.petition_id)
    if petition is None:
        raise JobRefused("The petition no longer exists.")
    try:
        deliver_letters(
            petition,
            job.payload.get("positions"),
            as_of=job.created_at,
            actor=job.actor,
            progress=run.progress,
            also=run.mark_done,
        )
    except DeliveryRefused as refusal:
        raise JobRefused(str(refusal)) from None

"""Delivering the letters: one email per target with its PDF attached, queued in the outbox
(so a mail server that is down loses nothing) and recorded: target, time, address, number
of signatures, the file's SHA-256, and the outcome as the outbox reports it."""

from collections.abc import Iterable
from dataclasses import dataclass

from flask import render_template

from app.audit import actor_label
from app.clock import now
from app.database import begin_write
from app.deadlines import has_closed
from app.extensions import db
from app.letters import PDF_MIME, LetterFile, build_letter, counts_sentence, greeting_for
from app.models import Delivery, Petition, Target
from app.outbox import Attachment, enqueue_email
from app.sharing import canonical_url


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
    context = {
        "petition": petition,
        "target": target,
        "greeting": greeting_for(target),
        "counts_sentence": counts_sentence(petition, letter.counts),
        "letter": letter,
        "petition_url": canonical_url(petition),
    }
    subject = f"{petition.letter_subject}: a petition signed by {letter.counts.total:,} people"
    return LetterEmail(
        recipient=target.email,
        subject=subject,
        body_text=render_template("email/letter_delivery.txt", **context),
        body_html=render_template("email/letter_delivery.html", **context),
    )


def deliver_letters(petition: Petition, positions: Iterable[int] | None = None) -> list[Delivery]:
    """Build each chosen target's letter with every signature confirmed until now, queue it,
    record it. All targets' letters are queued together, or none."""
    targets = chosen_targets(petition, positions)
    if petition.signature_count == 0:
        raise DeliveryRefused("There is no confirmed signature to deliver yet.")
    as_of = now()
    prepared = []
    for target in targets:
        letter = build_letter(petition, target, as_of)
        prepared.append((target, letter, letter_email(petition, target, letter)))

    begin_write()
    deliveries = []
    for target, letter, email in prepared:
        message_id = enqueue_email(
            purpose="letter",
            recipient=email.recipient,
            subject=email.subject,
            body_text=email.body_text,
            body_html=email.body_html,
            attachments=(Attachment(letter.filename, PDF_MIME, letter.data),),
        )
        delivery = Delivery(
            petition_id=petition.id,
            target_position=target.position,
            target_name=target.full_name,
            address=email.recipient,
            as_of=as_of,
            is_final=has_closed(petition, as_of),
            signature_count=letter.counts.total,
            residents=letter.counts.residents,
            elsewhere=letter.counts.elsewhere,
            filename=letter.filename,
            sha256=letter.sha256,
            actor=actor_label(),
            created_at=as_of,
            outbox_message_id=message_id,
        )
        db.session.add(delivery)
        deliveries.append(delivery)
    db.session.commit()
    return deliveries

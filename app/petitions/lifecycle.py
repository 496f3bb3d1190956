"""A petition's life: a draft, then published (the public sees it from then on)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import Organizer, Petition
from app.models.audit import record_change
from app.models.event import EventKind, record_event


class PublishRefused(ValueError):
    """The petition stays a draft: signers could not use it as it is (`reasons`)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(str(reason) for reason in reasons))
        self.reasons = reasons


def publish_problems(petition: Petition, at: datetime | None = None) -> list[str]:
    """What a signer could not use in the petition as it is; empty when it may be published."""
    at = at or now()
    problems = []
    if not petition.title.strip():
        problems.append(_l("Write the title."))
    if not petition.organizer_name.strip():
        problems.append(_l("Say who started the petition (the organizer shown on the page)."))
    if not petition.about.strip():
        problems.append(_l("Write what the petition is about."))
    if not petition.letter_subject.strip():
        problems.append(_l("Write the letter's subject."))
    if not petition.letter_body.strip():
        problems.append(_l("Write the letter."))
    if not petition.targets:
        problems.append(_l("Add at least one target: who the letter goes to."))
    if petition.closes_at <= petition.opens_at:
        problems.append(_l("The petition must close after it opens."))
    elif petition.closes_at <= at:
        problems.append(_l("Its closing time has passed: move it into the future."))
    return problems


def mark_published(petition: Petition, actor: Organizer | None = None) -> None:
    """Publish in the caller's transaction, once `publish_problems` found nothing."""
    petition.published_at = now()
    petition.updated_at = petition.published_at
    record_event(petition.id, EventKind.PETITION_PUBLISHED)
    record_change(
        petition,
        "published",
        None,
        petition.published_at.isoformat(timespec="seconds"),
        actor=actor.email if actor is not None else None,
    )


def publish_petition(petition: Petition, actor: Organizer | None = None) -> bool:
    """Make a draft public. Refuses (PublishRefused, nothing changed) what signers could not
    use. Returns False if it was published already."""
    petition_id = petition.id
    with write_transaction():
        petition = db.session.get_one(Petition, petition_id)
        if petition.is_published:
            return False
        problems = publish_problems(petition)
        if problems:
            raise PublishRefused(problems)
        mark_published(petition, actor)
        return True

"""A petition's life: a draft, then published (the public sees it from then on)."""

from flask_babel import lazy_gettext as _l

from app.audit import record_change
from app.core.clock import now
from app.core.database import begin_write
from app.extensions import db
from app.models import Petition


class PublishRefused(ValueError):
    pass


def publish_refusal(petition: Petition) -> str | None:
    """Why signers could not use `petition` yet, or None if it may be published."""
    if not (petition.title.strip() and petition.about.strip()):
        return _l("Write the petition's title and text first.")
    if not (petition.letter_subject.strip() and petition.letter_body.strip()):
        return _l("Write the letter to the targets first.")
    if not petition.targets:
        return _l("Add at least one target: the letter goes to them.")
    if petition.closes_at <= petition.opens_at:
        return _l("The petition closes before it opens: change its dates.")
    if petition.closes_at <= now():
        return _l("The petition's deadline has passed: move it into the future.")
    return None


def mark_published(petition: Petition) -> None:
    """Publish in the caller's transaction, after `publish_refusal` said yes."""
    petition.published_at = now()
    record_change(petition, "published", None, petition.slug)


def publish_petition(petition: Petition) -> bool:
    """Make a draft public, recorded. False if it already was; PublishRefused if signers
    could not use it yet."""
    begin_write()
    if petition.is_published:
        db.session.rollback()
        return False
    refusal = publish_refusal(petition)
    if refusal:
        db.session.rollback()
        raise PublishRefused(refusal)
    mark_published(petition)
    db.session.commit()
    return True

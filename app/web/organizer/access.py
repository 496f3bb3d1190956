"""Which petitions the organizer logged in may see and act on: those they manage
(app.petitions.membership). Any other petition is "not found" to them, drafts included, so
its existence is not given away."""

from flask import abort, request
from flask_login import current_user

from app.models import Petition
from app.petitions.membership import may_manage
from app.petitions.queries import petition_by_slug


def managed_petition_or_404(slug: str) -> Petition:
    """The petition, draft or published, if the organizer logged in manages it."""
    petition = petition_by_slug(slug)
    if petition is None or not may_manage(current_user, petition):
        abort(404)
    return petition


def refuse_unmanaged_petitions() -> None:
    """Run before every organizer view: a URL naming a petition the organizer does not
    manage is a 404 before the view runs, so a page added later is covered too."""
    slug = (request.view_args or {}).get("slug")
    if slug is not None and current_user.is_authenticated:
        managed_petition_or_404(slug)

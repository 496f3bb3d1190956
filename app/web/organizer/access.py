"""Which petitions the organizer logged in may see and act on: those they manage
(app.organizers.membership). Any other petition is "not found" to them, drafts included, so
its existence is not given away."""

from collections.abc import Callable
from functools import wraps

from flask import Response, abort, request
from flask_login import current_user

from app.extensions import login_manager
from app.models import Organizer, Petition
from app.organizers import organizer_for_session
from app.organizers.membership import may_manage
from app.petitions.queries import petition_by_slug
from app.web.caching import no_store


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


# The only pages a visitor may see without logging in.
OPEN_ENDPOINTS = {"organizer.login", "organizer.set_password"}


def load_organizer(session_id: str) -> Organizer | None:
    """Flask-Login's user loader: the organizer a session names, if it is still theirs."""
    return organizer_for_session(session_id)


def require_login():
    """Run before every organizer view: a page added later is protected by default."""
    if request.endpoint not in OPEN_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def never_cache(response: Response) -> Response:
    return no_store(response)


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper

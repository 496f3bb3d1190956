"""The organizers' side, under /organizer/. Every page needs a login (checked before any view
of this blueprint runs, so a new page is protected by default), and a page naming a petition
is 404 to an organizer who does not manage it; some pages need an admin."""

from flask import Blueprint

from app.extensions import login_manager
from app.web.organizer.access import (
    load_organizer,
    never_cache,
    refuse_unmanaged_petitions,
    require_login,
)

bp = Blueprint("organizer", __name__, url_prefix="/organizer")
bp.before_request(require_login)
bp.before_request(refuse_unmanaged_petitions)
bp.after_request(never_cache)
login_manager.user_loader(load_organizer)

# The views, each module a room of the organizers' side; they register on `bp`.
from app.web.organizer import (  # noqa: E402,F401,I001
    accounts,
    api_tokens,
    authoring,
    dashboard,
    images,
    languages,
    letters,
    milestones,
    printed,
    responses,
    review,
    signers,
    team,
    translations,
    updates,
    webhooks,
)

"""JSON for scripts, integrations and the page's live count. Public data only."""

from flask import jsonify

from app.petitions.deadlines import is_open
from app.petitions.goals import displayed_goal
from app.petitions.queries import petition_summary
from app.petitions.sharing import canonical_url
from app.web.api import bp
from app.web.caching import public_cache, stateless
from app.web.lookups import public_petition_or_404, public_petition_row_or_404


@bp.get("/petitions/<slug:slug>.json")
@stateless
def petition_json(slug: str):
    petition = public_petition_or_404(slug)
    return public_cache(jsonify(petition_summary(petition, canonical_url(petition))))


@bp.get("/petitions/<slug:slug>/count.json")
@stateless
def count_json(slug: str):
    petition = public_petition_row_or_404(slug)
    count = petition.signature_count
    return public_cache(
        jsonify(
            signature_count=count,
            goal=displayed_goal(count, petition.goal),
            is_open=is_open(petition),
        )
    )

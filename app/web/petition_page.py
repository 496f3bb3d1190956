"""Rendering a petition's public page, shared by the page itself and the form's error path."""

from flask import abort, make_response, render_template, request

from app import deadlines
from app.counting import displayed_goal
from app.delivery import delivered_to
from app.models import Petition
from app.petitions import letter_greeting, petition_by_slug, recent_public_signers
from app.sharing import canonical_url, share_links
from app.web.caching import no_store, public_cache
from app.web.form_parts import clean_source
from app.web.signing.forms import SignForm


def petition_or_404(slug: str) -> Petition:
    petition = petition_by_slug(slug)
    if petition is None:
        abort(404)
    return petition


def render_petition_page(petition: Petition, form: SignForm | None = None, status: int = 200):
    """The page. While open it carries the form, whose CSRF token is the visitor's own, so it
    is never cached; once closed it is the same for everyone and briefly cacheable."""
    open_now = deadlines.is_open(petition)
    if open_now and form is None:
        form = SignForm(source=clean_source(request.args.get("source")))
    count = petition.signature_count
    response = make_response(
        render_template(
            "petition.html",
            petition=petition,
            form=form if open_now else None,
            is_open=open_now,
            has_opened=deadlines.has_opened(petition),
            time_left=deadlines.time_left(petition),
            count=count,
            goal=displayed_goal(count, petition.goal),
            greeting=letter_greeting(petition.targets),
            signers=recent_public_signers(petition),
            share_links=share_links(petition),
            canonical_url=canonical_url(petition),
            delivered=delivered_to(petition),
        ),
        status,
    )
    return no_store(response) if open_now else public_cache(response, max_age=60)

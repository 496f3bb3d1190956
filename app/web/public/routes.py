"""The public pages: the home page and each petition's page."""

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for

from app.i18n import LANGUAGE_COOKIE, supported_languages
from app.petitions.outcomes import PDF_MIME, response_pdf
from app.petitions.queries import home_petition
from app.web.caching import no_store, public_cache
from app.web.errors import render_error
from app.web.petition_page import blank_petition_page, petition_or_404
from app.web.redirects import local_path

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    petition = home_petition()
    if petition is None:
        return render_error(404)
    return blank_petition_page(petition.slug)


@bp.get("/petitions/<slug:slug>")
def petition(slug: str):
    return blank_petition_page(slug)


@bp.get("/language/<code>")
def choose_language(code: str):
    """Remember the visitor's language (a cookie) and go back where they were."""
    if code not in supported_languages():
        abort(404)
    back = local_path(request.args.get("next")) or url_for(".home")
    response = no_store(redirect(back, 303))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


@bp.get("/petitions/<slug:slug>/responses/<int:response_id>.pdf", endpoint="response_pdf")
def response_pdf_file(slug: str, response_id: int):
    """An official's response as the organizers uploaded it (checked to be a PDF), as a
    download: a file from outside is never shown inside our pages."""
    pdf = response_pdf(petition_or_404(slug), response_id)
    if pdf is None:
        abort(404)
    response = Response(
        pdf.data,
        mimetype=PDF_MIME,
        headers={
            "Content-Disposition": f'attachment; filename="{pdf.filename}"',
            "Content-Security-Policy": "sandbox",
        },
    )
    return public_cache(response, max_age=300)

"""The public pages: the home page and each petition's page."""

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.i18n import LANGUAGE_COOKIE, supported_languages
from app.core.urls import absolute_url
from app.petitions.listings import LIST_FILTERS, petition_rows, published_petitions
from app.petitions.outcomes import PDF_MIME, response_pdf
from app.petitions.queries import home_petition
from app.web.caching import no_store, public_cache, stateless
from app.web.errors import render_error
from app.web.lookups import public_petition_or_404
from app.web.petition_page import VARIES_ON, blank_petition_page
from app.web.public import bp
from app.web.redirects import local_path


@bp.get("/")
@stateless
def home():
    petition = home_petition()
    if petition is None:
        return render_error(404)
    return blank_petition_page(petition.slug, with_others=True)


def _list_tabs() -> dict[str, str]:
    labels = {
        "all": _("All petitions"),
        "open": _("Open petitions"),
        "closed": _("Closed petitions"),
        "won": _("Victories"),
    }
    return {name: labels.get(name, name) for name in ("all", *LIST_FILTERS)}


def _empty_list_messages() -> dict[str, str]:
    return {
        "all": _("No petitions yet."),
        "open": _("No petition is open right now."),
        "closed": _("No petition has closed yet."),
        "won": _("No petition has declared a victory yet."),
    }


@bp.get("/petitions")
@stateless
def petitions():
    """Published petitions, newest first, a page at a time; `?show=open|closed|won` filters."""
    show = request.args.get("show") or "all"
    tabs = _list_tabs()
    if show not in tabs:
        abort(404)
    page = published_petitions(None if show == "all" else show, _page_number())
    response = current_app.make_response(
        render_template(
            "petitions.html",
            page=page,
            rows=petition_rows(page.items, str(get_locale())),
            show=show,
            tabs=tabs,
            empty=_empty_list_messages(),
            canonical_url=_list_url(show, page.page),
        )
    )
    response.vary.update(VARIES_ON)  # in the visitor's language
    return public_cache(response, max_age=60)


def _list_url(show: str, page: int) -> str:
    params: dict[str, str | int] = {"show": show} if show != "all" else {}
    if page > 1:
        params["page"] = page
    return absolute_url("public.petitions", **params)


def _page_number() -> int:
    """`?page=`: a missing one is the first; anything but a page number is not found."""
    value = request.args.get("page") or "1"
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        abort(404)
    return int(value)


@bp.get("/petitions/<slug:slug>")
@stateless
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
    pdf = response_pdf(public_petition_or_404(slug), response_id)
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

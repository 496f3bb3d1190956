"""Rendering a petition's public page, shared by the page itself and the form's error path.

A crowd loads the same page thousands of times a minute, so the page is the same bytes for
every visitor of a language: no session, no cookie, a sign form whose token is the same for
everyone (app.web.sign_form). Browsers, proxies and CDNs may keep it briefly
(`Cache-Control: public`) and ask again with its `ETag`. Behind them, the rendered page is
kept in the page cache (Flask-Caching) under everything it varies on, its petition's
`page_version` included: every change the page shows raises that number
(app.petitions.page_changes), so a kept page is never stale, and a visit costs one light
query.
"""

from dataclasses import dataclass

from flask import make_response, render_template, request
from flask_babel import force_locale, get_locale

from app.core.form_tokens import token_window
from app.core.text_rules import clean_source
from app.extensions import page_cache
from app.letters.records import delivered_to
from app.models import Petition
from app.petitions import deadlines
from app.petitions.goals import displayed_goal
from app.petitions.listings import other_open_petitions, petition_rows
from app.petitions.milestones import reached_milestones
from app.petitions.outcomes import responses_by_target
from app.petitions.queries import (
    letter_greeting,
    recent_public_signers,
)
from app.petitions.sharing import canonical_url, share_links
from app.petitions.translations import petition_text, target_names, translated_greeting
from app.updates.queries import published_updates
from app.web.caching import no_store, public_cache
from app.web.html_whitespace import without_indentation
from app.web.lookups import public_petition_or_404, public_petition_row_or_404
from app.web.sign_form import SignForm
from app.web.template_helpers import time_left_shown

# The page names the visitor's language (a cookie they chose, else their browser's).
VARIES_ON = ("Accept-Language", "Cookie")


@dataclass(frozen=True)
class RenderedPage:
    html: str
    etag: str


def _render(
    petition: Petition,
    form: SignForm | None,
    open_now: bool,
    preview: bool = False,
    with_others: bool = False,
    notices: tuple = (),
) -> str:
    count = petition.signature_count
    locale = str(get_locale())
    text = petition_text(petition, locale)
    names = target_names(petition, locale)
    others = petition_rows(other_open_petitions(petition), locale) if with_others else []
    if form is not None:
        form.renew_token()
    return render_template(
        "petition.html",
        petition=petition,
        text=text,
        target_names=names,
        responses=responses_by_target(petition),
        form=form if open_now else None,
        is_open=open_now,
        has_opened=deadlines.has_opened(petition),
        time_left=deadlines.time_left(petition),
        count=count,
        goal=displayed_goal(count, petition.goal),
        # A translated letter is greeted in its reader's language; the original in English.
        greeting_lines=translated_greeting(names)
        if text.body_translated
        else [letter_greeting(petition.targets)],
        signers=recent_public_signers(petition),
        share_links=share_links(petition),
        canonical_url=canonical_url(petition),
        delivered=delivered_to(petition),
        preview=preview,
        other_petitions=others,
        updates=published_updates(petition, locale),
        milestones=reached_milestones(petition),
        notices=notices,
    )


def _rendered_blank_page(slug: str, open_now: bool, source: str | None, with_others: bool):
    petition = public_petition_or_404(slug)
    form = SignForm(petition=petition, source=source) if open_now else None
    html = _render(petition, form, open_now, with_others=with_others)
    response = make_response(without_indentation(html))
    response.add_etag()
    etag, _weak = response.get_etag()
    if etag is None:  # never: add_etag set it
        raise RuntimeError("the rendered page has no ETag")
    return RenderedPage(response.get_data(as_text=True), etag)


def blank_petition_page(slug: str, with_others: bool = False):
    """The page with an empty form, as most visitors get it, from the page cache when it
    holds it. `with_others` (the home page) lists the other open petitions below it; those
    change with other petitions, so it is rendered each time."""
    row = public_petition_row_or_404(slug)
    open_now = deadlines.is_open(row)
    source = clean_source(request.args.get("source"))
    if with_others:
        page = _rendered_blank_page(slug, open_now, source, with_others)
    else:
        key = _page_key(row, source, open_now)
        page = page_cache.get(key)
        if page is None:
            page = _rendered_blank_page(slug, open_now, source, with_others)
            page_cache.set(key, page)
    response = make_response(page.html)
    response.set_etag(page.etag)
    response.vary.update(VARIES_ON)
    return public_cache(response).make_conditional(request)


def _page_key(row, source: str | None, open_now: bool) -> str:
    """Everything a blank page varies on. The path is rendered into the language links (the
    home page and /petitions/<slug> show the same petition); the source tag into the form;
    the time left and the form's token with the clock."""
    parts = [
        "page",
        row.id,
        row.page_version,
        request.path,
        get_locale(),
        source or "",
        deadlines.has_opened(row),
        open_now,
    ]
    if open_now:
        parts += [time_left_shown(deadlines.time_left(row)), token_window()]
    return "|".join(map(str, parts))


def render_petition_page(
    petition: Petition, form: SignForm | None = None, status: int = 200, notice: str = ""
):
    """The page as rendered for one visitor: with their form's errors, or a message. It is
    theirs alone, so it is never stored."""
    open_now = deadlines.is_open(petition)
    if open_now and form is None:
        form = SignForm(petition=petition, source=clean_source(request.args.get("source")))
    notices = (("error", notice),) if notice else ()
    response = make_response(_render(petition, form, open_now, notices=notices), status)
    response.vary.update(VARIES_ON)
    return no_store(response)


def render_preview(petition: Petition, locale: str):
    """The page as signers will see it in `locale`, for its organizers (a draft too): marked
    as a preview, its form sends nothing, search engines keep out."""
    open_now = deadlines.is_open(petition)
    with force_locale(locale):
        form = SignForm(petition=petition) if open_now else None
        html = _render(petition, form, open_now, preview=True)
    response = make_response(html)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return no_store(response)

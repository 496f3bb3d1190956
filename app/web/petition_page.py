"""Rendering a petition's public page, shared by the page itself and the form's error path.

A crowd loads the same page thousands of times a minute. The blank page (no errors, no
message) is rendered at most once every PAGE_CACHE_SECONDS per worker and per everything
it varies on (`_page_key`); each visitor then gets that HTML with their own CSRF token put in.
The count it shows is at most that many seconds old (the page's script refreshes it from
the count endpoint anyway).
"""

from collections import OrderedDict
from time import monotonic

from flask import current_app, get_flashed_messages, make_response, render_template, request
from flask_babel import force_locale, get_locale
from flask_wtf.csrf import generate_csrf

from app.counting import displayed_goal
from app.delivery_records import delivered_to
from app.models import Petition
from app.petitions import deadlines
from app.petitions.listings import other_open_petitions, petition_rows
from app.petitions.outcomes import responses_by_target
from app.petitions.queries import (
    letter_greeting,
    recent_public_signers,
)
from app.petitions.translations import petition_text, target_names, translated_greeting
from app.sharing import canonical_url, share_links
from app.updates.queries import published_updates
from app.web.caching import no_store, public_cache
from app.web.form_parts import clean_source
from app.web.lookups import public_glance_or_404, public_petition_or_404
from app.web.signing.forms import SignForm

_TOKEN_HOLE = "\x00csrf-token\x00"  # a placeholder # noqa: S105 # nosec B105
_CACHE_ENTRIES = 64  # petitions x paths x languages x source tags, per worker


class _BlankPages:
    """Rendered blank pages with a hole where the visitor's CSRF token goes."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple, tuple[float, str]] = OrderedDict()

    def get(self, key: tuple, max_age: float) -> str | None:
        found = self._pages.get(key)
        if found is None or monotonic() - found[0] > max_age:
            return None
        return found[1]

    def put(self, key: tuple, html: str) -> None:
        self._pages[key] = (monotonic(), html)
        self._pages.move_to_end(key)
        while len(self._pages) > _CACHE_ENTRIES:
            self._pages.popitem(last=False)


def _blank_pages() -> _BlankPages:
    return current_app.extensions.setdefault("blank_petition_pages", _BlankPages())


def _render(
    petition: Petition,
    form: SignForm | None,
    open_now: bool,
    preview: bool = False,
    with_others: bool = False,
) -> str:
    count = petition.signature_count
    locale = str(get_locale())
    text = petition_text(petition, locale)
    names = target_names(petition, locale)
    others = petition_rows(other_open_petitions(petition), locale) if with_others else []
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
        greeting=translated_greeting(names)
        if text.body_translated
        else letter_greeting(petition.targets),
        signers=recent_public_signers(petition),
        share_links=share_links(petition),
        canonical_url=canonical_url(petition),
        delivered=delivered_to(petition),
        preview=preview,
        other_petitions=others,
        updates=published_updates(petition, locale),
    )


def blank_petition_page(slug: str, with_others: bool = False):
    """The page with an empty form, as most visitors get it: from the cache when it is fresh
    enough (one light query), otherwise rendered. `with_others` (the home page) lists the
    other open petitions below it."""
    glance = public_glance_or_404(slug)
    if get_flashed_messages():
        return render_petition_page(public_petition_or_404(slug))
    open_now = deadlines.is_open(glance)
    source = clean_source(request.args.get("source"))
    max_age = current_app.config["PAGE_CACHE_SECONDS"]
    key = _page_key(glance, source, open_now)
    html = _blank_pages().get(key, max_age) if max_age else None
    if html is None:
        form = SignForm(source=source) if open_now else None
        html = _render(public_petition_or_404(slug), form, open_now, with_others=with_others)
        if open_now:
            html = html.replace(generate_csrf(), _TOKEN_HOLE)
        if max_age:
            _blank_pages().put(key, html)
    if open_now:
        html = html.replace(_TOKEN_HOLE, generate_csrf())
    return _cache_headers(make_response(html), open_now)


def _page_key(glance, source: str | None, open_now: bool) -> tuple:
    """Everything a blank page varies on. The path is rendered into the language links (the
    home page and /petitions/<slug> show the same petition); the source tag into the form;
    before opening and after closing are two different pages with no form."""
    return (
        glance.id,
        request.path,
        str(get_locale()),
        source,
        open_now,
        deadlines.has_opened(glance),
    )


def render_petition_page(petition: Petition, form: SignForm | None = None, status: int = 200):
    """The page as rendered for one visitor: with their form's errors, or a message."""
    open_now = deadlines.is_open(petition)
    if open_now and form is None:
        form = SignForm(source=clean_source(request.args.get("source")))
    return _cache_headers(make_response(_render(petition, form, open_now), status), open_now)


def _cache_headers(response, open_now: bool):
    """While open the page carries the visitor's own CSRF token, so no browser or proxy may
    store it; once closed it is the same for everyone and briefly cacheable."""
    response.vary.update(("Accept-Language", "Cookie"))  # the page speaks the visitor's language
    return no_store(response) if open_now else public_cache(response, max_age=60)


def render_preview(petition: Petition, locale: str):
    """The page as signers will see it in `locale`, for its organizers (a draft too): marked
    as a preview, its form sends nothing, search engines keep out."""
    open_now = deadlines.is_open(petition)
    with force_locale(locale):
        form = SignForm() if open_now else None
        html = _render(petition, form, open_now, preview=True)
    response = make_response(html)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return no_store(response)

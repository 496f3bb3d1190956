"""Finding the petition a URL names, or answering for it: 404 for what the public may not
see (no such petition, or a draft), a permanent redirect for a slug a petition had before."""

from typing import NoReturn
from urllib.parse import urlencode

from flask import abort, redirect, request, url_for

from app.core.database import AnyRow
from app.models import Petition
from app.petitions.queries import (
    current_slug_of,
    kept_petition_for_visitors,
    petition_by_slug,
    petition_for_visitors,
)


def petition_or_404(slug: str) -> Petition:
    """Any petition, drafts included (the organizer side)."""
    petition = petition_by_slug(slug)
    if petition is None:
        abort(404)
    return petition


def public_petition_or_404(slug: str) -> Petition:
    """A published petition; a former slug redirects to the same page under the current one."""
    petition = petition_by_slug(slug)
    if petition is None:
        _redirect_from_former_slug(slug)
    if not petition.is_published:
        abort(404)
    return petition


def public_petition_row_or_404(slug: str) -> AnyRow:
    """The same, for the busiest requests: the petition's columns they need, in one light
    read (app.petitions.queries.petition_for_visitors)."""
    return _published(petition_for_visitors(slug), slug)


def kept_public_petition_row_or_404(slug: str) -> AnyRow:
    """The same from the row this process kept, which may be behind the petition: for signing
    alone, which checks it against the petition inside its transaction. A refusal (404, a
    redirect) is never made from a kept row."""
    return _published(kept_petition_for_visitors(slug), slug)


def _published(row: AnyRow | None, slug: str) -> AnyRow:
    """The row of a published petition; else a redirect from a former slug, or 404."""
    if row is None:
        _redirect_from_former_slug(slug)
    if row.published_at is None:
        abort(404)
    return row


def _redirect_from_former_slug(slug: str) -> NoReturn:
    """Never returns: a redirect to the page under the petition's current slug, or 404.

    301 for reading (links shared before the slug changed keep working, and search engines
    move on); 308 for a form sent to the old address, so its data is sent again."""
    current = current_slug_of(slug)
    if current is None or request.endpoint is None:
        abort(404)
    values = {**(request.view_args or {}), "slug": current}
    location = url_for(request.endpoint, **values)
    if request.args:
        location += "?" + urlencode(list(request.args.items(multi=True)))
    abort(redirect(location, 301 if request.method in ("GET", "HEAD") else 308))

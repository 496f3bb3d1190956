"""The embeddable sign form: `/petitions/<slug>/embed`, the count, the goal and the sign form,
compact, for other sites to show in an iframe.

Inside another site's frame our cookies are third-party ones, which browsers block, so it
needs none and sets none: the form's token is signed and stateless, its language comes from
`?lang=` (else the browser's), and the form posts inside the frame to this same page, whose
`Origin` and `Sec-Fetch-Site` are ours (the frame's document is our page). No script of ours
runs. Signing takes the same path as the petition page's form (app.web.sign_submission);
the signatures record the source `embed`, or the `?source=` of the iframe's address.
"""

from typing import Any

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.i18n import LANGUAGE_PARAMETER, language_from_url, url_language
from app.core.text_rules import clean_source
from app.extensions import csrf
from app.models import Petition
from app.petitions import deadlines
from app.petitions.goals import displayed_goal
from app.petitions.translations import petition_text
from app.web.caching import never_cached, no_store, public_cache, stateless
from app.web.embed import bp
from app.web.lookups import public_petition_or_404
from app.web.security import framable
from app.web.sign_form import SignForm
from app.web.sign_submission import (
    RETRY_AFTER_SECONDS,
    Outcome,
    sign_rate_limit,
    submit_sign_form,
    thanks_texts,
)

EMBED_SOURCE = "embed"


def _kept_arguments() -> dict[str, Any]:
    """What the frame's address chose and its next page keeps: the language and the source
    (text, typed Any: spread into url_for, whose own keyword arguments are not all text)."""
    kept: dict[str, Any] = {}
    language = url_language()
    if language:
        kept[LANGUAGE_PARAMETER] = language
    source = clean_source(request.args.get("source"))
    if source:
        kept["source"] = source
    return kept


def _render(petition: Petition, form: SignForm | None = None, notice: str = "") -> str:
    open_now = deadlines.is_open(petition)
    if open_now and form is None:
        source = clean_source(request.args.get("source")) or EMBED_SOURCE
        form = SignForm(petition=petition, source=source)
    if form is not None:
        form.renew_token()
    count = petition.signature_count
    return render_template(
        "embed/form.html",
        petition=petition,
        text=petition_text(petition, str(get_locale())),
        form=form if open_now else None,
        is_open=open_now,
        has_opened=deadlines.has_opened(petition),
        time_left=deadlines.time_left(petition),
        count=count,
        goal=displayed_goal(count, petition.goal),
        action=url_for(".sign", slug=petition.slug, **_kept_arguments()),
        notices=(("error", notice),) if notice else (),
    )


@bp.get("/petitions/<slug:slug>/embed")
@framable
@language_from_url
@stateless
def embed(slug: str):
    """The same bytes for everyone who asks the same address in the same language, so
    browsers, proxies and CDNs may keep it briefly, like the petition page."""
    petition = public_petition_or_404(slug)
    response = make_response(_render(petition))
    response.add_etag()
    if url_language() is None:
        response.vary.add("Accept-Language")
    return public_cache(response).make_conditional(request)


@bp.post("/petitions/<slug:slug>/embed")
@framable
@language_from_url
@csrf.exempt  # SignForm checks its own token, so an expired one re-shows the filled-in form.
@sign_rate_limit
@stateless
@never_cached
def sign(slug: str):
    submission = submit_sign_form(slug, default_source=EMBED_SOURCE)
    if submission.outcome == Outcome.CLOSED:
        notice = _("This petition is closed and no longer takes signatures.")
        return _render(submission.shown_petition(), notice=notice), 403
    if submission.outcome == Outcome.INVALID:
        return _render(submission.shown_petition(), submission.form, submission.notice), 400
    if submission.outcome == Outcome.NOT_RECORDED:
        page = _render(submission.shown_petition(), submission.form, submission.notice)
        return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return redirect(url_for(".thanks", slug=slug, **_kept_arguments()), 303)


@bp.get("/petitions/<slug:slug>/embed/thanks")
@framable
@language_from_url
@stateless
def thanks(slug: str):
    petition = public_petition_or_404(slug)
    heading, lead, note = thanks_texts(petition)
    response = make_response(
        render_template(
            "embed/thanks.html",
            petition=petition,
            text=petition_text(petition, str(get_locale())),
            heading=heading,
            lead=lead,
            note=note,
            again_url=url_for(".embed", slug=slug, **_kept_arguments()),
        )
    )
    return no_store(response)

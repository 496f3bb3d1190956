"""The texts of an update telling signers what came of their petition: an official's
response, or the declared outcome, in each language, for organizers to check and send (the
responses page's buttons open the update form filled in with them)."""

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from app.core.urls import absolute_url
from app.extensions import db
from app.models import Outcome, Petition, Target
from app.models.petition import TargetTranslation
from app.petitions.outcomes import response_of
from app.petitions.translations import ORIGINAL_LOCALE, translated_title
from app.updates.drafts import UpdateText


def _title_in(target: Target, locale: str) -> str:
    translated = db.session.scalar(
        sa.select(TargetTranslation.title).where(
            TargetTranslation.target_id == target.id, TargetTranslation.locale == locale
        )
    )
    return target.full_name_with(translated or target.title)


def response_update(petition: Petition, response_id: int, locale: str = "en") -> UpdateText:
    """The title and Markdown body of an update telling signers about a recorded response, in
    `locale`, for an organizer to check and send (the response page's button opens the update
    form filled in with it). The official's words are quoted as written, then links to the
    response on the petition's page and to its PDF if there is one. Raises LookupError for a
    response not on this petition.

    The official is named by their title and name in `locale` ('Alcalde Michael Nutter');
    each language places that where it needs no article (Spanish: after a label)."""
    response = response_of(petition, response_id)
    if response is None:
        raise LookupError(f"no response {response_id} on {petition.slug}")
    page = absolute_url("public.petition", slug=petition.slug) + f"#response-{response.id}"
    with force_locale(locale):
        name = _title_in(response.target, locale)
        title = _("%(name)s responded to our petition", name=name)
        intro = _(
            "On %(date)s, %(name)s responded to our petition. Their words:",
            date=format_date(response.responded_on, "long"),
            name=name,
        )
        quoted = "\n".join(f"> {line}".rstrip() for line in response.text.splitlines())
        on_page = _("Read the response on the petition's page")
        parts = [intro, quoted, f"[{on_page}]({page})"]
        if response.has_pdf:
            link = absolute_url("public.response_pdf", slug=petition.slug, response_id=response.id)
            label = _("Read the response (PDF)")
            parts.append(f"[{label}]({link})")
    return UpdateText(title=title, body="\n\n".join(parts))


def outcome_update(petition: Petition, locale: str = "en") -> UpdateText | None:
    """The title and Markdown body of an update telling signers the declared outcome, in
    `locale`, naming the petition by its title in that language where organizers translated
    it; None when none is declared. (The title is the page's banner: templates/_outcome.html.)
    """
    translated = translated_title(petition.id, locale) if locale != ORIGINAL_LOCALE else None
    title = translated or petition.title
    page = absolute_url("public.petition", slug=petition.slug)
    with force_locale(locale):
        texts = {
            Outcome.WON: (
                _("Victory!"),
                _(
                    "Our petition “%(title)s” won: the officials did what it asked. Thank you "
                    "for signing it.",
                    title=title,
                ),
            ),
            Outcome.ANSWERED: (
                _("The officials answered"),
                _("The officials responded to our petition “%(title)s”.", title=title),
            ),
            Outcome.LOST: (
                _("This petition did not win"),
                _(
                    "The officials did not do what our petition “%(title)s” asked. Thank you "
                    "for signing it.",
                    title=title,
                ),
            ),
        }
        if petition.outcome not in texts:
            return None
        heading, news = texts[petition.outcome]
        see = _("See the petition's page")
    return UpdateText(title=heading, body=f"{news}\n\n[{see}]({page})")

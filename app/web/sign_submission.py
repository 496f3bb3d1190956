"""Taking a sent sign form, wherever it was shown (the petition page, the embedded form):
the same checks (its token, where it was sent from, the bot trap), the same signing service,
and an outcome each view answers in its own page."""

import enum
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import limiter
from app.models import NameDisplay, Petition
from app.petitions import deadlines
from app.petitions.translations import petition_text
from app.signatures.signals import client_network
from app.signatures.signing import (
    PetitionNotOpen,
    SignatureNotRecorded,
    SignerDetails,
    sign_petition,
)
from app.web.lookups import kept_public_petition_row_or_404, public_petition_or_404
from app.web.request_origin import sent_from_another_site
from app.web.sign_form import FORM_REFUSED, SignForm


def _sign_limit() -> str:
    return current_app.config["RATELIMIT_SIGN"]


# One allowance per visitor for every sign form: the embedded one does not add its own.
sign_rate_limit = limiter.shared_limit(_sign_limit, scope="sign")


NOT_RECORDED = _l(
    "We could not record your signature just now. Nothing was lost: your details are below. "
    "Please send the form again in a moment."
)
# Seconds a visitor is asked to wait before sending a form we could not record.
RETRY_AFTER_SECONDS = 5


class Outcome(enum.Enum):
    SIGNED = "signed"  # or a bot thanked and forgotten: the answer is the same
    INVALID = "invalid"  # re-show the filled form with its errors (400)
    CLOSED = "closed"  # the petition takes no signatures now
    NOT_RECORDED = "not_recorded"  # a fault, not the form's: re-show it filled in (503)


@dataclass(frozen=True)
class Submission:
    outcome: Outcome
    petition: Petition | None = None  # for the pages that show it again
    form: SignForm | None = None
    notice: str = ""  # a refused form (expired, or sent from elsewhere)

    def shown_petition(self) -> Petition:
        """The petition its page shows again: every outcome but SIGNED has one."""
        if self.petition is None:
            raise ValueError(f"a {self.outcome.value} submission shows no petition")
        return self.petition


def submit_sign_form(slug: str, default_source: str | None = None) -> Submission:
    """Check the sign form this request sent for the petition `slug`, and sign if it holds.
    `default_source` is recorded when the form names no source of its own."""
    row = kept_public_petition_row_or_404(slug)
    form = SignForm(petition=row)
    valid = form.validate_on_submit()
    from_elsewhere = sent_from_another_site()
    if not valid or from_elsewhere or form.website.data:
        petition = public_petition_or_404(slug)
        if not deadlines.is_open(petition):
            return Submission(Outcome.CLOSED, petition)
        if form.website.data and valid and not from_elsewhere:
            return Submission(Outcome.SIGNED)  # a bot: thank it, keep nothing
        refused = from_elsewhere or bool(form.form_token.errors)
        return Submission(Outcome.INVALID, petition, form, str(FORM_REFUSED) if refused else "")

    details = SignerDetails(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        zip_code=form.zip_code.data,
        reason=form.reason.data or None,
        name_display=NameDisplay(form.name_display.data),
        wants_updates=form.wants_updates.data,
        source=form.source.data or default_source,
        locale=str(get_locale()),
        network=client_network(request.remote_addr),
    )
    try:
        sign_petition(row, details)
    except PetitionNotOpen:
        return Submission(Outcome.CLOSED, public_petition_or_404(slug))
    except SignatureNotRecorded:
        petition = public_petition_or_404(slug)
        return Submission(Outcome.NOT_RECORDED, petition, form, str(NOT_RECORDED))
    return Submission(Outcome.SIGNED)


def thanks_texts(petition: Petition) -> tuple[str, str, str]:
    """The heading, lead and note of the page after signing (the petition's and the
    embedded form's)."""
    return (
        _("Thank you! One more step: check your email"),
        _(
            "We sent you an email. Press the button in it to confirm your signature on "
            "“%(title)s”. Your signature counts once it is confirmed.",
            title=petition_text(petition, str(get_locale())).title,
        ),
        _(
            "Nothing there after a few minutes? Look in your spam folder, or sign again with "
            "the same details and we will send it again."
        ),
    )

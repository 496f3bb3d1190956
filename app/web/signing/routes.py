"""Signing and the links emailed to signers: confirm, resend, withdraw."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _

from app.core.links import LinkClaim, LinkPurpose, read_token
from app.extensions import csrf, limiter
from app.models import Petition, Signature, SignatureStatus
from app.petitions import deadlines
from app.petitions.sharing import canonical_url, share_links
from app.petitions.translations import petition_text
from app.signatures.signing import (
    ConfirmOutcome,
    confirm_signature,
    resend_confirmation,
    signature_by_link_key,
    withdraw_signature,
)
from app.web.caching import never_cached, stateless
from app.web.form_parts import ButtonForm
from app.web.lookups import public_petition_or_404
from app.web.petition_page import render_petition_page
from app.web.sign_submission import (
    RETRY_AFTER_SECONDS,
    Outcome,
    sign_rate_limit,
    submit_sign_form,
    thanks_texts,
)
from app.web.signing import bp


def _title(petition: Petition) -> str:
    """The petition's title in the reader's language (the organizers' translation, if any)."""
    return petition_text(petition, str(get_locale())).title


def _link_limit() -> str:
    return current_app.config["RATELIMIT_LINKS"]


def _message(petition: Petition, heading: str, lead: str, status: int = 200, **extra):
    extra.setdefault("link_url", url_for("public.petition", slug=petition.slug))
    extra.setdefault("link_label", _("Go to the petition"))
    return render_template("message.html", heading=heading, lead=lead, **extra), status


def _share_page(petition: Petition, heading: str, lead: str, note: str | None = None):
    return render_template(
        "share_page.html",
        petition=petition,
        title=_title(petition),
        heading=heading,
        lead=lead,
        note=note,
        share_links=share_links(petition),
        canonical_url=canonical_url(petition),
    )


def _closed_answer(petition: Petition):
    return render_petition_page(
        petition, status=403, notice=_("This petition is closed and no longer takes signatures.")
    )


@bp.post("/petitions/<slug:slug>/sign")
@csrf.exempt  # SignForm checks its own token, so an expired one re-shows the filled-in form.
@sign_rate_limit
@stateless
@never_cached
def sign(slug: str):
    submission = submit_sign_form(slug)
    if submission.outcome == Outcome.CLOSED:
        return _closed_answer(submission.shown_petition())
    if submission.outcome == Outcome.INVALID:
        return render_petition_page(
            submission.shown_petition(), submission.form, status=400, notice=submission.notice
        )
    if submission.outcome == Outcome.NOT_RECORDED:
        response = render_petition_page(
            submission.shown_petition(), submission.form, status=503, notice=submission.notice
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    # The same answer whatever happened: only the email says if this address had signed.
    return redirect(url_for(".thanks", slug=slug), 303)


@bp.get("/petitions/<slug:slug>/thanks")
@stateless
@never_cached
def thanks(slug: str):
    petition = public_petition_or_404(slug)
    heading, lead, note = thanks_texts(petition)
    return _share_page(petition, heading, lead, note=note)


def _signature_for_link(
    slug: str, token: str, purpose: LinkPurpose
) -> tuple[LinkClaim, Signature | None]:
    """The claim a link makes and the signature it names (None if gone). 404 for a link we
    did not make, or one for another petition."""
    claim = read_token(token, purpose)
    if claim is None:
        abort(404)
    signature = signature_by_link_key(claim.key)
    if signature is not None and signature.petition.slug != slug:
        abort(404)
    return claim, signature


def _signature_gone(petition: Petition):
    """The page for a confirmation link whose signature no longer exists."""
    return _message(
        petition,
        _("This signature no longer exists"),
        _(
            "It was withdrawn or deleted. You can sign “%(title)s” again from its page.",
            title=_title(petition),
        ),
        status=404,
    )


def _confirmation_settled(petition: Petition, signature: Signature):
    """The page for a confirmation link with nothing left to do, or None if there is."""
    if signature.status == SignatureStatus.CONFIRMED:
        return _share_page(
            petition,
            _("Thank you, your signature counts!"),
            _("You have signed “%(title)s”.", title=_title(petition))
            + " "
            + ngettext(
                "%(count)s person has signed so far.",
                "%(count)s people have signed so far.",
                petition.signature_count,
                count=format_decimal(petition.signature_count),
            ),
        )
    if not deadlines.accepts_confirmation(petition, signature):
        return _message(
            petition,
            _("The petition has closed"),
            _(
                "“%(title)s” closed before this signature was confirmed, so it could not be "
                "counted. Thank you for your support.",
                title=_title(petition),
            ),
            status=410,
        )
    return None


@bp.route("/petitions/<slug:slug>/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_link_limit, methods=["POST"])
@never_cached
def confirm(slug: str, token: str):
    petition = public_petition_or_404(slug)
    claim, signature = _signature_for_link(slug, token, LinkPurpose.CONFIRM)
    if signature is None:
        return _signature_gone(petition)
    settled = _confirmation_settled(petition, signature)
    if settled is not None:
        return settled
    form = ButtonForm()
    if claim.expired:
        return _message(
            petition,
            _("This link has expired"),
            _(
                "Confirmation links work for a week. We can send you a new one for “%(title)s”.",
                title=_title(petition),
            ),
            status=410,
            form=form,
            button=_("Send me a new link"),
            action=url_for(".resend", slug=slug, token=token),
        )
    if request.method == "POST" and form.validate_on_submit():
        if confirm_signature(signature) == ConfirmOutcome.TOO_LATE:
            return _confirmation_settled(petition, signature)
        return redirect(url_for(".confirm", slug=slug, token=token), 303)
    return _message(
        petition,
        _("Confirm your signature"),
        _("Press the button to add your signature to “%(title)s”.", title=_title(petition)),
        form=form,
        button=_("Confirm my signature"),
        link_url=None,
    )


@bp.post("/petitions/<slug:slug>/confirm/<token>/resend")
@limiter.limit(_link_limit)
@never_cached
def resend(slug: str, token: str):
    petition = public_petition_or_404(slug)
    _claim, signature = _signature_for_link(slug, token, LinkPurpose.CONFIRM)
    if signature is None:
        return _signature_gone(petition)
    settled = _confirmation_settled(petition, signature)
    if settled is not None:
        return settled
    resend_confirmation(signature)
    return _message(
        petition,
        _("Check your email"),
        _(
            "A new confirmation link for “%(title)s” is on its way. If we sent one in the last "
            "few minutes, use that one.",
            title=_title(petition),
        ),
    )


@bp.route("/petitions/<slug:slug>/withdraw/<token>", methods=["GET", "POST"])
@limiter.limit(_link_limit, methods=["POST"])
@never_cached
def withdraw(slug: str, token: str):
    petition = public_petition_or_404(slug)
    _claim, signature = _signature_for_link(slug, token, LinkPurpose.WITHDRAW)
    heading = _("Your signature has been withdrawn")
    if signature is None:
        return _message(
            petition, heading, _("There is no signature left to withdraw: it was already removed.")
        )
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        withdraw_signature(signature.id)
        return _message(
            petition,
            heading,
            _(
                "Your signature on “%(title)s” was removed and your details deleted.",
                title=_title(petition),
            ),
        )
    return _message(
        petition,
        _("Withdraw your signature"),
        _(
            "Your signature will be removed from “%(title)s” and your details deleted. It will "
            "not be counted or sent to the officials.",
            title=_title(petition),
        ),
        form=form,
        button=_("Withdraw my signature"),
        danger=True,
        link_label=_("Keep my signature"),
    )

"""Signing and the links emailed to signers: confirm, resend, withdraw."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app import deadlines
from app.database import begin_write
from app.extensions import csrf, db, limiter
from app.links import LinkClaim, LinkPurpose, read_token
from app.models import NameDisplay, Petition, Signature, SignatureStatus
from app.sharing import canonical_url, share_links
from app.signing import (
    ConfirmOutcome,
    PetitionNotOpen,
    SignerDetails,
    confirm_signature,
    resend_confirmation,
    sign_petition,
    withdraw_signature,
)
from app.web.caching import never_cached
from app.web.petition_page import petition_or_404, render_petition_page
from app.web.signing.forms import SignForm

bp = Blueprint("signing", __name__)


def _sign_limit() -> str:
    return current_app.config["RATELIMIT_SIGN"]


def _link_limit() -> str:
    return current_app.config["RATELIMIT_LINKS"]


class ButtonForm(FlaskForm):
    """A form that is only a button (and its CSRF token)."""


def _closed_answer(petition: Petition):
    flash(_("This petition is closed and no longer takes signatures."), "error")
    return render_petition_page(petition, status=403)


@bp.post("/petitions/<slug:slug>/sign")
@csrf.exempt  # SignForm checks its own token, so an expired one re-shows the filled-in form.
@limiter.limit(_sign_limit)
@never_cached
def sign(slug: str):
    form = SignForm()
    valid = form.validate_on_submit()
    if not valid or form.website.data:
        petition = petition_or_404(slug)
        if not deadlines.is_open(petition):
            return _closed_answer(petition)
        if form.website.data and valid:
            return redirect(url_for(".thanks", slug=slug), 303)  # a bot: thank it, keep nothing
        if form.csrf_token.errors:
            flash(_("The form had expired. Please check your details and send it again."), "error")
        return render_petition_page(petition, form, status=400)

    begin_write()
    petition = petition_or_404(slug)
    details = SignerDetails(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        zip_code=form.zip_code.data,
        reason=form.reason.data or None,
        name_display=NameDisplay(form.name_display.data),
        wants_updates=form.wants_updates.data,
        source=form.source.data,
        locale=str(get_locale()),
    )
    try:
        sign_petition(petition, details)
    except PetitionNotOpen:
        db.session.rollback()
        return _closed_answer(petition)
    # The same answer whatever happened: only the email says if this address had signed.
    return redirect(url_for(".thanks", slug=slug), 303)


@bp.get("/petitions/<slug:slug>/thanks")
@never_cached
def thanks(slug: str):
    petition = petition_or_404(slug)
    return render_template("thanks.html", petition=petition, **_share_context(petition))


def _share_context(petition: Petition) -> dict:
    return {"share_links": share_links(petition), "canonical_url": canonical_url(petition)}


def _signature_for_link(
    slug: str, token: str, purpose: LinkPurpose
) -> tuple[LinkClaim, Signature | None]:
    """The claim a link makes and the signature it names (None if gone). 404 for a link we
    did not make, or one for another petition."""
    claim = read_token(token, purpose)
    if claim is None:
        abort(404)
    signature = db.session.get(Signature, claim.signature_id)
    if signature is not None and (not claim.matches(signature) or signature.petition.slug != slug):
        abort(404)
    return claim, signature


@bp.route("/petitions/<slug:slug>/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_link_limit, methods=["POST"])
@never_cached
def confirm(slug: str, token: str):
    petition = petition_or_404(slug)
    claim, signature = _signature_for_link(slug, token, LinkPurpose.CONFIRM)
    form = ButtonForm()
    if signature is None:
        return render_template("link_gone.html", petition=petition), 404
    if signature.status == SignatureStatus.CONFIRMED:
        return render_template("confirmed.html", petition=petition, **_share_context(petition))
    if not deadlines.accepts_confirmation(petition, signature):
        return render_template("confirm_too_late.html", petition=petition), 410
    if claim.expired:
        return render_template(
            "confirm_expired.html", petition=petition, form=form, token=token
        ), 410
    if request.method == "POST" and form.validate_on_submit():
        begin_write()
        if confirm_signature(signature) == ConfirmOutcome.TOO_LATE:
            return render_template("confirm_too_late.html", petition=petition), 410
        return redirect(url_for(".confirm", slug=slug, token=token), 303)
    return render_template("confirm.html", petition=petition, signature=signature, form=form)


@bp.post("/petitions/<slug:slug>/confirm/<token>/resend")
@limiter.limit(_link_limit)
@never_cached
def resend(slug: str, token: str):
    petition = petition_or_404(slug)
    _claim, signature = _signature_for_link(slug, token, LinkPurpose.CONFIRM)
    if signature is None:
        return render_template("link_gone.html", petition=petition), 404
    if signature.status == SignatureStatus.CONFIRMED:
        return redirect(url_for(".confirm", slug=slug, token=token), 303)
    if not deadlines.accepts_confirmation(petition, signature):
        return render_template("confirm_too_late.html", petition=petition), 410
    begin_write()
    resend_confirmation(signature)
    return render_template("resent.html", petition=petition)


@bp.route("/petitions/<slug:slug>/withdraw/<token>", methods=["GET", "POST"])
@limiter.limit(_link_limit, methods=["POST"])
@never_cached
def withdraw(slug: str, token: str):
    petition = petition_or_404(slug)
    _claim, signature = _signature_for_link(slug, token, LinkPurpose.WITHDRAW)
    form = ButtonForm()
    if signature is None:
        return render_template("withdrawn.html", petition=petition, already=True)
    if request.method == "POST" and form.validate_on_submit():
        begin_write()
        withdraw_signature(signature.id)
        return render_template("withdrawn.html", petition=petition, already=False)
    return render_template("withdraw.html", petition=petition, signature=signature, form=form)

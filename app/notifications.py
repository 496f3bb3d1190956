"""Emails to signers, by intent. Each renders a .txt and an .html template in the signer's
language and queues the message in the outbox, inside the caller's transaction."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.clock import now
from app.links import LinkPurpose, make_token
from app.models import Signature
from app.outbox import enqueue_email
from app.urls import absolute_url


def _queue_for_signer(signature: Signature, template: str, subject: str, **context) -> None:
    slug = signature.petition.slug
    context.update(
        signature=signature,
        petition=signature.petition,
        confirm_url=absolute_url(
            "signing.confirm",
            slug=slug,
            token=make_token(LinkPurpose.CONFIRM, signature.id, signature.link_key),
        ),
        withdraw_url=absolute_url(
            "signing.withdraw",
            slug=slug,
            token=make_token(LinkPurpose.WITHDRAW, signature.id, signature.link_key),
        ),
        petition_url=absolute_url("public.petition", slug=slug),
    )
    enqueue_email(
        purpose=template,
        recipient=signature.email,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        signature_id=signature.id,
    )
    signature.last_emailed_at = now()


def request_confirmation(signature: Signature) -> None:
    """The email whose button makes `signature` count."""
    with force_locale(signature.locale):
        subject = _("Confirm your signature: %(title)s", title=signature.petition.title)
        _queue_for_signer(signature, "confirm_signature", subject)


def tell_already_signed(signature: Signature, *, household_full: bool = False) -> None:
    """Someone signed again with this address. The form never says so; this email does, to
    the mailbox's owner only. `household_full`: two people already signed with it."""
    with force_locale(signature.locale):
        subject = _("You have already signed: %(title)s", title=signature.petition.title)
        _queue_for_signer(signature, "already_signed", subject, household_full=household_full)

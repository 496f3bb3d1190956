"""Emails to signers, by intent. Each is a .txt and an .html template rendered in the
signer's language, then queued in the outbox inside the caller's transaction.

The confirmation email of a new signature is queued unwritten in the signing transaction and
written by the sender when it goes (its links need only the signature's random `link_key`):
the crowd's requests stay short, and the email always carries the petition's current title.
"""

import dataclasses
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.core.clock import now
from app.core.links import LinkPurpose, make_token
from app.core.urls import absolute_url
from app.extensions import db
from app.mail.messages import QueuedMessage
from app.mail.queue import enqueue_email
from app.mail.sender import written_when_sent
from app.models import Petition, Signature
from app.petitions.translations import translated_title

CONFIRMATION_REMINDER = "confirmation_reminder"
CONFIRM_SIGNATURE = "confirm_signature"


class PetitionInEmail(Protocol):
    """What the signers' emails read of a petition: a Petition, or the light read of one
    that writing a confirmation makes (`_TO_CONFIRM`)."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def organizer_name(self) -> str: ...


@dataclass(frozen=True)
class SignerEmail:
    purpose: str
    subject: str
    body_text: str
    body_html: str
    sender_name: str  # the petition's organizer, on the From line

    def queue(self, recipient: str, signature_id: int) -> None:
        enqueue_email(
            purpose=self.purpose,
            recipient=recipient,
            subject=self.subject,
            body_text=self.body_text,
            body_html=self.body_html,
            signature_id=signature_id,
            sender_name=self.sender_name,
        )


def _title_in(petition: PetitionInEmail, locale: str) -> str:
    """The petition's title in the signer's language, when the organizers' text has one."""
    return translated_title(petition.id, locale) or petition.title


def _render(
    template: str, subject: str, petition: PetitionInEmail, link_key: str, **context: object
) -> SignerEmail:
    confirm = make_token(LinkPurpose.CONFIRM, link_key)
    withdraw = make_token(LinkPurpose.WITHDRAW, link_key)
    context.update(
        petition=petition,
        confirm_url=absolute_url("signing.confirm", slug=petition.slug, token=confirm),
        withdraw_url=absolute_url("signing.withdraw", slug=petition.slug, token=withdraw),
        petition_url=absolute_url("public.petition", slug=petition.slug),
    )
    return SignerEmail(
        purpose=template,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        sender_name=petition.organizer_name,
    )


def confirmation_email(
    petition: PetitionInEmail,
    first_name: str,
    locale: str,
    link_key: str,
    *,
    reminder: bool = False,
) -> SignerEmail:
    """The email whose button makes a signature count, rendered for this signer (a fraction
    of a millisecond), so it always carries the petition's current title. With `reminder`,
    the one reminder of a signature still pending a day later (app.signatures.reminders)."""
    with force_locale(locale):
        title = _title_in(petition, locale)
        if reminder:
            subject = _("Reminder: confirm your signature: %(title)s", title=title)
        else:
            subject = _("Confirm your signature: %(title)s", title=title)
        email = _render(
            "confirm_signature",
            subject,
            petition,
            link_key,
            title=title,
            first_name=first_name,
            reminder=reminder,
        )
    if reminder:
        return dataclasses.replace(email, purpose=CONFIRMATION_REMINDER)
    return email


def queue_confirmation(recipient: str, signature_id: int) -> None:
    """Queue a new signature's confirmation email, in the signing transaction, unwritten: the
    sender writes it just before sending (`_write_confirmation`), so the web request neither
    renders two templates nor signs two links for it."""
    enqueue_email(
        purpose=CONFIRM_SIGNATURE,
        recipient=recipient,
        subject="",
        body_text="",
        signature_id=signature_id,
    )


# What writing a confirmation needs of its signature and petition, in one light query (the
# sender writes one per new signature: two ORM loads were a fifth of its time). The petition
# columns are all the email's templates read of it.
_TO_CONFIRM = (
    sa.select(
        Signature.first_name,
        Signature.locale,
        Signature.link_key,
        Petition.id,
        Petition.slug,
        Petition.title,
        Petition.organizer_name,
    )
    .join(Petition, Petition.id == Signature.petition_id)
    .where(Signature.id == sa.bindparam("signature_id"))
)


@written_when_sent(CONFIRM_SIGNATURE)
def _write_confirmation(message: QueuedMessage) -> QueuedMessage | None:
    row = db.session.execute(_TO_CONFIRM, {"signature_id": message.signature_id}).first()
    if row is None or row.link_key is None:
        return None  # withdrawn or erased meanwhile
    email = confirmation_email(row, row.first_name, row.locale, row.link_key)
    return dataclasses.replace(
        message,
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        sender_name=email.sender_name,
    )


def _address_and_key(signature: Signature) -> tuple[str, str]:
    """The address and link key of a signature emailed about: one made online, not erased."""
    if signature.email is None or signature.link_key is None:
        raise ValueError(f"{signature!r} has no address or no link key to email")
    return signature.email, signature.link_key


def request_confirmation(signature: Signature) -> None:
    """Send an existing pending signature its confirmation email (again)."""
    address, link_key = _address_and_key(signature)
    email = confirmation_email(signature.petition, signature.first_name, signature.locale, link_key)
    email.queue(address, signature.id)
    signature.last_emailed_at = now()


def tell_already_signed(signature: Signature, *, household_full: bool = False) -> None:
    """Someone signed again with this address. The form never says so; this email does, to
    the mailbox's owner only. `household_full`: two people already signed with it."""
    address, link_key = _address_and_key(signature)
    with force_locale(signature.locale):
        title = _title_in(signature.petition, signature.locale)
        subject = _("You have already signed: %(title)s", title=title)
        email = _render(
            "already_signed",
            subject,
            signature.petition,
            link_key,
            title=title,
            first_name=signature.first_name,
            household_full=household_full,
            confirmed=signature.status == "confirmed",
        )
    email.queue(address, signature.id)
    signature.last_emailed_at = now()

"""Emails to signers, by intent. Each is a .txt and an .html template rendered in the
signer's language, then queued in the outbox inside the caller's transaction.

The confirmation email of a new signature is queued unwritten in the signing transaction and
written by the sender when it goes (its links need only the signature's random `link_key`):
the crowd's requests stay short, and the email always carries the petition's current title.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

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


# Where each signer's own parts go in an email rendered once for many signers (`_Skeleton`):
# control characters, which no template, translation or petition text puts in an email.
_FIRST_NAME, _CONFIRM_URL, _WITHDRAW_URL = (
    "\x01first_name\x01",
    "\x01confirm\x01",
    "\x01withdraw\x01",
)
# In the links' addresses alone, which are built as URLs (so in characters a URL keeps).
_LINK_MARK = "__signer_link__"
_SKELETONS = "signer_email_skeletons"  # in app.extensions: one cache per app (its BASE_URL)
_SKELETONS_KEPT = 256


@dataclass(frozen=True)
class _Skeleton:
    """A signer email rendered once per template, petition text and language, with marks where
    each signer's first name and links go: filling them in costs a few string replaces where
    rendering two templates cost most of writing a confirmation."""

    purpose: str
    subject: str
    body_text: str
    body_html: str
    sender_name: str
    confirm_url: str  # with _LINK_MARK where the signed key goes
    withdraw_url: str

    def for_signer(self, first_name: str, confirm: str, withdraw: str) -> SignerEmail:
        confirm_url = self.confirm_url.replace(_LINK_MARK, confirm)
        withdraw_url = self.withdraw_url.replace(_LINK_MARK, withdraw)
        text = (
            self.body_text.replace(_FIRST_NAME, first_name)
            .replace(_CONFIRM_URL, confirm_url)
            .replace(_WITHDRAW_URL, withdraw_url)
        )
        html = (
            self.body_html.replace(_FIRST_NAME, escape(first_name))
            .replace(_CONFIRM_URL, escape(confirm_url))
            .replace(_WITHDRAW_URL, escape(withdraw_url))
        )
        return SignerEmail(self.purpose, self.subject, text, html, self.sender_name)


def _skeleton(
    template: str, subject: str, petition: PetitionInEmail, locale: str, **context: object
) -> _Skeleton:
    """The email `template` for this petition's text and language, rendered once (and kept,
    per app) with marks for the signer's parts. Call inside `force_locale(locale)`."""
    key = (
        template,
        subject,
        locale,
        petition.id,
        petition.slug,
        petition.title,
        petition.organizer_name,
        *sorted(context.items()),
    )
    kept: dict[tuple[object, ...], _Skeleton] = current_app.extensions.setdefault(_SKELETONS, {})
    found = kept.get(key)
    if found is not None:
        return found
    values = dict(
        context,
        petition=petition,
        first_name=_FIRST_NAME,
        confirm_url=_CONFIRM_URL,
        withdraw_url=_WITHDRAW_URL,
        petition_url=absolute_url("public.petition", slug=petition.slug),
    )
    skeleton = _Skeleton(
        purpose=template,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **values),
        body_html=render_template(f"email/{template}.html", **values),
        sender_name=petition.organizer_name,
        confirm_url=absolute_url("signing.confirm", slug=petition.slug, token=_LINK_MARK),
        withdraw_url=absolute_url("signing.withdraw", slug=petition.slug, token=_LINK_MARK),
    )
    if len(kept) >= _SKELETONS_KEPT:
        kept.clear()
    kept[key] = skeleton
    return skeleton


def _render(
    template: str,
    subject: str,
    petition: PetitionInEmail,
    locale: str,
    first_name: str,
    link_key: str,
    **context: object,
) -> SignerEmail:
    skeleton = _skeleton(template, subject, petition, locale, **context)
    return skeleton.for_signer(
        first_name,
        make_token(LinkPurpose.CONFIRM, link_key),
        make_token(LinkPurpose.WITHDRAW, link_key),
    )


def confirmation_email(
    petition: PetitionInEmail,
    first_name: str,
    locale: str,
    link_key: str,
    *,
    reminder: bool = False,
    title: str | None = None,
) -> SignerEmail:
    """The email whose button makes a signature count, rendered for this signer (a fraction
    of a millisecond), so it always carries the petition's current title. With `reminder`,
    the one reminder of a signature still pending a day later (app.signatures.reminders).
    `title`: the petition's title in `locale`, when the caller has read it already."""
    with force_locale(locale):
        title = title or _title_in(petition, locale)
        if reminder:
            subject = _("Reminder: confirm your signature: %(title)s", title=title)
        else:
            subject = _("Confirm your signature: %(title)s", title=title)
        email = _render(
            "confirm_signature",
            subject,
            petition,
            locale,
            first_name,
            link_key,
            title=title,
            reminder=reminder,
        )
    if reminder:
        return dataclasses.replace(email, purpose=CONFIRMATION_REMINDER)
    return email


def queue_confirmation(recipient: str, signature_id: int) -> None:
    """Queue a new signature's confirmation email, in the signing transaction, unwritten: the
    sender writes it just before sending (`write_confirmations`), so the web request neither
    renders two templates nor signs two links for it."""
    enqueue_email(
        purpose=CONFIRM_SIGNATURE,
        recipient=recipient,
        subject="",
        body_text="",
        signature_id=signature_id,
    )


# What writing confirmations needs of their signatures and petitions, in one light query for
# a batch (two ORM loads a message were a fifth of the sender's time). The petition columns
# are all the email's templates read of it.
_TO_CONFIRM = (
    sa.select(
        Signature.id.label("signature_id"),
        Signature.first_name,
        Signature.locale,
        Signature.link_key,
        Petition.id,
        Petition.slug,
        Petition.title,
        Petition.organizer_name,
    )
    .join(Petition, Petition.id == Signature.petition_id)
    .where(Signature.id.in_(sa.bindparam("signature_ids", expanding=True)))
)


@written_when_sent(CONFIRM_SIGNATURE)
def write_confirmations(messages: Sequence[QueuedMessage]) -> dict[int, QueuedMessage]:
    """A batch's new-signature confirmations, written as they go (their signatures withdrawn
    or erased meanwhile are left out)."""
    rows = {
        row.signature_id: row
        for row in db.session.execute(
            _TO_CONFIRM, {"signature_ids": [message.signature_id for message in messages]}
        )
    }
    written = {}
    titles: dict[tuple[int, str], str] = {}
    for message in messages:
        row = rows.get(message.signature_id)
        if row is None or row.link_key is None:
            continue  # withdrawn or erased meanwhile
        language = (row.id, row.locale)
        if language not in titles:
            titles[language] = _title_in(row, row.locale)
        email = confirmation_email(
            row, row.first_name, row.locale, row.link_key, title=titles[language]
        )
        written[message.id] = dataclasses.replace(
            message,
            subject=email.subject,
            body_text=email.body_text,
            body_html=email.body_html,
            sender_name=email.sender_name,
        )
    return written


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
            signature.locale,
            signature.first_name,
            link_key,
            title=title,
            household_full=household_full,
            confirmed=signature.status == "confirmed",
        )
    email.queue(address, signature.id)
    signature.last_emailed_at = now()

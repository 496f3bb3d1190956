"""An update as email: subscription mail, in the language each signer signed in.

Each language's email is rendered once (templates/email/update.*) with a marker where the
signer's own unsubscribe link goes; each signer's copy is that text with their link put in,
so 100,000 copies cost 100,000 string replacements, not 100,000 template renderings.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from app.core.database import write_transaction
from app.core.markdown import markdown_to_text, render_markdown
from app.core.urls import absolute_url
from app.mail.messages import ListHeaders, OutgoingEmail
from app.mail.queue import enqueue_email
from app.models import Petition, Update
from app.models.audit import actor_label
from app.petitions.translations import translated_title
from app.updates.drafts import ORIGINAL_LOCALE
from app.updates.unsubscribe import unsubscribe_urls

UPDATE_PURPOSE = "update"
TEST_PURPOSE = "update_test"
_LINK_MARK = "unsubscribe-link-3f9c1e7a"  # where each signer's own link goes


def list_id(petition: Petition) -> str:
    """RFC 2919 list identifier: `<slug>.petitions.<our host>`, one list per petition."""
    host = urlsplit(current_app.config["BASE_URL"] or "http://localhost").hostname or "localhost"
    return f"{petition.slug}.petitions.{host}"


@dataclass(frozen=True)
class UpdateText:
    """The update as a reader of `locale` gets it: the translation, or the original."""

    title: str
    body: str
    locale: str  # the language the text is in
    translated: bool


def text_for(update: Update, locale: str) -> UpdateText:
    translation = update.translation(locale) if locale != ORIGINAL_LOCALE else None
    if translation is None:
        return UpdateText(update.title, update.body, ORIGINAL_LOCALE, translated=False)
    return UpdateText(translation.title, translation.body, locale, translated=True)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def render_update_email(
    petition: Petition, update: Update, locale: str, unsubscribe: str | None
) -> RenderedEmail:
    """The email in `locale` (its words around the update, and the update's translation if
    there is one). `unsubscribe` None: a test copy, which has no link of its own."""
    text = text_for(update, locale)
    with force_locale(locale):
        context = dict(
            petition=petition,
            petition_title=translated_title(petition.id, locale) or petition.title,
            update=text,
            body_html=render_markdown(text.body),
            body_text=markdown_to_text(text.body),
            petition_url=absolute_url("public.petition", slug=petition.slug) + "#updates",
            unsubscribe_url=unsubscribe,
        )
        return RenderedEmail(
            subject=text.title,
            body_text=render_template("email/update.txt", **context),
            body_html=render_template("email/update.html", **context),
        )


class SignerCopies:
    """Makes each signer's copy of an update: one rendering per language, then their link."""

    def __init__(self, petition: Petition, update: Update) -> None:
        self._petition = petition
        self._update_id = update.id
        self._list_id = list_id(petition)
        self._unsubscribe_url = unsubscribe_urls()
        self._by_locale = {
            locale: render_update_email(petition, update, locale, _LINK_MARK)
            for locale in current_app.config["LANGUAGES"]
        }

    def copy_for(
        self, *, signature_id: int, recipient: str, locale: str, link_key: str
    ) -> OutgoingEmail:
        email = self._by_locale.get(locale) or self._by_locale[ORIGINAL_LOCALE]
        link = self._unsubscribe_url(link_key)
        return OutgoingEmail(
            purpose=UPDATE_PURPOSE,
            recipient=recipient,
            subject=email.subject,
            body_text=email.body_text.replace(_LINK_MARK, link),
            body_html=email.body_html.replace(_LINK_MARK, link),
            signature_id=signature_id,
            update_id=self._update_id,
            headers=ListHeaders(link, self._list_id).as_headers(),
            sender_name=self._petition.organizer_name,
        )


def send_test_email(petition: Petition, update: Update, address: str) -> int:
    """Queue a test copy of the update to `address` (the organizer's own) in each language
    it is written in; nobody else gets anything. How many were queued."""
    locales = [ORIGINAL_LOCALE] + [t.locale for t in update.translations]
    emails = [render_update_email(petition, update, locale, None) for locale in locales]
    with write_transaction():
        for locale, email in zip(locales, emails, strict=True):
            enqueue_email(
                purpose=TEST_PURPOSE,
                recipient=address,
                subject=f"[TEST {locale}] {email.subject}",
                body_text=email.body_text,
                body_html=email.body_html,
                sender_name=petition.organizer_name,
            )
        current_app.logger.info(
            "test of update %s sent to %s by %s", update.id, address, actor_label()
        )
        return len(emails)

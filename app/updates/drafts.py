"""Writing updates: a draft with a title, a Markdown text and a translation per language,
edited until it is emailed, then published on the petition's page."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import rows_matched, write_transaction
from app.core.text_rules import has_control_characters, tidy
from app.extensions import db
from app.models import Petition, Update, UpdateTranslation
from app.models.audit import actor_label, record_change

TITLE_MAX = 200
BODY_MAX = 20_000
ORIGINAL_LOCALE = "en"  # updates are written in the petition's language, as its texts are


class UpdateRefused(ValueError):
    """What the organizer asked cannot be done; the message says why (shown as it is)."""


@dataclass(frozen=True)
class UpdateText:
    title: str
    body: str  # Markdown


def check_text(text: UpdateText, language: str = "") -> UpdateText:
    """The text tidied, or UpdateRefused with the reason."""
    title, body = tidy(text.title) or "", (text.body or "").strip()
    where = f" ({language})" if language else ""
    if not title:
        raise UpdateRefused(f"Give the update a title{where}.")
    if not body:
        raise UpdateRefused(f"Write the update's text{where}.")
    if len(title) > TITLE_MAX:
        raise UpdateRefused(f"The title{where} is too long: at most {TITLE_MAX} characters.")
    if len(body) > BODY_MAX:
        raise UpdateRefused(f"The text{where} is too long: at most {BODY_MAX:,} characters.")
    if has_control_characters(title) or has_control_characters(body, allow_newlines=True):
        raise UpdateRefused(f"The update{where} holds control characters: type it again.")
    return UpdateText(title, body)


def _check_translations(translations: Mapping[str, UpdateText]) -> dict[str, UpdateText]:
    languages = set(current_app.config["LANGUAGES"]) - {ORIGINAL_LOCALE}
    checked = {}
    for locale, text in translations.items():
        if locale not in languages:
            known = ", ".join(sorted(languages)) or "none"
            raise UpdateRefused(f"No translation into {locale!r}: the languages are {known}.")
        if not (text.title or "").strip() and not (text.body or "").strip():
            continue  # left empty: those signers get the original
        checked[locale] = check_text(text, locale)
    return checked


def update_of(petition: Petition, update_id: int) -> Update | None:
    """The update with this id if it belongs to this petition."""
    return db.session.scalar(
        sa.select(Update).where(Update.id == update_id, Update.petition_id == petition.id)
    )


def post_update(
    petition: Petition,
    text: UpdateText,
    translations: Mapping[str, UpdateText] | None = None,
    *,
    publish: bool = False,
) -> Update:
    """A new update: a draft, or (with `publish`) on the petition's page at once."""
    text = check_text(text)
    checked = _check_translations(translations or {})
    with write_transaction():
        at = now()
        update = Update(
            petition_id=petition.id,
            title=text.title,
            body=text.body,
            created_by=actor_label(),
            created_at=at,
            published_at=at if publish else None,
            recipient_count=0,
        )
        for locale, translated in checked.items():
            update.translations.append(
                UpdateTranslation(locale=locale, title=translated.title, body=translated.body)
            )
        db.session.add(update)
        record_change(petition, "update posted" if publish else "update drafted", new=text.title)
        return update


def edit_update(
    petition: Petition,
    update: Update,
    text: UpdateText,
    translations: Mapping[str, UpdateText] | None = None,
) -> None:
    """Change an update's texts (a translation left empty is removed). Refused once it has
    been emailed: what signers received stays what the page shows."""
    text = check_text(text)
    checked = _check_translations(translations or {})
    with write_transaction():
        db.session.refresh(update)
        if update.is_sent:
            raise UpdateRefused(
                "This update was emailed to signers: it cannot change any more. Post a new "
                "update to correct it."
            )
        update.title, update.body, update.edited_at = text.title, text.body, now()
        existing = {t.locale: t for t in update.translations}
        for locale, translation in existing.items():
            if locale not in checked:
                update.translations.remove(translation)
        for locale, translated in checked.items():
            if locale in existing:
                existing[locale].title, existing[locale].body = translated.title, translated.body
            else:
                update.translations.append(
                    UpdateTranslation(locale=locale, title=translated.title, body=translated.body)
                )
        record_change(petition, "update edited", new=text.title)


def publish_update(petition: Petition, update: Update) -> bool:
    """Show the update on the petition's page; False if it already was."""
    with write_transaction():
        changed = rows_matched(
            db.session.execute(
                sa.update(Update)
                .where(Update.id == update.id, Update.published_at.is_(None))
                .values(published_at=now())
                .execution_options(synchronize_session=False)
            )
        )
        if changed:
            record_change(petition, "update published", new=update.title)
    db.session.refresh(update)
    return bool(changed)


_HEADING = re.compile(r"^#[ \t]+(?P<title>\S.*?)[ \t#]*$")


def parse_update_file(content: str) -> UpdateText:
    """An update written as a Markdown file: its first line `# Title`, the rest the text."""
    lines = content.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    match = _HEADING.match(lines[0].strip()) if lines else None
    if match is None:
        raise UpdateRefused("The file must start with the title, as a line `# Title`.")
    return check_text(UpdateText(match.group("title"), "\n".join(lines[1:]).strip()))

"""`flask --app app updates ...`: post an update from Markdown files, list a petition's."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.english import english_count
from app.petitions.queries import petition_by_slug
from app.updates.drafts import UpdateRefused, parse_update_file, post_update
from app.updates.queries import sending_progress, updates_of
from app.updates.sending import SendRefused, recipient_estimate, request_sending

updates_cli = AppGroup("updates", help="Post updates to a petition's signers.")


def _read(path: str, option: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {path}: {error}", param_hint=option) from None


def _translations(pairs: tuple[str, ...]) -> dict:
    languages = [code for code in current_app.config["LANGUAGES"] if code != "en"]
    found = {}
    for pair in pairs:
        locale, equals, path = pair.partition("=")
        if not equals or not locale or not path:
            raise click.BadParameter(
                f"{pair!r}: write LANGUAGE=FILE.md, like es=update.es.md",
                param_hint="--translation",
            )
        if locale not in languages:
            raise click.BadParameter(
                f"{locale!r} is not a language of the site ({', '.join(languages)})",
                param_hint="--translation",
            )
        try:
            found[locale] = parse_update_file(_read(path, "--translation"))
        except UpdateRefused as refusal:
            raise click.BadParameter(f"{path}: {refusal}", param_hint="--translation") from None
    return found


@updates_cli.command("post")
@click.argument("slug")
@click.argument("file", metavar="FILE.md")
@click.option(
    "--translation",
    "translations",
    multiple=True,
    metavar="LANGUAGE=FILE.md",
    help="The update in another language, like es=update.es.md (repeatable).",
)
@click.option("--send", is_flag=True, help="Also email it to the signers who asked for updates.")
def post_command(slug, file, translations, send):
    """Publish an update on the petition's page (FILE.md: first line `# Title`, then the
    text in Markdown); with --send, email it once to confirmed signers who asked for updates
    (queued here; `outbox send` delivers)."""
    petition = petition_by_slug(slug)
    if petition is None:
        raise click.ClickException(f"no petition with slug {slug!r}")
    try:
        text = parse_update_file(_read(file, "FILE.md"))
    except UpdateRefused as refusal:
        raise click.ClickException(f"{file}: {refusal}") from None
    translated = _translations(translations)
    try:
        update = post_update(petition, text, translated, publish=True)
    except UpdateRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    languages = "".join(f", {locale}" for locale in sorted(translated))
    click.echo(f"Posted update {update.id} on {slug} (en{languages}): {update.title}")
    if not send:
        return
    recipients = recipient_estimate(petition)
    try:
        request_sending(petition, update)
    except SendRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    signers = english_count(recipients, "%(num)s signer", "%(num)s signers")
    click.echo(f"Emailing it to {signers} who asked for updates: `outbox send` delivers it.")


@updates_cli.command("list")
@click.argument("slug")
def list_command(slug):
    """A petition's updates, newest first, with how far their emails have got."""
    petition = petition_by_slug(slug)
    if petition is None:
        raise click.ClickException(f"no petition with slug {slug!r}")
    updates = updates_of(petition)
    progress = sending_progress(updates)
    for update in updates:
        state = "published" if update.published_at else "draft"
        sent = progress.get(update.id)
        emails = (
            f"{sent.sent} sent, {sent.queued} waiting, {sent.refused} refused"
            + (" (still queuing)" if sent.queuing else "")
            if sent
            else "not emailed"
        )
        click.echo(f"{update.id}\t{state}\t{emails}\t{update.title}")

"""`flask --app app signatures ...`: count, export, erase and fake signatures."""

import click
from flask.cli import AppGroup

from app.cli.arguments import petition_or_fail
from app.cli.progress import terminal_progress
from app.core.english import english_count
from app.letters.purge import purge_personal_data, purge_refusal
from app.models import SignatureStatus
from app.petitions.queries import all_petitions
from app.signatures.counting import recount
from app.signatures.export import ExportFilters, export_signatures_csv, matching_count
from app.signatures.fake import FakeSignaturesRefused, add_fake_signatures

signatures_cli = AppGroup("signatures", help="Count, export, review and erase signatures.")


@signatures_cli.command("recount")
@click.argument("slug", required=False)
def recount_command(slug):
    """Check each petition's stored count against its confirmed signatures, and repair it."""
    petitions = [petition_or_fail(slug)] if slug else all_petitions()
    for petition in petitions:
        result = recount(petition)
        state = "ok" if result.was_right else f"repaired (was {result.stored})"
        click.echo(f"{result.slug}: {result.counted} confirmed, {state}")


@signatures_cli.command("export")
@click.argument("slug")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write (default: standard output).",
)
@click.option(
    "--status",
    type=click.Choice(["confirmed", "pending", "held", "invalidated", "all"]),
    default="confirmed",
    show_default=True,
    help="Which signatures; all: every one but the invalidated.",
)
@click.option(
    "--from",
    "signed_from",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day signed (a day in the petition's time zone).",
)
@click.option(
    "--to",
    "signed_to",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last day signed (a day in the petition's time zone).",
)
def export_command(slug, output, status, signed_from, signed_to):
    """Write signatures as CSV, as the organizers' download does (and recorded the same way)."""
    petition = petition_or_fail(slug)
    filters = ExportFilters(
        status=None if status == "all" else SignatureStatus(status),
        signed_from=signed_from.date() if signed_from else None,
        signed_to=signed_to.date() if signed_to else None,
    )
    with terminal_progress(lambda: matching_count(petition, filters), "Exporting") as progress:
        pieces = export_signatures_csv(petition, filters, progress)
        if output is None:
            for piece in pieces:
                click.echo(piece, nl=False)
            return
        with open(output, "w", encoding="utf-8", newline="") as file:
            for piece in pieces:
                file.write(piece)
    click.echo(f"Wrote {output}", err=True)


@signatures_cli.command("purge")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--delivered-by-hand",
    is_flag=True,
    help="The final letters were delivered by hand, not by email from here.",
)
def purge_command(slug, yes, delivered_by_hand):
    """Erase the personal data of a closed, delivered petition's signers, keeping the counts."""
    petition = petition_or_fail(slug)
    refusal = purge_refusal(petition, delivered_by_hand=delivered_by_hand)
    if refusal:
        raise click.ClickException(refusal)
    if not yes:
        click.confirm(
            f"Erase every signer's name, email and reason on {slug} for good?", abort=True
        )
    erased = purge_personal_data(petition, delivered_by_hand=delivered_by_hand)
    signatures = english_count(erased, "%(num)s signature", "%(num)s signatures")
    click.echo(f"{slug}: personal data of {signatures} erased; counts kept.")


@signatures_cli.command("fake")
@click.argument("slug")
@click.option("--count", type=click.IntRange(min=1), required=True)
@click.option(
    "--force", is_flag=True, help="Add them even though real people signed this petition."
)
def fake_command(slug, count, force):
    """Add COUNT synthetic confirmed signatures (for benchmarks; never on a real petition)."""
    petition = petition_or_fail(slug)
    try:
        with terminal_progress(lambda: count, "Adding fake signatures") as progress:
            added = add_fake_signatures(petition, count, force=force, progress=progress)
    except FakeSignaturesRefused as refusal:
        hint = "" if petition.purged_at else " Add --force if this is a copy made for testing."
        raise click.ClickException(f"{refusal}{hint}") from None
    click.echo(
        f"{slug}: {english_count(added, '%(num)s fake signature', '%(num)s fake signatures')} added"
    )

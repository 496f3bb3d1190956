"""`flask --app app letters ...`: build and deliver the letters to the targets."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.arguments import petition_or_fail
from app.cli.progress import terminal_progress
from app.core.clock import local_day, now
from app.core.english import english_count
from app.jobs import active_job

letters_cli = AppGroup("letters", help="Build and deliver the letters to the targets.")


@letters_cli.command("build")
@click.argument("slug")
@click.option(
    "--output",
    "directory",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Directory to write the files to.",
)
def build_letters_command(slug, directory):
    """Write each target's letter (PDF) and the signers as CSV, for delivery by hand."""
    # The PDF library, only when used.
    from app.letters.letter import build_letter, signer_counts, signers_csv

    petition = petition_or_fail(slug)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    as_of = now()
    targets = list(petition.targets)
    written = []  # told after the bar, so the two do not share a line
    with terminal_progress(
        lambda: len(targets) * max(signer_counts(petition, as_of).named, 1), "Building the letters"
    ) as progress:
        for number, target in enumerate(targets):

            def listed(done: int, total: int, before: int = number) -> None:
                progress(before * max(total, 1) + done)

            letter = build_letter(petition, target, as_of, progress=listed)
            (folder / letter.filename).write_bytes(letter.data)
            written.append(
                f"{folder / letter.filename}: "
                + english_count(letter.pages, "%(num)s page", "%(num)s pages")
                + ", "
                + english_count(letter.counts.total, "%(num)s signature", "%(num)s signatures")
                + f", sha256 {letter.sha256}"
            )
    for line in written:
        click.echo(line)
    csv_path = folder / f"{petition.slug}-signers-{local_day(as_of, petition.zone).isoformat()}.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as file:
        for piece in signers_csv(petition, as_of):
            file.write(piece)
    click.echo(f"{csv_path}: the named signers, for officials who ask for data")


@letters_cli.command("deliver")
@click.argument("slug")
@click.option(
    "--target",
    "positions",
    type=click.IntRange(min=1),
    multiple=True,
    help="Only the target at this position (repeatable). Default: all.",
)
def deliver_letters_command(slug, positions):
    """Email each target its letter with the PDF attached (built here, then queued; `outbox
    send` sends)."""
    from app.letters.delivery import (  # the PDF library, only when used
        DeliveryRefused,
        deliver_letters,
    )
    from app.letters.records import DELIVER_LETTERS_JOB

    petition = petition_or_fail(slug)
    under_way = active_job(petition, DELIVER_LETTERS_JOB)
    if under_way is not None:
        raise click.ClickException(
            f"letters for {slug} are already being prepared by the worker (asked by "
            f"{under_way.actor}): wait until they are sent, then deliver again if needed"
        )
    try:
        deliveries = deliver_letters(petition, positions or None)
    except DeliveryRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    for delivery in deliveries:
        kind = "final" if delivery.is_final else "milestone"
        click.echo(
            f"Queued ({kind}): {delivery.target_name} <{delivery.address}>, "
            f"{delivery.signature_count:,} signatures, {delivery.filename}, "
            f"sha256 {delivery.sha256}"
        )


@letters_cli.command("report")
@click.argument("slug")
@click.option("--send", is_flag=True, help="Send it now to every target with an address.")
def report_command(slug, send):
    """Print the progress report each target would get; with --send, queue it now to every
    target with an address (`outbox send` sends)."""
    from app.letters.reports import ReportRefused, build_report, send_reports_now

    petition = petition_or_fail(slug)
    if send:
        try:
            deliveries = send_reports_now(petition)
        except ReportRefused as refusal:
            raise click.ClickException(str(refusal)) from None
        for delivery in deliveries:
            click.echo(
                f"Queued (progress report): {delivery.target_name} <{delivery.address}>, "
                f"{delivery.signature_count:,} signatures"
            )
        return
    for target in petition.targets:
        report = build_report(petition, target)
        to = f"<{report.recipient}>" if report.recipient else "(no email address: not sent)"
        click.echo(f"To: {report.target_name} {to}  [{target.report_frequency}]")
        click.echo(f"Subject: {report.subject}")
        click.echo("")
        click.echo(report.body_text.rstrip())
        click.echo("\n" + "-" * 72)

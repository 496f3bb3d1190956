"""`flask --app app petitions ...`: create, edit, publish and print petitions."""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.cli.arguments import DATETIME, petition_or_fail, show_deadline
from app.core.clock import now
from app.core.email_address import InvalidEmail, normalize_email
from app.models import Outcome
from app.organizers import organizer_by_email
from app.organizers.membership import join_petition
from app.petitions.files import (
    PARS_FILE,
    PetitionFileError,
    create_from_file,
    dump_petition,
    read_petition_file,
    seed_pars,
)
from app.petitions.lifecycle import PublishRefused, publish_petition
from app.petitions.milestones import (
    MilestonesRefused,
    milestones_of,
    parse_counts,
    set_auto_send,
    set_milestones,
)
from app.petitions.outcomes import (
    MAX_PDF_BYTES,
    ResponseRefused,
    declare_outcome,
    record_response,
)
from app.petitions.settings import (
    DeadlineRefused,
    SettingRefused,
    TargetMissing,
    set_deadline,
    set_target,
)

petitions_cli = AppGroup("petitions", help="Create and edit petitions.")


def _write_printed(build, output: str, **options) -> None:
    """Build a flyer or sheet (the PDF library loads only here) and write it to `output`."""
    from app.letters.printed import PrintRefused

    try:
        printed = build(**options)
    except PrintRefused as refusal:
        with force_locale("en"):  # no request here to choose a language from
            message = str(refusal)
        raise click.BadParameter(message, param_hint=f"--{refusal.option}") from None
    Path(output).write_bytes(printed.data)
    click.echo(f"Wrote {output}")


@petitions_cli.command("seed-pars")
@click.option(
    "--closes-at",
    type=DATETIME,
    help="Deadline, in the campaign's time (default: the next August 31, 23:59:59).",
)
def seed_pars_command(closes_at):
    """Create the PARS petition, or refresh its texts from campaigns/pars.toml."""
    petition, created = seed_pars(
        closes_at and closes_at.in_zone(read_petition_file(PARS_FILE).zone)
    )
    verb = "Created" if created else "Updated"
    click.echo(f"{verb} {petition.slug}: closes {show_deadline(petition)}")


@petitions_cli.command("set-deadline")
@click.argument("slug")
@click.argument("closes_at", metavar="DATETIME", type=DATETIME)
def set_deadline_command(slug, closes_at):
    """Move a petition's deadline (a date means 23:59:59 that day; a time without an offset is
    the petition's own time)."""
    petition = petition_or_fail(slug)
    try:
        set_deadline(petition, closes_at.in_zone(petition.zone))
    except DeadlineRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"{petition.slug} closes {show_deadline(petition)}")


@petitions_cli.command("set-target")
@click.argument("slug")
@click.argument("position", type=click.IntRange(min=1))
@click.option("--name")
@click.option("--title")
@click.option("--email", help='The address letters are delivered to ("" removes it).')
def set_target_command(slug, position, name, title, email):
    """Edit the target at POSITION (1 is the first named), or add one with --name and --title."""
    petition = petition_or_fail(slug)
    if email:
        try:
            email = normalize_email(email)
        except InvalidEmail as error:
            raise click.BadParameter(str(error), param_hint="--email") from None
    try:
        target, _changes = set_target(
            petition,
            position,
            title=title and title.strip(),
            name=name and name.strip(),
            email=email or None,
            clear_email=email == "",
        )
    except TargetMissing:
        raise click.ClickException(
            f"no target at position {position}: give --name and --title to add one"
        ) from None
    except SettingRefused as refusal:
        with force_locale("en"):
            raise click.ClickException(str(refusal)) from None
    click.echo(f"{position}. {target.full_name} <{target.email or 'no email'}>")


@petitions_cli.command("create")
@click.option(
    "--from",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The petition file (TOML, as written by `petitions dump`; see docs/organizers.md).",
)
@click.option("--publish", is_flag=True, help="Publish it at once (default: a draft).")
@click.option(
    "--member",
    "emails",
    multiple=True,
    metavar="EMAIL",
    help="An organizer who may manage it (repeatable); admins always may.",
)
def create_command(path, publish, emails):
    """Create a petition from a file: a draft to preview, unless --publish."""
    members = []
    for email in emails:
        organizer = organizer_by_email(email)
        if organizer is None:
            raise click.BadParameter(f"no organizer has the address {email}", param_hint="--member")
        members.append(organizer)
    try:
        petition = create_from_file(
            path,
            publish=publish,
            also=lambda petition: [join_petition(petition, member) for member in members],
        )
    except PetitionFileError as error:
        raise click.ClickException(
            f"{path} cannot become a petition:\n" + "\n".join(f"  {p}" for p in error.problems)
        ) from None
    state = "published" if petition.is_published else "draft"
    click.echo(f"Created {petition.slug} ({state}): closes {show_deadline(petition)}")


@petitions_cli.command("dump")
@click.argument("slug")
def dump_command(slug):
    """Write a petition as a file (TOML) on standard output: `create --from` reads it back."""
    click.echo(dump_petition(petition_or_fail(slug)), nl=False)


@petitions_cli.command("publish")
@click.argument("slug")
def publish_command(slug):
    """Publish a draft: from now on the public sees it and may sign it."""
    petition = petition_or_fail(slug)
    try:
        published = publish_petition(petition)
    except PublishRefused as refusal:
        raise click.ClickException(f"{slug} is not published: {refusal}") from None
    click.echo(f"Published {slug}" if published else f"{slug} was already published")


@petitions_cli.command("respond")
@click.argument("slug")
@click.argument("position", type=click.IntRange(min=1))
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "--date",
    "responded_on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="When they answered (default: today in the petition's time zone).",
)
@click.option(
    "--pdf",
    type=click.File("rb"),
    help="Their letter as a PDF (at most 5 MB), offered for download on the page.",
)
def respond_command(slug, position, file, responded_on, pdf):
    """Record what the target at POSITION answered, from a Markdown FILE ("-": standard
    input). The same target and day again replaces that response."""
    petition = petition_or_fail(slug)
    day = responded_on.date() if responded_on else now().astimezone(petition.zone).date()
    try:
        response = record_response(
            petition, position, day, file.read(), pdf.read(MAX_PDF_BYTES + 1) if pdf else None
        )
    except ResponseRefused as refusal:
        with force_locale("en"):
            raise click.ClickException(str(refusal)) from None
    target = response.target
    attached = ", with the PDF" if response.has_pdf else ""
    click.echo(f"{slug}: response from {target.full_name} on {day.isoformat()} recorded{attached}")


@petitions_cli.command("outcome")
@click.argument("slug")
@click.argument("outcome", type=click.Choice([outcome.value for outcome in Outcome]))
def outcome_command(slug, outcome):
    """Declare what came of a petition (won, answered, lost), shown as a banner on its page;
    "none" clears it."""
    petition = petition_or_fail(slug)
    changed = declare_outcome(petition, Outcome(outcome))
    click.echo(f"{slug}: outcome {outcome}" + ("" if changed else " (unchanged)"))


@petitions_cli.command("flyer")
@click.argument("slug")
@click.option("--source", required=True, help="The ?source= tag of the QR code, like library.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--language", default="en", show_default=True, help="en or es.")
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True)
def flyer_command(slug, source, output, language, paper):
    """Write a printable flyer (PDF) whose QR code leads to the petition tagged ?source=NAME."""
    from app.letters.printed import build_flyer

    petition = petition_or_fail(slug)
    _write_printed(
        build_flyer, output, petition=petition, source=source, language=language, paper=paper
    )


@petitions_cli.command("sheet")
@click.argument("slug")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--language", default="en", show_default=True, help="en or es.")
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True)
def sheet_command(slug, output, language, paper):
    """Write a paper signature sheet (PDF) whose columns match the paper-entry form."""
    from app.letters.printed import build_sheet

    petition = petition_or_fail(slug)
    _write_printed(build_sheet, output, petition=petition, language=language, paper=paper)


@petitions_cli.command("milestones")
@click.argument("slug")
@click.argument("counts", nargs=-1, metavar="[N ...]")
@click.option(
    "--auto-send",
    "auto_send",
    multiple=True,
    metavar="N",
    help="Email the update this milestone prepares to the signers who asked for updates "
    "without waiting for an organizer (repeat for more; default: a draft waits).",
)
@click.option("--default", "default", is_flag=True, help="Back to the steps toward the goal.")
def milestones_command(slug, counts, auto_send, default):
    """Set a petition's milestones (signature counts: 1000 or 1,000) and print them; with no
    count, print them. Without milestones of its own, a petition has the steps toward its
    goal (a quarter, half, three quarters and all of it)."""
    petition = petition_or_fail(slug)
    if counts and default:
        raise click.UsageError("Give counts or --default, not both.")
    if counts or default or auto_send:
        try:
            wanted = None if default else parse_counts(counts) if counts else None
            chosen = parse_counts(auto_send) if auto_send else []
            if counts or default:
                passed = set_milestones(petition, wanted, chosen)
                if passed:
                    shown = ", ".join(f"{count:,}" for count in passed)
                    click.echo(f"Left out, already passed: {shown}")
            else:
                set_auto_send(petition, chosen)
        except MilestonesRefused as refusal:
            raise click.ClickException(str(refusal)) from None
    _print_milestones(petition)


def _print_milestones(petition) -> None:
    kind = (
        "its own" if petition.custom_milestones else f"the steps toward its goal, {petition.goal:,}"
    )
    click.echo(f"{petition.slug}: {petition.signature_count:,} signatures; milestones ({kind}):")
    for milestone in milestones_of(petition):
        if milestone.reached_at is not None:
            state = f"reached {milestone.reached_at.astimezone(petition.zone):%Y-%m-%d %H:%M %Z}"
        else:
            state = "not yet reached"
        sending = ", update sent automatically" if milestone.auto_send else ""
        click.echo(f"  {milestone.count:>11,}  {state}{sending}")

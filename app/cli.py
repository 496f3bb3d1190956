"""Command line: `flask --app app petitions|outbox|signatures ...`."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale

from app.core.clock import in_zone, local_day, now, parse_local_datetime
from app.core.email_address import InvalidEmail, normalize_email
from app.core.english import english_count
from app.extensions import db
from app.jobs import active_job, run_due_jobs
from app.jobs.files import delete_expired_files
from app.mail.sender import send_all_due
from app.models import Outcome, Petition, SignatureStatus
from app.organizers import AccountError, create_organizer, organizer_by_email
from app.organizers.api_tokens import TokenRefused, TokenScopes, create_api_token
from app.petitions.files import (
    PARS_FILE,
    PetitionFileError,
    create_from_file,
    dump_petition,
    read_petition_file,
    seed_pars,
)
from app.petitions.lifecycle import PublishRefused, publish_petition
from app.petitions.outcomes import (
    MAX_PDF_BYTES,
    ResponseRefused,
    declare_outcome,
    record_response,
)
from app.petitions.queries import petition_by_slug
from app.petitions.settings import (
    DeadlineRefused,
    SettingRefused,
    TargetMissing,
    set_deadline,
    set_target,
)
from app.signatures.counting import recount
from app.signatures.erasure import purge_personal_data, purge_refusal
from app.signatures.export import ExportFilters, export_signatures_csv, matching_count
from app.signatures.fake import FakeSignaturesRefused, add_fake_signatures
from app.signatures.reminders import send_due_reminders
from app.updates.cli import updates_cli
from app.worker import run_worker

petitions_cli = AppGroup("petitions", help="Create and edit petitions.")
outbox_cli = AppGroup("outbox", help="Deliver queued email.")
signatures_cli = AppGroup("signatures", help="Count, export and erase signatures.")
organizers_cli = AppGroup("organizers", help="Organizer accounts.")
letters_cli = AppGroup("letters", help="Build and deliver the letters to the targets.")


@dataclass(frozen=True)
class TypedDateTime:
    """A date and time as typed. Without an offset it is a time in the petition's zone, known
    once the petition is found."""

    text: str

    def in_zone(self, zone: ZoneInfo) -> datetime:
        return parse_local_datetime(self.text, zone)


class LocalDateTime(click.ParamType):
    name = "DATETIME"

    def convert(self, value, param, ctx):
        if isinstance(value, TypedDateTime):
            return value
        try:
            parse_local_datetime(value, ZoneInfo("UTC"))  # refuse a malformed one at once
        except ValueError as error:
            self.fail(str(error), param, ctx)
        return TypedDateTime(value)


DATETIME = LocalDateTime()


@contextmanager
def terminal_progress(length: Callable[[], int], label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error when it is a terminal, moved to each `done` it is
    given; when standard error is piped or redirected, nothing at all (not even `length` is
    worked out), so the output stays what it was."""
    if not sys.stderr.isatty():
        yield lambda done: None
        return
    total = length()
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:

        def advance_to(done: int) -> None:
            step = min(done, total) - bar.pos
            if step > 0:
                bar.update(step)

        yield advance_to


def _petition_or_fail(slug: str) -> Petition:
    petition = petition_by_slug(slug)
    if petition is None:
        raise click.ClickException(f"no petition with slug {slug!r}")
    return petition


def _show_deadline(petition: Petition) -> str:
    return in_zone(petition.closes_at, petition.zone).strftime("%Y-%m-%d %H:%M:%S %Z")


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
    click.echo(f"{verb} {petition.slug}: closes {_show_deadline(petition)}")


@petitions_cli.command("set-deadline")
@click.argument("slug")
@click.argument("closes_at", metavar="DATETIME", type=DATETIME)
def set_deadline_command(slug, closes_at):
    """Move a petition's deadline (a date means 23:59:59 that day; a time without an offset is
    the petition's own time)."""
    petition = _petition_or_fail(slug)
    try:
        set_deadline(petition, closes_at.in_zone(petition.zone))
    except DeadlineRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(f"{petition.slug} closes {_show_deadline(petition)}")


@petitions_cli.command("set-target")
@click.argument("slug")
@click.argument("position", type=click.IntRange(min=1))
@click.option("--name")
@click.option("--title")
@click.option("--email", help='The address letters are delivered to ("" removes it).')
def set_target_command(slug, position, name, title, email):
    """Edit the target at POSITION (1 is the first named), or add one with --name and --title."""
    petition = _petition_or_fail(slug)
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
    db.session.commit()
    click.echo(f"{position}. {target.full_name} <{target.email or 'no email'}>")


@petitions_cli.command("create")
@click.option(
    "--from",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The petition file (TOML, as written by `petitions dump`; see the README).",
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
        petition = create_from_file(path, publish=publish, members=members)
    except PetitionFileError as error:
        raise click.ClickException(
            f"{path} cannot become a petition:\n" + "\n".join(f"  {p}" for p in error.problems)
        ) from None
    state = "published" if petition.is_published else "draft"
    click.echo(f"Created {petition.slug} ({state}): closes {_show_deadline(petition)}")


@petitions_cli.command("dump")
@click.argument("slug")
def dump_command(slug):
    """Write a petition as a file (TOML) on standard output: `create --from` reads it back."""
    click.echo(dump_petition(_petition_or_fail(slug)), nl=False)


@petitions_cli.command("publish")
@click.argument("slug")
def publish_command(slug):
    """Publish a draft: from now on the public sees it and may sign it."""
    petition = _petition_or_fail(slug)
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
    petition = _petition_or_fail(slug)
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
    petition = _petition_or_fail(slug)
    changed = declare_outcome(petition, Outcome(outcome))
    click.echo(f"{slug}: outcome {outcome}" + ("" if changed else " (unchanged)"))


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


@petitions_cli.command("flyer")
@click.argument("slug")
@click.option("--source", required=True, help="The ?source= tag of the QR code, like library.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--language", default="en", show_default=True, help="en or es.")
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True)
def flyer_command(slug, source, output, language, paper):
    """Write a printable flyer (PDF) whose QR code leads to the petition tagged ?source=NAME."""
    from app.letters.printed import build_flyer

    petition = _petition_or_fail(slug)
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

    petition = _petition_or_fail(slug)
    _write_printed(build_sheet, output, petition=petition, language=language, paper=paper)


@outbox_cli.command("send")
@click.option(
    "--once",
    is_flag=True,
    help="Run the jobs, queue the reminders and send the email due, then exit.",
)
def send_command(once):
    """The worker: run background jobs (building the letters...), queue the reminders to
    confirm that are due, and deliver queued email (runs until stopped, unless --once)."""
    if not once:
        click.echo("Running background jobs and sending queued email; Ctrl-C stops.")
        try:
            run_worker()
        except KeyboardInterrupt:
            pass
        return
    jobs = run_due_jobs()
    if jobs.done or jobs.failed:
        done = english_count(jobs.done, "%(num)s job", "%(num)s jobs")
        click.echo(f"{done} done, {jobs.failed} failed")
    for error in jobs.errors:
        click.echo(f"failed: {error}", err=True)
    expired = delete_expired_files()
    if expired:
        click.echo(
            english_count(expired, "%(num)s expired file", "%(num)s expired files") + " deleted"
        )
    reminders = send_due_reminders()
    if reminders:
        click.echo(english_count(reminders, "%(num)s reminder", "%(num)s reminders") + " queued")
    report = send_all_due()
    click.echo(f"{report.sent} sent, {report.failed} refused, {report.deferred} deferred")
    if report.errors:
        raise click.ClickException("mail server unavailable: " + report.errors[-1])


@signatures_cli.command("recount")
@click.argument("slug", required=False)
def recount_command(slug):
    """Check each petition's stored count against its confirmed signatures, and repair it."""
    petitions = [_petition_or_fail(slug)] if slug else list(db.session.scalars(sa.select(Petition)))
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
    type=click.Choice(["confirmed", "pending", "all"]),
    default="confirmed",
    show_default=True,
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
    petition = _petition_or_fail(slug)
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
    petition = _petition_or_fail(slug)
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
    petition = _petition_or_fail(slug)
    try:
        with terminal_progress(lambda: count, "Adding fake signatures") as progress:
            added = add_fake_signatures(petition, count, force=force, progress=progress)
    except FakeSignaturesRefused as refusal:
        hint = "" if petition.purged_at else " Add --force if this is a copy made for testing."
        raise click.ClickException(f"{refusal}{hint}") from None
    click.echo(
        f"{slug}: {english_count(added, '%(num)s fake signature', '%(num)s fake signatures')} added"
    )


@organizers_cli.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="May invite and disable organizers, and erase data.")
def create_organizer_command(email, admin):
    """Create an organizer. The password is read from standard input when it is not a
    terminal (one line), otherwise asked twice."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        organizer = create_organizer(email, password, admin=admin)
    except (AccountError, InvalidEmail) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    role = "admin" if organizer.is_admin else "organizer"
    click.echo(f"Created {role} {organizer.email}")


@organizers_cli.command("token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What will use it.")
@click.option("--personal-data", is_flag=True, help="May read signers' names and addresses.")
@click.option("--write", is_flag=True, help="May record signatures (pending until confirmed).")
@click.option(
    "--import-confirmed",
    is_flag=True,
    help="Signatures it records count at once, without our confirmation email (needs --write).",
)
def token_command(email, name, personal_data, write, import_confirmed):
    """Make an API token for an organizer and print it: it is shown this once only."""
    organizer = organizer_by_email(email)
    if organizer is None:
        raise click.ClickException(f"no organizer with email {email!r}")
    scopes = TokenScopes(
        personal_data=personal_data, write=write, import_confirmed=import_confirmed
    )
    try:
        token, secret = create_api_token(organizer, name, scopes)
    except TokenRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(
        f"API token {token.name!r} for {organizer.email} ({', '.join(token.scopes)}):", err=True
    )
    click.echo(secret)


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

    petition = _petition_or_fail(slug)
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

    petition = _petition_or_fail(slug)
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


def init_app(app: Flask) -> None:
    groups = (petitions_cli, outbox_cli, signatures_cli, organizers_cli, letters_cli, updates_cli)
    for group in groups:
        app.cli.add_command(group)

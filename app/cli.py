"""Command line: `flask --app app petitions|outbox|signatures ...`."""

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from app.campaigns import seed_pars
from app.clock import in_philadelphia, parse_philadelphia_datetime
from app.counting import recount
from app.extensions import db
from app.models import Petition, Target
from app.outbox import run_sender, send_all_due
from app.petitions import petition_by_slug

petitions_cli = AppGroup("petitions", help="Create and edit petitions.")
outbox_cli = AppGroup("outbox", help="Deliver queued email.")
signatures_cli = AppGroup("signatures", help="Count and export signatures.")


class PhiladelphiaDateTime(click.ParamType):
    name = "DATETIME"

    def convert(self, value, param, ctx):
        try:
            return parse_philadelphia_datetime(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


DATETIME = PhiladelphiaDateTime()


def _petition_or_fail(slug: str) -> Petition:
    petition = petition_by_slug(slug)
    if petition is None:
        raise click.ClickException(f"no petition with slug {slug!r}")
    return petition


def _show_deadline(petition: Petition) -> str:
    return in_philadelphia(petition.closes_at).strftime("%Y-%m-%d %H:%M:%S %Z")


@petitions_cli.command("seed-pars")
@click.option(
    "--closes-at",
    type=DATETIME,
    help="Deadline (default: the next August 31, 23:59:59 Philadelphia time).",
)
def seed_pars_command(closes_at):
    """Create the PARS petition, or refresh its texts from app/campaigns/pars.toml."""
    petition, created = seed_pars(closes_at)
    verb = "Created" if created else "Updated"
    click.echo(f"{verb} {petition.slug}: closes {_show_deadline(petition)}")


@petitions_cli.command("set-deadline")
@click.argument("slug")
@click.argument("closes_at", metavar="DATETIME", type=DATETIME)
def set_deadline_command(slug, closes_at):
    """Move a petition's deadline (a date means 23:59:59 that day, Philadelphia time)."""
    petition = _petition_or_fail(slug)
    petition.closes_at = closes_at
    db.session.commit()
    click.echo(f"{petition.slug} closes {_show_deadline(petition)}")


@petitions_cli.command("set-target")
@click.argument("slug")
@click.argument("position", type=click.IntRange(min=1))
@click.option("--name")
@click.option("--title")
@click.option("--email")
def set_target_command(slug, position, name, title, email):
    """Edit the target at POSITION (1 is the first named)."""
    from app.email_address import InvalidEmail, normalize_email

    petition = _petition_or_fail(slug)
    target = db.session.scalar(
        sa.select(Target).where(Target.petition_id == petition.id, Target.position == position)
    )
    if target is None:
        if not (name and title):
            raise click.ClickException(
                f"no target at position {position}: give --name and --title to add one"
            )
        target = Target(petition=petition, position=position, name=name, title=title)
        db.session.add(target)
    if name:
        target.name = name.strip()
    if title:
        target.title = title.strip()
    if email is not None:
        try:
            target.email = normalize_email(email) if email.strip() else None
        except InvalidEmail as error:
            raise click.BadParameter(str(error), param_hint="--email") from None
    db.session.commit()
    click.echo(f"{position}. {target.full_name} <{target.email or 'no email'}>")


@outbox_cli.command("send")
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
def send_command(once):
    """Deliver queued email (runs until stopped, unless --once)."""
    if not once:
        click.echo("Sending queued email; Ctrl-C stops.")
        try:
            run_sender()
        except KeyboardInterrupt:
            pass
        return
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


def init_app(app: Flask) -> None:
    for group in (petitions_cli, outbox_cli, signatures_cli):
        app.cli.add_command(group)

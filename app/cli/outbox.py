"""`flask --app app outbox send`: the worker (background jobs, reminders, queued email)."""

import click
from flask.cli import AppGroup

from app.cli.worker import run_worker
from app.core.english import english_count
from app.jobs import run_due_jobs
from app.jobs.files import delete_expired_files
from app.mail.sender import send_all_due
from app.signatures.reminders import send_due_reminders

outbox_cli = AppGroup("outbox", help="Deliver queued email.")


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

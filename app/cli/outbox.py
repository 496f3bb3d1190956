"""`flask --app app outbox send`: the worker (background jobs, reminders, queued email)."""

import click
from flask.cli import AppGroup

from app.cli.schedule import Schedule
from app.cli.worker import run_worker
from app.core.english import english_count
from app.jobs import run_due_jobs
from app.mail.sender import send_all_due

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
    for task, count in Schedule().run_due():
        if count:
            click.echo(f"{english_count(count, task.singular, task.plural)} {task.verb}")
    report = send_all_due()
    click.echo(f"{report.sent} sent, {report.failed} refused, {report.deferred} deferred")
    if report.errors:
        raise click.ClickException("mail server unavailable: " + report.errors[-1])

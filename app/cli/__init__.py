"""The command line, `flask --app app ...`: a module per command group, and the worker."""

from flask import Flask

from app.cli import integrity  # noqa: F401  (its commands join the signatures group)
from app.cli.backup import backup_cli
from app.cli.letters import letters_cli
from app.cli.organizers import organizers_cli
from app.cli.outbox import outbox_cli
from app.cli.petitions import petitions_cli
from app.cli.signatures import signatures_cli
from app.cli.updates import updates_cli
from app.cli.webhooks import webhooks_cli


def init_app(app: Flask) -> None:
    groups = (
        petitions_cli,
        outbox_cli,
        signatures_cli,
        organizers_cli,
        letters_cli,
        updates_cli,
        backup_cli,
        webhooks_cli,
    )
    for group in groups:
        app.cli.add_command(group)

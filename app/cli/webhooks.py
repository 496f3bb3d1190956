"""`flask --app app webhooks add|list|remove`: a petition's webhook endpoints from the command
line (app.events.webhooks; docs/webhooks.md)."""

import click
from flask.cli import AppGroup

from app.cli.arguments import petition_or_fail
from app.events.webhooks import (
    EVENT_KINDS,
    WebhookRefused,
    add_endpoint,
    endpoints_of,
    remove_endpoint,
)
from app.models.audit import actor_label

webhooks_cli = AppGroup("webhooks", help="A petition's webhook endpoints (Standard Webhooks).")


@webhooks_cli.command("add")
@click.argument("slug")
@click.argument("url")
@click.option(
    "--events",
    required=True,
    help=f"The events to send, separated by commas: {', '.join(EVENT_KINDS)}.",
)
@click.option(
    "--personal-data",
    is_flag=True,
    help="Send signers' names, email addresses, ZIP codes and comments (each delivery is "
    "recorded with the petition's exports).",
)
def add_command(slug: str, url: str, events: str, personal_data: bool) -> None:
    """Add an endpoint; prints its secret (whsec_...), shown this once."""
    petition = petition_or_fail(slug)
    try:
        endpoint, secret = add_endpoint(
            petition, url, events.split(","), personal_data=personal_data, actor=actor_label()
        )
    except WebhookRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"Webhook {endpoint.id} added for {petition.slug}: {endpoint.url}")
    click.echo(f"Events: {', '.join(endpoint.event_kinds)}")
    click.echo(f"Secret (shown this once; verify each delivery with it): {secret}")


@webhooks_cli.command("list")
@click.argument("slug")
def list_command(slug: str) -> None:
    """The petition's endpoints: id, status, URL and events."""
    petition = petition_or_fail(slug)
    endpoints = endpoints_of(petition)
    if not endpoints:
        click.echo(f"{petition.slug}: no webhooks.")
        return
    for endpoint in endpoints:
        if endpoint.disabled_at is not None:
            status = f"disabled ({endpoint.disabled_reason})"
        elif endpoint.failing_since is not None:
            status = f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
        else:
            status = "enabled"
        scope = " personal-data" if endpoint.personal_data else ""
        click.echo(
            f"{endpoint.id} {endpoint.url} [{', '.join(endpoint.event_kinds)}]{scope} {status}"
        )


@webhooks_cli.command("remove")
@click.argument("slug")
@click.argument("endpoint_id", metavar="ID", type=int)
def remove_command(slug: str, endpoint_id: int) -> None:
    """Remove an endpoint and its deliveries."""
    petition = petition_or_fail(slug)
    if not remove_endpoint(petition, endpoint_id, actor=actor_label()):
        raise click.ClickException(f"{petition.slug} has no webhook {endpoint_id}.")
    click.echo(f"Webhook {endpoint_id} removed from {petition.slug}.")

"""`flask --app app organizers ...`: accounts and API tokens."""

import sys

import click
from flask.cli import AppGroup

from app.core.email_address import InvalidEmail
from app.organizers import AccountError, create_account, organizer_by_email
from app.organizers.api_tokens import TokenRefused, TokenScopes, create_api_token

organizers_cli = AppGroup("organizers", help="Organizer accounts.")


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
        organizer = create_account(email, password, admin=admin)
    except (AccountError, InvalidEmail) as error:
        raise click.ClickException(str(error)) from None
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

"""`flask --app app signatures review|invalidate|restore|hold|release`: the integrity
review from the command line (app.signatures.integrity, app.signatures.holds), in the
`signatures` group."""

from pathlib import Path

import click

from app.cli.arguments import DATETIME, TypedDateTime, petition_or_fail
from app.cli.signatures import signatures_cli
from app.core.clock import in_zone
from app.models import HoldKind, Petition
from app.signatures.holds import ReleaseRefused, add_hold, held_signatures, release_held
from app.signatures.integrity import (
    NothingSelected,
    RestoreRefused,
    Selection,
    find_clusters,
    invalidate,
    restore,
)


@signatures_cli.command("review")
@click.argument("slug")
def review_command(slug: str) -> None:
    """Clusters of signatures worth a look, and how many are held."""
    petition = petition_or_fail(slug)
    clusters = find_clusters(petition)
    held = len(held_signatures(petition))
    if not clusters:
        click.echo(f"{petition.slug}: nothing worth a look ({held} held).")
        return
    for cluster in clusters:
        span = f"{_shown(petition, cluster.first_at)} to {_shown(petition, cluster.last_at)}"
        click.echo(
            f"{cluster.kind} {cluster.label}: {cluster.size} signatures "
            f"({cluster.share:.0%}, {cluster.held} held), {span}"
        )
        if cluster.sample:
            click.echo("  e.g. " + ", ".join(cluster.sample))
        click.echo(f"  invalidate: {_option(cluster.selection)}")
    click.echo(f"{held} held in all.")


def _shown(petition: Petition, moment) -> str:
    return in_zone(moment, petition.zone).strftime("%Y-%m-%d %H:%M %Z")


def _option(selection: Selection) -> str:
    if selection.network is not None:
        return f"--network {selection.network}"
    if selection.domain is not None:
        return f"--domain {selection.domain}"
    if selection.since is not None and selection.until is not None:
        return f"--since {selection.since.isoformat()} --until {selection.until.isoformat()}"
    return "from the review page (or --ids FILE)"


def selection_from(
    petition: Petition,
    network: str | None,
    domain: str | None,
    since: TypedDateTime | None,
    until: TypedDateTime | None,
    ids_file: str | None,
) -> Selection:
    chosen = [network is not None, domain is not None, bool(since or until), ids_file is not None]
    if sum(chosen) != 1:
        raise click.UsageError("Choose one of --network, --domain, --since/--until or --ids.")
    if since or until:
        if not (since and until):
            raise click.UsageError("--since and --until go together.")
        return Selection(since=since.in_zone(petition.zone), until=until.in_zone(petition.zone))
    if ids_file is not None:
        return Selection(ids=_ids(ids_file))
    return Selection(network=network, domain=domain)


def _ids(path: str) -> tuple[int, ...]:
    words = Path(path).read_text().replace(",", " ").split()
    bad = [word for word in words if not (word.isascii() and word.isdigit())]
    if bad:
        raise click.BadParameter(f"not a signature id: {bad[0]!r}", param_hint="--ids")
    return tuple(int(word) for word in words)


@signatures_cli.command("invalidate")
@click.argument("slug")
@click.option("--network", help="A network key, as the review shows it.")
@click.option("--domain", help="An email domain.")
@click.option("--since", type=DATETIME, help="Signed from (with --until).")
@click.option("--until", type=DATETIME, help="Signed before (with --since).")
@click.option(
    "--ids", "ids_file", type=click.Path(exists=True, dir_okay=False), help="A file of ids."
)
@click.option("--reason", required=True, help="Why: kept with the record.")
def invalidate_command(slug, network, domain, since, until, ids_file, reason) -> None:
    """Take signatures out of the count, letters, exports and API; prints the
    invalidation's id."""
    petition = petition_or_fail(slug)
    selection = selection_from(petition, network, domain, since, until, ids_file)
    if not reason.strip():
        raise click.UsageError("--reason says why; it is kept with the record.")
    try:
        invalidation = invalidate(petition, selection, reason)
    except NothingSelected as error:
        raise click.ClickException(str(error)) from None
    click.echo(invalidation.id)
    click.echo(
        f"invalidated {invalidation.signature_count} signatures ({invalidation.criteria}); "
        f"undo with: signatures restore {petition.slug} --invalidation {invalidation.id}",
        err=True,
    )


@signatures_cli.command("restore")
@click.argument("slug")
@click.option("--invalidation", "invalidation_id", type=int, required=True)
def restore_command(slug: str, invalidation_id: int) -> None:
    """Put an invalidation's signatures back, while the petition takes signatures."""
    petition = petition_or_fail(slug)
    try:
        restored = restore(petition, invalidation_id)
    except RestoreRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {restored} signatures")


@signatures_cli.command("hold")
@click.argument("slug")
@click.option("--network", help="A network key, as the review shows it.")
@click.option("--domain", help="An email domain.")
def hold_command(slug: str, network: str | None, domain: str | None) -> None:
    """Hold new signatures from a network or an email domain, quietly."""
    petition = petition_or_fail(slug)
    if (network is None) == (domain is None):
        raise click.UsageError("Choose one of --network or --domain.")
    kind, value = (HoldKind.NETWORK, network) if network else (HoldKind.DOMAIN, domain)
    added = add_hold(petition, kind, value or "")
    click.echo(f"holding {kind.value} {value}" if added else f"{kind.value} {value} was held")


@signatures_cli.command("release")
@click.argument("slug")
def release_command(slug: str) -> None:
    """Release every held signature: each gets its confirmation email."""
    petition = petition_or_fail(slug)
    try:
        released = release_held(petition)
    except ReleaseRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"released {released} signatures")

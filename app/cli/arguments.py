"""What the commands take: a date and time typed in a petition's zone, a petition by slug."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from app.core.clock import in_zone, parse_local_datetime
from app.models import Petition
from app.petitions.queries import petition_by_slug


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


def petition_or_fail(slug: str) -> Petition:
    petition = petition_by_slug(slug)
    if petition is None:
        raise click.ClickException(f"no petition with slug {slug!r}")
    return petition


def show_deadline(petition: Petition) -> str:
    return in_zone(petition.closes_at, petition.zone).strftime("%Y-%m-%d %H:%M:%S %Z")

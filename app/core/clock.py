"""The one clock of the application.

Business code asks `now()`, never `datetime.now()`, so tests can move time (time-machine) and
every deadline is judged against the same instant source. Times are stored in UTC and shown
in the zone of the petition they belong to (`Petition.zone`); what belongs to no petition
(accounts, logins) is shown in the `DEFAULT_TIME_ZONE` setting's zone.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, available_timezones

FALLBACK_TIME_ZONE = "America/New_York"


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive value is taken to be UTC already (SQLite returns those)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name` ("America/Los_Angeles"). Raises ValueError if unknown."""
    if name not in _zone_names():
        raise ValueError(f"{name!r} is not a time zone: use a name such as America/New_York")
    return ZoneInfo(name)  # cached by zoneinfo itself


def is_time_zone(name: str) -> bool:
    try:
        zone_named(name)
    except ValueError:
        return False
    return True


def default_zone() -> ZoneInfo:
    """The zone of the `DEFAULT_TIME_ZONE` setting: for new petitions, and for times that
    belong to no petition."""
    from flask import current_app

    return zone_named(current_app.config.get("DEFAULT_TIME_ZONE") or FALLBACK_TIME_ZONE)


def default_time_zone() -> str:
    """The setting's name, as a new petition's `time_zone` (a column default)."""
    return default_zone().key


class Zoned(Protocol):
    """Anything with the name of a time zone: a petition, or the light read of one."""

    @property
    def time_zone(self) -> str: ...


def zone_of(owner: Zoned | ZoneInfo | str | None) -> ZoneInfo:
    """The zone of a petition (or anything with a `time_zone` name), a zone itself, or the
    default zone for None."""
    if owner is None:
        return default_zone()
    if isinstance(owner, ZoneInfo):
        return owner
    if isinstance(owner, str):
        return zone_named(owner)
    return zone_named(owner.time_zone)


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """The instant `moment` on the clocks of `zone`."""
    return as_utc(moment).astimezone(zone)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day `moment` falls on in `zone`."""
    return in_zone(moment, zone).date()


def from_local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` (naive, as a form gives it) as an instant in UTC."""
    return as_utc(moment.replace(tzinfo=zone))


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of `day` in `zone`, in UTC."""
    return from_local(datetime.combine(day, time.min), zone)


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after `day` in `zone` (the start of the next day), in UTC."""
    return day_start(day + timedelta(days=1), zone)


def parse_local_datetime(text: str, zone: ZoneInfo) -> datetime:
    """An instant from what an organizer types, in UTC.

    "2027-08-31" is the end of that day (23:59:59); a time without an offset is a time in
    `zone` (the petition's); "2027-08-31T23:59:59-04:00" or "...Z" is taken as written.
    Raises ValueError.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty date")
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: use 2027-08-31 or 2027-08-31T23:59:59 (local time)"
        ) from None
    if len(text) == 10:
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment.tzinfo is None:
        return from_local(moment, zone)
    return as_utc(moment)

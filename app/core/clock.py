"""The one clock of the application.

Business code asks `now()`, never `datetime.now()`, so tests can move time (time-machine) and
every deadline is judged against the same instant source. Times are stored in UTC and shown
in Philadelphia time (`PHILADELPHIA`).
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PHILADELPHIA = ZoneInfo("America/New_York")


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive value is taken to be UTC already (SQLite returns those)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def in_philadelphia(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(PHILADELPHIA)


def parse_philadelphia_datetime(text: str) -> datetime:
    """An instant from what an organizer types, in UTC.

    "2027-08-31" is the end of that day (23:59:59); a time without an offset is Philadelphia
    time; "2027-08-31T23:59:59-04:00" or "...Z" is taken as written. Raises ValueError.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty date")
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: use 2027-08-31 or 2027-08-31T23:59:59 (Philadelphia time)"
        ) from None
    if len(text) == 10:
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PHILADELPHIA)
    return as_utc(moment)

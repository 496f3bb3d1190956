"""The OData filter the OSDI API reads: `modified_date gt '2027-07-14T00:00:00Z'` (also ge, lt,
le, eq, ne; several joined with `and`). Anything else is refused with a reason.

A modified date is shown to the second (2027-07-14T16:00:00Z), so it is compared as shown:
`gt '...T16:00:00Z'` keeps what was modified from 16:00:01 on, never the rest of 16:00:00,
and `eq` keeps that whole second. A client that asks for `gt` the last modified date it saw
is not given that resource again.
"""

import re
from datetime import UTC, datetime, timedelta

from app.organizers.api_reads import ModifiedRange

_CLAUSE = re.compile(r"^modified_date\s+(gt|ge|lt|le|eq|ne)\s+'([^']{1,40})'$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
SECOND = timedelta(seconds=1)

EXAMPLE = "modified_date gt '2027-07-14T00:00:00Z'"


class FilterRefused(ValueError):
    pass


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # OSDI's times are UTC
        moment = moment.astimezone(UTC)
        moment + SECOND  # noqa: B018  (the bounds go a second past it: that must exist)
        return moment
    except (ValueError, OverflowError):
        raise FilterRefused(
            f"{text!r} is not a date and time we can use: write one in ISO 8601, like "
            "2027-07-14T00:00:00Z."
        ) from None


def _clause(operator: str, moment: datetime) -> ModifiedRange:
    """The instants whose shown second (the instant without its fraction) compares so with
    `moment`."""
    second = moment.replace(microsecond=0)
    # The first whole second at or after the moment.
    ceiling = second if second == moment else second + SECOND
    if operator == "ne":
        return ModifiedRange(excluded=((ceiling, second + SECOND),))
    return {
        "gt": ModifiedRange(since=second + SECOND),
        "ge": ModifiedRange(since=ceiling),
        "lt": ModifiedRange(until=ceiling),
        "le": ModifiedRange(until=second + SECOND),
        "eq": ModifiedRange(since=ceiling, until=second + SECOND),
    }[operator]


def _both(one: ModifiedRange, other: ModifiedRange) -> ModifiedRange:
    def bound(pick, a, b):
        return b if a is None else a if b is None else pick(a, b)

    return ModifiedRange(
        since=bound(max, one.since, other.since),
        until=bound(min, one.until, other.until),
        excluded=one.excluded + other.excluded,
    )


def parse_filter(text: str | None) -> ModifiedRange:
    wanted = ModifiedRange()
    if text is None or not text.strip():
        return wanted
    for clause in _AND.split(text.strip()):
        match = _CLAUSE.match(clause.strip())
        if match is None:
            raise FilterRefused(
                f"Cannot filter by {clause.strip()!r}: only modified_date can be filtered, with "
                f"gt, ge, lt, le, eq or ne and a quoted date and time, like {EXAMPLE}; several "
                "joined with and."
            )
        wanted = _both(wanted, _clause(match.group(1).lower(), _instant(match.group(2))))
    return wanted

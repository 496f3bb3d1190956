"""The OData filter the OSDI API reads: `modified_date gt '2027-07-14T00:00:00Z'` (also lt, ge,
le; several joined with `and`). Anything else is refused with a reason.

A modified date is shown to the second (2027-07-14T16:00:00Z), so it is compared as shown:
`gt '...T16:00:00Z'` keeps what was modified from 16:00:01 on, never the rest of 16:00:00. A
client that asks for `gt` the last modified date it saw is not given that resource again.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_CLAUSE = re.compile(r"^modified_date\s+(gt|lt|ge|le)\s+'([^']{1,40})'$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
SECOND = timedelta(seconds=1)

EXAMPLE = "modified_date gt '2027-07-14T00:00:00Z'"


class FilterRefused(ValueError):
    pass


@dataclass(frozen=True)
class ModifiedRange:
    """The instants a filter keeps: from `since` (included) until `until` (excluded)."""

    since: datetime | None = None
    until: datetime | None = None


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


def _bounds(operator: str, moment: datetime) -> tuple[datetime | None, datetime | None]:
    """The instants whose shown second (the instant without its fraction) compares so with
    `moment`, as [since, until)."""
    second = moment.replace(microsecond=0)
    # The first whole second at or after the moment.
    ceiling = second if second == moment else second + SECOND
    return {
        "gt": (second + SECOND, None),
        "ge": (ceiling, None),
        "lt": (None, ceiling),
        "le": (None, second + SECOND),
    }[operator]


def parse_filter(text: str | None) -> ModifiedRange:
    if text is None or not text.strip():
        return ModifiedRange()
    since = until = None
    for clause in _AND.split(text.strip()):
        match = _CLAUSE.match(clause.strip())
        if match is None:
            raise FilterRefused(
                f"Cannot filter by {clause.strip()!r}: only modified_date can be filtered, with "
                f"gt, lt, ge or le and a quoted date and time, like {EXAMPLE}."
            )
        start, end = _bounds(match.group(1).lower(), _instant(match.group(2)))
        if start is not None:
            since = start if since is None else max(since, start)
        if end is not None:
            until = end if until is None else min(until, end)
    return ModifiedRange(since, until)

"""The OData filter the OSDI API reads on signatures: `modified_date gt '2027-07-14T00:00:00Z'`
(also lt, ge, le; several joined with `and`). Anything else is refused with a reason."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_CLAUSE = re.compile(r"^modified_date\s+(gt|lt|ge|le)\s+'([^']{1,40})'$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
# The smallest step between two stored instants: `ge t` is `gt t - step`.
_STEP = timedelta(microseconds=1)

EXAMPLE = "modified_date gt '2027-07-14T00:00:00Z'"


class FilterRefused(ValueError):
    pass


@dataclass(frozen=True)
class ModifiedRange:
    after: datetime | None = None  # strictly after
    before: datetime | None = None  # strictly before


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # OSDI's times are UTC
        moment = moment.astimezone(UTC)
        moment - _STEP, moment + _STEP  # noqa: B018  (ge and le move it by a step: both must exist)
        return moment
    except (ValueError, OverflowError):
        raise FilterRefused(
            f"{text!r} is not a date and time we can use: write one in ISO 8601, like "
            "2027-07-14T00:00:00Z."
        ) from None


def parse_filter(text: str | None) -> ModifiedRange:
    if text is None or not text.strip():
        return ModifiedRange()
    after = before = None
    for clause in _AND.split(text.strip()):
        match = _CLAUSE.match(clause.strip())
        if match is None:
            raise FilterRefused(
                f"Cannot filter by {clause.strip()!r}: only modified_date can be filtered, with "
                f"gt, lt, ge or le and a quoted date and time, like {EXAMPLE}."
            )
        operator, moment = match.group(1).lower(), _instant(match.group(2))
        if operator in ("gt", "ge"):
            bound = moment if operator == "gt" else moment - _STEP
            after = bound if after is None else max(after, bound)
        else:
            bound = moment if operator == "lt" else moment + _STEP
            before = bound if before is None else min(before, bound)
    return ModifiedRange(after, before)

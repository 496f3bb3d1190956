"""Milestones: signature counts whose crossing is recorded once (a petition.milestone event),
shown on the petition's page, told to its organizers and, if they wish, to its signers.

A petition's milestones are its organizers' own counts (`set_milestones`: the settings page,
`petitions milestones SLUG N [N ...]`), or else the steps toward its goal: a quarter, half,
three quarters and all of it, rounded to friendly numbers (`default_milestones`), which
follow the goal when it changes. Its milestones are rows (PetitionMilestone), made when they
are set, when the goal changes, or at the petition's first change of count (its
`next_milestone` starts at 0, "not planned").

Crossing. Every change of count goes through app.signatures.counting.change_count, whose
UPDATE of the petition row reads back the new count and `next_milestone`: a confirmation that
crosses nothing pays no extra statement. One that does calls `record_crossed` in the same
transaction; it marks the milestones with a conditional UPDATE (`reached_at IS NULL`), so each
is recorded once however many confirmations race for it (on PostgreSQL they queue on the
petition row; on SQLite on the write lock), records one event per milestone, and moves
`next_milestone` on.

A milestone set at or below the current count is left out (it was passed before it was set:
no date to show). A withdrawal that takes the count back under a reached milestone leaves it
reached; the recount's repairs cross nothing.
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import Petition, PetitionMilestone
from app.models.audit import record_change
from app.models.event import EventKind, record_event

MAX_MILESTONES = 20
MAX_COUNT = 100_000_000
DEFAULT_SHARES = (0.25, 0.5, 0.75, 1.0)
NOT_PLANNED = 0  # Petition.next_milestone before its milestones are made


class MilestonesRefused(ValueError):
    """Counts no petition may have as milestones; the message says why."""


def friendly(value: float) -> int:
    """A count rounded to a number people say: to a tenth of its power of ten while it starts
    with 1 or 2 (1,250 becomes 1,300), to a twentieth after (375 becomes 400, 750 stays)."""
    if value < 1:
        return 1
    power = 10 ** int(math.log10(value))
    step = max(1, power // 10 if value < 3 * power else power // 2)
    rounded: int = max(step, int(value / step + 0.5) * step)
    return rounded


def default_milestones(goal: int) -> list[int]:
    """The steps toward the goal: 25%, 50%, 75% (friendly numbers) and the goal itself:
    100 gives 25, 50, 75, 100; 1,500 gives 400, 750, 1,100, 1,500."""
    if goal < 1:
        return []
    steps = {friendly(goal * share) for share in DEFAULT_SHARES[:-1]} | {goal}
    return sorted(step for step in steps if 0 < step <= goal)


# A count as people write it: 1000 or 1,000 is one count (a comma before three digits groups
# them; "100, 500" is two); anything else is refused.
# "1,000" (English) and "1.000" (Spanish) are one count; a comma and a space, or a
# semicolon, separate two.
_COUNT = re.compile(r"\d{1,3}(?:[,.]\d{3})+(?![\d])|\d+|[^\s,;]+")


def parse_counts(text: str | Iterable[str | int]) -> list[int]:
    """Counts written as "1,000, 5000; 10 000" or given one by one, sorted, each once;
    MilestonesRefused if one is not a whole number from 1 to a hundred million."""
    items = _COUNT.findall(text) if isinstance(text, str) else [str(item) for item in text]
    counts = set()
    for item in items:
        written = item.replace(",", "").replace(".", "").replace(" ", "").replace("_", "")
        if not written.isdigit() or not 1 <= int(written) <= MAX_COUNT:
            raise MilestonesRefused(_l("%(item)s is not a count of signatures.", item=item))
        counts.add(int(written))
    if len(counts) > MAX_MILESTONES:
        raise MilestonesRefused(_l("At most %(num)s milestones.", num=MAX_MILESTONES))
    return sorted(counts)


@dataclass(frozen=True)
class Milestone:
    count: int
    reached_at: datetime | None
    auto_send: bool
    update_id: int | None


def milestones_of(petition: Petition) -> list[Milestone]:
    """Its milestones, lowest first: the rows, and while its defaults wait to be made (a new
    petition, a changed goal), those its goal gives above its count."""
    rows = [Milestone(m.count, m.reached_at, m.auto_send, m.update_id) for m in _rows(petition.id)]
    if petition.next_milestone != NOT_PLANNED or petition.custom_milestones:
        return rows
    reached = [m for m in rows if m.reached_at is not None]
    done = {m.count for m in reached}
    automatic = {m.count for m in rows if m.auto_send}
    planned = [
        Milestone(count, None, count in automatic, None)
        for count in default_milestones(petition.goal)
        if count > petition.signature_count and count not in done
    ]
    return sorted(reached + planned, key=lambda m: m.count)


def reached_milestones(petition: Petition) -> list[Milestone]:
    """What the page shows: the milestones reached, latest first."""
    reached = [m for m in milestones_of(petition) if m.reached_at is not None]
    return sorted(reached, key=lambda m: m.count, reverse=True)


def _rows(petition_id: int) -> list[PetitionMilestone]:
    return list(
        db.session.scalars(
            sa.select(PetitionMilestone)
            .where(PetitionMilestone.petition_id == petition_id)
            .order_by(PetitionMilestone.count)
        )
    )


def _replace_unreached(petition_id: int, counts: Sequence[int], auto_send: set[int]) -> None:
    """Make the unreached milestones `counts`, keeping the reached ones; in the caller's
    transaction. Sets next_milestone."""
    current = {m.count: m for m in _rows(petition_id)}
    for count, milestone in current.items():
        if milestone.reached_at is None and count not in counts:
            db.session.delete(milestone)
    for count in counts:
        existing = current.get(count)
        if existing is None:
            db.session.add(
                PetitionMilestone(
                    petition_id=petition_id, count=count, auto_send=count in auto_send
                )
            )
        elif existing.reached_at is None:
            existing.auto_send = count in auto_send
    db.session.flush()
    _move_next(petition_id)


def _move_next(petition_id: int) -> None:
    following = (
        sa.select(sa.func.min(PetitionMilestone.count))
        .where(PetitionMilestone.petition_id == petition_id, PetitionMilestone.reached_at.is_(None))
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(Petition)
        .where(Petition.id == petition_id)
        .values(next_milestone=following)
        .execution_options(synchronize_session=False)
    )


def _plan_defaults(petition_id: int, below: int) -> None:
    """Make the default milestones above `below` (the count they start from), keeping those
    already reached and dropping the unreached others (a goal changed); in the caller's
    transaction."""
    goal = db.session.execute(
        sa.select(Petition.goal).where(Petition.id == petition_id)
    ).scalar_one()
    automatic = {m.count for m in _rows(petition_id) if m.auto_send}
    _replace_unreached(
        petition_id, [count for count in default_milestones(goal) if count > below], automatic
    )


def record_crossed(petition_id: int, count: int, delta: int, next_milestone: int) -> list[int]:
    """The count went from `count - delta` to `count` and reached its next milestone (or its
    milestones were never planned): record each milestone crossed, once. In the caller's
    transaction (the one that changed the count); the counts recorded."""
    if next_milestone == NOT_PLANNED:
        custom = db.session.execute(
            sa.select(Petition.custom_milestones).where(Petition.id == petition_id)
        ).scalar_one()
        if not custom:
            _plan_defaults(petition_id, count - delta)
        else:
            _move_next(petition_id)
    at = now()
    crossed = db.session.execute(
        sa.update(PetitionMilestone)
        .where(
            PetitionMilestone.petition_id == petition_id,
            PetitionMilestone.reached_at.is_(None),
            PetitionMilestone.count <= count,
        )
        .values(reached_at=at)
        .returning(PetitionMilestone.id, PetitionMilestone.count)
        .execution_options(synchronize_session=False)
    ).all()
    for milestone_id, reached in sorted(crossed, key=lambda row: row[1]):
        record_event(
            petition_id, EventKind.PETITION_MILESTONE, milestone_id=milestone_id, count=reached
        )
    _move_next(petition_id)
    return sorted(reached for _id, reached in crossed)


def goal_changed(petition: Petition) -> None:
    """Default milestones follow the goal: made again at the next change of count."""
    if not petition.custom_milestones:
        petition.next_milestone = NOT_PLANNED


def set_milestones(
    petition: Petition, counts: Sequence[int] | None, auto_send: Iterable[int] = ()
) -> list[int]:
    """Set its milestones (None: back to the defaults from its goal), and which of them email
    their update to signers without waiting for an organizer. Counts at or below the
    current count are left out; the counts left out, which the caller may tell."""
    with write_transaction():
        db.session.refresh(petition)
        current = petition.signature_count
        wanted = default_milestones(petition.goal) if counts is None else sorted(set(counts))
        if len(wanted) > MAX_MILESTONES:
            raise MilestonesRefused(_l("At most %(num)s milestones.", num=MAX_MILESTONES))
        passed = [count for count in wanted if count <= current]
        reached = {m.count for m in _rows(petition.id) if m.reached_at is not None}
        kept = [count for count in wanted if count > current and count not in reached]
        before = ", ".join(str(m.count) for m in _rows(petition.id) if m.reached_at is None)
        _replace_unreached(petition.id, kept, set(auto_send) & set(kept))
        petition.custom_milestones = counts is not None
        after = ", ".join(str(c) for c in kept) or "none"
        record_change(petition, "milestones", before or "default", after)
    db.session.refresh(petition)
    return [count for count in passed if count not in reached]


def set_auto_send(petition: Petition, auto_send: Iterable[int]) -> None:
    """Which unreached milestones email their update without waiting for an organizer."""
    chosen = set(auto_send)
    with write_transaction():
        for milestone in _rows(petition.id):
            if milestone.reached_at is None and milestone.auto_send != (milestone.count in chosen):
                milestone.auto_send = milestone.count in chosen
                record_change(
                    petition,
                    "milestone update sent automatically",
                    str(milestone.count),
                    "yes" if milestone.auto_send else "no",
                )


def milestone_row(milestone_id: int) -> PetitionMilestone | None:
    return db.session.get(PetitionMilestone, milestone_id)

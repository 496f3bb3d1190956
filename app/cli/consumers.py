"""The consumers of the events, in one list the worker's schedule delivers to
(app.cli.schedule's "events" task): each package that owns one adds it here.

- the organizers' notices (app.events.notices): a milestone reached, the petition closed;
- the milestone drafts (app.updates.milestone_drafts): the update a milestone prepares for
  the signers who asked for updates, emailed only if its organizers chose so.
"""

from app.events import Consumer, deliver_due, dispatch_events
from app.events.notices import ORGANIZER_NOTICES
from app.models import Event, EventDelivery, EventKind
from app.updates.milestone_drafts import prepare_milestone_draft


def _milestones(event: Event) -> list[int | None]:
    return [None] if event.kind == EventKind.PETITION_MILESTONE else []


def _prepare_draft(delivery: EventDelivery) -> int | None:
    prepare_milestone_draft(int(delivery.event.values["milestone_id"]))
    return None


MILESTONE_DRAFTS = Consumer("milestone_drafts", targets=_milestones, deliver=_prepare_draft)

CONSUMERS: tuple[Consumer, ...] = (ORGANIZER_NOTICES, MILESTONE_DRAFTS)


def deliver_events() -> int:
    """The scheduled task: dispatch the new events, then deliver what is due to each
    consumer; how many deliveries arrived."""
    dispatch_events(CONSUMERS)
    return sum(deliver_due(consumer) for consumer in CONSUMERS)

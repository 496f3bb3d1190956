"""The consumers of the events, in one list the worker's schedule delivers to
(app.cli.schedule's "events" task): each package that owns one adds it here.

- the organizers' notices (app.events.notices): a milestone reached, the petition closed;
- the milestone drafts (app.updates.milestone_drafts): the update a milestone prepares for
  the signers who asked for updates, emailed only if its organizers chose so;
- the progress reports at milestones (app.cli.report_consumer, app.letters.reports);
- the signed webhooks (app.events.webhooks), one target per endpoint.
"""

import logging

import sqlalchemy as sa

from app.cli.report_consumer import MILESTONE_REPORTS
from app.core.database import end_session_after_failure
from app.events import Consumer, any_delivery_due, deliver_due, dispatch_events
from app.events.notices import ORGANIZER_NOTICES
from app.events.webhooks import WEBHOOKS
from app.models import Event, EventDelivery, EventKind
from app.updates.milestone_drafts import prepare_milestone_draft


def _milestones(event: Event) -> list[int | None]:
    return [None] if event.kind == EventKind.PETITION_MILESTONE else []


def _prepare_draft(delivery: EventDelivery) -> int | None:
    prepare_milestone_draft(int(delivery.event.values["milestone_id"]))
    return None


MILESTONE_DRAFTS = Consumer("milestone_drafts", targets=_milestones, deliver=_prepare_draft)

CONSUMERS: tuple[Consumer, ...] = (
    ORGANIZER_NOTICES,
    MILESTONE_DRAFTS,
    MILESTONE_REPORTS,
    WEBHOOKS,
)

log = logging.getLogger("app.cli.consumers")


def deliver_events() -> int:
    """The scheduled task: dispatch the new events, then deliver what is due to each
    consumer; how many deliveries arrived. One consumer's fault holds no other."""
    dispatch_events(CONSUMERS)
    delivered = 0
    if not any_delivery_due():
        return delivered
    for consumer in CONSUMERS:
        try:
            delivered += deliver_due(consumer)
        except sa.exc.OperationalError:
            raise  # the database is away: the round waits for it
        except Exception:  # noqa: BLE001  (whatever it is, the other consumers go on)
            end_session_after_failure()
            log.exception("the events of consumer %r failed", consumer.name)
    return delivered

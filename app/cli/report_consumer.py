"""The progress reports' consumer of events: at each petition.milestone, a report to every
target who asked for one at milestones (app.letters.reports). Wired here, where the worker's
schedule lists the consumers, because the letters and the events are peers that do not
import each other."""

from collections.abc import Sequence

from app.events import Consumer
from app.letters.reports import send_milestone_reports, wants_milestone_reports
from app.models import Event, EventDelivery, EventKind


def _targets(event: Event) -> Sequence[int | None]:
    if event.kind == EventKind.PETITION_MILESTONE and wants_milestone_reports(event.petition_id):
        return [None]
    return []


def _deliver(delivery: EventDelivery) -> int | None:
    count = delivery.event.values.get("count")
    send_milestone_reports(delivery.petition_id, int(count or 0))
    return None


MILESTONE_REPORTS = Consumer(name="milestone_reports", targets=_targets, deliver=_deliver)

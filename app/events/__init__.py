"""Events and their consumers: officials and tools hear the campaign without anyone pressing
a button.

What happens to a petition is recorded as an Event in the transaction that makes it happen
(app.models.event.record_event, one INSERT). The worker then does the rest, off every
request's path, on the claim/lease mechanism the outbox and the jobs share
(app.core.leases):

1. `dispatch_events` claims new events and makes one EventDelivery per interested consumer
   and target (a webhook endpoint, the organizers' notices, the reports, the drafts);
2. `deliver_due` claims one consumer's due deliveries, oldest first and in event order per
   target (a delivery waits while an earlier one to its target failed and waits for its
   retry; within a batch, one that fails holds back the rest to its target), and hands
   each to the consumer. A failure is tried again after the consumer's backoff, until its give-up
   age; one slow or failing consumer holds neither the others nor the signing path.

The consumers are listed by the worker's schedule (app.cli.schedule), which wires them from
the packages that own them; this package knows only what a consumer is.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.clock import now
from app.core.database import read_one_row, write_transaction
from app.core.leases import claim_rows
from app.extensions import db
from app.models.event import DeliveryStatus, Event, EventDelivery

log = logging.getLogger("app.events")

DISPATCH_BATCH = 200
DELIVERY_BATCH = 20
LEASE = timedelta(minutes=2)


class DeliveryFailed(Exception):
    """A delivery that did not arrive; `reason` is kept with it, `status` is the receiver's
    HTTP status if it answered."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:500]
        self.status = status


@dataclass(frozen=True)
class Consumer:
    name: str
    # The targets interested in an event: [None] for the consumer itself, ids of its own
    # (webhook endpoints), or [] when it does not care.
    targets: Callable[[Event], Sequence[int | None]]
    # Delivers one; raises DeliveryFailed to be tried again. Returns the receiver's status.
    deliver: Callable[[EventDelivery], int | None]
    # The wait before attempt n + 1, after n failed attempts.
    backoff: Callable[[int], timedelta] = lambda attempts: timedelta(minutes=attempts)
    give_up_after: timedelta = timedelta(days=1)
    # Told when a delivery is given up (a webhook's endpoint may be disabled, organizers told).
    gave_up: Callable[[EventDelivery], None] | None = None


def dispatch_events(consumers: Sequence[Consumer], limit: int = DISPATCH_BATCH) -> int:
    """Make the deliveries of the events not yet dispatched; how many events were."""
    at = now()
    due = sa.and_(
        Event.dispatched_at.is_(None),
        sa.or_(Event.claimed_until.is_(None), Event.claimed_until < at),
    )
    token = claim_rows(Event, due, limit=limit, at=at, lease=LEASE)
    if token is None:
        return 0
    with write_transaction() as session:
        events = list(
            session.scalars(sa.select(Event).where(Event.claim_token == token).order_by(Event.id))
        )
        for event in events:
            for consumer in consumers:
                for target in _targets(consumer, event):
                    session.add(
                        EventDelivery(
                            event_id=event.id,
                            petition_id=event.petition_id,
                            consumer=consumer.name,
                            target_id=target,
                            next_attempt_at=at,
                        )
                    )
            event.dispatched_at = at
    return len(events)


def _targets(consumer: Consumer, event: Event) -> Sequence[int | None]:
    try:
        return consumer.targets(event)
    except Exception:  # noqa: BLE001  (one consumer's fault loses only its own deliveries)
        log.exception("consumer %s could not say who wants event %s", consumer.name, event.id)
        return []


# Made once: an alias made per call cost a millisecond of every idle worker's poll.
_EARLIER = sa.orm.aliased(EventDelivery)


def _ready(at: datetime) -> sa.ColumnElement[bool]:
    """Deliveries waiting to be made at `at`, and held by no worker."""
    return sa.and_(
        EventDelivery.status == DeliveryStatus.PENDING,
        EventDelivery.next_attempt_at <= at,
        sa.or_(EventDelivery.claimed_until.is_(None), EventDelivery.claimed_until < at),
    )


def _due(consumer: Consumer, at: datetime) -> sa.ColumnElement[bool]:
    earlier = _EARLIER
    waiting_behind = (
        sa.select(earlier.id)
        .where(
            earlier.consumer == EventDelivery.consumer,
            sa.or_(
                earlier.target_id == EventDelivery.target_id,
                sa.and_(earlier.target_id.is_(None), EventDelivery.target_id.is_(None)),
            ),
            earlier.status == DeliveryStatus.PENDING,
            earlier.event_id < EventDelivery.event_id,
            # An earlier one that failed and waits for its retry. (One out with another
            # worker cannot be told apart here: the claim re-checks this condition on rows it
            # is claiming itself. Run one worker per site for a strict order; two may swap
            # neighbours.)
            earlier.attempts > 0,
            earlier.next_attempt_at > at,
        )
        .exists()
    )
    return sa.and_(EventDelivery.consumer == consumer.name, _ready(at), ~waiting_behind)


def any_delivery_due() -> bool:
    """Whether any consumer has a delivery due now, in one light read: the idle poll of every
    worker, every second, asks this once instead of each consumer's claim."""
    waiting = sa.select(EventDelivery.id).where(_ready(now())).limit(1)
    return read_one_row(waiting, {}) is not None


def deliver_due(consumer: Consumer, limit: int = DELIVERY_BATCH) -> int:
    """Deliver what is due to this consumer; how many arrived."""
    token = claim_rows(EventDelivery, _due(consumer, now()), limit=limit, at=now(), lease=LEASE)
    if token is None:
        return 0
    ids = db.session.scalars(
        sa.select(EventDelivery.id)
        .where(EventDelivery.claim_token == token)
        .order_by(EventDelivery.event_id)
    ).all()
    db.session.rollback()  # no read left open while a consumer waits on the network
    delivered = 0
    blocked: set[int | None] = set()
    for delivery_id in ids:
        delivery = db.session.get_one(EventDelivery, delivery_id)
        if delivery.target_id in blocked:
            _release(delivery_id)  # an earlier one to this target failed: keep the order
            continue
        if _deliver_one(consumer, delivery):
            delivered += 1
        else:
            blocked.add(delivery.target_id)
    return delivered


def _deliver_one(consumer: Consumer, delivery: EventDelivery) -> bool:
    delivery_id = delivery.id
    try:
        status = consumer.deliver(delivery)
    except DeliveryFailed as failure:
        _failed(consumer, delivery_id, failure.reason, failure.status)
        return False
    except Exception as error:  # noqa: BLE001  (whatever it is, this one alone fails)
        log.exception("consumer %s failed on delivery %s", consumer.name, delivery_id)
        _failed(consumer, delivery_id, f"{type(error).__name__}: {error}", None)
        return False
    with write_transaction() as session:
        stored = session.get_one(EventDelivery, delivery_id)
        stored.status = DeliveryStatus.DELIVERED
        stored.delivered_at = now()
        stored.attempts += 1
        stored.response_status = status
        stored.last_error = None
        stored.claim_token = None
        stored.claimed_until = None
    return True


def _release(delivery_id: int) -> None:
    with write_transaction() as session:
        stored = session.get_one(EventDelivery, delivery_id)
        stored.claim_token = None
        stored.claimed_until = None


def _failed(consumer: Consumer, delivery_id: int, reason: str, status: int | None) -> None:
    at = now()
    gave_up = False
    with write_transaction() as session:
        stored = session.get_one(EventDelivery, delivery_id)
        stored.attempts += 1
        stored.last_error = reason[:500]
        stored.response_status = status
        stored.claim_token = None
        stored.claimed_until = None
        if at - stored.created_at >= consumer.give_up_after:
            stored.status = DeliveryStatus.FAILED
            gave_up = True
        else:
            stored.next_attempt_at = at + consumer.backoff(stored.attempts)
    if gave_up and consumer.gave_up is not None:
        consumer.gave_up(db.session.get_one(EventDelivery, delivery_id))


def resend(delivery_id: int) -> bool:
    """Deliver this one again, at once (an organizer's resend): pending, its attempts kept."""
    with write_transaction() as session:
        stored = session.get(EventDelivery, delivery_id)
        if stored is None:
            return False
        stored.status = DeliveryStatus.PENDING
        stored.created_at = stored.next_attempt_at = now()  # its give-up age starts again
        stored.claim_token = None
        stored.claimed_until = None
    return True

"""Events are recorded with the change that makes them, and each consumer gets them through the
worker at its own pace: in order per target, a failing one tried again after its backoff and
given up at its age, never holding another consumer."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.events import Consumer, DeliveryFailed, deliver_due, dispatch_events, resend
from app.extensions import db
from app.models import (
    DeliveryStatus,
    Event,
    EventDelivery,
    EventKind,
    Outcome,
    Petition,
    SignatureStatus,
)
from app.petitions.outcomes import declare_outcome
from app.signatures.signing import confirm_signature, withdraw_signature
from tests.factories import make_petition, make_signature


@pytest.fixture
def petition_id(app) -> int:
    with app.app_context():
        return make_petition().id


def kinds(app) -> list[str]:
    with app.app_context():
        return [e.kind.value for e in db.session.scalars(sa.select(Event).order_by(Event.id))]


def test_the_changes_record_their_events(app, petition_id):
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        pending = make_signature(petition, status=SignatureStatus.PENDING)
        signature_id = pending.id
        confirm_signature(pending)
        withdraw_signature(signature_id)
        declare_outcome(db.session.get_one(Petition, petition_id), Outcome.WON)
        events = db.session.scalars(sa.select(Event).order_by(Event.id)).all()
        assert [e.kind for e in events] == [
            EventKind.SIGNATURE_CONFIRMED,
            EventKind.SIGNATURE_WITHDRAWN,
            EventKind.PETITION_OUTCOME,
        ]
        assert events[0].values == {"signature_id": signature_id}
        assert json.loads(events[2].data) == {"outcome": "won"}


class Recorder:
    """A consumer of our own for the test: two targets, one of which fails until told."""

    def __init__(self, name: str, failing: set[int] | None = None) -> None:
        self.name = name
        self.failing = failing or set()
        self.got: list[tuple[int | None, int]] = []

    def consumer(self, **settings) -> Consumer:
        return Consumer(
            self.name,
            targets=lambda event: [1, 2],
            deliver=self.deliver,
            backoff=lambda attempts: timedelta(minutes=attempts),
            **settings,
        )

    def deliver(self, delivery: EventDelivery) -> int:
        if delivery.target_id in self.failing:
            raise DeliveryFailed("503 from the receiver", 503)
        self.got.append((delivery.target_id, delivery.event_id))
        return 200


def record(app, petition_id: int, count: int) -> list[int]:
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        for _ in range(count):
            confirm_signature(make_signature(petition, status=SignatureStatus.PENDING))
        return list(db.session.scalars(sa.select(Event.id).order_by(Event.id)))


def test_in_order_per_target_and_a_failing_one_holds_nobody_else(app, clock, petition_id):
    events = record(app, petition_id, 3)
    crm, other = Recorder("crm", failing={2}), Recorder("other")
    consumers = [crm.consumer(), other.consumer()]
    with app.app_context():
        assert dispatch_events(consumers) == 3
        assert dispatch_events(consumers) == 0  # once
        assert deliver_due(consumers[0]) == 3  # target 1 gets all; target 2 fails its first
        assert deliver_due(consumers[1]) == 6  # the other consumer is not held
        assert crm.got == [(1, e) for e in events]
        assert deliver_due(consumers[0]) == 0  # target 2 waits for its backoff, in order
        crm.failing.clear()
        clock.shift(timedelta(minutes=2))
        assert deliver_due(consumers[0]) == 3
        assert crm.got[3:] == [(2, e) for e in events]
        attempts = db.session.scalars(
            sa.select(EventDelivery.attempts).where(
                EventDelivery.consumer == "crm", EventDelivery.target_id == 2
            ).order_by(EventDelivery.event_id)
        ).all()
        assert attempts == [2, 1, 1]


def test_a_delivery_is_given_up_at_its_age_and_can_be_sent_again(app, clock, petition_id):
    record(app, petition_id, 1)
    told = []
    failing = Recorder("crm", failing={1, 2})
    consumer = failing.consumer(give_up_after=timedelta(hours=1), gave_up=told.append)
    with app.app_context():
        dispatch_events([consumer])
        deliver_due(consumer)
        clock.shift(timedelta(hours=2))
        deliver_due(consumer)
        failed = db.session.scalars(
            sa.select(EventDelivery).where(EventDelivery.status == DeliveryStatus.FAILED)
        ).all()
        assert len(failed) == 2 and len(told) == 2
        assert failed[0].last_error == "503 from the receiver"
        failing.failing.clear()
        assert resend(failed[0].id)
        assert deliver_due(consumer) == 1

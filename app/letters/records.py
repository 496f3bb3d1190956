"""What the delivery records say (letters and progress reports): the organizers' history, the
public page's "delivered to", and whether the final letters have gone (which the purge waits
for). Separate from app.letters.delivery, which builds and sends, so pages that only read
need no PDF library."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.clock import local_day
from app.core.database import write_transaction
from app.extensions import db
from app.mail.messages import QueuedMessage
from app.mail.sender import when_sent
from app.models import Delivery, DeliveryKind, Job, OutboxMessage, OutboxStatus, Petition
from app.models.job import ACTIVE
from app.petitions.page_changes import page_changed

# The background job that builds and queues the letters (app.letters.delivery runs it).
DELIVER_LETTERS_JOB = "deliver_letters"


def delivery_history(petition: Petition, limit: int = 50) -> list[Delivery]:
    return list(
        db.session.scalars(
            sa.select(Delivery)
            .where(Delivery.petition_id == petition.id)
            .order_by(Delivery.created_at.desc(), Delivery.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class DeliveredTo:
    name: str
    on: date
    kind: DeliveryKind = DeliveryKind.LETTER
    signature_count: int = 0  # a report's figure


def delivered_to(petition: Petition) -> list[DeliveredTo]:
    """For the public page: each target a letter reached, with the day of the latest one;
    then each target a progress report reached, with the latest report's count and day."""
    rows = db.session.execute(
        sa.select(
            Delivery.kind,
            Delivery.target_position,
            Delivery.target_name,
            Delivery.signature_count,
            OutboxMessage.sent_at,
        )
        .join(OutboxMessage, OutboxMessage.id == Delivery.outbox_message_id)
        .where(Delivery.petition_id == petition.id, OutboxMessage.status == OutboxStatus.SENT)
        .order_by(Delivery.target_position, OutboxMessage.sent_at.desc(), Delivery.id.desc())
    ).all()
    latest: dict[tuple[DeliveryKind, int], DeliveredTo] = {}
    zone = petition.zone
    for kind, position, name, count, sent_at in rows:
        if sent_at is not None:  # always: a sent message has the time it was sent
            latest.setdefault(
                (kind, position), DeliveredTo(name, local_day(sent_at, zone), kind, count)
            )
    order = {DeliveryKind.LETTER: 0, DeliveryKind.REPORT: 1}
    return [latest[key] for key in sorted(latest, key=lambda key: (order[key[0]], key[1]))]


@when_sent("letter")
@when_sent("report")
def _shown_as_delivered(message: QueuedMessage) -> None:
    """A letter or a progress report that left changes its petition's page ("delivered
    to")."""
    with write_transaction():
        petition_ids = db.session.scalars(
            sa.select(Delivery.petition_id).where(Delivery.outbox_message_id == message.id)
        ).all()
        page_changed(db.session(), *petition_ids)


def final_delivery_sent(petition: Petition) -> bool:
    return (
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(Delivery)
            .join(OutboxMessage, OutboxMessage.id == Delivery.outbox_message_id)
            .where(
                Delivery.petition_id == petition.id,
                Delivery.kind == DeliveryKind.LETTER,
                Delivery.is_final.is_(True),
                OutboxMessage.status == OutboxStatus.SENT,
            )
        ).scalar_one()
        > 0
    )


def letters_in_flight(petition: Petition) -> int:
    """Letters waiting to be sent, or still being built by the worker."""
    waiting = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Delivery)
        .join(OutboxMessage, OutboxMessage.id == Delivery.outbox_message_id)
        .where(Delivery.petition_id == petition.id, OutboxMessage.status == OutboxStatus.PENDING)
    ).scalar_one()
    building = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Job)
        .where(
            Job.petition_id == petition.id,
            Job.kind == DELIVER_LETTERS_JOB,
            Job.status.in_(ACTIVE),
        )
    ).scalar_one()
    return waiting + building

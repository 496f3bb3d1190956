"""The organizers' notices: an email to a petition's organizers when it reaches a milestone
("Reached 1,000 signatures") and when it closes (the final count, residents and elsewhere, and
what comes next: deliver the letters, then purge the signers' personal data).

A consumer of the events (app.events.Consumer), wired by the worker's list of consumers
(app.cli.consumers). Only organizers are written to: signers hear of a milestone only through
an update they asked for (app.updates.milestone_drafts)."""

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from app.core.database import write_transaction
from app.core.urls import absolute_url
from app.events import Consumer
from app.extensions import db
from app.models import Event, EventDelivery, EventKind, Petition, Signature, SignatureStatus
from app.organizers.notices import email_organizers

NAME = "organizer_notices"
MILESTONE_PURPOSE = "milestone_reached"
CLOSED_PURPOSE = "petition_closed"
TOLD = (EventKind.PETITION_MILESTONE, EventKind.PETITION_CLOSED)


def _targets(event: Event) -> list[int | None]:
    return [None] if event.kind in TOLD else []


def _queue(petition: Petition, purpose: str, subject: str, **context: object) -> int:
    dashboard_link = absolute_url("organizer.dashboard", slug=petition.slug)
    return email_organizers(petition, purpose, subject, dashboard_link=dashboard_link, **context)


def _residents(petition_id: int) -> tuple[int, int]:
    """Confirmed signatures from residents and from elsewhere."""
    rows = db.session.execute(
        sa.select(Signature.is_resident, sa.func.count())
        .where(Signature.petition_id == petition_id, Signature.status == SignatureStatus.CONFIRMED)
        .group_by(Signature.is_resident)
    ).all()
    counts = {bool(resident): number for resident, number in rows}
    return counts.get(True, 0), counts.get(False, 0)


def deliver_notice(delivery: EventDelivery) -> int | None:
    """Queue the notice to the petition's organizers (the outbox sends it)."""
    event = delivery.event
    with write_transaction() as session:
        petition = session.get_one(Petition, event.petition_id)
        count = int(event.values.get("count", petition.signature_count))
        if event.kind == EventKind.PETITION_MILESTONE:
            _queue(
                petition,
                MILESTONE_PURPOSE,
                _(
                    "Reached %(count)s signatures: %(title)s",
                    count=format_decimal(count),
                    title=petition.title,
                ),
                count=count,
                reached_at=event.occurred_at,
                updates_link=absolute_url("organizer.updates", slug=petition.slug),
            )
        elif event.kind == EventKind.PETITION_CLOSED:
            residents, elsewhere = _residents(petition.id)
            _queue(
                petition,
                CLOSED_PURPOSE,
                _(
                    "Closed with %(count)s signatures: %(title)s",
                    count=format_decimal(count),
                    title=petition.title,
                ),
                count=count,
                residents=residents,
                elsewhere=elsewhere,
                letters_link=absolute_url("organizer.letters", slug=petition.slug),
            )
    return None


ORGANIZER_NOTICES = Consumer(NAME, targets=_targets, deliver=deliver_notice)

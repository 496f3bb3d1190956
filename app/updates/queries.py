"""What pages show of updates: the petition page's list, and the organizers' progress."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from app.core.clock import as_utc
from app.core.markdown import render_markdown
from app.extensions import db
from app.models import Job, JobStatus, OutboxMessage, OutboxStatus, Petition, Update
from app.updates.emails import text_for
from app.updates.sending import SEND_UPDATE_JOB

PAGE_LIMIT = 20


@dataclass(frozen=True)
class PublishedUpdate:
    id: int
    title: str
    body_html: Markup
    locale: str  # the language the text is in
    translated: bool
    published_at: datetime
    published_on: date  # the day in the petition's time zone


def published_updates(
    petition: Petition, locale: str, limit: int = PAGE_LIMIT
) -> list[PublishedUpdate]:
    """The petition page's updates, newest first, in the reader's language where translated."""
    updates = db.session.scalars(
        sa.select(Update)
        .where(Update.petition_id == petition.id, Update.published_at.is_not(None))
        .order_by(Update.published_at.desc(), Update.id.desc())
        .limit(limit)
        .options(selectinload(Update.translations))
    ).all()
    shown = []
    for update in updates:
        published_at = update.published_at
        if published_at is None:  # not selected: drafts are not shown
            continue
        text = text_for(update, locale)
        shown.append(
            PublishedUpdate(
                id=update.id,
                title=text.title,
                body_html=render_markdown(text.body),
                locale=text.locale,
                translated=text.translated,
                published_at=published_at,
                published_on=as_utc(published_at).astimezone(petition.zone).date(),
            )
        )
    return shown


def updates_of(petition: Petition) -> list[Update]:
    """Every update of the petition, drafts included, newest first (organizers' list)."""
    return list(
        db.session.scalars(
            sa.select(Update)
            .where(Update.petition_id == petition.id)
            .order_by(Update.created_at.desc(), Update.id.desc())
            .options(selectinload(Update.translations))
        )
    )


@dataclass(frozen=True)
class SendingProgress:
    """Where an update's emailing stands, from the outbox: waiting to be sent, sent, refused
    by the mail server; `recipients` is how many the job queued (kept after the purge)."""

    queued: int = 0
    sent: int = 0
    refused: int = 0
    recipients: int = 0
    queuing: bool = False  # the job is still walking the signers
    error: str | None = None  # why the job failed, if it did

    @property
    def finished(self) -> bool:
        return not self.queuing and self.queued == 0


def sending_progress(updates: list[Update]) -> dict[int, SendingProgress]:
    """The progress of each of these updates that was emailed, in two queries."""
    sent_ids = [u.id for u in updates if u.is_sent]
    if not sent_ids:
        return {}
    counts: dict[int, dict[str, int]] = {i: {} for i in sent_ids}
    for update_id, status, count in db.session.execute(
        sa.select(OutboxMessage.update_id, OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.update_id.in_(sent_ids))
        .group_by(OutboxMessage.update_id, OutboxMessage.status)
    ):
        if update_id is not None:  # always: only the sent updates' messages are selected
            counts[update_id][status] = count
    jobs: dict[object, Job] = {}  # by the update id in their payload
    for queued in db.session.scalars(
        sa.select(Job)
        .where(Job.kind == SEND_UPDATE_JOB, Job.petition_id.in_({u.petition_id for u in updates}))
        .order_by(Job.id)
    ):
        jobs[queued.payload.get("update_id")] = queued
    progress = {}
    for update in updates:
        if not update.is_sent:
            continue
        job = jobs.get(update.id)
        failed_job = job if job is not None and job.status == JobStatus.FAILED else None
        progress[update.id] = SendingProgress(
            queued=counts[update.id].get(OutboxStatus.PENDING, 0),
            sent=counts[update.id].get(OutboxStatus.SENT, 0),
            refused=counts[update.id].get(OutboxStatus.FAILED, 0),
            recipients=update.recipient_count,
            queuing=update.queued_all_at is None and failed_job is None,
            error=None if failed_job is None else failed_job.error,
        )
    return progress

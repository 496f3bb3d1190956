"""Progress reports to the officials: a short email to each target who asked for one (never by
default, weekly, or at the petition's milestones) with the count, residents and elsewhere, the
signatures new since the last report, up to ten recent reasons from signers who chose to be
named, and the petition's link. Never a signer's email address; `Reply-To` the organizers'
contact, as the letters.

A report is queued in the outbox and recorded as a Delivery of kind "report", so it shows in
the organizers' history and on the public page's "delivered to" (app.letters.records). Like
the letter and its email, a report is written in English, the letter's language, whatever
the reader's: no PDF library here, so the worker's schedule and the pages load it cheaply."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import render_template

from app.core.clock import local_day, now
from app.core.database import write_transaction
from app.core.english import english_count
from app.extensions import db
from app.mail.queue import enqueue_email
from app.models import (
    Delivery,
    DeliveryKind,
    NameDisplay,
    Petition,
    ReportFrequency,
    Signature,
    SignatureStatus,
    Target,
)
from app.models.audit import actor_label
from app.models.signature import public_name
from app.petitions.deadlines import has_closed
from app.petitions.sharing import canonical_url

REASONS_SHOWN = 10
# A weekly report goes seven days after the target's last one, while the petition is open and
# in the week after it closes (the last one tells the final count).
REPORT_EVERY = timedelta(days=7)
AFTER_CLOSING = timedelta(days=7)


class ReportRefused(Exception):
    pass


@dataclass(frozen=True)
class ReportReason:
    name: str  # as the signer chose to show it
    reason: str


@dataclass(frozen=True)
class ProgressReport:
    target_position: int
    target_name: str
    recipient: str | None  # None: the target has no address (a preview only)
    as_of: datetime
    total: int
    residents: int
    elsewhere: int
    # Signatures confirmed since the last report to this target; None for the first.
    new_since_last: int | None
    last_report_on: date | None
    reasons: list[ReportReason]
    subject: str
    body_text: str
    body_html: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body_text.encode()).hexdigest()


def _confirmed_by(petition: Petition, as_of: datetime) -> list[sa.ColumnElement[bool]]:
    return [
        Signature.petition_id == petition.id,
        Signature.status == SignatureStatus.CONFIRMED,
        Signature.confirmed_at <= as_of,
    ]


def _counts(petition: Petition, as_of: datetime) -> tuple[int, int]:
    """Residents and supporters elsewhere, confirmed by `as_of`."""
    residents = elsewhere = 0
    for is_resident, count in db.session.execute(
        sa.select(Signature.is_resident, sa.func.count())
        .where(*_confirmed_by(petition, as_of))
        .group_by(Signature.is_resident)
    ):
        if is_resident:
            residents += count
        else:
            elsewhere += count
    return residents, elsewhere


def last_report(petition: Petition, target: Target) -> Delivery | None:
    """The latest report recorded for this target (sent or on its way)."""
    return db.session.scalars(
        sa.select(Delivery)
        .where(
            Delivery.petition_id == petition.id,
            Delivery.target_position == target.position,
            Delivery.kind == DeliveryKind.REPORT,
        )
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .limit(1)
    ).first()


def _new_since(petition: Petition, since: datetime, as_of: datetime) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(*_confirmed_by(petition, as_of), Signature.confirmed_at > since)
    ).scalar_one()


def recent_reasons(
    petition: Petition, as_of: datetime, limit: int = REASONS_SHOWN
) -> list[ReportReason]:
    """The latest reasons of confirmed signers who chose to be named, newest first, with the
    name as they chose to show it. Nothing else of theirs."""
    rows = db.session.execute(
        sa.select(
            Signature.first_name, Signature.last_name, Signature.name_display, Signature.reason
        )
        .where(
            *_confirmed_by(petition, as_of),
            Signature.name_display != NameDisplay.HIDDEN,
            Signature.reason.is_not(None),
            Signature.reason != "",
        )
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
        .limit(limit)
    )
    return [
        ReportReason(name, row.reason.strip())
        for row in rows
        if row.reason
        and row.reason.strip()
        and (name := public_name(row.first_name, row.last_name, row.name_display)) is not None
    ]


def _english_day(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _new_sentence(new_since_last: int | None, last_report_on: date | None) -> str | None:
    if new_since_last is None or last_report_on is None:
        return None  # the first report
    since = f" since our last report on {_english_day(last_report_on)}."
    if new_since_last == 0:
        return "No one has signed" + since
    return (
        english_count(new_since_last, "%(num)s person has signed", "%(num)s people have signed")
        + since
    )


def build_report(
    petition: Petition,
    target: Target,
    as_of: datetime | None = None,
    *,
    milestone: int | None = None,
) -> ProgressReport:
    """The report to this target as of `as_of` (now). Reads only."""
    as_of = as_of or now()
    residents, elsewhere = _counts(petition, as_of)
    total = residents + elsewhere
    previous = last_report(petition, target)
    new_since_last = last_report_on = None
    if previous is not None:
        new_since_last = _new_since(petition, previous.as_of, as_of)
        last_report_on = local_day(previous.created_at, petition.zone)
    reasons = recent_reasons(petition, as_of)
    closed = has_closed(petition, as_of)
    people = english_count(total, "%(num)s person", "%(num)s people")
    context = {
        "petition": petition,
        "greeting": f"Dear {target.full_name},",
        "milestone": f"{milestone:,}" if milestone else None,
        "counts_sentence": (
            f"{'It was' if closed else 'It is now'} signed by {people}: "
            + english_count(residents, "%(num)s resident", "%(num)s residents")
            + f" of {petition.resident_label} and "
            + english_count(elsewhere, "%(num)s supporter", "%(num)s supporters")
            + " elsewhere."
        ),
        "new_sentence": _new_sentence(new_since_last, last_report_on),
        "deadline_sentence": (
            f"The petition closed on {_english_day(local_day(petition.closes_at, petition.zone))}."
            if closed
            else "The petition is open until "
            f"{_english_day(local_day(petition.closes_at, petition.zone))}."
        ),
        "reasons": reasons,
        "petition_url": canonical_url(petition),
    }
    return ProgressReport(
        target_position=target.position,
        target_name=target.full_name,
        recipient=target.email,
        as_of=as_of,
        total=total,
        residents=residents,
        elsewhere=elsewhere,
        new_since_last=new_since_last,
        last_report_on=last_report_on,
        reasons=reasons,
        subject=f"{petition.letter_subject}: progress report, signed by {people}",
        body_text=render_template("email/progress_report.txt", **context),
        body_html=render_template("email/progress_report.html", **context),
    )


def _record(petition: Petition, report: ProgressReport, actor: str) -> Delivery:
    """Queue the report and record it, in the caller's write transaction."""
    if report.recipient is None:
        raise ValueError(f"no email address for {report.target_name}")
    message_id = enqueue_email(
        purpose="report",
        recipient=report.recipient,
        subject=report.subject,
        body_text=report.body_text,
        body_html=report.body_html,
        sender_name=petition.organizer_name,
        reply_to=petition.contact_email,
    )
    delivery = Delivery(
        kind=DeliveryKind.REPORT,
        petition_id=petition.id,
        target_position=report.target_position,
        target_name=report.target_name,
        address=report.recipient,
        as_of=report.as_of,
        is_final=has_closed(petition, report.as_of),
        signature_count=report.total,
        residents=report.residents,
        elsewhere=report.elsewhere,
        filename="",
        sha256=report.sha256,
        actor=actor,
        created_at=now(),
        outbox_message_id=message_id,
    )
    db.session.add(delivery)
    return delivery


def send_reports(
    petition: Petition,
    targets: Iterable[Target],
    *,
    actor: str | None = None,
    milestone: int | None = None,
) -> list[Delivery]:
    """Build, queue and record a report to each of these targets (those with an address);
    all in one write transaction."""
    as_of = now()
    reports = [
        build_report(petition, target, as_of, milestone=milestone)
        for target in targets
        if target.email
    ]
    if not reports:
        return []
    actor = actor or actor_label()
    with write_transaction():
        return [_record(petition, report, actor) for report in reports]


def send_reports_now(petition: Petition, actor: str | None = None) -> list[Delivery]:
    """A report to every target with an address, whatever their frequency (`letters report
    SLUG --send`, the organizers' button)."""
    if not any(target.email for target in petition.targets):
        raise ReportRefused("No target has an email address: add one in the settings.")
    return send_reports(petition, petition.targets, actor=actor)


def set_report_frequency(petition: Petition, position: int, frequency: ReportFrequency) -> None:
    with write_transaction():
        target = next((t for t in petition.targets if t.position == position), None)
        if target is None:
            raise ReportRefused(f"No target at position {position}.")
        target.report_frequency = frequency


def _is_due_weekly(petition: Petition, target: Target, at: datetime) -> bool:
    previous = last_report(petition, target)
    return previous is None or at - previous.created_at >= REPORT_EVERY


def send_due_weekly_reports() -> int:
    """The worker's weekly reports: to each target on `weekly` with an address whose last
    report is seven days old (or who has had none), while its petition is open or in the week
    after it closes, and once someone has signed. How many were queued."""
    at = now()
    petitions = db.session.scalars(
        sa.select(Petition)
        .where(
            Petition.published_at.is_not(None),
            Petition.opens_at <= at,
            Petition.closes_at > at - AFTER_CLOSING,
            Petition.signature_count > 0,
            Petition.id.in_(
                sa.select(Target.petition_id).where(
                    Target.report_frequency == ReportFrequency.WEEKLY, Target.email.is_not(None)
                )
            ),
        )
        .order_by(Petition.id)
    ).all()
    sent = 0
    for petition in petitions:
        due = [
            target
            for target in petition.targets
            if target.report_frequency == ReportFrequency.WEEKLY
            and target.email
            and _is_due_weekly(petition, target, at)
        ]
        sent += len(send_reports(petition, due, actor="weekly progress report"))
    db.session.rollback()  # no read left open
    return sent


def wants_milestone_reports(petition_id: int) -> bool:
    """Whether any of the petition's targets asked for a report at each milestone."""
    return (
        db.session.execute(
            sa.select(Target.id)
            .where(
                Target.petition_id == petition_id,
                Target.report_frequency == ReportFrequency.MILESTONES,
                Target.email.is_not(None),
            )
            .limit(1)
        ).first()
        is not None
    )


def send_milestone_reports(petition_id: int, count: int) -> int:
    """The petition passed `count` signatures: a report to each target on `milestones` with an
    address. How many were queued."""
    petition = db.session.get(Petition, petition_id)
    if petition is None:
        return 0
    targets = [
        target
        for target in petition.targets
        if target.report_frequency == ReportFrequency.MILESTONES and target.email
    ]
    return len(send_reports(petition, targets, actor=f"milestone of {count:,}", milestone=count))

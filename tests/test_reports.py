"""Progress reports to the officials: weekly, at milestones, now; the email, its record, the
public page, the organizers' page and the command line."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.cli.report_consumer import MILESTONE_REPORTS
from app.events import deliver_due, dispatch_events
from app.extensions import db
from app.letters.reports import send_due_weekly_reports
from app.models import (
    Delivery,
    DeliveryKind,
    EventKind,
    NameDisplay,
    Petition,
    ReportFrequency,
    SignatureStatus,
)
from app.models.event import record_event
from tests.conftest import csrf_token_from, deliver_mail
from tests.factories import make_petition, make_signature
from tests.smtp_sink import html_of, text_of

CONTACT = "organizers@sanctuary.test"
SIGNER_EMAILS = ("maria@signers.test", "tom@signers.test", "hidden@signers.test")


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition(contact_email=CONTACT)
        make_signature(
            petition,
            first_name="María",
            last_name="López",
            email=SIGNER_EMAILS[0],
            zip_code="19107",
            reason="My neighbours were taken.",
        )
        make_signature(
            petition,
            first_name="Tom",
            last_name="Elsewhere",
            email=SIGNER_EMAILS[1],
            zip_code="10001",
            name_display=NameDisplay.FULL,
            reason="Philadelphia should lead.",
        )
        make_signature(
            petition,
            first_name="Quiet",
            last_name="Signer",
            email=SIGNER_EMAILS[2],
            zip_code="19104",
            name_display=NameDisplay.HIDDEN,
            reason="A reason from someone who did not want to be named.",
        )
        make_signature(petition, status=SignatureStatus.PENDING, reason="Not confirmed yet.")
        return petition.slug


def set_frequency(app, slug, position, frequency):
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        petition.targets[position - 1].report_frequency = frequency
        db.session.commit()


def weekly_reports(app) -> int:
    with app.app_context():
        sent = send_due_weekly_reports()
        db.session.remove()
    return sent


def reports(app) -> list[Delivery]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(Delivery).where(Delivery.kind == DeliveryKind.REPORT).order_by(Delivery.id)
        ).all()
        db.session.expunge_all()
        return list(found)


def assert_no_signer_email(message):
    whole = message.as_string()
    for address in SIGNER_EMAILS:
        assert address not in whole
    assert "@example.org" not in whole


def test_a_weekly_report_arrives_with_the_figures_and_no_signer_email(
    app, client, clock, smtp, slug
):
    set_frequency(app, slug, 1, ReportFrequency.WEEKLY)
    assert weekly_reports(app) == 1
    assert deliver_mail(app).sent == 1
    (message,) = smtp.wait_for(1)
    assert message["To"] == "mayor@phila.test"
    assert message["Reply-To"] == CONTACT
    assert message["Subject"] == "End the PARS contract: progress report, signed by 3 people"
    body = text_of(message)
    assert body.startswith("Dear Mayor Michael Nutter,")
    assert "signed by 3 people: 2 residents of Philadelphia and 1 supporter elsewhere" in body
    assert "since our last report" not in body  # the first one
    assert "My neighbours were taken." in body and "María López" in body
    assert "Philadelphia should lead." in body
    assert "did not want to be named" not in body and "Quiet" not in body
    assert "Not confirmed yet." not in body
    assert f"/petitions/{slug}" in body
    assert "My neighbours were taken." in html_of(message)
    assert_no_signer_email(message)

    (report,) = reports(app)
    assert report.target_name == "Mayor Michael Nutter" and report.address == "mayor@phila.test"
    assert (report.signature_count, report.residents, report.elsewhere) == (3, 2, 1)
    assert report.outcome == "sent"

    page = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert "Progress report: 3 signatures, sent to Mayor Michael Nutter on" in page

    # Within the week: nothing more.
    smtp.clear()
    assert weekly_reports(app) == 0

    # A week later, with one more signer: the new ones since the last report.
    clock.shift(timedelta(days=7))
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        make_signature(petition, zip_code="19103", confirmed_at=now_plus(0))
    assert weekly_reports(app) == 1
    deliver_mail(app)
    (second,) = smtp.wait_for(1)
    body = text_of(second)
    assert "signed by 4 people: 3 residents of Philadelphia" in body
    assert "1 person has signed since our last report on July 15, 2027." in body
    assert len(reports(app)) == 2


def now_plus(seconds):
    from app.core.clock import now

    return now() + timedelta(seconds=seconds)


def test_weekly_reports_stop_a_week_after_closing_and_skip_targets_without_address(
    app, clock, smtp, slug
):
    from tests import instants

    set_frequency(app, slug, 1, ReportFrequency.WEEKLY)
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        petition.targets[0].email = None
        db.session.commit()
    assert weekly_reports(app) == 0
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        petition.targets[0].email = "mayor@phila.test"
        db.session.commit()
    clock.move_to(instants.CLOSES_AT + timedelta(days=8))
    assert weekly_reports(app) == 0
    clock.move_to(instants.CLOSES_AT + timedelta(days=2))
    assert weekly_reports(app) == 1
    deliver_mail(app)
    assert "The petition closed on August 31, 2027." in text_of(smtp.wait_for(1)[0])


def test_milestone_reports_go_at_a_milestone_event(app, smtp, slug):
    set_frequency(app, slug, 2, ReportFrequency.MILESTONES)
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        record_event(petition.id, EventKind.PETITION_MILESTONE, count=3)
        record_event(petition.id, EventKind.SIGNATURE_CONFIRMED, signature_id=1, count=3)
        db.session.commit()
        assert dispatch_events([MILESTONE_REPORTS]) == 2
        assert deliver_due(MILESTONE_REPORTS) == 1  # the milestone only
        db.session.remove()
    deliver_mail(app)
    (message,) = smtp.wait_for(1)
    assert message["To"] == "da@phila.test"
    body = text_of(message)
    assert "has just passed 3 signatures" in body
    assert_no_signer_email(message)
    (report,) = reports(app)
    assert report.actor == "milestone of 3"


def test_no_milestone_report_when_no_target_asks(app, smtp, slug):
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        record_event(petition.id, EventKind.PETITION_MILESTONE, count=3)
        db.session.commit()
        dispatch_events([MILESTONE_REPORTS])
        assert deliver_due(MILESTONE_REPORTS) == 0
    assert reports(app) == []


def test_cli_previews_and_sends(app, runner, smtp, slug):
    preview = runner.invoke(args=["letters", "report", slug])
    assert preview.exit_code == 0, preview.output
    assert preview.output.count("Subject: End the PARS contract: progress report") == 3
    assert "signed by 3 people" in preview.output
    assert "@signers.test" not in preview.output
    assert reports(app) == []

    sent = runner.invoke(args=["letters", "report", slug, "--send"])
    assert sent.exit_code == 0, sent.output
    assert sent.output.count("Queued (progress report)") == 3
    assert "Mayor Michael Nutter <mayor@phila.test>, 3 signatures" in sent.output
    deliver_mail(app)
    assert sorted(m["To"] for m in smtp.wait_for(3)) == [
        "da@phila.test",
        "judge@courts.phila.test",
        "mayor@phila.test",
    ]
    assert len(reports(app)) == 3


def test_organizers_preview_choose_and_send(app, organizer_client, smtp, slug):
    page = organizer_client.get(f"/organizer/petitions/{slug}/letters")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "End the PARS contract: progress report, signed by 3 people" in html
    assert "My neighbours were taken." in html
    assert "@signers.test" not in html
    assert reports(app) == []  # a preview sends nothing
    token = csrf_token_from(html)

    saved = organizer_client.post(
        f"/organizer/petitions/{slug}/letters/1/report-frequency",
        data={"csrf_token": token, "target-1-frequency": "weekly"},
    )
    assert saved.status_code == 303
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        assert petition.targets[0].report_frequency == ReportFrequency.WEEKLY

    sent = organizer_client.post(
        f"/organizer/petitions/{slug}/letters/reports/send", data={"csrf_token": token}
    )
    assert sent.status_code == 303
    assert len(reports(app)) == 3
    deliver_mail(app)
    smtp.wait_for(3)
    history = organizer_client.get(f"/organizer/petitions/{slug}/letters").get_data(as_text=True)
    assert "progress report" in history


def test_the_purge_erases_the_reports_text_and_keeps_their_record(app, clock, smtp, slug):
    from app.letters.purge import purge_personal_data
    from app.models import OutboxMessage
    from tests import instants

    clock.move_to(instants.CLOSES_AT + timedelta(days=2))
    set_frequency(app, slug, 1, ReportFrequency.WEEKLY)
    assert weekly_reports(app) == 1
    deliver_mail(app)
    smtp.wait_for(1)
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        purge_personal_data(petition, delivered_by_hand=True)
        (report,) = db.session.scalars(
            sa.select(Delivery).where(Delivery.kind == DeliveryKind.REPORT)
        ).all()
        message = db.session.get_one(OutboxMessage, report.outbox_message_id)
        assert message.body_text == "" and message.body_html is None
        assert report.signature_count == 3

"""Delivering the letters by email: the outbox, the record, the public page."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Delivery, Job, JobStatus, OutboxAttachment, OutboxMessage
from tests import instants
from tests.conftest import csrf_token_from, deliver_mail, log_in, prepared_letter
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition, make_signature
from tests.smtp_sink import text_of


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, first_name="María", last_name="López", zip_code="19107")
        make_signature(petition, first_name="Tom", last_name="Elsewhere", zip_code="10001")
        return petition.slug


def pdf_attachments(message):
    return [
        part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"
    ]


def test_deliver_command_emails_each_target_its_pdf(app, runner, smtp, slug):
    result = runner.invoke(args=["letters", "deliver", slug])
    assert result.exit_code == 0, result.output
    assert result.output.count("Queued (milestone)") == 3
    assert deliver_mail(app).sent == 3
    messages = smtp.wait_for(3)
    assert sorted(m["To"] for m in messages) == [
        "da@phila.test",
        "judge@courts.phila.test",
        "mayor@phila.test",
    ]
    mayor = next(m for m in messages if m["To"] == "mayor@phila.test")
    assert mayor["Subject"] == "End the PARS contract: a petition signed by 2 people"
    body = text_of(mayor)
    assert body.startswith("Dear Mayor Michael Nutter,")
    assert "1 resident of Philadelphia and 1 supporter elsewhere" in body
    (pdf,) = pdf_attachments(mayor)
    data = pdf.get_content()
    assert data.startswith(b"%PDF")
    assert pdf.get_filename().startswith(f"{slug}-1-mayor-michael-nutter-")

    with app.app_context():
        deliveries = db.session.scalars(
            sa.select(Delivery).order_by(Delivery.target_position)
        ).all()
        assert [d.target_name for d in deliveries] == [
            "Mayor Michael Nutter",
            "District Attorney Seth Williams",
            "Judge Marsha Neifield",
        ]
        first = deliveries[0]
        assert first.address == "mayor@phila.test"
        assert first.signature_count == 2 and (first.residents, first.elsewhere) == (1, 1)
        assert first.sha256 == hashlib.sha256(data).hexdigest()
        assert first.outcome == "sent" and first.sent_at is not None
        assert first.is_final is False
        assert first.actor.startswith("command line")


def test_deliver_one_target(app, runner, smtp, slug):
    result = runner.invoke(args=["letters", "deliver", slug, "--target", "3"])
    assert result.exit_code == 0, result.output
    deliver_mail(app)
    assert [m["To"] for m in smtp.wait_for(1)] == ["judge@courts.phila.test"]
    unknown = runner.invoke(args=["letters", "deliver", slug, "--target", "7"])
    assert unknown.exit_code == 1 and "No target at position 7" in unknown.output


def test_a_target_without_an_address_is_refused_clearly(app, runner, smtp, slug):
    runner.invoke(args=["petitions", "set-target", slug, "2", "--email", ""])
    result = runner.invoke(args=["letters", "deliver", slug])
    assert result.exit_code == 1
    assert "No email address for 2. District Attorney Seth Williams" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0


def test_nothing_to_deliver_without_signatures(app, runner, smtp):
    with app.app_context():
        empty = make_petition().slug
    result = runner.invoke(args=["letters", "deliver", empty])
    assert result.exit_code == 1 and "no confirmed signature" in result.output


def test_smtp_down_then_up_delivers_each_letter_once(app, runner, smtp, slug, clock):
    runner.invoke(args=["letters", "deliver", slug])
    smtp.stop()
    assert deliver_mail(app).deferred == 3
    with app.app_context():
        assert {d.outcome for d in db.session.scalars(sa.select(Delivery))} == {"pending"}
    smtp.start()
    clock.shift(timedelta(minutes=10))
    assert deliver_mail(app).sent == 3
    clock.shift(timedelta(hours=1))
    assert deliver_mail(app).sent == 0
    assert len(smtp.wait_for(3)) == 3
    assert len(smtp.messages) == 3


def test_the_public_page_says_where_it_was_delivered(app, runner, client, smtp, slug):
    runner.invoke(args=["letters", "deliver", slug])
    page = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert "This petition was delivered to:" not in page, "not before the letters are sent"
    deliver_mail(app)
    page = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert "This petition was delivered to:" in page
    for name in (
        "Mayor Michael Nutter",
        "District Attorney Seth Williams",
        "Judge Marsha Neifield",
    ):
        assert f"<li>{name} <span" in page
    assert "on July 15, 2027" in page


def test_after_the_deadline_the_delivery_is_final_and_allows_the_purge(
    app, runner, smtp, slug, clock
):
    clock.move_to(instants.AFTER_GRACE)
    runner.invoke(args=["letters", "deliver", slug])
    refused = runner.invoke(args=["signatures", "purge", slug, "--yes"])
    assert "still being sent" in refused.output
    deliver_mail(app)
    with app.app_context():
        assert all(d.is_final for d in db.session.scalars(sa.select(Delivery)))
    result = runner.invoke(args=["signatures", "purge", slug, "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxAttachment)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 3


def letters_page(client, slug) -> str:
    return client.get(f"/organizer/petitions/{slug}/letters").get_data(as_text=True)


def press_deliver(client, slug, targets=("1", "2", "3")):
    """Press "Deliver now" on the letters page, preview ticked."""
    token = csrf_token_from(letters_page(client, slug))
    return client.post(
        f"/organizer/petitions/{slug}/letters/deliver",
        data={"csrf_token": token, "targets": list(targets), "previewed": "y"},
    )


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


REFRESH = '<meta http-equiv="refresh" content="3">'


def test_organizers_preview_then_deliver_from_the_web(app, organizer_client, smtp, slug):
    page = organizer_client.get(f"/organizer/petitions/{slug}/letters")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "End the PARS contract: a petition signed by 2 people" in html
    assert "Dear Judge Marsha Neifield," in html
    assert "mayor@phila.test" in html
    assert REFRESH not in html

    pdf = prepared_letter(app, organizer_client, slug, 1)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")
    html = letters_page(organizer_client, slug)

    token = csrf_token_from(html)
    unchecked = organizer_client.post(
        f"/organizer/petitions/{slug}/letters/deliver",
        data={"csrf_token": token, "targets": ["1", "2"]},
    )
    assert unchecked.status_code == 400
    assert "Check the preview first" in unchecked.get_data(as_text=True)

    done = press_deliver(organizer_client, slug, targets=("1", "2"))
    assert done.status_code == 303
    # The request only queued the work: no letter built, nothing in the outbox yet.
    assert count(app, Delivery) == 0 and count(app, OutboxMessage) == 0
    with app.app_context():
        job = db.session.scalar(sa.select(Job).where(Job.kind == "deliver_letters"))
        assert (job.kind, job.status, job.payload) == (
            "deliver_letters",
            JobStatus.QUEUED,
            {"positions": [1, 2]},
        )
        assert job.actor == "admin@example.org"
    waiting = letters_page(organizer_client, slug)
    assert "The letters are being prepared" in waiting
    assert "Delivery under way" in waiting and "Waiting for the worker" in waiting
    assert "<progress>" in waiting and REFRESH in waiting

    deliver_mail(app)
    messages = smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["da@phila.test", "mayor@phila.test"]
    for message in messages:
        (pdf,) = pdf_attachments(message)
        assert pdf.get_content().startswith(b"%PDF")
    history = letters_page(organizer_client, slug)
    assert history.count("milestone") >= 2 and "sent" in history
    assert "Delivery under way" not in history and REFRESH not in history
    with app.app_context():
        job = db.session.scalar(sa.select(Job).where(Job.kind == "deliver_letters"))
        assert job.status == JobStatus.DONE and job.finished_at is not None
        assert {d.actor for d in db.session.scalars(sa.select(Delivery))} == {"admin@example.org"}


def test_the_page_follows_the_workers_progress(app, organizer_client, slug):
    from app.jobs import JobRun, claim_next_job

    assert press_deliver(organizer_client, slug).status_code == 303
    with app.app_context():
        run = JobRun(claim_next_job())
        run.progress(0, 3, "Building the letter to Mayor Michael Nutter")
    page = letters_page(organizer_client, slug)
    assert "Building the letter to Mayor Michael Nutter: 1 of 3" in page
    assert '<progress value="0" max="3">' in page
    assert REFRESH in page
    with app.app_context():
        run.progress(1, 3, "Building the letter to District Attorney Seth Williams")
    page = letters_page(organizer_client, slug)
    assert "Building the letter to District Attorney Seth Williams: 2 of 3" in page


def test_delivery_reports_each_letter_it_builds(app, slug):
    from app.letters.delivery import deliver_letters
    from app.petitions.queries import petition_by_slug

    steps = []
    with app.app_context():
        deliver_letters(petition_by_slug(slug), progress=lambda *step: steps.append(step))
    assert steps == [
        (0, 3, "Building the letter to Mayor Michael Nutter"),
        (1, 3, "Building the letter to District Attorney Seth Williams"),
        (2, 3, "Building the letter to Judge Marsha Neifield"),
    ]


def test_pressing_twice_queues_one_delivery(app, organizer_client, smtp, slug):
    assert press_deliver(organizer_client, slug).status_code == 303
    again = press_deliver(organizer_client, slug)
    assert again.status_code == 409
    assert "These letters are already being prepared" in again.get_data(as_text=True)
    assert count(app, Job) == 1
    assert deliver_mail(app).sent == 3
    assert len(smtp.wait_for(3)) == 3 and len(smtp.messages) == 3
    # Once they are on their way, a new delivery may be asked for.
    assert press_deliver(organizer_client, slug, targets=("3",)).status_code == 303
    assert count(app, Job) == 2


def test_what_can_be_refused_at_once_is_refused_by_the_request(app, organizer_client, smtp):
    with app.app_context():
        empty = make_petition().slug
    refused = press_deliver(organizer_client, empty)
    assert refused.status_code == 409
    assert "There is no confirmed signature to deliver yet." in refused.get_data(as_text=True)
    assert count(app, Job) == 0


def test_a_failed_delivery_shows_its_reason(app, organizer_client, runner, smtp, slug):
    assert press_deliver(organizer_client, slug).status_code == 303
    # Before the worker gets to it, an address is removed.
    runner.invoke(args=["petitions", "set-target", slug, "2", "--email", ""])
    assert deliver_mail(app).sent == 0
    assert count(app, Delivery) == 0 and count(app, OutboxMessage) == 0
    with app.app_context():
        job = db.session.scalar(sa.select(Job))
        assert job.status == JobStatus.FAILED
        assert job.error.startswith("No email address for 2. District Attorney Seth Williams")
    page = letters_page(organizer_client, slug)
    assert "failed; nothing was sent" in page
    assert "No email address for 2. District Attorney Seth Williams" in page
    assert REFRESH not in page


def test_a_letter_the_server_refuses_shows_why_on_the_letters_page(
    app, organizer_client, runner, smtp, slug
):
    smtp.refused.add("da@phila.test")
    runner.invoke(args=["letters", "deliver", slug])
    assert deliver_mail(app).failed == 1
    page = letters_page(organizer_client, slug)
    assert "not sent:" in page
    assert "550 5.1.1" in page and "Recipient address rejected" in page


def test_the_letters_count_who_had_signed_when_the_organizer_asked(
    app, organizer_client, smtp, slug, clock
):
    assert press_deliver(organizer_client, slug, targets=("1",)).status_code == 303
    clock.shift(timedelta(minutes=5))
    with app.app_context():
        from app.petitions.queries import petition_by_slug

        make_signature(petition_by_slug(slug), confirmed_at=instants.OPEN + timedelta(minutes=5))
    deliver_mail(app)
    (message,) = smtp.wait_for(1)
    assert message["Subject"] == "End the PARS contract: a petition signed by 2 people"


def test_the_command_line_waits_for_a_delivery_under_way(app, organizer_client, runner, slug):
    assert press_deliver(organizer_client, slug).status_code == 303
    result = runner.invoke(args=["letters", "deliver", slug])
    assert result.exit_code == 1
    assert "already being prepared by the worker" in result.output
    assert count(app, Delivery) == 0


def test_no_purge_while_the_final_letters_are_being_prepared(app, client, runner, slug, clock):
    clock.move_to(instants.AFTER_GRACE)
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    log_in(client, "admin@example.org", ORGANIZER_PASSWORD)
    assert press_deliver(client, slug).status_code == 303
    refused = runner.invoke(args=["signatures", "purge", slug, "--yes", "--delivered-by-hand"])
    assert refused.exit_code == 1 and "still being sent" in refused.output


def test_the_dev_log_shows_an_attached_letter(app, caplog, slug):
    app.config["MAIL_TO_LOG"] = True
    with app.app_context():
        from app.letters.delivery import deliver_letters
        from app.petitions.queries import petition_by_slug

        deliver_letters(petition_by_slug(slug), [1])
    with caplog.at_level("INFO", logger="app.mail"):
        deliver_mail(app)
    assert f"[attached: {slug}-1-mayor-michael-nutter-" in caplog.text

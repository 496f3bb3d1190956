"""Delivering the letters by email: the outbox, the record, the public page."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Delivery, OutboxAttachment
from tests import instants
from tests.conftest import csrf_token_from, deliver_mail
from tests.factories import make_petition, make_signature
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


def test_organizers_preview_then_deliver_from_the_web(app, organizer_client, smtp, slug):
    page = organizer_client.get(f"/organizer/petitions/{slug}/letters")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "End the PARS contract: a petition signed by 2 people" in html
    assert "Dear Judge Marsha Neifield," in html
    assert "mayor@phila.test" in html

    pdf = organizer_client.get(f"/organizer/petitions/{slug}/letters/1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")

    token = csrf_token_from(html)
    unchecked = organizer_client.post(
        f"/organizer/petitions/{slug}/letters/deliver",
        data={"csrf_token": token, "targets": ["1", "2"]},
    )
    assert unchecked.status_code == 400
    assert "Check the preview first" in unchecked.get_data(as_text=True)

    done = organizer_client.post(
        f"/organizer/petitions/{slug}/letters/deliver",
        data={"csrf_token": token, "targets": ["1", "2"], "previewed": "y"},
    )
    assert done.status_code == 303
    deliver_mail(app)
    assert sorted(m["To"] for m in smtp.wait_for(2)) == ["da@phila.test", "mayor@phila.test"]
    history = organizer_client.get(f"/organizer/petitions/{slug}/letters").get_data(as_text=True)
    assert history.count("milestone") >= 2 and "sent" in history


def test_the_dev_log_shows_an_attached_letter(app, caplog, slug):
    app.config["MAIL_TO_LOG"] = True
    with app.app_context():
        from app.delivery import deliver_letters
        from app.petitions import petition_by_slug

        deliver_letters(petition_by_slug(slug), [1])
    with caplog.at_level("INFO", logger="app.mail"):
        deliver_mail(app)
    assert f"[attached: {slug}-1-mayor-michael-nutter-" in caplog.text

"""A resident's whole path: sign, read the real email, confirm, see the count; withdraw."""

import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage, Petition, Signature, SignatureStatus
from tests.conftest import (
    csrf_token_from,
    deliver_mail,
    form_token_from,
    links_in,
    path_of,
    press_button,
    sign,
)
from tests.factories import make_petition
from tests.smtp_sink import html_of, text_of


def count_of(client, slug: str) -> int:
    return client.get(f"/petitions/{slug}.json").json["signature_count"]


def test_sign_confirm_and_see_the_count_rise(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug

    response = sign(client, slug, first_name="María", last_name="López", email="maria@example.org")
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert "check your email" in thanks.get_data(as_text=True).lower()
    assert "share it on Facebook!" in thanks.get_data(as_text=True)
    assert count_of(client, slug) == 0, "a pending signature does not count"

    assert deliver_mail(app).sent == 1
    (email,) = smtp.wait_for(1)
    assert email["To"] == "maria@example.org"
    assert "Confirm your signature" in email["Subject"]
    body = text_of(email)
    assert "Hello María," in body
    (confirm_url,) = links_in(body, "confirm")
    assert confirm_url in html_of(email), "the HTML part carries the same link"

    page = client.get(path_of(confirm_url))
    assert page.status_code == 200
    assert "Confirm my signature" in page.get_data(as_text=True)
    assert count_of(client, slug) == 0, "opening the link (as a mail scanner does) confirms nothing"

    confirmed = press_button(client, confirm_url)
    assert confirmed.status_code == 303
    after = client.get(confirmed.headers["Location"])
    assert "your signature counts" in after.get_data(as_text=True).lower()
    assert count_of(client, slug) == 1
    assert "1</strong>" in client.get(f"/petitions/{slug}").get_data(as_text=True)


def test_confirming_twice_counts_once(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug)
    deliver_mail(app)
    (confirm_url,) = links_in(text_of(smtp.wait_for(1)[0]), "confirm")

    press_button(client, confirm_url)
    again = client.get(path_of(confirm_url))
    assert again.status_code == 200
    assert "your signature counts" in again.get_data(as_text=True).lower()
    # A second press, with a good session token (any form of the site's gives one).
    token = csrf_token_from(client.get("/organizer/login").text)
    client.post(path_of(confirm_url), data={"csrf_token": token})
    assert count_of(client, slug) == 1


def test_withdraw_removes_the_signature_and_its_data(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug, email="leaving@example.org")
    deliver_mail(app)
    body = text_of(smtp.wait_for(1)[0])
    press_button(client, links_in(body, "confirm")[0])
    assert count_of(client, slug) == 1

    (withdraw_url,) = links_in(body, "withdraw")
    page = client.get(path_of(withdraw_url))
    assert "Withdraw my signature" in page.get_data(as_text=True)
    done = press_button(client, withdraw_url)
    assert done.status_code == 200
    assert "has been withdrawn" in done.get_data(as_text=True)
    assert count_of(client, slug) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0
        leftovers = db.session.scalars(sa.select(OutboxMessage.recipient)).all()
        assert "leaving@example.org" not in leftovers

    again = client.get(path_of(withdraw_url))
    assert again.status_code == 200
    assert "already removed" in again.get_data(as_text=True)
    confirm_again = client.get(path_of(links_in(body, "confirm")[0]))
    assert confirm_again.status_code == 404


def test_withdrawing_a_pending_signature_cancels_its_email(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
        sign(client, slug)
        signature = db.session.scalar(sa.select(Signature))
        from app.signatures.signing import withdraw_signature

        assert withdraw_signature(signature.id)
    assert deliver_mail(app).sent == 0
    assert smtp.messages == []


def test_expired_link_offers_a_resend(app, client, smtp, clock):
    from datetime import timedelta

    with app.app_context():
        slug = make_petition().slug
    sign(client, slug)
    deliver_mail(app)
    (old_link,) = links_in(text_of(smtp.wait_for(1)[0]), "confirm")

    clock.shift(timedelta(days=8))
    page = client.get(path_of(old_link))
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "This link has expired" in html
    resend_path = path_of(old_link) + "/resend"
    response = client.post(resend_path, data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 200
    deliver_mail(app)
    assert len(smtp.wait_for(2)) == 2
    (new_link,) = links_in(text_of(smtp.messages[1]), "confirm")
    assert new_link != old_link
    press_button(client, new_link)
    assert count_of(client, slug) == 1


def test_a_forged_or_foreign_link_is_not_found(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
        other = make_petition().slug
    sign(client, slug)
    deliver_mail(app)
    (link,) = links_in(text_of(smtp.wait_for(1)[0]), "confirm")
    assert client.get(path_of(link) + "x").status_code == 404
    assert client.get(path_of(link).replace(slug, other)).status_code == 404
    assert client.get(f"/petitions/{slug}/confirm/not-a-token").status_code == 404


def test_source_from_a_share_link_is_kept(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    page = client.get(f"/petitions/{slug}?source=facebook")
    html = page.get_data(as_text=True)
    assert 'name="source" type="hidden" value="facebook"' in html
    sign(client, slug, source="facebook", form_token=form_token_from(html))
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature))
        assert signature.source == "facebook"
        assert signature.status == SignatureStatus.PENDING


def test_email_in_spanish_when_signed_in_spanish(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    client.set_cookie("lang", "es")
    sign(client, slug)
    with app.app_context():
        assert db.session.scalar(sa.select(Signature.locale)) == "es"
    deliver_mail(app)
    (email,) = smtp.wait_for(1)
    assert email["Subject"].startswith("Confirma tu firma: ")
    assert "Hola, Maria:" in text_of(email)
    assert "Hola, Maria:" in html_of(email)
    assert "Hello" not in text_of(email)


def test_each_email_has_its_own_name_and_links_escaped_in_html(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug, first_name="Ana <b>", email="ana@example.org")
    sign(client, slug, first_name="Bo", email="bo@example.org")
    deliver_mail(app)
    ana, bo = sorted(smtp.wait_for(2), key=lambda m: m["To"])
    assert "Hello Ana <b>," in text_of(ana)
    assert "Hello Ana &lt;b&gt;," in html_of(ana)
    assert "Hello Bo," in text_of(bo)
    assert links_in(text_of(ana), "confirm") != links_in(text_of(bo), "confirm")
    assert "HOLE" not in text_of(ana) + html_of(ana)


def test_the_confirmation_is_written_when_it_is_sent(app, client, smtp):
    """The sign request only queues the email; the sender writes it, in the signer's
    language, with the petition as it is then."""
    with app.app_context():
        petition = make_petition(title="Old title")
        slug = petition.slug
    assert sign(client, slug, first_name="Ana", email="ana@example.org").status_code == 303
    with app.app_context():
        (queued,) = db.session.scalars(sa.select(OutboxMessage)).all()
        assert (queued.subject, queued.body_text, queued.body_html) == ("", "", None)
        db.session.execute(sa.update(Petition).values(title="New title"))
        db.session.commit()
    assert deliver_mail(app).sent == 1
    (email,) = smtp.wait_for(1)
    assert email["Subject"] == "Confirm your signature: New title"
    assert "Hello Ana," in text_of(email)
    assert links_in(text_of(email), "confirm") and links_in(html_of(email), "confirm")


def test_an_unwritten_confirmation_whose_signature_is_gone_fails_alone(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
    sign(client, slug, email="gone@example.org")
    sign(client, slug, email="kept@example.org")
    with app.app_context():
        # As an erasure leaves a signature: no link key, so nothing to confirm with.
        db.session.execute(
            sa.update(Signature).where(Signature.email == "gone@example.org").values(link_key=None)
        )
        db.session.commit()
    report = deliver_mail(app)
    assert (report.sent, report.failed) == (1, 1)
    assert [message["To"] for message in smtp.wait_for(1)] == ["kept@example.org"]
    with app.app_context():
        failed = db.session.scalar(sa.select(OutboxMessage))
        assert "nothing left to write" in failed.last_error

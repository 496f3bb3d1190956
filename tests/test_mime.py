"""The sender writes each email's bytes itself (app.mail.mime): they must be, byte for byte,
what Flask-Mail's own `as_bytes()` gives for the same message, date, Message-ID and random
boundaries; and what reaches the server must be the same."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.mail import mime
from app.mail.messages import ListHeaders, QueuedMessage
from app.mail.transport import _as_mail
from app.signatures.emails import confirmation_email
from tests.conftest import deliver_mail
from tests.factories import make_petition

LONG_TITLE = (
    "Terminen el contrato PARS: que la policía de Filadelfia deje de compartir datos con ICE "
    "— “ya basta”, dicen los vecinos de Kensington, Norris Square y Juniata Park"
)


def queued(**fields) -> QueuedMessage:
    values = {
        "id": 1,
        "claim_token": "x",
        "recipient": "ana@example.org",
        "subject": "Hello",
        "body_text": "Hello\n",
        "body_html": None,
        "signature_id": None,
        "attempts": 0,
    }
    values.update(fields)
    return QueuedMessage(**values)


def same_bytes(message: QueuedMessage) -> bytes:
    mail = _as_mail(message)
    assert mime.fast_path_applies(mail)
    mail.date = 1_780_000_000.25
    random.seed(7)
    theirs = mail.as_bytes()
    random.seed(7)
    ours = mime.message_bytes(mail)
    assert ours == theirs
    return ours


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("title", ["End the PARS contract", LONG_TITLE])
@pytest.mark.parametrize("first_name", ["Ana", "María José Núñez-Ødegård 李"])
def test_a_confirmation_email_is_byte_for_byte_flask_mails(app, locale, title, first_name):
    with app.test_request_context():
        petition = make_petition(title=title)
        email = confirmation_email(petition, first_name, locale, "k" * 22)
        written = same_bytes(
            queued(
                recipient="maria@faß.de" if first_name != "Ana" else "ana@example.org",
                subject=email.subject,
                body_text=email.body_text,
                body_html=email.body_html,
                signature_id=5,
            )
        )
    assert b"Content-Type: multipart/mixed" in written


@pytest.mark.parametrize("subject", ["Our first update", "Actualización: " + LONG_TITLE])
def test_an_update_email_with_list_headers_is_byte_for_byte_flask_mails(app, subject):
    link = "https://petitions.test/petitions/end-the-pars-contract/unsubscribe/" + "a1B-_" * 30
    headers = ListHeaders(link, "end-the-pars-contract.petitions.test").as_headers()
    body = "Dear neighbours,\n\n" + "We delivered the letter — ¡gracias! " * 40 + "\n"
    with app.app_context():
        written = same_bytes(
            queued(
                subject=subject,
                body_text=body,
                body_html="<p>" + body + "</p>",
                update_id=3,
                headers=tuple(headers.items()),
            )
        )
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in written


@pytest.mark.parametrize("body", ["Plain text only.\n", "", "é" * 500, "line\r\nother\rthird"])
def test_text_only_and_odd_bodies_are_byte_for_byte_flask_mails(app, body):
    with app.app_context():
        same_bytes(queued(body_text=body, subject="Ünïcode " * 20))


def test_a_letter_with_an_attachment_keeps_flask_mails_path(app):
    from app.mail.messages import Attachment

    with app.app_context():
        mail = _as_mail(queued(attachments=(Attachment("letter.pdf", "application/pdf", b"%"),)))
    assert not mime.fast_path_applies(mail)


def test_a_confirmation_reaches_the_server_as_flask_mail_would_send_it(app, client, smtp):
    with app.app_context():
        petition = make_petition(title=LONG_TITLE)
        db.session.commit()
        slug = petition.slug
    page = client.get(f"/petitions/{slug}")
    token = page.text.split('name="form_token" type="hidden" value="')[1].split('"')[0]
    answer = client.post(
        f"/petitions/{slug}/sign",
        data={
            "form_token": token,
            "first_name": "María",
            "last_name": "Núñez",
            "email": "maria@faß.de",
            "zip_code": "19107",
            "name_display": "full",
        },
    )
    assert answer.status_code == 303
    assert deliver_mail(app).sent == 1
    (received,) = smtp.wait_for(1)
    assert received["To"] == "maria@xn--fa-hia.de"
    assert "María" in received.get_body(("plain",)).get_content()
    assert received["Subject"].startswith("Confirm your signature: Terminen el contrato")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    subject=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=200),
    body=st.text(max_size=600),
    html=st.one_of(st.none(), st.text(max_size=300)),
    header=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=160),
)
def test_any_text_is_byte_for_byte_flask_mails(app, subject, body, html, header):
    with app.app_context():
        mail = _as_mail(
            queued(
                subject=subject,
                body_text=body,
                body_html=html,
                headers=(("List-Unsubscribe", f"<https://petitions.test/{header}>"),),
            )
        )
        mail.date = 1_780_000_000.0
        random.seed(11)
        try:
            theirs = mail.as_bytes()
        except Exception as error:  # what Flask-Mail cannot write, the sender fails alone
            with pytest.raises(type(error)):
                random.seed(11)
                mime.message_bytes(mail)
            return
        random.seed(11)
        assert mime.message_bytes(mail) == theirs


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_sender_writes_the_confirmation_the_signer_would_get_from_the_orm(app, locale):
    from app.signatures.emails import CONFIRM_SIGNATURE, write_confirmations
    from tests.factories import make_signature

    with app.test_request_context():
        petition = make_petition(title=LONG_TITLE)
        signature = make_signature(petition, first_name="Zoë", locale=locale)
        db.session.commit()
        expected = confirmation_email(petition, "Zoë", locale, signature.link_key)
        message = queued(
            signature_id=signature.id, purpose=CONFIRM_SIGNATURE, subject="", body_text=""
        )
        written = write_confirmations([message])[message.id]
    assert (written.subject, written.body_text, written.body_html) == (
        expected.subject,
        expected.body_text,
        expected.body_html,
    )


@settings(max_examples=300, deadline=None)
@given(
    address=st.one_of(
        st.emails(),
        st.text(max_size=40),
        st.builds(lambda name, email: f"{name} <{email}>", st.text(max_size=20), st.emails()),
    )
)
def test_an_address_is_sanitized_as_flask_mail_does(address):
    from flask_mail import sanitize_address

    try:
        theirs = sanitize_address(address)
    except Exception as error:  # what Flask-Mail refuses, ours refuses too
        with pytest.raises(type(error)):
            mime.sanitized_address(address)
        return
    assert mime.sanitized_address(address) == theirs

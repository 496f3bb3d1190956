"""Where outbox messages physically go: an SMTP server, or the log in development."""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from flask import current_app
from flask_mail import Message

from app.extensions import mail
from app.models import OutboxMessage

log = logging.getLogger("app.mail")


class PermanentMailError(Exception):
    """The server refused this one message for good (a bad address, say)."""


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


def _as_mail(message: OutboxMessage) -> Message:
    mail_message = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    return mail_message


class _SmtpTransport:
    def __init__(self, connection) -> None:
        self._connection = connection

    def send(self, message: OutboxMessage) -> None:
        try:
            self._connection.send(_as_mail(message))
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentMailError(f"recipient refused: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600 and not isinstance(error, smtplib.SMTPSenderRefused):
                raise PermanentMailError(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise


class _LogTransport:
    def send(self, message: OutboxMessage) -> None:
        log.info(
            "Email (not sent: no MAIL_SERVER)\nTo: %s\nSubject: %s\n\n%s",
            message.recipient,
            message.subject,
            message.body_text,
        )


@contextmanager
def open_transport() -> Iterator[Transport]:
    """One connection for a whole batch; errors connecting or sending propagate."""
    if current_app.config["MAIL_TO_LOG"]:
        yield _LogTransport()
        return
    with mail.connect() as connection:
        yield _SmtpTransport(connection)

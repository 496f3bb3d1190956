"""Where outbox messages physically go: an SMTP server, or the log in development."""

from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Protocol

from flask import current_app
from flask_mail import Message

from app.extensions import mail

log = logging.getLogger("app.mail")

if TYPE_CHECKING:
    from app.outbox import QueuedMessage


class PermanentMailError(Exception):
    """The server refused this one message for good (a bad address, say)."""


class Transport(Protocol):
    def send(self, message: QueuedMessage) -> None: ...


def _as_mail(message: QueuedMessage) -> Message:
    mail_message = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    for attachment in message.attachments:
        mail_message.attach(attachment.filename, attachment.content_type, attachment.data)
    return mail_message


class _SmtpTransport:
    def __init__(self, connection) -> None:
        self._connection = connection

    def send(self, message: QueuedMessage) -> None:
        try:
            self._connection.send(_as_mail(message))
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentMailError(f"recipient refused: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600 and not isinstance(error, smtplib.SMTPSenderRefused):
                raise PermanentMailError(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise


class _LogTransport:
    def send(self, message: QueuedMessage) -> None:
        attached = "".join(
            f"\n[attached: {a.filename}, {len(a.data):,} bytes]" for a in message.attachments
        )
        log.info(
            "Email (not sent: no MAIL_SERVER)\nTo: %s\nSubject: %s\n\n%s%s",
            message.recipient,
            message.subject,
            message.body_text,
            attached,
        )


@contextmanager
def open_transport() -> Iterator[Transport]:
    """One connection for a whole batch; errors connecting or sending propagate."""
    if current_app.config["MAIL_TO_LOG"]:
        yield _LogTransport()
        return
    # Flask-Mail opens its socket with the process default timeout (none): a server that
    # stops answering would hang the sender for ever. Give the socket a timeout of its own.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(current_app.config["MAIL_TIMEOUT_SECONDS"])
    try:
        connection = mail.connect()
        connection.__enter__()
    finally:
        socket.setdefaulttimeout(previous)
    try:
        yield _SmtpTransport(connection)
    finally:
        # Everything sent is already recorded; a goodbye that fails changes nothing.
        with suppress(smtplib.SMTPException, OSError):
            connection.__exit__(None, None, None)

"""Where outbox messages physically go: an SMTP server, or the log in development."""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email.utils import formataddr, make_msgid, parseaddr
from functools import lru_cache
from typing import Protocol
from urllib.parse import urlsplit

import flask_mail
from flask import current_app
from flask_mail import Message

from app.core.email_address import address_for_sending
from app.mail import mime
from app.mail.messages import QueuedMessage

log = logging.getLogger("app.mail")


class PermanentMailError(Exception):
    """This one message cannot be sent: the server refused it for good (a bad address, say),
    or it could not be built or handed over at all."""


class RecipientRefused(PermanentMailError):
    """The server refused this message's recipient for good (5xx): the address itself is
    bad, so subscription mail to it stops (app.mail.suppression)."""


class RefusedForNow(Exception):
    """The server refused this message for now (4xx to its recipient or to its data:
    greylisting, a full mailbox, a message it will not take yet): this message waits and is
    tried again; the rest of the batch goes on."""


# What says nothing about the message itself: the server or the network. Anything else raised
# while sending a message is that message's own failure.
TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)

# "Service not available, closing the channel": the server going away, at whatever step.
_CLOSING = 421


class Transport(Protocol):
    def send(self, message: QueuedMessage) -> None: ...


class _Message(Message):
    """Flask-Mail's message, written under app.mail.mime's policy (why: see there)."""

    def _message(self):
        mail = super()._message()
        mail.policy = mime.POLICY
        mail.replace_header("From", mime.from_header(self.sender, self.charset or "utf-8"))
        return mail


def _as_mail(message: QueuedMessage) -> Message:
    platform = current_app.config["MAIL_DEFAULT_SENDER"]
    mail_message = _Message(
        subject=message.subject,
        recipients=[address_for_sending(message.recipient)],
        body=message.body_text,
        html=message.body_html,
        sender=_sender(platform, message.sender_name),
        reply_to=address_for_sending(message.reply_to) if message.reply_to else None,
        extra_headers=dict(message.headers) or None,
    )
    # Flask-Mail names the message after this machine (socket.getfqdn(): "localhost" on many
    # servers), which spam filters hold against it: name it after the site instead.
    mail_message.msgId = make_msgid(domain=_site_domain(platform))
    for attachment in message.attachments:
        mail_message.attach(attachment.filename, attachment.content_type, attachment.data)
    return mail_message


@lru_cache(maxsize=256)
def _sender(platform: str, name: str | None) -> str:
    """The platform's address, under the petition organizer's name when the message has one
    (a name on one line: Flask-Mail refuses a header with a line break in it)."""
    if not name:
        return platform
    return formataddr((" ".join(name.split()), parseaddr(platform)[1]))


def _site_domain(platform: str) -> str:
    """The site's own domain, from BASE_URL (else the platform address's)."""
    return (
        urlsplit(current_app.config.get("BASE_URL") or "").hostname
        or parseaddr(platform)[1].rpartition("@")[2]
        or "localhost"
    )


class _TimedConnection(flask_mail.Connection):
    """Flask-Mail's connection with a timeout on its own socket. Flask-Mail gives none (a
    server that stops answering would hang the sender for ever), and the process-wide default
    would reach every socket of every thread."""

    def __init__(self, state, timeout: float) -> None:
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        # As Flask-Mail's own, but with the timeout.
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class _SmtpTransport:
    def __init__(self, connection: _TimedConnection) -> None:
        self._connection = connection
        self._reconnect = False

    def send(self, message: QueuedMessage) -> None:
        try:
            mail_message = _as_mail(message)
        except Exception as error:
            raise PermanentMailError(_describe(error)) from error
        if self._reconnect:
            self._open_again()
        try:
            self._deliver(mail_message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            answers = "; ".join(_answer(code, text) for code, text in error.recipients.values())
            if _CLOSING in codes:
                raise
            if codes and all(400 <= code < 500 for code in codes):
                raise RefusedForNow(f"the server refused the address for now: {answers}") from error
            raise RecipientRefused(f"the server refused the address: {answers}") from error
        except smtplib.SMTPResponseException as error:
            code = error.smtp_code
            if isinstance(error, smtplib.SMTPSenderRefused) or code == _CLOSING:
                raise  # our sender address, or the server closing: not this message's doing
            answer = _answer(code, error.smtp_error)
            if 500 <= code < 600:
                raise PermanentMailError(f"the server refused the message: {answer}") from error
            if 400 <= code < 500 and isinstance(error, smtplib.SMTPDataError):
                # After the recipient was taken: this message, not the server, must wait.
                raise RefusedForNow(f"the server refused the message for now: {answer}") from error
            raise
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            # Something in this message (a header Flask-Mail refuses, a character smtplib
            # cannot encode), maybe halfway through a transaction: start the next afresh.
            self._reset()
            raise PermanentMailError(_describe(error)) from error

    def _deliver(self, mail_message: Message) -> None:
        """What Flask-Mail's `Connection.send` does, with the message's bytes written by
        app.mail.mime (the same bytes, faster) when it applies."""
        if not mime.fast_path_applies(mail_message) or self._connection.host is None:
            self._connection.send(mail_message)
            return
        if mail_message.has_bad_headers():
            raise flask_mail.BadHeaderError
        if mail_message.date is None:
            mail_message.date = time.time()
        self._connection.host.sendmail(
            mime.sanitized_address(mail_message.sender),
            [mime.sanitized_address(address) for address in mail_message.send_to],
            mime.message_bytes(mail_message),
            mail_message.mail_options,
            mail_message.rcpt_options,
        )

    def _reset(self) -> None:
        try:
            if self._connection.host is not None:
                self._connection.host.rset()
        except TRANSIENT_ERRORS:
            self._reconnect = True

    def _open_again(self) -> None:
        if self._connection.host is not None:
            with suppress(*TRANSIENT_ERRORS):
                self._connection.host.close()
        self._connection.host = self._connection.configure_host()
        self._reconnect = False


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _answer(code: int, text: bytes | str) -> str:
    """A server's answer as it said it, on one line: "451 4.3.0 try again later"."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


class _LogTransport:
    def send(self, message: QueuedMessage) -> None:
        attached = "".join(
            f"\n[attached: {a.filename}, {len(a.data):,} bytes]" for a in message.attachments
        )
        headers = "".join(f"\n{name}: {value}" for name, value in message.headers)
        if message.reply_to:
            headers += f"\nReply-To: {message.reply_to}"
        log.info(
            "Email (not sent: no MAIL_SERVER)\nFrom: %s\nTo: %s\nSubject: %s%s\n\n%s%s",
            _sender(current_app.config["MAIL_DEFAULT_SENDER"], message.sender_name),
            message.recipient,
            message.subject,
            headers,
            message.body_text,
            attached,
        )


@contextmanager
def open_transport() -> Iterator[Transport]:
    """One connection for a whole batch; errors connecting or sending propagate."""
    if current_app.config["MAIL_TO_LOG"]:
        yield _LogTransport()
        return
    state = current_app.extensions["mail"]
    connection = _TimedConnection(state, current_app.config["MAIL_TIMEOUT_SECONDS"])
    connection.__enter__()
    try:
        yield _SmtpTransport(connection)
    finally:
        # Everything sent is already recorded; a goodbye that fails changes nothing.
        with suppress(*TRANSIENT_ERRORS):
            # Flask-Mail's hints say its __exit__ is never given None; Python gives it None.
            connection.__exit__(None, None, None)  # type: ignore[arg-type]

"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests to read."""

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    # aiosmtpd's readiness check cannot use port 0: find a free one first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.sink.refused:
            # Quoting the address, as Postfix does.
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        if address.lower() in self.sink.greylisted:
            return "450 4.2.0 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(address.lower() in self.sink.deferred_at_data for address in envelope.rcpt_tos):
            return "451 4.3.0 message deferred, try again later"
        if any(address.lower() in self.sink.closing_at_data for address in envelope.rcpt_tos):
            return "421 4.3.2 service shutting down"
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 Message accepted"


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.refused: set[str] = set()  # answered 550: refused for good
        self.greylisted: set[str] = set()  # answered 450: try again later
        # Their messages answered 451 at DATA, after the recipient was taken: this message,
        # not the address, is refused for now.
        self.deferred_at_data: set[str] = set()
        # Their messages answered 421 at DATA: the server is closing, every message waits.
        self.closing_at_data: set[str] = set()
        self.delay = 0.0  # seconds each message takes to be accepted
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
        self.refused.clear()
        self.greylisted.clear()
        self.deferred_at_data.clear()
        self.closing_at_data.clear()
        self.delay = 0.0

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in m["To"].lower()]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} emails, got {len(self.messages)}")


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()

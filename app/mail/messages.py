"""The shapes of a message on its way out, shared by the queue, the sender and the transport.

Two kinds of mail leave here. Transactional mail answers something the person just did
(confirm your signature, you already signed, a letter to an official): it carries no list
headers, and nobody unsubscribes from it. Subscription mail (updates to signers) is sent to
many people who asked for it: it carries `ListHeaders`, so mail programs show an unsubscribe
button and providers such as Gmail and Yahoo accept it from a bulk sender.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ListHeaders:
    """What makes a message subscription mail: RFC 2369 `List-Unsubscribe` (our https URL),
    RFC 8058 one-click (`List-Unsubscribe-Post`: a POST to that URL unsubscribes at once,
    with no cookie and no form), and RFC 2919 `List-Id` naming the list."""

    unsubscribe_url: str
    list_id: str

    def as_headers(self) -> dict[str, str]:
        return {
            "List-Unsubscribe": f"<{self.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<{self.list_id}>",
        }


@dataclass(frozen=True)
class OutgoingEmail:
    """A message to queue: many at once (app.mail.queue.enqueue_emails) for subscription mail."""

    purpose: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None = None
    signature_id: int | None = None
    update_id: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    sender_name: str | None = None  # on the From line, before the platform's address
    reply_to: str | None = None


@dataclass(frozen=True)
class QueuedMessage:
    """A claimed message, copied out of the database: sending a batch commits after each
    message, and ORM objects would be reloaded after every commit."""

    id: int
    claim_token: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    signature_id: int | None
    attempts: int
    attachments: tuple[Attachment, ...] = ()
    # Subscription mail only: the update it belongs to, and its list headers.
    update_id: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    purpose: str = ""
    queued_at: datetime | None = None
    sender_name: str | None = None  # on the From line, before the platform's address
    reply_to: str | None = None

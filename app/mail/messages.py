"""The shapes of a message on its way out, shared by the queue, the sender and the transport."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


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

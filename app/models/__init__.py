from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.petition import Petition, Target
from app.models.signature import Channel, NameDisplay, Signature, SignatureStatus

__all__ = [
    "Channel",
    "NameDisplay",
    "OutboxMessage",
    "OutboxStatus",
    "Petition",
    "Signature",
    "SignatureStatus",
    "Target",
]

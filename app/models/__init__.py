from app.models.api_token import ApiToken
from app.models.audit import PetitionChange, SignatureExport
from app.models.delivery import Delivery, DeliveryKind
from app.models.event import DeliveryStatus, Event, EventDelivery, EventKind
from app.models.generated_file import GeneratedFile, GeneratedFileChunk
from app.models.integrity import CountCheck, Hold, HoldKind, IntegrityAlert, Invalidation
from app.models.job import Job, JobStatus
from app.models.milestone import PetitionMilestone
from app.models.organizer import Organizer
from app.models.outbox import OutboxAttachment, OutboxMessage, OutboxStatus
from app.models.petition import (
    FormerSlug,
    Outcome,
    Petition,
    PetitionMember,
    PetitionTranslation,
    ReportFrequency,
    Target,
    TargetTranslation,
)
from app.models.response import TargetResponse
from app.models.signature import Channel, NameDisplay, Signature, SignatureStatus
from app.models.update import Suppression, SuppressionReason, Update, UpdateTranslation
from app.models.webhook import WebhookEndpoint
from app.models.worker_heartbeat import WorkerHeartbeat

__all__ = [
    "ApiToken",
    "Channel",
    "CountCheck",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Event",
    "EventDelivery",
    "EventKind",
    "FormerSlug",
    "GeneratedFile",
    "GeneratedFileChunk",
    "Hold",
    "HoldKind",
    "IntegrityAlert",
    "Invalidation",
    "Job",
    "JobStatus",
    "NameDisplay",
    "Organizer",
    "OutboxAttachment",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "Petition",
    "PetitionChange",
    "PetitionMember",
    "PetitionMilestone",
    "PetitionTranslation",
    "ReportFrequency",
    "Signature",
    "SignatureExport",
    "SignatureStatus",
    "Suppression",
    "SuppressionReason",
    "Target",
    "TargetResponse",
    "TargetTranslation",
    "Update",
    "UpdateTranslation",
    "WebhookEndpoint",
    "WorkerHeartbeat",
]

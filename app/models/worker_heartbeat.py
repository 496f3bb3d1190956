"""The worker's heartbeat: a row per worker process (`flask outbox send`), its last_seen_at
moved forward every few seconds by its jobs loop (app.cli.schedule). /readyz and /metrics read
the newest one; rows of workers long gone are deleted by the schedule too."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime


class WorkerHeartbeat(Model):
    __tablename__ = "worker_heartbeat"

    # The process, without its host's name: its pid and a random part ("12345-9f2c01ab"),
    # so two machines' workers with the same pid are two rows.
    id: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now, index=True)

    def __repr__(self) -> str:
        return f"<WorkerHeartbeat {self.id} {self.last_seen_at}>"

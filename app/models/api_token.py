"""Tokens that let another tool (a CRM, a partner's site) use the OSDI API for an organizer."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime

if TYPE_CHECKING:
    from app.models.organizer import Organizer


class ApiToken(Model):
    """One token: it acts for its organizer, on the petitions they manage, within its scopes.

    Only the SHA-256 of the secret is kept; the secret is shown once, when it is made. Every
    token reads petitions and counts; the other scopes are granted one by one."""

    __tablename__ = "api_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organizer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizer.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # The secret's first characters, so its owner can tell tokens apart in the list.
    hint: so.Mapped[str] = so.mapped_column(sa.String(8))
    # Signers' names, email and postal addresses, ZIP codes and comments.
    can_read_personal_data: so.Mapped[bool] = so.mapped_column(default=False)
    # Recording signatures (record_signature_helper); they stay pending until confirmed.
    can_write: so.Mapped[bool] = so.mapped_column(default=False)
    # Signatures it records count at once, without our confirmation email: the partner
    # confirmed the signers itself. Granted knowingly, and only with `can_write`.
    can_import_confirmed: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    organizer: so.Mapped["Organizer"] = so.relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def scopes(self) -> list[str]:
        names = ["read"]
        if self.can_read_personal_data:
            names.append("personal_data")
        if self.can_write:
            names.append("write")
        if self.can_import_confirmed:
            names.append("import_confirmed")
        return names

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r}>"

"""People who run campaigns: they log in to the organizer side."""

from datetime import datetime
from functools import cache

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.clock import now
from app.extensions import Model
from app.models.types import UTCDateTime


@cache
def _no_account_hash() -> str:
    """Checked when no account matches, so a wrong address costs as long as a wrong
    password. Made on first use: scrypt takes a moment every process would pay at start."""
    return generate_password_hash("no account has this password")


class Organizer(UserMixin, Model):
    __tablename__ = "organizer"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    # None until an invited organizer chooses a password.
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    is_admin: so.Mapped[bool] = so.mapped_column(default=False)
    # A disabled organizer cannot log in, and is logged out at the next request.
    is_enabled: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    invited_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organizer.id", ondelete="SET NULL")
    )
    # Part of every session's id: raising it ends every session opened before.
    session_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt, a current memory-hard algorithm.
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            # As slow as a real check, so an invited address without a password yet looks
            # like any other.
            Organizer.spend_a_password_check(password)
            return False
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def spend_a_password_check(password: str) -> None:
        check_password_hash(_no_account_hash(), password)

    def end_sessions(self) -> None:
        """Every session opened so far stops working (logging out, disabling, a new password)."""
        if self.session_version is not None:  # None: not saved yet, so no session to end
            self.session_version += 1

    def get_id(self) -> str:  # Flask-Login: what the session remembers
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.is_enabled and self.password_hash is not None

    def __repr__(self) -> str:
        return f"<Organizer {self.email}>"

"""People who run campaigns: they log in to the organizer side."""

from datetime import datetime
from functools import cache

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import now
from app.extensions import db
from app.models.types import UTCDateTime


@cache
def _no_account_hash() -> str:
    """Checked when no account matches, so a wrong address costs as long as a wrong
    password. Made on first use: scrypt takes a moment every process would pay at start."""
    return generate_password_hash("no account has this password")


class Organizer(UserMixin, db.Model):
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

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt, a current memory-hard algorithm.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def spend_a_password_check(password: str) -> None:
        check_password_hash(_no_account_hash(), password)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.is_enabled and self.password_hash is not None

    def __repr__(self) -> str:
        return f"<Organizer {self.email}>"

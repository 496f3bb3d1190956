"""Column types shared by the models."""

import enum
from datetime import datetime

import sqlalchemy as sa

from app.core.clock import as_utc


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime on every database.

    PostgreSQL keeps the offset (timestamptz); SQLite keeps naive text, so values are
    normalised to UTC on the way in and marked UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use app.core.clock")
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def string_enum(kind: type[enum.StrEnum], length: int = 16) -> sa.Enum:
    """An enum stored as plain text (no native ENUM type), so a new value needs no migration."""
    return sa.Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )

"""Column types that behave the same on SQLite and PostgreSQL: aware UTC datetimes and JSON documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC and always read back aware (tzinfo=UTC).

    PostgreSQL keeps the instant in `timestamptz`; SQLite has no time zones, so the value is stored
    as naive UTC text (fixed width, so text order is time order) and UTC is attached on the way out.
    Naive datetimes are refused: their meaning depends on the writer's clock.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """`value` converted to UTC; a naive datetime is refused (its meaning depends on the writer's clock)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} given to a UTC column: "
            "pass an aware datetime (e.g. datetime.now(UTC) or dt.replace(tzinfo=UTC))"
        )
    return value.astimezone(UTC)


def json_document() -> TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL (indexable, compact); Python None is SQL NULL, not JSON null."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def big_id() -> TypeEngine[int]:
    """A 64-bit surrogate key; INTEGER on SQLite so the column is the auto-incrementing rowid."""
    return BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)

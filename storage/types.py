"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime, stored in UTC and read back aware in UTC on every backend.

    Naive datetimes are refused: a wall-clock time without a zone is a bug upstream.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused; pass a timezone-aware value")
        value = value.astimezone(dt.UTC)
        # SQLite has no zone-aware type: keep the UTC wall time (its text sorts correctly).
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def json_list() -> TypeEngine[Any]:
    """A JSON list; JSONB on PostgreSQL, whose plain ``json`` has no equality operator."""
    return JSON().with_variant(JSONB(), "postgresql")


def byte_ordered_text() -> TypeEngine[str]:
    """Text compared byte by byte on both backends, so prefix ranges can use its index.

    SQLite's default BINARY collation already does; PostgreSQL needs ``COLLATE "C"``.
    """
    return String().with_variant(String(collation="C"), "postgresql")

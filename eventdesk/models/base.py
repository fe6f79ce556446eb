"""The models' ground: the states and kinds as Literal types, the naming convention, times kept in
UTC (``UTCDateTime``), the declarative ``Base``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import (
    DateTime,
    Dialect,
    Index,
    MetaData,
    String,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase

# The states and kinds the services hand to the screens and the JSON. Literal types, so that a
# misspelt state anywhere is a type error (the columns stay plain strings).
TicketStatus = Literal["registered", "waitlisted", "cancelled"]
PaymentKind = Literal["payment", "refund"]
PaymentMethod = Literal["cash", "card", "comp", "invoice"]
PaymentStatus = Literal["completed", "pending", "void"]
JobState = Literal["queued", "printing", "done", "failed"]
# An import writes in short transactions: "staging" (its tickets not admitted yet; undone if it
# stops), "done" (admitted, all together), "undoing", "undone" (see services.data.import_runs).
ImportState = Literal["staging", "done", "undoing", "undone"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Search tokens are compared by prefix ranges: byte order on both databases.
BinaryText = String(200).with_variant(String(200, collation="C"), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware times")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    # On SQLite each of the two steps in one function: SQLAlchemy's DATETIME text
    # (``2030-01-01 10:00:00.000000``) written straight from the UTC time, and read straight
    # into one. The same values as process_*_value with DATETIME's own processors, at a
    # fraction of the calls (every scan and every imported row writes several).
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; use UTC-aware times")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        parse = dialect.type_descriptor(self.impl_instance).result_processor(dialect, coltype)
        if dialect.name != "sqlite" or parse is None:
            return super().result_processor(dialect, coltype)
        read = cast(Callable[[Any], datetime], parse)

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            moment = read(value)
            if moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def imported(table: str) -> Index:
    """The rows of an import, found again when it is undone (NULL, the rest, are left out)."""
    where = text("import_run_id IS NOT NULL")
    return Index(
        f"ix_{table}_import_run", "import_run_id", sqlite_where=where, postgresql_where=where
    )

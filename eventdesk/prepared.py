"""Statements compiled once and run straight on the driver's cursor: the door's hot path.

A check-in is three short statements in one transaction. SQLAlchemy's per-call work around each
(events, the compiled-statement cache, result metadata) cost about 85 microseconds apiece,
where SQLite's own work for the same statement takes about 15: together more than the signature
check and the durable commit. A ``Prepared`` statement is a Core statement compiled once per
dialect; each call binds its parameters through the same column types' processors and reads
its rows through the same result processors, so what it writes and reads is exactly what
``Connection.execute`` would. It runs inside the caller's transaction (a ``Connection`` from
``Store.write_conn``), and a driver error comes out as SQLAlchemy's own exception, with a
connection the server dropped invalidated, as ``Connection.execute`` would do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, Insert
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.schema import ScalarElementColumnDefault

Processor = Callable[[Any], Any] | None
_EACH = 16  # rows ``each`` reads from the driver at a time


@dataclass(frozen=True)
class _Compiled:
    compiled: SQLCompiler
    defaults: dict[str, Any]  # an INSERT's column defaults, for the values a call leaves out
    order: tuple[str, ...] | None  # parameter names in position order; None: named style
    binds: Mapping[str, Processor]
    columns: tuple[str, ...]  # the result's keys
    results: tuple[Processor, ...]

    def row(self, values: Sequence[Any]) -> dict[str, Any]:
        """A driver's row as a dict of the result's keys, each value through its processor."""
        return {
            key: (process(value) if process is not None else value)
            for key, process, value in zip(self.columns, self.results, values, strict=True)
        }


class Prepared:
    def __init__(self, statement: ClauseElement, *, column_keys: Sequence[str] = ()) -> None:
        """``column_keys``: for an INSERT, the columns each call gives values for."""
        self.statement = statement
        self.column_keys = list(column_keys) or None
        self._by_dialect: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is not None:
            return found
        compiled = cast(
            SQLCompiler, self.statement.compile(dialect=dialect, column_keys=self.column_keys)
        )
        binds = {  # the processors Connection.execute uses
            name: bind.type._cached_bind_processor(dialect) for name, bind in compiled.binds.items()
        }
        # A SELECT's columns, or what an INSERT ... RETURNING returns.
        shown = list(getattr(self.statement, "exported_columns", ()))
        defaults: dict[str, Any] = {}
        if isinstance(self.statement, Insert):
            for column in self.statement.table.columns:
                default = column.default
                if default is None or column.key in (self.column_keys or ()):
                    continue
                if not isinstance(default, ScalarElementColumnDefault):
                    raise TypeError(f"{column} has a default a prepared INSERT cannot give")
                defaults[column.key] = default.arg
        made = _Compiled(
            compiled=compiled,
            defaults=defaults,
            order=tuple(compiled.positiontup) if compiled.positiontup is not None else None,
            binds=binds,
            columns=tuple(str(column.key) for column in shown),
            results=tuple(column.type._cached_result_processor(dialect, None) for column in shown),
        )
        self._by_dialect[dialect.name] = made
        return made

    def _run(self, conn: Connection, params: dict[str, Any]) -> tuple[Any, _Compiled]:
        dialect = conn.dialect
        made = self._compile(dialect)
        values = dict(made.compiled.construct_params({**made.defaults, **params}) or {})
        for name, value in values.items():
            process = made.binds.get(name)
            if process is not None:
                values[name] = process(value)
        bound: Any = values if made.order is None else tuple(values[name] for name in made.order)
        sql = made.compiled.string
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute(sql, bound)
        except dialect.loaded_dbapi.Error as exc:
            gone = dialect.is_disconnect(exc, raw, cursor)
            cursor.close()
            if gone:
                conn.invalidate(exc)
            raise DBAPIError.instance(
                sql,
                bound,
                exc,
                dialect.loaded_dbapi.Error,
                connection_invalidated=gone,
                dialect=dialect,
            ) from exc
        return cursor, made

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every row, each as a dict of the statement's column keys."""
        cursor, made = self._run(conn, params)
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        return [made.row(row) for row in fetched]

    def each(self, conn: Connection, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The rows one by one, as ``rows`` gives them, read as they are asked for: a caller
        that stops early leaves the rest unread (SQLite does not even look for them)."""
        cursor, made = self._run(conn, params)
        try:
            while batch := cursor.fetchmany(_EACH):
                for row in batch:
                    yield made.row(row)
        finally:
            cursor.close()

    def first(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any] | None:
        found = self.rows(conn, params)
        return found[0] if found else None

    def rowcount(self, conn: Connection, params: dict[str, Any]) -> int:
        """Rows an UPDATE or DELETE changed."""
        cursor, _made = self._run(conn, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

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

from eventdesk.readonly import OPENED_FILE, is_readonly

Processor = Callable[[Any], Any] | None
_EACH = 16  # rows ``each`` reads from the driver at a time


@dataclass(frozen=True)
class _Compiled:
    compiled: SQLCompiler
    order: tuple[str, ...] | None  # parameter names in position order; None: named style
    columns: tuple[str, ...]  # the result's keys
    results: tuple[Processor, ...]
    # The values the statement holds itself (``status == 'registered'``), with an INSERT's
    # defaults: a call adds its own to a copy, as construct_params would.
    fixed: dict[str, Any]
    # Each parameter's name, in position order or, named style, once each; and where one has
    # a processor, its place and processor.
    names: tuple[str, ...]
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]

    def bound(self, params: Mapping[str, Any]) -> Any:
        """The driver's parameters for a call: a tuple in position order, or a dict."""
        values = {**self.fixed, **params} if self.fixed else params
        try:
            found = [values[name] for name in self.names]
        except KeyError:  # a value not given: SQLAlchemy's own error says which
            self.compiled.construct_params(dict(params))
            raise
        for at, process in self.processed:
            found[at] = process(found[at])
        return tuple(found) if self.order is not None else dict(zip(self.names, found, strict=True))

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
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
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
        order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        fixed = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if not bind.required and bind.callable is None
        }
        # Named style: the names the SQL holds (binds also keys anonymous ones twice).
        names = tuple(order or dict.fromkeys(compiled.bind_names.values()))
        made = _Compiled(
            compiled=compiled,
            order=order,
            columns=tuple(str(column.key) for column in shown),
            results=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in shown
            ),
            fixed={**fixed, **defaults},
            names=names,
            processed=tuple(
                (at, process)
                for at, name in enumerate(names)
                if (process := binds.get(name)) is not None
            ),
        )
        self._by_dialect[dialect.name] = made
        return made

    def _run(self, conn: Connection, params: dict[str, Any]) -> tuple[Any, _Compiled]:
        made = self._compile(conn.dialect)
        return self._call(conn, made, made.bound(params), many=False), made

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """The statement once for each of ``rows`` (an INSERT of many rows, an UPDATE of
        each), in one call to the driver's executemany: the rows changed in all."""
        if not rows:
            return 0
        made = self._compile(conn.dialect)
        cursor = self._call(conn, made, [made.bound(row) for row in rows], many=True)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _call(self, conn: Connection, made: _Compiled, bound: Any, *, many: bool) -> Any:
        dialect = conn.dialect
        sql = made.compiled.string
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            if many:
                cursor.executemany(sql, bound)
            else:
                cursor.execute(sql, bound)
        except dialect.loaded_dbapi.Error as exc:
            # A connection that cannot write (opened while its file was read-only) is dropped
            # as a lost one is: the next try opens the file again.
            gone = dialect.is_disconnect(exc, raw, cursor) or is_readonly(exc)
            if gone and is_readonly(exc):
                exc.eventdesk_file = (conn.info.get(OPENED_FILE) or (None,))[0]  # type: ignore[attr-defined]
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
        return cursor

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

"""The connections a process holds to its PostgreSQL server, by the thread that holds each, so
that a wait on the server can be bounded from outside the thread that waits.

A thread blocked on a socket whose link died half-open (nothing comes back, nothing is refused)
waits as long as the kernel lets it: minutes behind a link that holds every byte. ``cut`` shuts
such a connection's socket down from another thread (the socket, not the connection: libpq's
memory is left to the thread that owns it), which wakes the waiting thread at once with the
driver's "server closed the connection" error; SQLAlchemy then drops that connection, and the
thread's work fails as any outage does, freeing whatever it held (docs/architecture.md,
"Stations and the offline mirror": the link).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

_FRESH = "eventdesk_fresh"  # a record's info: connected and never checked out yet


@dataclass
class _Held:
    thread: int  # threading.get_ident() of the thread that checked it out
    since: float  # time.monotonic() when it was checked out
    dbapi: Any  # the driver's connection (psycopg's)


class HeldConnections:
    """Which thread holds which of an engine's connections now (checked out of its pool).

    It also pings a connection taken from the pool before it is handed out (SQLAlchemy's
    ``pool_pre_ping``, which the engine then must not do itself): the ping runs once the
    connection is known held, so that a ping waiting on a dead link can be cut too."""

    def __init__(self, engine: Engine, *, ping: bool = True) -> None:
        self._held: dict[int, _Held] = {}  # by id() of the pool's record
        self._lock = threading.Lock()
        self._engine = engine
        self._ping = ping
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "checkout", self._checked_out)
        event.listen(engine, "checkin", self._checked_in)

    def _connected(self, _dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info[_FRESH] = True

    def _checked_out(
        self, dbapi: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        with self._lock:
            self._held[id(record)] = _Held(threading.get_ident(), time.monotonic(), dbapi)
        fresh = record.info.pop(_FRESH, False)
        if not self._ping or fresh:
            return
        driver = self._engine.dialect.loaded_dbapi
        try:
            alive = self._engine.dialect.do_ping(dbapi)
        except (driver.OperationalError, driver.InterfaceError):
            alive = False  # its link is gone (a connection dropped, cut or reset)
        except BaseException:
            self._checked_in(dbapi, record)
            raise
        if not alive:  # gone with its server: the pool tries another (and drops the older)
            self._checked_in(dbapi, record)
            raise InvalidatePoolError()

    def _checked_in(self, _dbapi: Any, record: ConnectionPoolEntry) -> None:
        with self._lock:
            self._held.pop(id(record), None)

    def held_by(self, threads: Iterable[int], *, before: float | None = None) -> list[Any]:
        """The driver's connections ``threads`` hold (checked out before ``before``, a
        time.monotonic(), when given)."""
        wanted = set(threads)
        with self._lock:
            return [
                held.dbapi
                for held in self._held.values()
                if held.thread in wanted and (before is None or held.since < before)
            ]

    def backends(self, threads: Iterable[int]) -> list[int]:
        """The server's process ids of the connections ``threads`` hold (what they wait on
        can be asked of the server from another connection)."""
        found = []
        for dbapi in self.held_by(threads):
            try:
                found.append(int(dbapi.info.backend_pid))
            except Exception:  # closed, or not a psycopg connection
                continue
        return [pid for pid in found if pid]

    def cut(self, threads: Iterable[int], *, before: float | None = None) -> int:
        """Shut down the sockets of the connections ``threads`` hold (those checked out before
        ``before``): each thread waiting on one wakes with an error. How many were cut."""
        cut = 0
        for dbapi in self.held_by(threads, before=before):
            cut += shut_down(dbapi)
        return cut


def shut_down(dbapi: Any) -> int:
    """Shut a psycopg connection's socket down (1), or nothing when it has none open (0)."""
    try:
        descriptor = int(dbapi.pgconn.socket)
    except Exception:  # closed already, or not a psycopg connection: nothing to wake
        return 0
    try:
        copy = socket.socket(fileno=os.dup(descriptor))
    except OSError:
        return 0
    with suppress(OSError), copy:
        copy.shutdown(socket.SHUT_RDWR)  # the socket itself, shared with the original
        return 1
    return 0

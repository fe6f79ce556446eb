"""Who writes an import run: a lock the writing process holds for as long as it writes the run,
which the server (PostgreSQL: a session's advisory lock) or the operating system (SQLite: a lock
on a file beside the database) lets go of when that process dies: a kill, a crash, a power cut.

An import started while another run of its event is open can so tell, at once, a run left
half-way (its lock is free: undone now, every one of its rows, before this import reads who is
registered) from one still being written elsewhere (its lock is held: waited for). Without the
lock it could only wait for the run's heartbeat to go stale (``import_runs.STALE_RUN``), and an
import run meanwhile counted the dead run's people as registered and skipped them, who were
then deleted with the run.

The run's row and its lock are made in one transaction: no other process sees the run before
its lock is held.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.import_liveness import (
    LOCK_CLASS,
    advisory_lock_free,
    file_lock_free,
    lock_file,
)
from eventdesk.models import ImportRun

try:  # POSIX; elsewhere a run's liveness is its heartbeat alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _lock_file(store: Store, run_id: int) -> Path | None:
    """The file an SQLite run's writer locks (None: a database in memory)."""
    return lock_file(store.url, run_id)


class RunOwner:
    """The lock of one run, held by the process writing it until ``close``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.run_id: int | None = None
        self._conn: Connection | None = None  # PostgreSQL: the session holding the lock
        self._file: IO[bytes] | None = None  # SQLite: the locked file

    def open_run(self, **values: Any) -> int:
        """Make the run (an ImportRun with ``values``) and take its lock, in one transaction."""
        if self.store.is_sqlite:
            with self.store.write() as session:
                run_id = _insert(session, values)
                self._lock_sqlite(run_id)
        else:
            self._conn = self.store.engine.connect()
            with Session(bind=self._conn) as session:
                run_id = _insert(session, values)
                session.execute(
                    text("SELECT pg_advisory_lock(:c, :r)"), {"c": LOCK_CLASS, "r": run_id}
                )
                session.commit()
        self.run_id = run_id
        return run_id

    def _lock_sqlite(self, run_id: int) -> None:
        path = _lock_file(self.store, run_id)
        if path is None or fcntl is None:
            return
        handle = path.open("wb")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._file = handle

    def close(self) -> None:
        """The run is done or undone: its lock goes (and an SQLite run's file with it)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):  # a server gone meanwhile let go of it already
                conn.execute(
                    text("SELECT pg_advisory_unlock(:c, :r)"), {"c": LOCK_CLASS, "r": self.run_id}
                )
                conn.commit()
            with contextlib.suppress(Exception):
                conn.close()
        if self._file is not None:
            handle, self._file = self._file, None
            with contextlib.suppress(OSError):
                os.unlink(handle.name)
            handle.close()


def _insert(session: Session, values: dict[str, Any]) -> int:
    run = ImportRun(**values)
    session.add(run)
    session.flush()
    return int(run.id)


def owner_gone(store: Store, run_id: int) -> bool:
    """The process that wrote ``run_id`` holds its lock no more: it died (False as well when
    this cannot be told: a run in memory, or of a build before these locks; its heartbeat
    tells then)."""
    if store.is_sqlite:
        return file_lock_free(_lock_file(store, run_id))
    with Session(store.engine) as session:
        gone = advisory_lock_free(session, run_id)
        session.commit()
    return gone


def forget(store: Store, run_id: int) -> None:
    """An SQLite run undone by another process: its lock file goes too."""
    path = _lock_file(store, run_id) if store.is_sqlite else None
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()

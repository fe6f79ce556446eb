"""An import's life: written in short transactions, all or nothing for the person importing.

A door never waits on an import: an import of 100,000 rows as one transaction held SQLite's
only write lock for seconds, and every check-in queued behind it. So an import writes its rows
a batch at a time, each batch its own short transaction (sized to hold the lock about
HOLD_SECONDS), and marks every row it writes with its run (``import_run_id``). While the run is
"staging" its tickets are not admitted. Once every row is in, one small write marks the run
"done": all of its tickets count from that moment, together. A failure or a refusal half-way
(sold out without a waitlist), or a process that stopped, undoes it instead: its rows are
deleted, again in short transactions, and the counters recounted, so nothing of it stays.

Also here: the rows go in many to a statement (insert_rows), and the tickets' ids come drawn
in rising order with their payloads signed in a process of their own (TicketIds).
"""

from __future__ import annotations

import functools
import importlib.machinery
import multiprocessing
import multiprocessing.connection
import os
import queue
import secrets
import sqlite3
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from itertools import chain
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Dialect, Table, delete, func, select, text, update
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import Conflict
from eventdesk.i18n import _, ngettext
from eventdesk.models import (
    Attendee,
    Event,
    ImportRun,
    ImportState,
    Order,
    SearchToken,
    Ticket,
    TicketType,
    TransactionLog,
)
from eventdesk.services.data.import_owner import RunOwner, forget, owner_gone
from eventdesk.services.door.printing import database_now
from eventdesk.text import ID_ALPHABET, new_id
from eventdesk.tickets import Signer, sign_many
from eventdesk.values import utcnow

# Rows of an import's first transaction. The next ones are sized from how long the last held
# the write lock, to about HOLD_SECONDS each, and grow at most twofold from one to the next.
CHUNK_ROWS = 200
MAX_ROWS = 5000
HOLD_SECONDS = 0.025
# A run in "staging" not touched for this long (by the database's clock) was left by a
# process that stopped: far longer than any one of its transactions takes.
STALE_RUN = timedelta(minutes=2)
BEAT_SECONDS = 5.0  # how often a run says it is alive
BREATH_SECONDS = 0.002  # between two of its transactions on SQLite
OPEN_STATES: tuple[ImportState, ...] = ("staging", "undoing")


def start(
    store: Store, event_id: int, source: str, rows: int, station: str | None
) -> tuple[int, RunOwner]:
    """A new run in "staging", and its lock (``services.data.import_owner``), held until the
    owner is closed: when the run is done or undone, or by the process's death."""
    owner = RunOwner(store)
    clock = utcnow()  # the row's times are set again from the database's clock below
    try:
        run_id = owner.open_run(
            event_id=event_id,
            state="staging",
            source=source[:500],
            rows=rows,
            station=station,
            started_at=clock,
            heartbeat_at=clock,
        )
        with store.write() as session:
            now = database_now(session)
            session.execute(
                update(ImportRun)
                .where(ImportRun.id == run_id)
                .values(started_at=now, heartbeat_at=now)
            )
    except BaseException:
        owner.close()
        raise
    return run_id, owner


def beat(session: Session, run_id: int) -> None:
    """Inside one of the run's transactions: it is alive."""
    session.execute(
        update(ImportRun).where(ImportRun.id == run_id).values(heartbeat_at=database_now(session))
    )


class _Pace:
    """How many rows the next transaction should write to hold the lock about HOLD_SECONDS:
    from how long the last one took for its rows, growing at most twofold at a time."""

    def __init__(self) -> None:
        self.rows = CHUNK_ROWS

    def took(self, rows: int, seconds: float) -> None:
        fitting = int(rows * HOLD_SECONDS / max(seconds, 1e-3))
        self.rows = max(CHUNK_ROWS, min(fitting, 2 * max(rows, self.rows), MAX_ROWS))


class Batches:
    """The run's short transactions, one after another, with a breath between two of them.
    ``rows`` is how many rows the next one should write to hold the lock about HOLD_SECONDS."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store, self.run_id = store, run_id
        self._last_beat = time.monotonic()
        self._pace = _Pace()

    @property
    def rows(self) -> int:
        return self._pace.rows

    @contextmanager
    def write(self, rows: int) -> Iterator[Session]:
        """A transaction that writes ``rows`` rows."""
        started = time.monotonic()
        with self.store.write() as session:
            if started - self._last_beat > BEAT_SECONDS:
                beat(session, self.run_id)
                self._last_beat = started
            yield session
        self._pace.took(rows, time.monotonic() - started)
        _breathe(self.store)


def _breathe(store: Store) -> None:
    """Between two of a run's transactions. A door asks for SQLite's write lock every
    millisecond (see eventdesk.db): this pause makes sure it gets it now, before the run's next
    transaction, not after it."""
    if store.is_sqlite:
        time.sleep(BREATH_SECONDS)


def _set_state(session: Session, run_id: int, state: ImportState) -> None:
    values: dict[str, object] = {"state": state, "heartbeat_at": database_now(session)}
    if state in ("done", "undone"):
        values["finished_at"] = values["heartbeat_at"]
    session.execute(update(ImportRun).where(ImportRun.id == run_id).values(**values))


def _in_chunks(store: Store, step: Callable[[Session, int], int]) -> None:
    """Run ``step`` (at most so many rows) in its own short transaction until it says it did
    nothing."""
    pace = _Pace()
    while True:
        started = time.monotonic()
        with store.write() as session:
            done = step(session, pace.rows)
        if done == 0:
            return
        pace.took(done, time.monotonic() - started)
        _breathe(store)


def finish(store: Store, run_id: int) -> None:
    """Every row is in: the run's tickets are admitted from this one write on. Only a run still
    staging: one another import took back meanwhile (it found its writer gone) stays undone."""
    with store.write() as session:
        now = database_now(session)
        done = session.execute(
            update(ImportRun)
            .where(ImportRun.id == run_id, ImportRun.state == "staging")
            .values(state="done", heartbeat_at=now, finished_at=now)
        )
        if getattr(done, "rowcount", 0) != 1:
            raise Conflict(
                _(
                    "this import was taken back meanwhile (another import found it stopped): "
                    "nothing imported, import it again"
                ),
                field="file",
            )


def undo(store: Store, run_id: int) -> bool:
    """Take every row of the run away again and recount what its tickets counted. False when
    there was nothing to undo: the run is done (it finished meanwhile: it stays) or undone."""
    with store.write() as session:
        # Locked: a run finishing at this moment is either done before this reads it, or
        # waits for this to mark it "undoing" and then finds it so.
        run = session.get(ImportRun, run_id, with_for_update=True)
        if run is None or run.state in ("done", "undone"):
            return False
        _set_state(session, run_id, "undoing")
        event_id = run.event_id

    def tickets(session: Session, most: int) -> int:
        rows = session.execute(
            select(Ticket.id, Ticket.attendee_id).where(Ticket.import_run_id == run_id).limit(most)
        ).all()
        ids = [ticket_id for ticket_id, _attendee in rows]
        if not ids:
            return 0
        session.execute(delete(TransactionLog).where(TransactionLog.ticket_id.in_(ids)))
        session.execute(delete(SearchToken).where(SearchToken.token.in_([t.lower() for t in ids])))
        session.execute(delete(Ticket).where(Ticket.id.in_(ids)))
        return len(ids)

    def orders(session: Session, most: int) -> int:
        ids = list(
            session.scalars(select(Order.id).where(Order.import_run_id == run_id).limit(most))
        )
        if not ids:
            return 0
        kept = set(session.scalars(select(Ticket.order_id).where(Ticket.order_id.in_(ids))))
        gone = [i for i in ids if i not in kept]
        if gone:
            session.execute(delete(Order).where(Order.id.in_(gone)))
        if kept:  # a desk put a ticket in it meanwhile: it stays, as an ordinary order
            session.execute(update(Order).where(Order.id.in_(kept)).values(import_run_id=None))
        return len(ids)

    def people(session: Session, most: int) -> int:
        ids = list(
            session.scalars(select(Attendee.id).where(Attendee.import_run_id == run_id).limit(most))
        )
        if not ids:
            return 0
        used = set(
            session.scalars(select(Ticket.attendee_id).where(Ticket.attendee_id.in_(ids)))
        ) | set(session.scalars(select(Order.buyer_id).where(Order.buyer_id.in_(ids))))
        gone = [i for i in ids if i not in used]
        if gone:  # their search words go with them (ON DELETE CASCADE, said here for SQLite)
            session.execute(delete(SearchToken).where(SearchToken.attendee_id.in_(gone)))
            session.execute(delete(Attendee).where(Attendee.id.in_(gone)))
        if used:  # registered at the desk meanwhile: the person stays
            session.execute(
                update(Attendee).where(Attendee.id.in_(used)).values(import_run_id=None)
            )
        return len(ids)

    for step in (tickets, orders, people):
        _in_chunks(store, step)
    with store.write() as session:
        recount(session, event_id)
        _set_state(session, run_id, "undone")
    return True


def recount(session: Session, event_id: int) -> None:
    """The event's and its ticket types' registered counters, from the tickets themselves."""
    session.execute(select(Event.id).where(Event.id == event_id).with_for_update())
    registered = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.event_id == event_id, Ticket.status == "registered")
    )
    session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(registered_count=registered.scalar_subquery())
    )
    of_type = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.ticket_type_id == TicketType.id, Ticket.status == "registered")
    )
    session.execute(
        update(TicketType)
        .where(TicketType.event_id == event_id)
        .values(registered_count=of_type.scalar_subquery())
    )


def recover(
    store: Store,
    event_id: int | None = None,
    *,
    say: Callable[[str], None] | None = None,
    poll: float = 0.5,
) -> list[str]:
    """Undo the runs a stopped process left half-way: at once when the process that wrote one
    is dead (its lock is free: ``services.data.import_owner``), else once its heartbeat is stale.
    Runs of ``event_id`` still being written elsewhere are waited for (said once each, through
    ``say``): an import reads who is registered only when no other run of its event is open,
    so it never skips people of a run that is then undone. What was undone is said, a line
    each."""
    notes: list[str] = []
    told: set[int] = set()
    while True:
        with store.read() as session:
            clock = database_now(session)
            left = session.execute(
                select(
                    ImportRun.id,
                    ImportRun.event_id,
                    ImportRun.state,
                    ImportRun.heartbeat_at,
                    ImportRun.rows,
                    ImportRun.station,
                ).where(ImportRun.state.in_(OPEN_STATES))
            ).all()
        waiting = False
        for run_id, run_event, state, heartbeat, rows, station in left:
            if state == "undoing" or heartbeat < clock - STALE_RUN or owner_gone(store, run_id):
                # (a run that finished since it was read here stays as it is: undo says so)
                if undo(store, run_id):
                    notes.append(_undone(rows))
                forget(store, run_id)
            elif run_event == event_id:
                waiting = True
                if run_id not in told and say is not None:
                    told.add(run_id)
                    where = (
                        _("at station {station}").format(station=station)
                        if station
                        else _("at another station")
                    )
                    say(
                        ngettext(
                            "an import of {count} rows into this event is running {where}: "
                            "waiting for it to end",
                            "an import of {count} rows into this event is running {where}: "
                            "waiting for it to end",
                            rows,
                        ).format(count=rows, where=where)
                    )
        if not waiting:
            return notes
        time.sleep(poll)  # another process's import: looked at again shortly


def undo_stopped(store: Store) -> list[str]:
    """Undo every run whose writing process is gone (killed, crashed: its lock is free; an
    undo of it cut off too), never one still being written or undone by its writer, and never
    waiting: what was undone, a line each. Run where its user looks next: an office command
    that reads people or counts (once it has answered), the app's start, ``eventdesk init``
    (and every import, by ``recover``); never at a door, which must not wait for thousands of
    rows to go (and whose login may not delete them)."""
    with store.read() as session:
        left = session.execute(
            select(ImportRun.id, ImportRun.rows).where(ImportRun.state.in_(OPEN_STATES))
        ).all()
    notes: list[str] = []
    for run_id, rows in left:
        if owner_gone(store, run_id):
            if undo(store, run_id):
                notes.append(_undone(rows))
            forget(store, run_id)
    return notes


def _undone(rows: int) -> str:
    return ngettext(
        "an earlier import of {count} rows had stopped half-way: undone",
        "an earlier import of {count} rows had stopped half-way: undone",
        rows,
    ).format(count=rows)


# --- inserting many rows ----------------------------------------------------------------------
def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new primary keys for ``table``, taken before a bulk insert (no RETURNING).

    SQLite: the write transaction holds the database's only write lock, so max(id)+1... are
    ours. PostgreSQL: drawn from the column's own sequence, which other stations also use.
    """
    return next_ids(session.connection(), table, count)


def next_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """SQLite: the ids the next rows of ``table`` would get (read now, checked again in the
    write). PostgreSQL: drawn from the table's sequence now."""
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        return list(
            connection.scalars(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))"
                    " FROM generate_series(1, :n)"
                ),
                {"n": count},
            )
        )
    start = int(connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(start + 1, start + count + 1))


def select_in(connection: Connection, head: str, values: Sequence[Any]) -> Iterator[Any]:
    """The rows of ``head`` (a SELECT ending in "... IN") for these values, a few thousand a
    statement (plain SQL: this runs for every row of a file)."""
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    for start in range(0, len(values), 5000):
        part = tuple(values[start : start + 5000])
        yield from connection.exec_driver_sql(f"{head} ({', '.join([mark] * len(part))})", part)


def driver_value(connection: Connection, column: Any, value: Any) -> Any:
    """A value as the driver takes it for a column (what its type's bind processor makes of
    it): worked out once for a value every row of a batch shares (a time, a flag)."""
    processor = _processor(column, connection.dialect)
    return processor(value) if processor is not None else value


def _processor(column: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The bind processor an ordinary insert uses for the column: its type as this dialect
    has it (SQLite's DATETIME writes its own text, always with microseconds)."""
    return cast(
        "Callable[[Any], Any] | None", column.type.dialect_impl(dialect).bind_processor(dialect)
    )


def insert_rows(
    connection: Connection, table: Table, names: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows of driver-ready values, many rows a statement.

    A statement of many rows costs SQLite one statement journal (the pages it changes are
    copied once), where a statement a row, as executemany runs them, copies every page it
    changes for every row: on a table with triggers or foreign keys that is most of the cost."""
    if not rows:
        return
    per = _rows_per_statement(connection, len(names))
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        sql = _insert_sql(connection.dialect.name, table.name, names, len(part))
        connection.exec_driver_sql(sql, tuple(chain.from_iterable(part)))


def _rows_per_statement(connection: Connection, columns: int) -> int:
    most = 500
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if isinstance(raw, sqlite3.Connection):
            most = min(most, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // columns)
    else:
        most = min(most, 65535 // columns)
    return max(most, 1)


@functools.lru_cache(maxsize=256)
def _insert_sql(dialect: str, table: str, names: tuple[str, ...], count: int) -> str:
    mark = "?" if dialect == "sqlite" else "%s"
    one = f"({', '.join([mark] * len(names))})"
    columns = ", ".join(f'"{name}"' for name in names)
    return f'INSERT INTO "{table}" ({columns}) VALUES {", ".join([one] * count)}'


def _bulk(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows given as dicts of Python values. Each value still goes through its
    column type's bind processor (made once per column), so what is stored is exactly what an
    ordinary insert stores; only SQLAlchemy's per-row statement bookkeeping is skipped."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = tuple(rows[0])
    processors = [_processor(table.c[name], dialect) for name in names]
    insert_rows(
        connection,
        table,
        names,
        [
            tuple(
                p(row[n]) if p is not None else row[n]
                for n, p in zip(names, processors, strict=True)
            )
            for row in rows
        ],
    )


# --- the tickets' ids and signed payloads -----------------------------------------------------
ID_SPACE = 32**8  # ticket ids are 8 Crockford base32 characters
BLOCK = 512  # ids drawn, sorted and signed together
# From this many rows on, an import signs its tickets in a process of its own, started before
# the file is checked, while it reads and writes: a thread would hold the GIL while the writer
# holds the database's lock, and every one of the import's transactions (and a door's wait
# behind it) would take longer.
SIGN_APART = 5000
# Blocks the signing process may have ready (each about 70 kB): enough to have tickets ready
# when the writing starts; more would only be signed in vain when rows turn out registered
# already (importing a file again).
AHEAD = 64
_PAIRS = [a + b for a in ID_ALPHABET for b in ID_ALPHABET]  # 10 bits -> two characters


def id_block(index: int, most: int) -> list[str]:
    """The ``index``-th block of an import's ticket ids, sorted, for an import of at most
    ``most`` tickets. Block k is drawn at random from its own k-th share of all ids, so an
    import's ids rise from its first row to its last: each index of the database takes them
    at one place, where random ones would touch a page of it each. Past ``most``, ids are
    drawn from all of them."""
    count = BLOCK
    if (index + 1) * BLOCK <= most or index * BLOCK < most:
        low = index * BLOCK * ID_SPACE // most
        count = min(BLOCK, most - index * BLOCK)
        width = (index * BLOCK + count) * ID_SPACE // most - low
    else:
        low, width = 0, ID_SPACE
    drawn: set[int] = set()
    while len(drawn) < count:
        need = count - len(drawn)
        drawn.update(
            low + r % width for r in struct.unpack(f">{need}Q", secrets.token_bytes(8 * need))
        )
    return [
        _PAIRS[v >> 30] + _PAIRS[(v >> 20) & 1023] + _PAIRS[(v >> 10) & 1023] + _PAIRS[v & 1023]
        for v in sorted(drawn)
    ]


@contextmanager
def _main_not_run_again() -> Iterator[None]:
    """A spawned process imports its parent's main module again (as ``__mp_main__``): a plain
    script calling an import, without an ``if __name__ == "__main__"`` guard, would run again
    in the signing process. The signing needs nothing of it; a main module whose spec is named
    ``__main__`` (as under ``python -c``) is one spawn leaves alone."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
    try:
        yield
    finally:
        main.__spec__ = None


def _end_with_parent() -> None:
    """The signing process ends when its import does, however that ends (a kill included):
    else it stayed, waiting to hand over blocks nobody would take."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()


def _sign_ahead(private_key: bytes, most: int, ready: Any, taken: Any) -> None:
    """The signing process: block after block, as far ahead as the queue lets it, up to the
    import's most tickets (the rare one more is drawn and signed where the import runs). It
    skips the blocks the import signed itself while this process was starting (``taken``)."""
    signer = Signer(Ed25519PrivateKey.from_private_bytes(private_key))
    _end_with_parent()
    index = 0
    while index < -(-most // BLOCK):
        index = max(index, taken.value)
        ids = id_block(index, most)
        ready.put((index, "".join(ids), "\n".join(sign_many(signer, ids))))
        index += 1


class TicketIds:
    """New ticket ids for an import, in rising order, each with its signed QR payload (None
    without a signing key): signed in a process of its own for a big import (here while that
    process starts), here otherwise, and here too should that process not be had or stop."""

    def __init__(self, signer: Signer | None, most: int) -> None:
        self._signer, self._most = signer, max(most, 1)
        self._ready: deque[tuple[str, str | None]] = deque()
        self._process: Any = None
        self._queue: Any = None
        self._running = False  # the process has delivered a block
        context = multiprocessing.get_context("spawn")  # safe beside the app's threads
        self._taken = context.Value("q", 0, lock=False)  # the next block not signed yet
        if signer is not None and most >= SIGN_APART:
            try:
                self._queue = context.Queue(AHEAD)
                self._process = context.Process(
                    target=_sign_ahead,
                    args=(signer.private_bytes(), self._most, self._queue, self._taken),
                    daemon=True,
                    name="eventdesk-signing",
                )
                with _main_not_run_again():
                    self._process.start()
            except OSError:  # no process to be had: sign here
                self._process = None

    def take(self, count: int) -> tuple[list[str], list[str | None]]:
        while len(self._ready) < count:
            self._ready.extend(self._block())
        taken = [self._ready.popleft() for _each in range(count)]
        return [ticket_id for ticket_id, _payload in taken], [payload for _ticket, payload in taken]

    def another(self) -> tuple[str, str | None]:
        """One more id, drawn from all of them (one taken already is drawn again)."""
        ticket_id = new_id()
        return ticket_id, self._signer.payload(ticket_id) if self._signer else None

    def _block(self) -> list[tuple[str, str | None]]:
        while self._process is not None:
            try:
                index, ids, payloads = self._queue.get(timeout=0.5 if self._running else 0.001)
            except queue.Empty:
                if not self._running:
                    break  # still starting: this block is signed here
                if not self._process.is_alive():  # it stopped: sign here from now on
                    self._stop()
                continue
            except (OSError, EOFError, ValueError):
                self._stop()
                continue
            self._running = True
            if index < self._taken.value:
                continue  # signed here while the process started
            self._taken.value = index + 1
            return list(zip(_chunked(ids, 8), payloads.split("\n"), strict=True))
        ids_here = id_block(self._taken.value, self._most)
        self._taken.value += 1
        if self._signer is None:
            return [(ticket_id, None) for ticket_id in ids_here]
        return list(zip(ids_here, sign_many(self._signer, ids_here), strict=True))

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.join(timeout=10)
            self._queue.cancel_join_thread()
            self._queue.close()

    def close(self) -> None:
        self._stop()


def _chunked(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]

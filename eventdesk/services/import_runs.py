"""An import's life: written in short transactions, all or nothing for the person importing.

A door never waits on an import: an import of 100,000 rows as one transaction held SQLite's
only write lock for seconds, and every check-in queued behind it. So an import writes its rows
a few hundred at a time, each batch its own short transaction, and marks every row it writes
with its run (``import_run_id``). While the run is "staging" its tickets are not admitted. Once
every row is in, one small write marks the run "done": all of its tickets count from that
moment, together. A failure or a refusal half-way (sold out without a waitlist), or a process
that stopped, undoes it instead: its rows are deleted, again in short transactions, and the
counters recounted, so nothing of it stays.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from eventdesk.db import Store
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
from eventdesk.services.printing import database_now

# Rows a transaction of an import writes: a few tens of milliseconds of the write lock.
CHUNK_ROWS = 200
# A run in "staging" not touched for this long (by the database's clock) was left by a
# process that stopped: far longer than any one of its transactions takes.
STALE_RUN = timedelta(minutes=2)
BEAT_SECONDS = 5.0  # how often a run says it is alive
BREATH_SECONDS = 0.002  # between two of its transactions on SQLite
OPEN_STATES: tuple[ImportState, ...] = ("staging", "undoing")


def start(store: Store, event_id: int, source: str, rows: int, station: str | None) -> int:
    with store.write() as session:
        clock = database_now(session)
        run = ImportRun(
            event_id=event_id,
            state="staging",
            source=source[:500],
            rows=rows,
            station=station,
            started_at=clock,
            heartbeat_at=clock,
        )
        session.add(run)
        session.flush()
        return run.id


def beat(session: Session, run_id: int) -> None:
    """Inside one of the run's transactions: it is alive."""
    session.execute(
        update(ImportRun).where(ImportRun.id == run_id).values(heartbeat_at=database_now(session))
    )


class Batches:
    """The run's short transactions, one after another, with a breath between two of them."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store, self.run_id = store, run_id
        self._last_beat = time.monotonic()

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.store.write() as session:
            if time.monotonic() - self._last_beat > BEAT_SECONDS:
                beat(session, self.run_id)
                self._last_beat = time.monotonic()
            yield session
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


def _in_chunks(store: Store, step: Callable[[Session], int]) -> None:
    """Run ``step`` in its own short transaction until it says it did nothing."""
    while True:
        with store.write() as session:
            if step(session) == 0:
                return
        _breathe(store)


def finish(store: Store, run_id: int) -> None:
    """Every row is in: the run's tickets are admitted from this one write on."""
    with store.write() as session:
        _set_state(session, run_id, "done")


def undo(store: Store, run_id: int) -> None:
    """Take every row of the run away again and recount what its tickets counted."""
    with store.write() as session:
        run = session.get(ImportRun, run_id)
        if run is None or run.state in ("done", "undone"):
            return
        _set_state(session, run_id, "undoing")
        event_id = run.event_id

    def tickets(session: Session) -> int:
        rows = session.execute(
            select(Ticket.id, Ticket.attendee_id)
            .where(Ticket.import_run_id == run_id)
            .limit(CHUNK_ROWS)
        ).all()
        ids = [ticket_id for ticket_id, _ in rows]
        if not ids:
            return 0
        session.execute(delete(TransactionLog).where(TransactionLog.ticket_id.in_(ids)))
        session.execute(delete(SearchToken).where(SearchToken.token.in_([t.lower() for t in ids])))
        session.execute(delete(Ticket).where(Ticket.id.in_(ids)))
        return len(ids)

    def orders(session: Session) -> int:
        ids = list(
            session.scalars(
                select(Order.id).where(Order.import_run_id == run_id).limit(CHUNK_ROWS * 4)
            )
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

    def people(session: Session) -> int:
        ids = list(
            session.scalars(
                select(Attendee.id).where(Attendee.import_run_id == run_id).limit(CHUNK_ROWS)
            )
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


def recover(store: Store) -> list[str]:
    """Undo the runs a stopped process left half-way; say so, one line each."""
    with store.read() as session:
        clock = database_now(session)
        left = session.execute(
            select(ImportRun.id, ImportRun.state, ImportRun.heartbeat_at, ImportRun.rows).where(
                ImportRun.state.in_(OPEN_STATES)
            )
        ).all()
    notes: list[str] = []
    for run_id, state, heartbeat, rows in left:
        if state == "undoing" or heartbeat < clock - STALE_RUN:
            undo(store, run_id)
            notes.append(f"an earlier import of {rows} rows had stopped half-way: undone")
    return notes

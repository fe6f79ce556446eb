"""CSV import of attendees and registrations (the exports are in csvexport.py).

Import reads what ticketing tools export: headers matched loosely ("First Name"/"Last Name" or
"Name", "E-mail", "Ticket Type", "Company", "Order #"...), UTF-8 with or without BOM, the
delimiter sniffed, quoted fields with commas and line breaks. It is all or nothing: every row is
checked first and one bad row means nothing is imported; the message names up to 20 bad rows by
number and field. Importing the same file again changes nothing.

The file is read twice as a stream and never held whole: the first reading checks every row and
notes, in a few bytes a row, which email addresses and order numbers come back further down; the
second reads the rows again, a batch at a time, and writes each batch in a short transaction of
its own, so that a door never waits on an import (eventdesk.services.data.import_runs). The tickets'
QR payloads are signed meanwhile in a process of their own.
"""

from __future__ import annotations

import contextlib
import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple, cast, get_args

from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import Conflict, DatabaseUnavailable, InvalidInput, SoldOut
from eventdesk.models import (
    Attendee,
    Event,
    Order,
    SearchToken,
    Seat,
    Ticket,
    TicketStatus,
    TicketType,
    TransactionLog,
)
from eventdesk.services.catalogue.places import claim_places
from eventdesk.services.common import get_event
from eventdesk.services.data import import_runs
from eventdesk.services.data.csvread import CsvFile, Row, RowChecker, RowProblem, TypeInfo
from eventdesk.services.data.import_runs import _bulk as _bulk  # bench/ builds big events with it
from eventdesk.services.data.import_runs import (
    driver_value,
    insert_rows,
    next_ids,
    reserve_ids,
    select_in,
)
from eventdesk.services.people.attendees import holder_tokens, person_tokens
from eventdesk.services.people.registration import ACTIVE
from eventdesk.text import fold
from eventdesk.values import utcnow

MAX_ERRORS = 20
READ_ROWS = 2000  # rows a dry run reads and counts at a time
_MASK = (1 << 64) - 1
_ATTENDEE = cast(Table, Attendee.__table__)
_ORDER = cast(Table, Order.__table__)
_TICKET = cast(Table, Ticket.__table__)
_TOKEN = cast(Table, SearchToken.__table__)
_LOG = cast(Table, TransactionLog.__table__)


@dataclass(frozen=True)
class ImportResult:
    imported: int  # registrations made now
    skipped: int  # rows already registered for this event (or repeated in the file)
    new_attendees: int
    waitlisted: int
    rows: int
    dry_run: bool
    notes: list[str] = field(default_factory=list)


def import_attendees(
    store: Store,
    path: str | Path,
    event_ref: str | int,
    *,
    dry_run: bool = False,
    station: str | None = None,
    progress: Callable[[int], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> ImportResult:
    """Register everyone in the file for the event (or waitlist them when full). All or nothing.
    An import of the event left half-way by a process that died is undone first; one still
    being written elsewhere is waited for (``say`` tells so).

    Every row is checked before anything is written. The rows then go in a batch at a time,
    each batch its own short transaction, so a door checking people in meanwhile never waits
    long (see import_runs); a refusal or failure half-way takes back what was written. A dry
    run reads and counts the same way and writes nothing.
    """
    source = CsvFile(Path(path))
    with store.read() as session:
        event = get_event(session, event_ref)
        event_id, slug = event.id, event.slug
        types = [
            TypeInfo(t.id, t.name, t.price_cents, t.currency)
            for t in session.scalars(
                select(TicketType).where(TicketType.event_id == event_id).order_by(TicketType.id)
            )
        ]
    checker = RowChecker(source.header, types, slug)
    # The signing starts at once: it has the first tickets ready when the writing starts.
    tickets = None if dry_run else import_runs.TicketIds(store.signer, source.most_rows())
    try:
        recovered = [] if dry_run else import_runs.recover(store, event_id, say=say)
        scan = _check_every_row(source, checker)
        job = _Job(source, checker, scan, event_id, slug, {t.id: t for t in types}, recovered)
        if tickets is None:
            return _count(store, job)
        return _write(store, job, tickets, str(path), station, progress)
    finally:
        if tickets is not None:
            tickets.close()


# --- the first reading: every row checked, what comes back noted ----------------------------
@dataclass(frozen=True)
class _Scan:
    rows: int  # good rows in the file
    repeated: set[int]  # hashes of the email keys on more than one row
    spread: dict[int, int]  # hash of an Order # whose rows are apart -> its last row's number


def _check_every_row(source: CsvFile, checker: RowChecker) -> _Scan:
    problems: list[str] = []
    bad = good = 0
    keys = array("Q")
    runs, run_ends = array("Q"), array("Q")  # a run: rows of one Order # next to each other
    last_order: str | None = None
    for number, record in source.records():
        try:
            row = checker.row(number, record)
        except RowProblem as problem:
            bad += 1
            if len(problems) < MAX_ERRORS:
                problems.append(f"row {number} ({problem.what}): {problem.message}")
            continue
        good += 1
        keys.append(hash(row.key) & _MASK)
        order = row.order
        if order is None:
            last_order = None
        elif order == last_order:
            run_ends[-1] = number
        else:
            runs.append(hash(order) & _MASK)
            run_ends.append(number)
            last_order = order
    if bad:
        more = f" (and {bad - len(problems)} more)" if bad > len(problems) else ""
        raise InvalidInput(
            f"{bad} bad row{'s' if bad != 1 else ''}, nothing imported: "
            + "; ".join(problems)
            + more,
            field="file",
        )
    apart = _repeated(runs)
    spread: dict[int, int] = {}
    if apart:
        for order_hash, end in zip(runs, run_ends, strict=True):
            if order_hash in apart:
                spread[order_hash] = max(end, spread.get(order_hash, 0))
    return _Scan(good, _repeated(keys), spread)


def _repeated(values: Iterable[int]) -> set[int]:
    """The values that come more than once, sorted a 256th at a time: a million of them take a
    few megabytes this way, where a set of them takes a hundred."""
    buckets = [array("Q") for _ in range(256)]
    for value in values:
        buckets[value & 255].append(value)
    found: set[int] = set()
    for bucket in buckets:
        if len(set(bucket)) < len(bucket):
            ordered = sorted(bucket)
            found.update(a for a, b in pairwise(ordered) if a == b)
    return found


# --- the second reading: who each row's ticket is for, and the orders -----------------------
class _Fresh(NamedTuple):
    """A row that becomes a ticket."""

    row: Row
    holder: str | None  # the name this ticket is for, when not the buyer's own
    attendee_id: int | None  # None: a person this import creates


@dataclass
class _Job:
    source: CsvFile
    checker: RowChecker
    scan: _Scan
    event_id: int
    slug: str
    types: dict[int, TypeInfo]
    recovered: list[str]  # what an earlier import left and this one undid
    notes: list[str] = field(default_factory=list)  # rows that repeat an earlier one
    skipped: int = 0
    new_people: int = 0
    # Only for the email keys that come back (scan.repeated): the row each was first on, its
    # buyer's name, and the names used in its order so far (folded).
    first_row: dict[str, int] = field(default_factory=dict)
    used: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # Orders being gathered: the open one (rows next to each other), and those spread apart.
    current: list[_Fresh] = field(default_factory=list)
    current_order: str | None = None
    apart: dict[str, list[_Fresh]] = field(default_factory=dict)
    seen: int = 0

    def chunks(self, size: Callable[[], int]) -> Iterator[list[Row]]:
        """The file's rows read again, checked again, a batch at a time."""
        chunk: list[Row] = []
        for number, record in self.source.records():
            try:
                chunk.append(self.checker.row(number, record))
            except RowProblem:
                raise self._changed(f"row {number}") from None
            if len(chunk) >= size():
                self.seen += len(chunk)
                yield chunk
                chunk = []
        self.seen += len(chunk)
        if chunk:
            yield chunk
        if self.seen != self.scan.rows:
            raise self._changed(f"{self.seen} rows, not {self.scan.rows}")

    def _changed(self, what: str) -> InvalidInput:
        return InvalidInput(
            f"{self.source.path.name} changed while it was imported ({what}): nothing "
            "imported, import it again",
            field="file",
        )

    def orders(
        self,
        rows: list[Row],
        existing: dict[str, tuple[int, str]],
        held: set[tuple[int, str | None]],
    ) -> list[list[_Fresh]]:
        """The orders these rows complete, in the file's order (an order whose rows are apart
        comes at its last row). Which rows repeat one before them, whose ticket each is and
        which are registered already is decided as the original planning did, row by row.

        A person's first row is their own ticket. A later row with their email is another
        ticket of theirs when it has the same Order # and a name not used in that order yet: a
        ticket bought for someone else, who is named on it (its holder). Any other later row
        repeats. A row of someone registered for the event already (the same holder) is
        skipped."""
        done: list[list[_Fresh]] = []
        repeated, spread = self.scan.repeated, self.scan.spread
        for row in rows:
            key, order = row.key, row.order
            holder: str | None = None
            keep = True
            if hash(key) & _MASK in repeated:
                keep, holder = self._repeat_rule(row, existing)
            found = existing.get(key)
            if keep and found is not None and (found[0], fold(holder) if holder else None) in held:
                keep = False
            if keep:
                fresh = _Fresh(row, holder, None if found is None else found[0])
                if order is not None and hash(order) & _MASK in spread:
                    self.apart.setdefault(order, []).append(fresh)
                elif order is not None and order == self.current_order:
                    self.current.append(fresh)
                else:
                    if self.current:
                        done.append(self.current)
                    self.current, self.current_order = [fresh], order
            else:
                self.skipped += 1
            if order is not None and spread.get(hash(order) & _MASK) == row.number:
                gathered = self.apart.pop(order, None)
                if gathered:
                    if self.current:
                        done.append(self.current)
                    self.current, self.current_order = [], None
                    done.append(gathered)
        return done

    def rest(self) -> list[list[_Fresh]]:
        """What is left once the file is read: the open order."""
        left = [self.current] if self.current else []
        left.extend(group for group in self.apart.values() if group)
        self.current, self.apart = [], {}
        return left

    def _repeat_rule(
        self, row: Row, existing: dict[str, tuple[int, str]]
    ) -> tuple[bool, str | None]:
        key, order = row.key, row.order
        first = self.first_row.get(key)
        if first is None:
            self.first_row[key] = row.number
            if order:
                found = existing.get(key)
                buyer = row.name if found is None else found[1]
                self.used.setdefault((key, order), set()).update({fold(buyer), fold(row.name)})
            return True, None
        in_order = self.used.get((key, order)) if order else None
        if in_order is not None and fold(row.name) not in in_order:
            in_order.add(fold(row.name))
            return True, row.name
        if len(self.notes) < MAX_ERRORS:
            self.notes.append(f"row {row.number}: {row.email} repeats row {first}, skipped")
        return False, None

    def result(self, imported: int, waitlisted: int, *, dry_run: bool) -> ImportResult:
        notes = self.recovered + self.notes
        return ImportResult(
            imported, self.skipped, self.new_people, waitlisted, self.scan.rows, dry_run, notes
        )


def _known(
    connection: Connection, rows: list[Row], event_id: int, run_id: int | None
) -> tuple[dict[str, tuple[int, str]], set[tuple[int, str | None]]]:
    """The people of these rows known before this import, by email key: (id, name); and the
    (person, folded holder name or None) of their registered and waiting tickets for the event.
    What this import wrote itself (run_id) is not counted: it was not there before."""
    existing: dict[str, tuple[int, str]] = {}
    for key, found, name, run in select_in(
        connection,
        "SELECT email_key, id, name, import_run_id FROM attendee WHERE email_key IN",
        sorted({r.key for r in rows}),
    ):
        if run is None or run != run_id:
            existing[key] = (found, name)
    held: set[tuple[int, str | None]] = set()
    # Status and run are told apart here: asked in SQL, they lead SQLite to the index of the
    # event's statuses (every ticket of the event) instead of these people's tickets.
    for person, holder, event, status, run in select_in(
        connection,
        "SELECT attendee_id, holder_name, event_id, status, import_run_id FROM ticket"
        " WHERE attendee_id IN",
        sorted({found[0] for found in existing.values()}),
    ):
        if event == event_id and status in ACTIVE and (run is None or run != run_id):
            held.add((person, fold(holder) if holder else None))
    return existing, held


# --- places ---------------------------------------------------------------------------------
class _Places:
    """Room at the event and at each ticket type, taken order by order by claim_places' rules
    (an import's tickets have no sessions): plain counts, read with the event's lock and
    written back once a batch is placed."""

    def __init__(self, connection: Connection, event_id: int, *, lock: bool) -> None:
        query = select(
            Event.capacity, Event.registered_count, Event.waitlist_enabled, Event.venue_id
        ).where(Event.id == event_id)
        found = connection.execute(query.with_for_update() if lock else query).one()
        self.capacity, self.registered, self.waitlist, self.venue_id = found
        types = select(TicketType.id, TicketType.quantity, TicketType.registered_count).where(
            TicketType.event_id == event_id
        )
        self.quantity: dict[int, int | None] = {}
        self.used: dict[int, int] = {}
        for type_id, quantity, used in connection.execute(types):
            self.quantity[type_id], self.used[type_id] = quantity, used

    def claim(self, type_ids: list[int]) -> bool:
        count = len(type_ids)
        if self.capacity is not None and self.registered + count > self.capacity:
            return False
        wanted: dict[int, int] = {}
        for type_id in type_ids:
            wanted[type_id] = wanted.get(type_id, 0) + 1
        for type_id, n in wanted.items():
            limit = self.quantity[type_id]
            if limit is not None and self.used[type_id] + n > limit:
                return False
        self.registered += count
        for type_id, n in wanted.items():
            self.used[type_id] += n
        return True

    def save(self, connection: Connection, event_id: int) -> None:
        connection.execute(
            update(Event).where(Event.id == event_id).values(registered_count=self.registered)
        )
        for type_id, used in self.used.items():
            connection.execute(
                update(TicketType).where(TicketType.id == type_id).values(registered_count=used)
            )


def _sold_out(job: _Job, members: list[_Fresh]) -> SoldOut:
    first = members[0].row
    where = (
        f"row {first.number}"
        if len(members) == 1
        else ("rows " + ", ".join(str(m.row.number) for m in members) + f" (order {first.order})")
    )
    what = (
        f"{job.types[first.type_id].name} is sold out"
        if len(members) == 1
        else f"there is no room for all {len(members)} tickets of the order"
    )
    return SoldOut(f"{where}: {what} and {job.slug} has no waitlist: nothing imported")


# --- the dry run ----------------------------------------------------------------------------
def _count(store: Store, job: _Job) -> ImportResult:
    """What the import would do: the same readings and rules; the places counted, not taken."""
    with store.read() as session:
        places = _Places(session.connection(), job.event_id, lock=False)
    imported = waitlisted = 0

    def place(orders: list[list[_Fresh]]) -> None:
        nonlocal imported, waitlisted
        for members in orders:
            imported += len(members)
            job.new_people += len({m.row.key for m in members if m.attendee_id is None})
            if not places.claim([m.row.type_id for m in members]):
                if not places.waitlist:
                    raise _sold_out(job, members)
                waitlisted += len(members)

    for chunk in job.chunks(lambda: READ_ROWS):
        with store.read() as session:
            existing, held = _known(session.connection(), chunk, job.event_id, None)
        place(job.orders(chunk, existing, held))
    place(job.rest())
    return job.result(imported, waitlisted, dry_run=True)


# --- writing --------------------------------------------------------------------------------
def _write(
    store: Store,
    job: _Job,
    tickets: import_runs.TicketIds,
    source: str,
    station: str | None,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    run_id, owner = import_runs.start(store, job.event_id, source, job.scan.rows, station)
    try:
        return _write_run(store, job, tickets, run_id, station, progress)
    finally:
        owner.close()  # done or undone: the run's lock goes


def _write_run(
    store: Store,
    job: _Job,
    tickets: import_runs.TicketIds,
    run_id: int,
    station: str | None,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    batches = import_runs.Batches(store, run_id)
    imported = waitlisted = 0
    read = batches.rows

    def size() -> int:
        return read

    def write(orders: list[list[_Fresh]]) -> None:
        nonlocal imported, waitlisted
        count = sum(len(members) for members in orders)
        if not count:
            return
        ticket_ids, payloads = tickets.take(count)
        batch = _Batch(job, orders, ticket_ids, payloads, run_id, station)
        # Made before the write: in a read on SQLite (it takes no lock); on PostgreSQL the new
        # ids are drawn from the tables' sequences, which a READ ONLY transaction may not do,
        # so there it is a transaction that locks nothing.
        with store.read() if store.is_sqlite else store.write() as session:
            batch.prepare(session.connection(), tickets)
        with batches.write(count) as session:
            waitlisted += batch.write(session)
        imported += count
        job.new_people += len(batch.new_rows)
        if progress is not None:  # after the commit: the door had its turn
            progress(count)

    try:
        for chunk in job.chunks(size):
            written = imported
            with store.read() as session:
                existing, held = _known(session.connection(), chunk, job.event_id, run_id)
            write(job.orders(chunk, existing, held))
            # Rows skipped (registered already) cost a read, not a write: read more of them.
            share = len(chunk) / max(imported - written, len(chunk) / 10)
            read = min(int(batches.rows * share), READ_ROWS * 5)
        write(job.rest())
        import_runs.finish(store, run_id)
    except IntegrityError:
        _take_back(store, run_id)
        raise Conflict(
            "someone in the file was registered at another station while it was imported: "
            "nothing imported, import it again",
            field="file",
        ) from None
    except BaseException:
        _take_back(store, run_id)
        raise
    return job.result(imported, waitlisted, dry_run=False)


def _take_back(store: Store, run_id: int) -> None:
    """Undo a run that failed; if the database is away, the next import does it."""
    with contextlib.suppress(DatabaseUnavailable, DBAPIError):
        import_runs.undo(store, run_id)


_Rows = list[tuple[Any, ...]]


class _Batch:
    """One transaction's share of an import: whole orders. Its rows are made before the
    transaction, as they are when every order finds room (the ids it will get read or drawn
    beforehand), so the write lock is held only to place the orders and write them. Should
    an order wait or get a seat, or another station have taken those ids meanwhile, they are
    made again in the transaction. The rows of one Order # are one order, placed whole or
    waitlisted whole, never split."""

    def __init__(
        self,
        job: _Job,
        orders: list[list[_Fresh]],
        ticket_ids: list[str],
        payloads: list[str | None],
        run_id: int,
        station: str | None,
    ) -> None:
        self.job, self.orders, self.run_id, self.station = job, orders, run_id, station
        self.ticket_ids, self.payloads = ticket_ids, payloads
        firsts: dict[str, Row] = {}  # each new person's first row
        for members in orders:
            for m in members:
                if m.attendee_id is None and m.row.key not in firsts:
                    firsts[m.row.key] = m.row
        self.new_rows = list(firsts.values())
        self.people_ids: list[int] = []
        self.order_ids: list[int] = []
        self.known_tokens: set[tuple[str, int]] = set()
        self.made: list[tuple[Table, tuple[str, ...], _Rows]] = []
        self._people: dict[str, int] = {}  # email key -> id, of the people this batch adds

    def prepare(self, connection: Connection, tickets: import_runs.TicketIds) -> None:
        """Made in a read before the transaction: the rows as they are when all find room."""
        _unused_ids(connection, self.ticket_ids, self.payloads, tickets)
        self.people_ids = next_ids(connection, _ATTENDEE, len(self.new_rows))
        self.order_ids = next_ids(connection, _ORDER, len(self.orders))
        known = {m.attendee_id for members in self.orders for m in members if m.holder}
        known.discard(None)  # new people's words are all in this batch
        self.known_tokens = _known_tokens(connection, cast(set[int], known)) if known else set()
        self.made = self._rows(connection, [[None] * len(m) for m in self.orders], 0)

    def write(self, session: Session) -> int:
        """In the write transaction: place the orders and write. Returns how many wait."""
        connection = session.connection()
        job = self.job
        places = _Places(connection, job.event_id, lock=True)
        seated = places.venue_id is not None and _has_seats(connection, places.venue_id)
        seats: list[list[str | None] | None] = []
        if seated:  # claim_places hands out the seats, on the event's own rows
            event = get_event(session, job.event_id, lock=True)
            types = {
                t.id: t
                for t in session.scalars(select(TicketType).where(TicketType.event_id == event.id))
            }
            given: list[str] = []
            for members in self.orders:
                claims = [(types[m.row.type_id], ()) for m in members]
                found = claim_places(session, event, claims, seated=True, exclude_seats=given)
                given.extend(seat for seat in found or () if seat is not None)
                seats.append(found)
        else:
            for members in self.orders:
                placed = places.claim([m.row.type_id for m in members])
                seats.append([None] * len(members) if placed else None)
        waitlisted = 0
        for members, found in zip(self.orders, seats, strict=True):
            if found is None:
                if not places.waitlist:
                    raise _sold_out(job, members)
                waitlisted += len(members)
        if seated or waitlisted or not self._ids_still_free(connection):
            self.people_ids = reserve_ids(session, _ATTENDEE, len(self.new_rows))
            self.order_ids = reserve_ids(session, _ORDER, len(self.orders))
            last = _last_waitlisted(connection, job.event_id) if waitlisted else 0
            self.made = self._rows(connection, seats, last)
        for table, columns, rows in self.made:
            insert_rows(connection, table, columns, rows)
        if seated:
            session.flush()  # the counters claim_places changed
        else:
            places.save(connection, job.event_id)
        return waitlisted

    def _ids_still_free(self, connection: Connection) -> bool:
        """SQLite: the ids read before are still the next ones (no other writer came
        between). PostgreSQL: they were drawn from the sequences, ours whatever happens."""
        if connection.dialect.name != "sqlite":
            return True
        return all(
            not ids or next_ids(connection, table, 1) == ids[:1]
            for table, ids in ((_ATTENDEE, self.people_ids), (_ORDER, self.order_ids))
        )

    def _who(self, fresh: _Fresh) -> int:
        if fresh.attendee_id is not None:
            return fresh.attendee_id
        return self._people[fresh.row.key]

    def _rows(
        self,
        connection: Connection,
        seats: Sequence[list[str | None] | None],
        last_waitlisted: int,
    ) -> list[tuple[Table, tuple[str, ...], _Rows]]:
        """Every row the batch writes, for these places (per order: each ticket's seat, None
        for general admission; or None for the waitlist)."""
        job, run_id, station, event_id = self.job, self.run_id, self.station, self.job.event_id
        at = driver_value(connection, _TICKET.c.created_at, utcnow())
        inside = driver_value(connection, _TICKET.c.inside, False)
        self._people = dict(zip((r.key for r in self.new_rows), self.people_ids, strict=True))
        people = [
            (i, r.name, r.email, r.key, r.company, r.phone, 0, at, run_id)
            for i, r in zip(self.people_ids, self.new_rows, strict=True)
        ]
        tokens = [
            (token, i)
            for i, r in zip(self.people_ids, self.new_rows, strict=True)
            for token in person_tokens(r.name, r.email, r.company)
        ]
        who = self._who
        orders = [
            (order_id, event_id, who(members[0]), at, run_id)
            for order_id, members in zip(self.order_ids, self.orders, strict=True)
        ]
        tickets: _Rows = []
        logs: _Rows = []
        holder_words: set[tuple[str, int]] = set()
        ticket_ids, payloads, types = self.ticket_ids, self.payloads, job.types
        index = 0
        seq = last_waitlisted
        for order_id, members, found in zip(self.order_ids, self.orders, seats, strict=True):
            for position, fresh in enumerate(members):
                row, holder = fresh.row, fresh.holder
                ticket_type = types[row.type_id]
                attendee_id = who(fresh)
                ticket_id = ticket_ids[index]
                if found is None:
                    seq += 1
                    status, seat, place, registered = "waitlisted", None, seq, None
                else:
                    status, seat, place, registered = "registered", found[position], None, at
                tickets.append(
                    (
                        ticket_id,
                        order_id,
                        event_id,
                        ticket_type.id,
                        attendee_id,
                        holder,
                        status,
                        ticket_type.price_cents,
                        ticket_type.currency,
                        seat,
                        place,
                        at,
                        registered,
                        payloads[index],
                        inside,
                        run_id,
                    )
                )
                tokens.append((ticket_id.lower(), attendee_id))
                if holder:
                    holder_words.update((t, attendee_id) for t in holder_tokens(holder))
                    detail = json.dumps({"import": True, "row": row.number, "holder": holder})
                else:
                    detail = _DETAIL % row.number
                logs.append(
                    (
                        at,
                        status,
                        event_id,
                        ticket_id,
                        attendee_id,
                        ticket_type.price_cents,
                        ticket_type.currency,
                        station,
                        detail,
                    )
                )
                index += 1
        if holder_words:
            holder_words -= self.known_tokens
            holder_words.difference_update(tokens)
            tokens.extend(holder_words)
        tokens.sort()  # in index order: the B-tree is filled front to back
        return [
            (_ATTENDEE, ATTENDEE_COLUMNS, people),
            (_TOKEN, ("token", "attendee_id"), tokens),
            (_ORDER, ORDER_COLUMNS, orders),
            (_TICKET, TICKET_COLUMNS, tickets),
            (_LOG, LOG_COLUMNS, logs),
        ]


def _has_seats(connection: Connection, venue_id: int) -> bool:
    return connection.scalar(select(Seat.id).where(Seat.venue_id == venue_id).limit(1)) is not None


_DETAIL = '{"import": true, "row": %d}'  # json.dumps({"import": True, "row": n}), without it
ATTENDEE_COLUMNS = (
    "id",
    "name",
    "email",
    "email_key",
    "company",
    "phone",
    "failed_pin_attempts",
    "created_at",
    "import_run_id",
)
ORDER_COLUMNS = ("id", "event_id", "buyer_id", "created_at", "import_run_id")
TICKET_COLUMNS = (
    "id",
    "order_id",
    "event_id",
    "ticket_type_id",
    "attendee_id",
    "holder_name",
    "status",
    "price_cents",
    "currency",
    "seat_label",
    "waitlist_seq",
    "created_at",
    "registered_at",
    "qr_payload",
    "inside",
    "import_run_id",
)
LOG_COLUMNS = (
    "at",
    "kind",
    "event_id",
    "ticket_id",
    "attendee_id",
    "amount_cents",
    "currency",
    "station",
    "detail",
)
_STATUSES: tuple[str, ...] = get_args(TicketStatus)


def _unused_ids(
    connection: Connection,
    ticket_ids: list[str],
    payloads: list[str | None],
    tickets: import_runs.TicketIds,
) -> None:
    """Ticket ids are random: one may be taken already (about one in a million at a festival).
    Those are drawn again, in place."""
    while taken := {t for (t,) in select_in(connection, _TAKEN, ticket_ids)}:
        for index, ticket_id in enumerate(ticket_ids):
            if ticket_id in taken:
                ticket_ids[index], payloads[index] = tickets.another()


_TAKEN = "SELECT id FROM ticket WHERE id IN"


def _last_waitlisted(connection: Connection, event_id: int) -> int:
    """The highest waitlist place the event gave: the highest of each status, each one read at
    the end of the (event, status, waitlist place) index."""
    t = _TICKET.c
    places = [
        select(func.max(t.waitlist_seq)).where(t.event_id == event_id, t.status == status)
        for status in _STATUSES
    ]
    return max((int(connection.scalar(query) or 0) for query in places), default=0)


def _known_tokens(connection: Connection, attendee_ids: set[int]) -> set[tuple[str, int]]:
    """The search words already stored for these attendees (a holder's words may be there)."""
    head = "SELECT token, attendee_id FROM search_token WHERE attendee_id IN"
    return {(token, person) for token, person in select_in(connection, head, sorted(attendee_ids))}

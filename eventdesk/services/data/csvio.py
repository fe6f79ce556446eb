"""CSV import of attendees and registrations (the exports are in csvexport.py).

Import reads what ticketing tools export: headers matched loosely ("First Name"/"Last Name" or
"Name", "E-mail", "Ticket Type", "Company", "Order #"...), UTF-8 with or without BOM, the
delimiter sniffed, quoted fields with commas and line breaks. It is all or nothing: every row is
checked first and one bad row means nothing is imported; the message names up to 20 bad rows by
number and field. Importing the same file again changes nothing.

The file is read twice as a stream and never held whole: the first reading checks every row and
notes, in a few bytes a row, which email addresses and order numbers come back further down; the
second reads the rows again, a batch at a time, and writes each batch in a short transaction of
its own (csvwrite.py), so that a door never waits on an import
(eventdesk.services.data.import_runs). The tickets'
QR payloads are signed meanwhile in a process of their own.
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from eventdesk.db import Store
from eventdesk.errors import Conflict, DatabaseUnavailable, InvalidInput
from eventdesk.i18n import _, ngettext
from eventdesk.models import TicketType
from eventdesk.services.common import get_event
from eventdesk.services.data import import_runs
from eventdesk.services.data.csvread import CsvFile, Row, RowChecker, RowProblem, TypeInfo
from eventdesk.services.data.csvwrite import Batch, Fresh, Places, sold_out
from eventdesk.services.data.import_runs import (
    select_in,
)
from eventdesk.services.people.questions import questions_of
from eventdesk.services.people.registration import ACTIVE
from eventdesk.text import fold

MAX_ERRORS = 20
READ_ROWS = 2000  # rows a dry run reads and counts at a time
_MASK = (1 << 64) - 1


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
        questions = questions_of(session, event)
    checker = RowChecker(source.header, types, slug, questions)
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
                problems.append(
                    # TRANSLATORS: {field} is the column that is wrong: email, name, ticket type
                    _("row {row} ({field}): {problem}").format(
                        row=number, field=problem.what, problem=problem.message
                    )
                )
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
        if bad > len(problems):
            said = ngettext(
                "{count} bad row, nothing imported: {problems} (and {more} more)",
                "{count} bad rows, nothing imported: {problems} (and {more} more)",
                bad,
            )
        else:
            said = ngettext(
                "{count} bad row, nothing imported: {problems}",
                "{count} bad rows, nothing imported: {problems}",
                bad,
            )
        raise InvalidInput(
            said.format(count=bad, problems="; ".join(problems), more=bad - len(problems)),
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
    buckets = [array("Q") for _bucket in range(256)]
    for value in values:
        buckets[value & 255].append(value)
    found: set[int] = set()
    for bucket in buckets:
        if len(set(bucket)) < len(bucket):
            ordered = sorted(bucket)
            found.update(a for a, b in pairwise(ordered) if a == b)
    return found


# --- the second reading: who each row's ticket is for, and the orders -----------------------
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
    current: list[Fresh] = field(default_factory=list)
    current_order: str | None = None
    apart: dict[str, list[Fresh]] = field(default_factory=dict)
    seen: int = 0

    def chunks(self, size: Callable[[], int]) -> Iterator[list[Row]]:
        """The file's rows read again, checked again, a batch at a time."""
        chunk: list[Row] = []
        for number, record in self.source.records():
            try:
                chunk.append(self.checker.row(number, record))
            except RowProblem:
                raise self._changed(_("row {row}").format(row=number)) from None
            if len(chunk) >= size():
                self.seen += len(chunk)
                yield chunk
                chunk = []
        self.seen += len(chunk)
        if chunk:
            yield chunk
        if self.seen != self.scan.rows:
            raise self._changed(
                ngettext(
                    "{count} rows, not {expected}", "{count} rows, not {expected}", self.seen
                ).format(count=self.seen, expected=self.scan.rows)
            )

    def _changed(self, what: str) -> InvalidInput:
        return InvalidInput(
            _(
                "{file} changed while it was imported ({what}): nothing imported, import it again"
            ).format(file=self.source.path.name, what=what),
            field="file",
        )

    def orders(
        self,
        rows: list[Row],
        existing: dict[str, tuple[int, str]],
        held: set[tuple[int, str | None]],
    ) -> list[list[Fresh]]:
        """The orders these rows complete, in the file's order (an order whose rows are apart
        comes at its last row). Which rows repeat one before them, whose ticket each is and
        which are registered already is decided as the original planning did, row by row.

        A person's first row is their own ticket. A later row with their email is another
        ticket of theirs when it has the same Order # and a name not used in that order yet: a
        ticket bought for someone else, who is named on it (its holder). Any other later row
        repeats. A row of someone registered for the event already (the same holder) is
        skipped."""
        done: list[list[Fresh]] = []
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
                fresh = Fresh(row, holder, None if found is None else found[0])
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

    def rest(self) -> list[list[Fresh]]:
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
            self.notes.append(
                _("row {row}: {email} repeats row {first}, skipped").format(
                    row=row.number, email=row.email, first=first
                )
            )
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


# --- the dry run ----------------------------------------------------------------------------
def _count(store: Store, job: _Job) -> ImportResult:
    """What the import would do: the same readings and rules; the places counted, not taken."""
    with store.read() as session:
        places = Places(session.connection(), job.event_id, lock=False)
    imported = waitlisted = 0

    def place(orders: list[list[Fresh]]) -> None:
        nonlocal imported, waitlisted
        for members in orders:
            imported += len(members)
            job.new_people += len({m.row.key for m in members if m.attendee_id is None})
            if not places.claim([m.row.type_id for m in members]):
                if not places.waitlist:
                    raise sold_out(job.slug, job.types, members)
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

    def write(orders: list[list[Fresh]]) -> None:
        nonlocal imported, waitlisted
        count = sum(len(members) for members in orders)
        if not count:
            return
        ticket_ids, payloads = tickets.take(count)
        batch = Batch(
            job.event_id, job.slug, job.types, orders, ticket_ids, payloads, run_id, station
        )
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
            _(
                "someone in the file was registered at another station while it was imported: "
                "nothing imported, import it again"
            ),
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

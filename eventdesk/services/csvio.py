"""CSV import of attendees and registrations (the exports are in csvexport.py).

Import reads what ticketing tools export: headers matched loosely ("First Name"/"Last Name" or
"Name", "E-mail", "Ticket Type", "Company", "Order #"...), UTF-8 with or without BOM, the
delimiter sniffed, quoted fields with commas and line breaks. It is all or nothing: every row is
checked first and one bad row means nothing is imported; the message names up to 20 bad rows by
number and field. Importing the same file again changes nothing. The rows are written in short
transactions, so that a door never waits on an import (eventdesk.services.import_runs).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import Conflict, DatabaseUnavailable, InvalidInput, SoldOut
from eventdesk.models import (
    Attendee,
    Event,
    Order,
    SearchToken,
    Ticket,
    TicketType,
    TransactionLog,
)
from eventdesk.services import import_runs
from eventdesk.services.attendees import holder_tokens, search_tokens
from eventdesk.services.common import email_key, get_event
from eventdesk.services.csvread import cell, map_headers, read_table
from eventdesk.services.registration import ACTIVE, _venue_has_seats, claim_places
from eventdesk.text import fold, new_id
from eventdesk.tickets import Signer, sign_many
from eventdesk.values import optional_text, parse_email, require_text, utcnow

MAX_ERRORS = 20
_T = TypeVar("_T")


@dataclass(frozen=True)
class ImportResult:
    imported: int  # registrations made now
    skipped: int  # rows already registered for this event (or repeated in the file)
    new_attendees: int
    waitlisted: int
    rows: int
    dry_run: bool
    notes: list[str] = field(default_factory=list)


@dataclass
class _Row:
    number: int  # the spreadsheet's row number (the header is row 1)
    name: str
    email: str
    key: str
    company: str | None
    phone: str | None
    ticket_type: TicketType
    order: str | None
    holder: str | None = None  # the name this ticket is for, when not the buyer's own


class _RowProblem(Exception):
    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what, self.message = what, message


def _checked(what: str, check: Callable[[], _T]) -> _T:
    try:
        return check()
    except InvalidInput as exc:
        raise _RowProblem(what, exc.message) from None


def _parse_row(
    number: int,
    record: list[str],
    mapping: dict[str, int],
    types: dict[str, TicketType],
    only_type: TicketType | None,
    event: Event,
) -> _Row:
    """One row, checked field by field with the rules `attendee add` applies."""
    name = cell(record, mapping, "name") or " ".join(
        x for x in (cell(record, mapping, "first"), cell(record, mapping, "last")) if x
    )
    email = cell(record, mapping, "email")
    if not email:
        raise _RowProblem("email", "missing")
    email = _checked("email", lambda: parse_email(email))
    if not name:
        raise _RowProblem("name", "missing")
    name = _checked("name", lambda: require_text(name, "name"))
    company = _checked(
        "company", lambda: optional_text(cell(record, mapping, "company"), "company")
    )
    phone = _checked(
        "phone", lambda: optional_text(cell(record, mapping, "phone"), "phone", max_length=50)
    )
    type_name = _checked(
        "ticket type",
        lambda: optional_text(cell(record, mapping, "ticket_type"), "ticket type"),
    )
    order = _checked(
        "order", lambda: optional_text(cell(record, mapping, "order"), "order", max_length=100)
    )
    ticket_type = types.get(type_name.casefold()) if type_name else only_type
    if ticket_type is None:
        known = ", ".join(sorted(t.name for t in types.values())) or "none"
        raise _RowProblem(
            "ticket type",
            f"{type_name or 'missing'!r} is not a ticket type of {event.slug} (known: {known})",
        )
    return _Row(number, name, email, email_key(email), company, phone, ticket_type, order)


def _validate(
    header: list[str],
    records: list[tuple[int, list[str]]],
    types: dict[str, TicketType],
    event: Event,
) -> tuple[list[_Row], list[str], int]:
    mapping = map_headers(header)
    problems: list[str] = []
    bad = 0
    good: list[_Row] = []
    only_type = next(iter(types.values())) if len(types) == 1 else None
    if "ticket_type" not in mapping and only_type is None:
        raise InvalidInput(
            f"the file has no ticket type column and {event.slug!r} has {len(types)} ticket types",
            field="ticket_type",
        )

    def fail(number: int, what: str, message: str) -> None:
        nonlocal bad
        bad += 1
        if len(problems) < MAX_ERRORS:
            problems.append(f"row {number} ({what}): {message}")

    for number, record in records:
        if len(record) > len(header):
            fail(number, "fields", f"{len(record)} fields, the header has {len(header)}")
            continue
        try:
            good.append(_parse_row(number, record, mapping, types, only_type, event))
        except _RowProblem as problem:
            fail(number, problem.what, problem.message)
    return good, problems, bad


def _holders_and_repeats(
    rows: list[_Row], names: dict[str, str], notes: list[str]
) -> tuple[list[_Row], int]:
    """Who each row's ticket is for, and which rows repeat an earlier one (skipped).

    A person's first row is their own ticket. A later row with their email is another ticket
    of theirs when it has the same Order # and a name not used in that order yet: a ticket
    bought for someone else, who is named on it (its holder). Any other later row repeats.
    """
    first_row: dict[str, int] = {}
    used: dict[tuple[str, str], set[str]] = {}  # (email key, order) -> names in it, folded
    kept: list[_Row] = []
    skipped = 0
    for row in rows:
        buyer = names.get(row.key, row.name)
        if row.key not in first_row:
            first_row[row.key] = row.number
            if row.order:
                used.setdefault((row.key, row.order), set()).update({fold(buyer), fold(row.name)})
            kept.append(row)
            continue
        in_order = used.get((row.key, row.order)) if row.order else None
        if in_order is not None and fold(row.name) not in in_order:
            in_order.add(fold(row.name))
            row.holder = row.name
            kept.append(row)
            continue
        skipped += 1
        if len(notes) < MAX_ERRORS:
            notes.append(f"row {row.number}: {row.email} repeats row {first_row[row.key]}, skipped")
    return kept, skipped


@dataclass
class _Plan:
    """What an import will write, worked out from a read of the database."""

    event_id: int
    rows: int  # good rows in the file
    fresh: list[_Row]  # rows that become tickets
    new_people: list[_Row]  # the first row of each person not known yet
    attendee_ids: dict[str, int]  # email key -> id, of people known already
    skipped: int
    notes: list[str]

    def result(self, waitlisted: int, new_people: int, *, dry_run: bool) -> ImportResult:
        return ImportResult(
            len(self.fresh), self.skipped, new_people, waitlisted, self.rows, dry_run, self.notes
        )


def import_attendees(
    store: Store,
    path: str | Path,
    event_ref: str | int,
    *,
    dry_run: bool = False,
    station: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Register everyone in the file for the event (or waitlist them when full). All or nothing.

    Every row is checked against a read of the database before anything is written. The rows
    then go in a few hundred at a time, each batch its own short transaction, so a door checking
    people in meanwhile never waits long (see import_runs); a refusal or failure half-way takes
    back what was written. A dry run reads and counts the same way and writes nothing.
    """
    header, records = read_table(Path(path))
    recovered = [] if dry_run else import_runs.recover(store)
    with store.read() as session:
        plan = _plan(session, header, records, event_ref)
    plan.notes[:0] = recovered
    if dry_run:
        with store.read() as session, session.no_autoflush:
            waitlisted = _count_waitlisted(session, plan)
        return plan.result(waitlisted, len(plan.new_people), dry_run=True)
    return _write(store, plan, str(path), station, progress)


def _plan(
    session: Session,
    header: list[str],
    records: list[tuple[int, list[str]]],
    event_ref: str | int,
) -> _Plan:
    event = get_event(session, event_ref)
    types = {
        t.name.casefold(): t
        for t in session.scalars(select(TicketType).where(TicketType.event_id == event.id))
    }
    rows, problems, bad = _validate(header, records, types, event)
    if bad:
        more = f" (and {bad - len(problems)} more)" if bad > len(problems) else ""
        raise InvalidInput(
            f"{bad} bad row{'s' if bad != 1 else ''}, nothing imported: "
            + "; ".join(problems)
            + more,
            field="file",
        )
    existing = _existing_attendees(session, {r.key for r in rows})
    names = {key: name for key, (_id, name) in existing.items()}
    notes: list[str] = []
    wanted, skipped = _holders_and_repeats(rows, names, notes)
    held = _active_tickets(session, event, {a for a, _ in existing.values()})
    fresh: list[_Row] = []
    for row in wanted:
        found = existing.get(row.key)
        if found is not None and (found[0], fold(row.holder) if row.holder else None) in held:
            skipped += 1
            continue
        fresh.append(row)
    first_rows = {r.key: r for r in reversed(fresh)}
    new_people = [
        first_rows[key] for key in dict.fromkeys(r.key for r in fresh) if key not in existing
    ]
    known = {key: found[0] for key, found in existing.items()}
    session.expunge_all()  # the rows' ticket types stay readable after this read ends
    return _Plan(event.id, len(rows), fresh, new_people, known, skipped, notes)


def _orders(rows: list[_Row]) -> list[list[int]]:
    """The rows of each order, by index: an order is placed whole or waitlisted whole."""
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(row.order or f"row-{row.number}", []).append(index)
    return list(groups.values())


def _batches(groups: list[list[int]], size: int) -> list[list[list[int]]]:
    """Whole orders, about ``size`` rows a batch."""
    batches: list[list[list[int]]] = [[]]
    count = 0
    for group in groups:
        if count and count + len(group) > size:
            batches.append([])
            count = 0
        batches[-1].append(group)
        count += len(group)
    return batches


def _sold_out(event: Event, members: list[_Row], order: str | None) -> SoldOut:
    where = (
        f"row {members[0].number}"
        if len(members) == 1
        else ("rows " + ", ".join(str(r.number) for r in members) + f" (order {order})")
    )
    what = (
        f"{members[0].ticket_type.name} is sold out"
        if len(members) == 1
        else f"there is no room for all {len(members)} tickets of the order"
    )
    return SoldOut(f"{where}: {what} and {event.slug} has no waitlist: nothing imported")


def _count_waitlisted(session: Session, plan: _Plan) -> int:
    """A dry run's places: the counters move in this session only, which is never written."""
    event = get_event(session, plan.event_id)
    types = {
        t.id: t for t in session.scalars(select(TicketType).where(TicketType.event_id == event.id))
    }
    waitlisted = 0
    for indexes in _orders(plan.fresh):
        members = [plan.fresh[i] for i in indexes]
        claims = [(types[r.ticket_type.id], ()) for r in members]
        if claim_places(session, event, claims, seated=False) is None:
            if not event.waitlist_enabled:
                raise _sold_out(event, members, members[0].order)
            waitlisted += len(members)
    return waitlisted


def _write(
    store: Store,
    plan: _Plan,
    source: str,
    station: str | None,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    now = utcnow()
    with store.read() as session:
        ticket_ids = _ticket_ids(session, len(plan.fresh))
    run_id = import_runs.start(store, plan.event_id, source, plan.rows, station)
    batches = import_runs.Batches(store, run_id)
    try:
        with _signing(store.signer, ticket_ids) as signed_later:
            attendee_ids = dict(plan.attendee_ids)
            for start in range(0, len(plan.new_people), import_runs.CHUNK_ROWS):
                chunk = plan.new_people[start : start + import_runs.CHUNK_ROWS]
                with batches.write() as session:
                    attendee_ids.update(_insert_attendees(session, chunk, now, run_id))
            signed = signed_later()
        waitlisted = 0
        for batch in _batches(_orders(plan.fresh), import_runs.CHUNK_ROWS):
            with batches.write() as session:
                event = get_event(session, plan.event_id, lock=True)
                waitlisted += _register_rows(
                    session,
                    event,
                    _Batch(plan.fresh, batch, ticket_ids, signed, attendee_ids, run_id),
                    now,
                    station,
                )
            if progress is not None:  # after the commit: the door had its turn
                progress(sum(len(order) for order in batch))
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
    return plan.result(waitlisted, len(plan.new_people), dry_run=False)


def _take_back(store: Store, run_id: int) -> None:
    """Undo a run that failed; if the database is away, the next import does it."""
    with contextlib.suppress(DatabaseUnavailable, DBAPIError):
        import_runs.undo(store, run_id)


def _existing_attendees(session: Session, keys: set[str]) -> dict[str, tuple[int, str]]:
    """Attendees already known, by email key: (id, name)."""
    found: dict[str, tuple[int, str]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        for key, attendee_id, name in session.execute(
            select(Attendee.email_key, Attendee.id, Attendee.name).where(
                Attendee.email_key.in_(chunk)
            )
        ):
            found[key] = (attendee_id, name)
    return found


def _active_tickets(
    session: Session, event: Event, attendee_ids: set[int]
) -> set[tuple[int, str | None]]:
    """(attendee, folded holder name or None) of the event's registered and waiting tickets."""
    if not attendee_ids:
        return set()
    held = session.execute(
        select(Ticket.attendee_id, Ticket.holder_name).where(
            Ticket.event_id == event.id, Ticket.status.in_(ACTIVE)
        )
    )
    return {(a, fold(h) if h else None) for a, h in held if a in attendee_ids}


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new primary keys for ``table``, taken before a bulk insert (no RETURNING).

    SQLite: the write transaction holds the database's only write lock, so max(id)+1... are
    ours. PostgreSQL: drawn from the column's own sequence, which other stations also use.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))"
                    " FROM generate_series(1, :n)"
                ),
                {"n": count},
            )
        )
    start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(start + 1, start + count + 1))


def _bulk(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows through the driver's executemany. Each value still goes through its
    column type's bind processor (made once per column), so what is stored is exactly what an
    ordinary insert stores; only SQLAlchemy's per-row statement bookkeeping is skipped."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    processors = [column.type.bind_processor(dialect) for column in columns]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(dialect.identifier_preparer.quote(n) for n in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    for start in range(0, len(rows), 5000):
        values = [
            tuple(
                p(row[n]) if p is not None else row[n]
                for n, p in zip(names, processors, strict=True)
            )
            for row in rows[start : start + 5000]
        ]
        connection.exec_driver_sql(sql, values)


def _insert_attendees(session: Session, rows: list[_Row], now: Any, run_id: int) -> dict[str, int]:
    table = cast(Table, Attendee.__table__)
    ids = reserve_ids(session, table, len(rows))
    _bulk(
        session,
        table,
        [
            {
                "id": attendee_id,
                "name": r.name,
                "email": r.email,
                "email_key": r.key,
                "company": r.company,
                "phone": r.phone,
                "failed_pin_attempts": 0,
                "created_at": now,
                "import_run_id": run_id,
            }
            for attendee_id, r in zip(ids, rows, strict=True)
        ],
    )
    tokens = sorted(  # in index order: the B-tree is filled front to back
        (token, attendee_id)
        for attendee_id, r in zip(ids, rows, strict=True)
        for token in search_tokens(r.name, r.email, r.company)
    )
    _bulk(
        session,
        cast(Table, SearchToken.__table__),
        [{"token": token, "attendee_id": attendee_id} for token, attendee_id in tokens],
    )
    return {r.key: attendee_id for attendee_id, r in zip(ids, rows, strict=True)}


def _ticket_ids(session: Session, count: int) -> list[str]:
    ids: set[str] = set()
    while len(ids) < count:
        wanted = {new_id() for _ in range(count - len(ids))} - ids
        taken: set[str] = set()
        ordered = sorted(wanted)
        for start in range(0, len(ordered), 1000):
            taken.update(
                session.scalars(
                    select(Ticket.id).where(Ticket.id.in_(ordered[start : start + 1000]))
                )
            )
        ids |= wanted - taken
    return sorted(ids)


def _sign_all(signer: Signer | None, ticket_ids: list[str]) -> list[str | None]:
    return [signer.payload(t) for t in ticket_ids] if signer else [None] * len(ticket_ids)


# From this many tickets on, an import signs them in a process of its own while it writes: a
# thread would hold the GIL while the writer holds the database's lock, and every one of the
# import's transactions (and a door's wait behind it) would take longer.
SIGN_APART = 5000


@contextmanager
def _signing(
    signer: Signer | None, ticket_ids: list[str]
) -> Iterator[Callable[[], list[str | None]]]:
    """The tickets' payloads, asked for once the people are in."""
    if signer is None or len(ticket_ids) < SIGN_APART:
        yield lambda: _sign_all(signer, ticket_ids)
        return
    context = multiprocessing.get_context("spawn")  # safe beside the app's threads
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(sign_many, signer.private_bytes(), ticket_ids)

        def signed() -> list[str | None]:
            try:
                return list(future.result())
            except (OSError, BrokenProcessPool):  # no process to be had: sign here
                return _sign_all(signer, ticket_ids)

        yield signed
        future.cancel()


@dataclass(frozen=True)
class _Batch:
    """One transaction's share of an import: whole orders, by index into ``rows``."""

    rows: list[_Row]
    orders: list[list[int]]
    ticket_ids: list[str]
    payloads: list[str | None]
    attendees: dict[str, int]
    run_id: int


def _register_rows(
    session: Session,
    event: Event,
    batch: _Batch,
    now: datetime,
    station: str | None,
) -> int:
    """Tickets for a batch of orders, with the rules of a registration: the rows of one Order #
    are one order, placed whole or waitlisted whole, never split."""
    if not batch.orders:
        return 0
    rows = batch.rows
    seated = _venue_has_seats(session, event)
    types = {
        t.id: t for t in session.scalars(select(TicketType).where(TicketType.event_id == event.id))
    }
    order_table = cast(Table, Order.__table__)
    order_ids = reserve_ids(session, order_table, len(batch.orders))
    _bulk(
        session,
        order_table,
        [
            {
                "id": order_id,
                "event_id": event.id,
                "buyer_id": batch.attendees[rows[indexes[0]].key],
                "created_at": now,
                "import_run_id": batch.run_id,
            }
            for indexes, order_id in zip(batch.orders, order_ids, strict=True)
        ],
    )
    seq: int | None = None  # the waitlist's last place, read when a row first needs one
    tickets: list[dict[str, Any]] = []
    ticket_tokens: list[dict[str, Any]] = []
    holder_words: set[tuple[str, int]] = set()
    logs = []
    seats_given: list[str] = []  # not in the table until the batch is written
    waitlisted = 0
    for indexes, order_id in zip(batch.orders, order_ids, strict=True):
        members = [rows[i] for i in indexes]
        seats = claim_places(
            session,
            event,
            [(types[r.ticket_type.id], ()) for r in members],
            seated=seated,
            exclude_seats=seats_given,
        )
        if seats is None and not event.waitlist_enabled:
            raise _sold_out(event, members, members[0].order)
        seats_given.extend(seat for seat in seats or () if seat is not None)
        for position, (index, row) in enumerate(zip(indexes, members, strict=True)):
            placed = seats is not None
            if not placed:
                seq = (_last_waitlisted(session, event) if seq is None else seq) + 1
                waitlisted += 1
            status = "registered" if placed else "waitlisted"
            attendee_id = batch.attendees[row.key]
            ticket_id = batch.ticket_ids[index]
            tickets.append(
                {
                    "id": ticket_id,
                    "order_id": order_id,
                    "event_id": event.id,
                    "ticket_type_id": row.ticket_type.id,
                    "attendee_id": attendee_id,
                    "holder_name": row.holder,
                    "status": status,
                    "price_cents": row.ticket_type.price_cents,
                    "currency": row.ticket_type.currency,
                    "seat_label": seats[position] if seats is not None else None,
                    "waitlist_seq": None if placed else seq,
                    "created_at": now,
                    "registered_at": now if placed else None,
                    "qr_payload": batch.payloads[index],
                    "inside": False,
                    "import_run_id": batch.run_id,
                }
            )
            ticket_tokens.append({"token": ticket_id.lower(), "attendee_id": attendee_id})
            if row.holder:
                holder_words.update((t, attendee_id) for t in holder_tokens(row.holder))
            detail: dict[str, Any] = {"import": True, "row": row.number}
            if row.holder:
                detail["holder"] = row.holder
            logs.append(
                {
                    "at": now,
                    "kind": status,
                    "event_id": event.id,
                    "ticket_id": ticket_id,
                    "attendee_id": attendee_id,
                    "amount_cents": row.ticket_type.price_cents,
                    "currency": row.ticket_type.currency,
                    "station": station,
                    "detail": json.dumps(detail),
                }
            )
    session.flush()  # the counters claim_places changed
    holder_words -= _known_tokens(session, {a for _, a in holder_words})
    search = ticket_tokens + [{"token": t, "attendee_id": a} for t, a in sorted(holder_words)]
    for model, rows_of in ((Ticket, tickets), (SearchToken, search), (TransactionLog, logs)):
        _bulk(session, cast(Table, model.__table__), rows_of)
    return waitlisted


def _last_waitlisted(session: Session, event: Event) -> int:
    """The highest waitlist place the event gave (it reads every ticket of the event: only
    when a batch waitlists someone)."""
    return int(
        session.scalar(
            select(Ticket.waitlist_seq)
            .where(Ticket.event_id == event.id)
            .order_by(Ticket.waitlist_seq.desc().nulls_last())
            .limit(1)
        )
        or 0
    )


def _known_tokens(session: Session, attendee_ids: set[int]) -> set[tuple[str, int]]:
    """The search words already stored for these attendees (a holder's words may be there)."""
    ordered = sorted(attendee_ids)
    known: set[tuple[str, int]] = set()
    for start in range(0, len(ordered), 1000):
        query = select(SearchToken.token, SearchToken.attendee_id).where(
            SearchToken.attendee_id.in_(ordered[start : start + 1000])
        )
        known.update((token, attendee_id) for token, attendee_id in session.execute(query))
    return known

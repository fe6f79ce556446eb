"""CSV import of attendees and registrations, and CSV exports that open cleanly in a spreadsheet.

Import reads what ticketing tools export: headers matched loosely ("First Name"/"Last Name" or
"Name", "E-mail", "Ticket Type", "Company", "Order #"...), UTF-8 with or without BOM, the
delimiter sniffed, quoted fields with commas and line breaks. It is all or nothing: every row is
checked first and one bad row means nothing is imported; the message names up to 20 bad rows by
number and field. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, SoldOut
from eventdesk.models import (
    Attendee,
    Event,
    Order,
    Payment,
    ScanLog,
    SearchToken,
    Ticket,
    TicketType,
    TransactionLog,
)
from eventdesk.services.attendees import search_tokens
from eventdesk.services.common import email_key, get_event
from eventdesk.services.registration import ACTIVE, _claim, _venue_has_seats
from eventdesk.text import fold, new_id
from eventdesk.values import CONTROL_CHARACTERS, parse_email, utcnow

MAX_ERRORS = 20
HEADERS = {
    "name": (
        "name",
        "fullname",
        "attendeename",
        "attendee",
        "participant",
        "guest",
        "nom",
        "namen",
    ),
    "first": ("firstname", "first", "givenname", "forename", "prenom", "vorname"),
    "last": ("lastname", "last", "surname", "familyname", "nachname", "nomdefamille"),
    "email": ("email", "emailaddress", "mail", "attendeeemail", "courriel"),
    "ticket_type": (
        "tickettype",
        "ticket",
        "type",
        "tickettypename",
        "tickettier",
        "ticketname",
        "category",
        "product",
        "admissiontype",
        "registrationtype",
        "tarif",
    ),
    "company": (
        "company",
        "organization",
        "organisation",
        "employer",
        "org",
        "companyname",
        "firma",
        "entreprise",
    ),
    "phone": (
        "phone",
        "phonenumber",
        "mobile",
        "mobilephone",
        "cellphone",
        "tel",
        "telephone",
        "telefon",
    ),
    "order": (
        "order",
        "ordernumber",
        "orderno",
        "orderid",
        "orderreference",
        "ordernr",
        "bookingreference",
        "booking",
        "reference",
        "confirmationnumber",
    ),
}
_KEY = re.compile(r"[^a-z0-9]")


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
    number: int
    name: str
    email: str
    key: str
    company: str | None
    phone: str | None
    ticket_type: TicketType
    order: str | None


def _header_key(text: str) -> str:
    return _KEY.sub("", fold(text).replace("#", "number"))


def _map_headers(header: Sequence[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = _header_key(raw)
        for target, names in HEADERS.items():
            if key in names and target not in mapping:
                mapping[target] = index
    if "email" not in mapping:
        raise InvalidInput(
            "the file has no email column (looked for: Email, E-mail, Email Address...)",
            field="email",
        )
    if "name" not in mapping and "first" not in mapping:
        raise InvalidInput(
            "the file has no name column (Name, or First Name and Last Name)", field="name"
        )
    return mapping


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and rows (with their line-based row numbers; the header is row 1)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}", field="file") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not UTF-8 text (byte {exc.start}): export it as CSV UTF-8",
            field="file",
        ) from None
    sample = content[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(content, newline=""), dialect)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for record in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines
            if header is None:
                header = [cell.strip() for cell in record]
            else:
                rows.append((number, record))
    except csv.Error as exc:
        raise InvalidInput(f"{path.name}, line {reader.line_num}: {exc}", field="file") from None
    if header is None:
        raise InvalidInput(f"{path.name} is empty", field="file")
    return header, rows


def _cell(record: list[str], mapping: dict[str, int], name: str) -> str:
    index = mapping.get(name)
    if index is None or index >= len(record):
        return ""
    value = " ".join(record[index].split())  # a line break inside a quoted field is a space
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":  # our own export's guard
        value = value[1:]
    return value


def _validate(
    header: list[str],
    records: list[tuple[int, list[str]]],
    types: dict[str, TicketType],
    event: Event,
) -> tuple[list[_Row], list[str], int]:
    mapping = _map_headers(header)
    problems: list[str] = []
    bad = 0
    good: list[_Row] = []
    only_type = next(iter(types.values())) if len(types) == 1 else None
    if "ticket_type" not in mapping and only_type is None:
        raise InvalidInput(
            f"the file has no ticket type column and {event.slug!r} has {len(types)} ticket types",
            field="ticket_type",
        )
    known = ", ".join(sorted(t.name for t in types.values())) or "none"

    def fail(number: int, what: str, message: str) -> None:
        nonlocal bad
        bad += 1
        if len(problems) < MAX_ERRORS:
            problems.append(f"row {number} ({what}): {message}")

    for number, record in records:
        if len(record) > len(header):
            fail(number, "fields", f"{len(record)} fields, the header has {len(header)}")
            continue
        name = _cell(record, mapping, "name") or " ".join(
            x for x in (_cell(record, mapping, "first"), _cell(record, mapping, "last")) if x
        )
        email = _cell(record, mapping, "email")
        type_name = _cell(record, mapping, "ticket_type")
        if not email:
            fail(number, "email", "missing")
            continue
        try:
            email = parse_email(email)
        except InvalidInput as exc:
            fail(number, "email", exc.message)
            continue
        if not name:
            fail(number, "name", "missing")
            continue
        if len(name) > 200 or CONTROL_CHARACTERS.search(name):
            fail(number, "name", "longer than 200 characters or has control characters")
            continue
        ticket_type = types.get(type_name.casefold()) if type_name else only_type
        if ticket_type is None:
            fail(
                number,
                "ticket type",
                f"{type_name or 'missing'!r} is not a ticket type of {event.slug} (known: {known})",
            )
            continue
        good.append(
            _Row(
                number,
                name,
                email,
                email_key(email),
                _cell(record, mapping, "company")[:200] or None,
                _cell(record, mapping, "phone")[:50] or None,
                ticket_type,
                _cell(record, mapping, "order")[:100] or None,
            )
        )
    return good, problems, bad


def import_attendees(
    store: Store,
    path: str | Path,
    event_ref: str | int,
    *,
    dry_run: bool = False,
    station: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Register everyone in the file for the event (or waitlist them when full). All or nothing."""
    header, records = read_table(Path(path))
    now = utcnow()
    with store.write() as session:
        event = get_event(session, event_ref, lock=True)
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
        holders = _active_holders(session, event, set(existing.values()))
        notes: list[str] = []
        seen: dict[str, int] = {}
        fresh: list[_Row] = []
        skipped = 0
        for row in rows:
            if row.key in seen:
                skipped += 1
                if len(notes) < MAX_ERRORS:
                    notes.append(
                        f"row {row.number}: {row.email} repeats row {seen[row.key]}, skipped"
                    )
                continue
            seen[row.key] = row.number
            if existing.get(row.key) in holders:
                skipped += 1
                continue
            fresh.append(row)
        new_people = [r for r in fresh if r.key not in existing]
        if dry_run:
            waitlisted = _would_waitlist(event, fresh)
            return ImportResult(
                len(fresh), skipped, len(new_people), waitlisted, len(rows), True, notes
            )
        ticket_ids = _ticket_ids(session, len(fresh))
        # Signing holds the GIL but SQLite's executemany does not: sign while rows go in.
        with ThreadPoolExecutor(max_workers=1) as signing:
            payloads = signing.submit(_sign_all, store, ticket_ids)
            existing.update(_insert_attendees(session, new_people, now))
            waitlisted = _register_rows(
                session, event, fresh, ticket_ids, payloads, existing, now, station, progress
            )
        return ImportResult(
            len(fresh), skipped, len(new_people), waitlisted, len(rows), False, notes
        )


def _existing_attendees(session: Session, keys: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        found.update(
            session.execute(
                select(Attendee.email_key, Attendee.id).where(Attendee.email_key.in_(chunk))
            ).all()
        )
    return found


def _active_holders(session: Session, event: Event, attendee_ids: set[int]) -> set[int]:
    held = session.scalars(
        select(Ticket.attendee_id).where(Ticket.event_id == event.id, Ticket.status.in_(ACTIVE))
    )
    return {a for a in held if a in attendee_ids}


def _would_waitlist(event: Event, rows: list[_Row]) -> int:
    room_event = None if event.capacity is None else event.capacity - event.registered_count
    room_type: dict[int, int | None] = {}
    waitlisted = 0
    for row in rows:
        tt = row.ticket_type
        if tt.id not in room_type:
            room_type[tt.id] = None if tt.quantity is None else tt.quantity - tt.registered_count
        left_type = room_type[tt.id]
        if (room_event is None or room_event > 0) and (left_type is None or left_type > 0):
            room_event = None if room_event is None else room_event - 1
            room_type[tt.id] = None if left_type is None else left_type - 1
        else:
            waitlisted += 1
    return waitlisted


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


def _insert_attendees(session: Session, rows: list[_Row], now: Any) -> dict[str, int]:
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


def _sign_all(store: Store, ticket_ids: list[str]) -> list[str | None]:
    signer = store.signer
    return [signer.payload(t) for t in ticket_ids] if signer else [None] * len(ticket_ids)


def _register_rows(
    session: Session,
    event: Event,
    rows: list[_Row],
    ids: list[str],
    payloads: Future[list[str | None]],
    attendees: dict[str, int],
    now: Any,
    station: str | None,
    progress: Callable[[int], None] | None,
) -> int:
    """Tickets for the rows, with the same capacity rule as a single registration."""
    if not rows:
        return 0
    seated = _venue_has_seats(session, event)
    order_keys = [r.order or f"row-{r.number}" for r in rows]
    unique_orders = list(dict.fromkeys(order_keys))
    buyer_of: dict[str, int] = {}
    for row, key in zip(rows, order_keys, strict=True):
        buyer_of.setdefault(key, attendees[row.key])
    order_table = cast(Table, Order.__table__)
    orders = dict(
        zip(unique_orders, reserve_ids(session, order_table, len(unique_orders)), strict=True)
    )
    _bulk(
        session,
        order_table,
        [
            {"id": order_id, "event_id": event.id, "buyer_id": buyer_of[k], "created_at": now}
            for k, order_id in orders.items()
        ],
    )
    seq = int(
        session.scalar(
            select(Ticket.waitlist_seq)
            .where(Ticket.event_id == event.id)
            .order_by(Ticket.waitlist_seq.desc().nulls_last())
            .limit(1)
        )
        or 0
    )
    tickets, tokens, logs = [], [], []
    waitlisted = 0
    for n, (row, key, ticket_id) in enumerate(zip(rows, order_keys, ids, strict=True), start=1):
        placed, seat = _claim(session, event, row.ticket_type, (), seated=seated)
        if not placed and not event.waitlist_enabled:
            raise SoldOut(
                f"row {row.number}: {row.ticket_type.name} is sold out and {event.slug} has no "
                "waitlist: nothing imported"
            )
        if not placed:
            seq += 1
            waitlisted += 1
        status = "registered" if placed else "waitlisted"
        attendee_id = attendees[row.key]
        tickets.append(
            {
                "id": ticket_id,
                "order_id": orders[key],
                "event_id": event.id,
                "ticket_type_id": row.ticket_type.id,
                "attendee_id": attendee_id,
                "status": status,
                "price_cents": row.ticket_type.price_cents,
                "currency": row.ticket_type.currency,
                "seat_label": seat,
                "waitlist_seq": None if placed else seq,
                "created_at": now,
                "registered_at": now if placed else None,
                "qr_payload": None,  # filled in below, from the signing thread
                "inside": False,
            }
        )
        tokens.append({"token": ticket_id.lower(), "attendee_id": attendee_id})
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
                "detail": json.dumps({"import": True, "row": row.number}),
            }
        )
        if progress is not None and n % 1000 == 0:
            progress(1000)
    session.flush()  # the counters _claim changed
    for ticket, payload in zip(tickets, payloads.result(), strict=True):
        ticket["qr_payload"] = payload
    for model, batch in ((Ticket, tickets), (SearchToken, tokens), (TransactionLog, logs)):
        _bulk(session, cast(Table, model.__table__), batch)
    if progress is not None:
        progress(len(rows) % 1000)
    return waitlisted


# --- export ---------------------------------------------------------------------------------
EXPORTS = ("attendees", "checkins", "scans", "payments")


def neutralize(value: Any) -> str:
    """A cell a spreadsheet shows as text: '=', '+', '-', '@', tab or CR cannot start a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _local(moment: Any, event: Event) -> str:
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    try:
        return str(moment.astimezone(ZoneInfo(event.timezone)).strftime("%Y-%m-%d %H:%M:%S"))
    except (KeyError, ValueError):
        return str(moment.isoformat())


Rows = tuple[list[str], Iterable[list[Any]]]


def _attendee_rows(session: Session, event: Event) -> Rows:
    paid: dict[str, int] = {}
    for tid, kind, amount in session.execute(
        select(Payment.ticket_id, Payment.kind, Payment.amount_cents)
        .join(Ticket, Ticket.id == Payment.ticket_id)
        .where(Ticket.event_id == event.id, Payment.status == "completed")
    ):
        paid[tid] = paid.get(tid, 0) + (amount if kind == "payment" else -amount)

    def money(cents: int) -> str:
        return f"{cents // 100}.{cents % 100:02d}"

    query = (
        select(
            Attendee.name,
            Attendee.email,
            Attendee.company,
            Attendee.phone,
            TicketType.name,
            Ticket.id,
            Ticket.status,
            Ticket.order_id,
            Ticket.seat_label,
            Ticket.checked_in_at,
            Ticket.checked_in_station,
            Ticket.price_cents,
            Ticket.currency,
        )
        .join(Ticket, Ticket.attendee_id == Attendee.id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(Ticket.event_id == event.id)
        .order_by(Attendee.name, Ticket.id)
    )
    header = [
        "Name",
        "Email",
        "Company",
        "Phone",
        "Ticket Type",
        "Ticket ID",
        "Status",
        "Order #",
        "Seat",
        "Checked In At",
        "Station",
        "Paid",
        "Due",
        "Currency",
    ]
    return header, (
        [
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            _local(r[9], event),
            r[10],
            money(paid.get(r[5], 0)),
            money(max(r[11] - paid.get(r[5], 0), 0)),
            r[12],
        ]
        for r in session.execute(query)
    )


def _checkin_rows(session: Session, event: Event) -> Rows:
    query = (
        select(
            Ticket.checked_in_at,
            Ticket.checked_in_station,
            Ticket.id,
            Attendee.name,
            Attendee.email,
            TicketType.name,
        )
        .join(Attendee, Attendee.id == Ticket.attendee_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(Ticket.event_id == event.id, Ticket.checked_in_at.is_not(None))
        .order_by(Ticket.checked_in_at)
    )
    header = ["Checked In At", "Station", "Ticket ID", "Name", "Email", "Ticket Type"]
    return header, ([_local(r[0], event), *r[1:]] for r in session.execute(query))


def _scan_rows(session: Session, event: Event) -> Rows:
    query = (
        select(
            ScanLog.at,
            ScanLog.station,
            ScanLog.operator,
            ScanLog.ticket_id,
            ScanLog.result,
            ScanLog.session_id,
            ScanLog.direction,
            ScanLog.payload,
        )
        .where(ScanLog.event_id == event.id)
        .order_by(ScanLog.id)
    )
    header = ["At", "Station", "Operator", "Ticket ID", "Result", "Session", "Direction", "Payload"]
    return header, ([_local(r[0], event), *r[1:]] for r in session.execute(query))


def _payment_rows(session: Session, event: Event) -> Rows:
    query = (
        select(
            Payment.created_at,
            Payment.ticket_id,
            Attendee.name,
            Payment.kind,
            Payment.method,
            Payment.amount_cents,
            Payment.currency,
            Payment.status,
            Payment.reference,
            Payment.station,
        )
        .join(Ticket, Ticket.id == Payment.ticket_id)
        .join(Attendee, Attendee.id == Ticket.attendee_id)
        .where(Ticket.event_id == event.id)
        .order_by(Payment.id)
    )
    header = [
        "At",
        "Ticket ID",
        "Name",
        "Kind",
        "Method",
        "Amount",
        "Currency",
        "Status",
        "Reference",
        "Station",
    ]
    return header, (
        [_local(r[0], event), r[1], r[2], r[3], r[4], f"{r[5] // 100}.{r[5] % 100:02d}", *r[6:]]
        for r in session.execute(query)
    )


EXPORTERS = {
    "attendees": _attendee_rows,
    "checkins": _checkin_rows,
    "scans": _scan_rows,
    "payments": _payment_rows,
}


def export(store: Store, kind: str, event_ref: str | int, output: str | Path) -> int:
    """Write a CSV (UTF-8 with BOM, comma, CRLF: what spreadsheets open cleanly). Returns rows."""
    if kind not in EXPORTS:
        raise InvalidInput(f"export must be one of {', '.join(EXPORTS)}", field="export")
    path = Path(output)
    count = 0
    with store.read() as session:
        event = get_event(session, event_ref)
        header, rows = EXPORTERS[kind](session, event)
        try:
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerow(header)
                for row in rows:
                    writer.writerow([neutralize(v) for v in row])
                    count += 1
        except OSError as exc:
            raise InvalidInput(
                f"cannot write {path}: {exc.strerror or exc}", field="output"
            ) from None
    return count

"""A big event, written fast into a migrated store, for the benchmarks at festival scale.

    build(store, attendees=1_000_000, scans=2_000_000)

The rows are what the services write (attendees, one order for every two tickets, registered
tickets of three types, 60% of them checked in over the last three hours, 90% of those still
inside, a scan log of a busy door), but written in bulk: executemany on SQLite, COPY on
PostgreSQL. The database's own triggers run for every row, as they do for the services' writes.
Nothing is held in memory beyond one chunk of rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, text

from eventdesk.db import Store
from eventdesk.models import Attendee, Order, ScanLog, Ticket
from eventdesk.services.catalogue import events, program
from eventdesk.services.data.demo import COMPANIES, FIRST_NAMES, LAST_NAMES
from eventdesk.services.data.import_runs import _bulk, reserve_ids
from eventdesk.text import fold
from eventdesk.values import utcnow

CHUNK = 50_000
# PostgreSQL: a transaction that adds to one tally row thousands of times leaves that many row
# versions for each next update to step over; the doors' transactions are one scan each.
PG_CHUNK = 2_000
STATIONS = [f"Door {n}" for n in range(1, 7)]
RESULTS = (
    ["ok"] * 80 + ["already_checked_in"] * 12 + ["invalid"] * 4 + ["unpaid"] * 3 + ["wrong_event"]
)
TYPES = (("VIP", 0), ("Regular", 0), ("Student", 0))


@dataclass(frozen=True)
class BigEvent:
    slug: str
    event_id: int
    attendees: int
    checked_in: int
    scans: int
    seconds: float  # to build
    first: int = 0  # the number of its first attendee and ticket

    def random_ticket(self, rng: random.Random) -> str:
        return ticket_id(self.first + rng.randrange(self.attendees))


def _chunks(count: int, first: int = 0) -> Iterator[range]:
    for start in range(first, first + count, CHUNK):
        yield range(start, min(first + count, start + CHUNK))


def _write(store: Store, table: Any, rows: list[dict[str, Any]]) -> None:
    """One chunk of rows, in a transaction of its own."""
    if not rows:
        return
    if store.dialect != "postgresql":
        with store.write() as session:
            _bulk(session, cast(Table, table), rows)
        return
    names = list(rows[0])
    columns = ", ".join(names)
    for start in range(0, len(rows), PG_CHUNK):
        with store.engine.begin() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows[start : start + PG_CHUNK]:
                    copy.write_row([row[n] for n in names])


def scan_row(rng: random.Random, event_id: int, ticket: str, at: datetime) -> dict[str, Any]:
    """One scan-log row as a busy door writes them."""
    return {
        "at": at,
        "station": rng.choice(STATIONS),
        "operator": None,
        "event_id": event_id,
        "session_id": None,
        "ticket_id": ticket,
        "direction": "entry",
        "payload": None,
        "result": rng.choice(RESULTS),
        "offline": False,
    }


def ticket_id(number: int) -> str:
    return f"B{number:09d}"


def build(
    store: Store,
    *,
    attendees: int,
    scans: int,
    seed: int = 3,
    name: str = "Festival",
    first: int = 0,
) -> BigEvent:
    """An event of ``attendees`` people and tickets numbered from ``first`` (two events in one
    database need ranges apart) and ``scans`` scan-log rows."""
    began = time.perf_counter()
    rng = random.Random(seed)
    now = utcnow()
    ev = events.create_event(
        store, name=name, starts=now - timedelta(hours=3), ends=now + timedelta(hours=6)
    )
    types = [
        program.add_ticket_type(store, ev.slug, name=type_name, price_cents=price).id
        for type_name, price in TYPES
    ]
    for n in range(6):
        program.add_session(
            store, ev.slug, name=f"Talk {n}", starts=now, ends=now + timedelta(hours=1)
        )
    attendee_table = cast(Table, Attendee.__table__)
    order_table = cast(Table, Order.__table__)
    checked_in = 0
    for part in _chunks(attendees, first):
        with store.write() as session:
            people = reserve_ids(session, attendee_table, len(part))
            orders = reserve_ids(session, order_table, (len(part) + 1) // 2)
        rows = []
        for i, person in zip(part, people, strict=True):
            given, family = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"guest{i}@example.com"
            rows.append(
                {
                    "id": person,
                    "name": f"{given} {family}",
                    "email": email,
                    "email_key": fold(email),
                    "company": rng.choice(COMPANIES),
                    "failed_pin_attempts": 0,
                    "lockouts": 0,
                    "created_at": now,
                }
            )
        _write(store, Attendee.__table__, rows)
        _write(
            store,
            Order.__table__,
            [
                {"id": order, "event_id": ev.id, "buyer_id": people[2 * k], "created_at": now}
                for k, order in enumerate(orders)
            ],
        )
        tickets = []
        for k, (i, person) in enumerate(zip(part, people, strict=True)):
            arrived = rng.random() < 0.6
            checked_in += arrived
            tickets.append(
                {
                    "id": ticket_id(i),
                    "order_id": orders[k // 2],
                    "event_id": ev.id,
                    "ticket_type_id": rng.choice(types),
                    "attendee_id": person,
                    "status": "registered",
                    "price_cents": 0,
                    "currency": "EUR",
                    "created_at": now,
                    "registered_at": now,
                    "checked_in_at": (
                        now - timedelta(seconds=rng.uniform(0, 3 * 3600)) if arrived else None
                    ),
                    "checked_in_station": rng.choice(STATIONS) if arrived else None,
                    "inside": arrived and rng.random() < 0.9,
                }
            )
        _write(store, Ticket.__table__, tickets)
    with store.write() as session:  # the counters the services keep
        session.execute(
            text("UPDATE event SET registered_count = :n WHERE id = :e"),
            {"n": attendees, "e": ev.id},
        )
    for part in _chunks(scans):
        _write(
            store,
            ScanLog.__table__,
            [
                scan_row(
                    rng,
                    ev.id,
                    ticket_id(first + rng.randrange(attendees)),
                    now - timedelta(seconds=rng.uniform(0, 3 * 3600)),
                )
                for _ in part
            ],
        )
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return BigEvent(
        ev.slug, ev.id, attendees, checked_in, scans, time.perf_counter() - began, first
    )

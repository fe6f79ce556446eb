"""Check-in lists at the door, side by side in one run, on SQLite (and PostgreSQL when a URL is
given): what a door on the event's default list pays for lists.

    python -m bench.lists [--tickets 3000] [--rounds 5] [--postgres URL]

(a) the door as it was before lists: the same Checkin, its look-up without the join to the
    check-in list (the floor: nothing of lists read);
(b) the door on the default list now (nothing changed: the ticket's own columns, one more
    indexed row read with the ticket);
(c) a door on a list with a rule (VIP and Regular only: the list's own entries, inserted once);
(d) the default list made "once a day" (an entry a day, and the event's arrival).
Each is one station checking in its own tickets, one durable transaction a scan, the variants
taking turns in rounds so that the machine's drift falls on all of them. Goal: (b) at least
0.95x (a): no loss of speed for a door with the default list.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Join, bindparam, literal, select

from bench.checkin import POSTGRES_ENV, make_tickets
from bench.scratch import scratch_database
from eventdesk import variables
from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.models import Event, Ticket
from eventdesk.prepared import Prepared
from eventdesk.services.catalogue import program
from eventdesk.services.door import checkin, checkin_sql
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import ListChange, create_list, update_list
from eventdesk.tickets import Signer, register_public_key

GOAL = 0.95
# The look-up as it was before lists: the door's own (checkin_sql.LOOKUP_ONE), its join to the
# check-in list taken off (the list's columns as NULL, so that the same rules decide: the
# default list, nothing changed).
_LIST_COLUMNS = {"list_id", "list_event", "list_updated"}
(_ON_LIST,) = checkin_sql.LOOKUP_ONE.get_final_froms()  # the ticket's tables, then the list
assert isinstance(_ON_LIST, Join)
BEFORE_LISTS = Prepared(
    select(
        *[c for c in checkin_sql.LOOKUP_ONE.selected_columns if c.key not in _LIST_COLUMNS],
        literal(None).label("list_id"),
        literal(None).label("list_event"),
        literal(None).label("list_updated"),
    )
    .select_from(_ON_LIST.left)
    .where(Ticket.id == bindparam("b_id"))
)


def timed(desk: Checkin, payloads: list[str]) -> list[float]:
    """Each scan's latency in ms (every one admitted)."""
    out = []
    for payload in payloads:
        t0 = time.perf_counter()
        result = desk.scan(payload)
        out.append((time.perf_counter() - t0) * 1000)
        assert result.admitted, result
    return out


def before_lists(store: Store) -> Checkin:
    desk = Checkin(store, station="Before lists")
    original = vars(checkin)["LOOKUP"]

    def scan(payload: str, **options: object) -> object:
        setattr(checkin, "LOOKUP", BEFORE_LISTS)  # noqa: B010
        try:
            return Checkin.scan(desk, payload, **options)  # type: ignore[arg-type]
        finally:
            setattr(checkin, "LOOKUP", original)  # noqa: B010

    desk.scan = scan  # type: ignore[method-assign, assignment]
    return desk


def run(url: str, key: Ed25519PrivateKey, count: int, rounds: int) -> dict[str, list[float]]:
    store = Store(url)
    upgrade(store)
    signer = Signer(key)
    register_public_key(store, signer, "bench")
    store.signer = signer
    # Two events: the default list left as it is on one, made daily on the other.
    plain = make_tickets(store, count * 3)
    daily = make_tickets(store, count, prefix="d")
    with store.read() as session:
        first, second = session.scalars(select(Event.slug).order_by(Event.id)).all()[:2]
    program.add_ticket_type(store, first, name="VIP", price_cents=0)
    create_list(store, first, ListChange(name="Hall", ticket_types=["VIP", "Regular"]))
    update_list(store, f"{second}/default", ListChange(entries="daily"))
    doors: dict[str, tuple[Callable[[], Checkin], list[str]]] = {
        "(a) before lists": (lambda: before_lists(store), plain[:count]),
        "(b) default list": (lambda: Checkin(store, station="Default"), plain[count : 2 * count]),
        "(c) a list's rule": (
            lambda: Checkin(store, station="Hall", checkin_list=f"{first}/hall"),
            plain[2 * count :],
        ),
        "(d) default, daily": (lambda: Checkin(store, station="Daily"), daily),
    }
    made = {name: make() for name, (make, _p) in doors.items()}
    for desk in made.values():
        desk.verifier.verify(plain[0])  # the keys loaded before the clock starts
    latencies: dict[str, list[float]] = {name: [] for name in doors}
    size = count // rounds
    for n in range(rounds):
        for name, (_make, payloads) in doors.items():
            latencies[name] += timed(made[name], payloads[n * size : (n + 1) * size])
    store.dispose()
    return latencies


def report(where: str, latencies: dict[str, list[float]]) -> float:
    print(where)
    rates = {}
    for name, ms in latencies.items():
        ms.sort()
        rates[name] = 1000 / statistics.mean(ms)
        print(
            f"  {name:<20} {rates[name]:>7,.0f} /s   p50 {statistics.median(ms):.2f} ms,"
            f" p99 {ms[int(0.99 * (len(ms) - 1))]:.2f} ms"
        )
    floor = rates["(a) before lists"]
    b, c, d = (rates[name] / floor for name in list(rates)[1:])
    print(f"  (b)/(a): {b:.2f}   (c)/(a): {c:.2f}   (d)/(a): {d:.2f}")
    return b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default=variables.read_text(POSTGRES_ENV))
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    with tempfile.TemporaryDirectory() as tmp:
        ratio = report(
            f"SQLite, {args.tickets:,} check-ins a door (synchronous=FULL):",
            run(f"sqlite:///{Path(tmp) / 'lists.db'}", key, args.tickets, args.rounds),
        )
    ratios = [ratio]
    if args.postgres:
        with scratch_database(args.postgres, "eventdesk_bench_lists") as url:
            ratios.append(
                report(
                    f"PostgreSQL, {args.tickets:,} check-ins a door:",
                    run(url, key, args.tickets, args.rounds),
                )
            )
    else:
        print(f"PostgreSQL: not measured (give --postgres URL or set {POSTGRES_ENV})")
    met = all(r >= GOAL for r in ratios)
    print(
        f"goal: a door on the default list at least {GOAL}x the door before lists: "
        + ", ".join(f"{r:.2f}x" for r in ratios)
        + (", met" if met else ", NOT met")
    )


if __name__ == "__main__":
    main()

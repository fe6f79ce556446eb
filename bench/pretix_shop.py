"""A connected pretix event against the bare HTTP it needs, side by side in one run.

    python -m bench.pretix_shop [--orders 1000,10000] [--pushes 1000] [--rounds 3] [--profile]

A real pretix on 127.0.0.1 (tests/pretix_shop.py: installed once per machine, started here in a
temporary folder, stopped at the end), one event a size of --orders and one for the check-ins,
each filled with paid orders of one ticket (tests/pretix/bulk_orders.py, inside pretix).

(1) Import: our `shop connect pretix` (services.data.pretix.connect: the event, its products,
    every page of its orders, its revoked secrets and check-in lists read; an event, its
    tickets, types and lists written into a fresh SQLite store) against the floor of the same
    pages fetched by a bare loop of urllib GETs (the same token, the same URLs, each answer
    JSON-decoded, nothing else), for each size, in --rounds rounds that alternate which goes
    first so that the machine's drift falls on both. Printed: each round's times, then the
    median of each and their ratio. Goal (each size): at most 1.5x the floor.
(2) Push: --pushes tickets admitted at our door (Checkin.scan) and marked offline, as a
    station's check-ins decided from its copy and uploaded later are, then sent to pretix
    (services.data.pretix_checkins.push: one redeem call each, pretix's answer kept), timed,
    against --pushes other tickets redeemed by bare urllib POSTs of the same body (secret,
    list, "entry", a nonce, the time, force); alternating as (1). Goal: at most 1.2x the floor.
Not counted, first: a connect of the first size (our code's first run), and before each part's
rounds the floor's work once, so that pretix's first answers (its code loaded, its caches
filled) fall on neither side.

With --profile, an extra connect of the largest size and an extra push (neither counted) are
run under cProfile, and the 25 costliest calls of each (cumulative) are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from sqlalchemy import select, update  # noqa: E402

from eventdesk.db import Store  # noqa: E402
from eventdesk.migrate import upgrade  # noqa: E402
from eventdesk.models import Event, ScanLog, Ticket  # noqa: E402
from eventdesk.services.data import pretix  # noqa: E402
from eventdesk.services.data.pretix_api import Connection  # noqa: E402
from eventdesk.services.data.pretix_checkins import push  # noqa: E402
from eventdesk.services.door.checkin import Checkin  # noqa: E402
from tests.pretix_shop import Pretix, ShopEvent  # noqa: E402

IMPORT_GOAL = 1.5
PUSH_GOAL = 1.2
ORGANIZER = "bench"
STATION = "Door 1"
WARM = 20  # redeems before the push's rounds, not counted (pretix's first answers are slow)


@dataclass
class Side:
    """One way of doing the work: its time in each round."""

    name: str
    times: list[float] = field(default_factory=list)

    def timed(self, work: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        said = work()
        self.times.append(time.perf_counter() - began)
        return said

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass
class Measured:
    what: str
    goal: float
    ours: Side
    floor: Side

    @property
    def ratio(self) -> float:
        return self.ours.median / self.floor.median

    def lines(self) -> list[str]:
        rounds = "   ".join(
            f"{ours:.2f}/{floor:.2f}"
            for ours, floor in zip(self.ours.times, self.floor.times, strict=True)
        )
        met = "met" if self.ratio <= self.goal else "NOT met"
        return [
            f"  rounds (ours/{self.floor.name}, s): {rounds}",
            f"{self.what}: ours {self.ours.median:.2f} s, {self.floor.name} "
            f"{self.floor.median:.2f} s: {self.ratio:.2f}x (goal ≤ {self.goal}x): {met}",
        ]


# --- the floor: bare HTTP ---------------------------------------------------------------------
def bare_get(url: str, token: str) -> Any:
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def bare_pages(url: str, token: str) -> int:
    """Every page of a list, following ``next``: the results read."""
    count = 0
    next_url: str | None = url
    while next_url:
        page = bare_get(next_url, token)
        count += len(page["results"])
        next_url = page.get("next")
    return count


def bare_import(connection: Connection) -> int:
    """What a connect reads, and nothing else: the orders read."""
    token = connection.token
    bare_get(connection.api(""), token)
    bare_pages(connection.api("items/"), token)
    orders = bare_pages(
        connection.api("orders/?ordering=datetime&include_canceled_positions=true"), token
    )
    bare_pages(connection.api("revokedsecrets/"), token)
    bare_pages(connection.api("checkinlists/"), token)
    return orders


def bare_redeem(connection: Connection, lists: list[int], codes: list[str], turn: int) -> int:
    """pretix's redeem called for each code, as our push calls it: the ones it took."""
    taken = 0
    for n, code in enumerate(codes):
        body = {
            "secret": code,
            "lists": lists,
            "type": "entry",
            "nonce": f"bench-floor-{turn}-{n}",
            "datetime": datetime.now(UTC).isoformat(),
            "force": True,
        }
        request = urllib.request.Request(
            connection.organizer_api("checkinrpc/redeem/"),
            method="POST",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Token {connection.token}",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            taken += json.loads(answer.read()).get("status") == "ok"
    return taken


# --- ours -------------------------------------------------------------------------------------
def fresh_store(folder: Path) -> Store:
    folder.mkdir(parents=True)
    store = Store(f"sqlite:///{folder / 'eventdesk.db'}")
    upgrade(store)
    return store


def connect(
    store: Store, folder: Path, shop: Pretix, event: ShopEvent, token_file: Path
) -> pretix.Pulled:
    """The shop's event connected into ``store`` (`shop connect pretix`)."""
    return pretix.connect(
        store,
        folder / "data",
        shop.url,
        organizer=ORGANIZER,
        event=event.slug,
        token_file=token_file,
    )


@contextmanager
def profiled(title: str, report: list[str]) -> Iterator[None]:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        report += [f"{title} (cumulative):", out.getvalue()]


def measure_import(
    tmp: Path, shop: Pretix, event: ShopEvent, size: int, token_file: Path, rounds: int
) -> Measured:
    ours, floor = Side("ours"), Side("bare HTTP")
    connection = Connection(shop.url, ORGANIZER, event.slug, "", shop.token)
    bare_import(connection)  # not counted: pretix's first answers of these pages
    for turn in range(rounds):
        order = (ours, floor) if turn % 2 == 0 else (floor, ours)
        for side in order:
            if side is ours:
                folder = tmp / f"import-{size}-{turn}"
                store = fresh_store(folder)  # not timed: its tables made
                pulled = ours.timed(partial(connect, store, folder, shop, event, token_file))
                store.dispose()
                assert pulled.done.created == size and not pulled.done.problems, pulled.done
            else:
                read = floor.timed(partial(bare_import, connection))
                assert read == size, read
    return Measured(f"import {size:,} orders", IMPORT_GOAL, ours, floor)


class Door:
    """The check-in event connected to a store: its tickets admitted at our door and pushed."""

    def __init__(self, folder: Path, shop: Pretix, event: ShopEvent, token_file: Path) -> None:
        self.store = fresh_store(folder)
        self.pulled = connect(self.store, folder, shop, event, token_file)
        self.lists = [event.list]
        with self.store.read() as session:
            self.event_id = session.scalars(
                select(Event.id).where(Event.slug == self.pulled.connection.ours)
            ).one()
            self.codes = [
                str(code)
                for code in session.scalars(
                    select(Ticket.qr_payload)
                    .where(Ticket.event_id == self.event_id)
                    .order_by(Ticket.id)
                )
            ]
        self.checkin = Checkin(self.store, station=STATION, operator="bench")

    def admit_offline(self, codes: list[str]) -> None:
        """``codes`` admitted here, their check-ins marked as decided offline from a copy."""
        for code in codes:
            answer = self.checkin.scan(code)
            assert answer.result == "ok", answer
        with self.store.write() as session:
            session.execute(
                update(ScanLog)
                .where(ScanLog.event_id == self.event_id, ScanLog.station == STATION)
                .values(offline=True)
            )

    def push(self, count: int) -> int:
        """Our waiting check-ins sent (a sync sends PUSHED_MOST at most: again until done)."""
        pushed = 0
        while pushed < count:
            done = push(self.store, self.pulled.connection, self.event_id, self.lists)
            assert not done.refused and done.stopped is None, done
            assert done.pushed, done
            pushed += done.pushed
        return pushed


def measure_push(door: Door, pushes: int, rounds: int) -> Measured:
    ours, floor = Side("ours"), Side("bare HTTP")
    warm = door.codes[-WARM:]  # not counted: pretix's first redeems
    assert bare_redeem(door.pulled.connection, door.lists, warm, -1) == len(warm)
    for turn in range(rounds):
        mine = door.codes[2 * turn * pushes : (2 * turn + 1) * pushes]
        theirs = door.codes[(2 * turn + 1) * pushes : (2 * turn + 2) * pushes]
        door.admit_offline(mine)
        order = (ours, floor) if turn % 2 == 0 else (floor, ours)
        for side in order:
            if side is ours:
                sent = ours.timed(partial(door.push, pushes))
            else:
                connection = door.pulled.connection
                sent = floor.timed(partial(bare_redeem, connection, door.lists, theirs, turn))
            assert sent == pushes, (side.name, sent)
    return Measured(f"push {pushes:,} offline check-ins", PUSH_GOAL, ours, floor)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", default="1000,10000", help="import sizes, comma-separated")
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile an extra run of ours")
    args = parser.parse_args()
    sizes = [int(each.replace("_", "")) for each in args.orders.split(",") if each.strip()]
    extra = 1 if args.profile else 0
    door_tickets = 2 * args.pushes * (args.rounds + extra) + WARM
    results: list[Measured] = []
    report: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "pretix").mkdir()
        shop = Pretix(tmp / "pretix")
        began = time.perf_counter()
        shop.start()
        try:
            slugs = [f"orders{size}" for size in sizes]
            *imports, door_event = shop.seed(ORGANIZER, *slugs, "door")
            made_s = sum(
                shop.bulk_orders(ORGANIZER, event, size)
                for event, size in [*zip(imports, sizes, strict=True), (door_event, door_tickets)]
            )
            token_file = tmp / "pretix.token"
            token_file.write_text(shop.token)
            print(
                f"pretix {shop.url}: started and filled with {sum(sizes) + door_tickets:,} "
                f"orders in {time.perf_counter() - began:.1f} s ({made_s:.1f} s making orders)"
            )
            store = fresh_store(tmp / "warm")  # not counted: our code's first run
            connect(store, tmp / "warm", shop, imports[0], token_file)
            store.dispose()
            for event, size in zip(imports, sizes, strict=True):
                measured = measure_import(tmp, shop, event, size, token_file, args.rounds)
                results.append(measured)
                print("\n".join(measured.lines()), flush=True)
            door = Door(tmp / "door", shop, door_event, token_file)
            measured = measure_push(door, args.pushes, args.rounds)
            results.append(measured)
            print("\n".join(measured.lines()), flush=True)
            if args.profile:
                biggest = max(sizes)
                event = imports[sizes.index(biggest)]
                store = fresh_store(tmp / "profiled")
                with profiled(f"connect of {biggest:,} orders", report):
                    connect(store, tmp / "profiled", shop, event, token_file)
                store.dispose()
                start = 2 * args.rounds * args.pushes
                door.admit_offline(door.codes[start : start + args.pushes])
                with profiled(f"push of {args.pushes:,} check-ins", report):
                    door.push(args.pushes)
            door.store.dispose()
        finally:
            shop.stop()
    for line in report:
        print(line)
    return 0 if all(each.ratio <= each.goal for each in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

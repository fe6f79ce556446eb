"""A shop's ticket at our door against one of our own, side by side in one run.

    python -m bench.shop_codes [--tickets 2000] [--rounds 5]

One SQLite database: an event running now, --tickets of our own signed tickets (bench.checkin's
make_tickets) and --tickets tickets imported from an Eventbrite-shaped attendee report
(`eventdesk import tickets --from eventbrite`, timed), each keeping its 22-digit barcode as its
code. Then one door (Checkin, each decision its own durable commit) admits them in --rounds
turns that alternate which kind goes first, so that the machine's drift falls on both: our
payload is parsed and its Ed25519 signature checked; the shop's code is looked up by its text
(the unique index on ticket.qr_payload). Printed: the import's rate, each kind's check-in rate
with its p50 and p99, and the shop's against ours. Goal: a shop's ticket at least 0.9x ours.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from bench.checkin import make_tickets  # noqa: E402
from eventdesk.db import Store  # noqa: E402
from eventdesk.migrate import upgrade  # noqa: E402
from eventdesk.models import Event  # noqa: E402
from eventdesk.services.data.shop_export import import_tickets  # noqa: E402
from eventdesk.services.door.checkin import Checkin  # noqa: E402
from eventdesk.tickets import Signer, register_public_key  # noqa: E402

GOAL = 0.9
HEADER = (
    "Order #", "First Name", "Last Name", "Email", "Ticket Type", "Barcode #", "Order Type",
    "Attendee Status",
)  # fmt: skip


@dataclass
class Kind:
    name: str
    lines: list[str]
    times: list[float] = field(default_factory=list)
    busy_s: float = 0.0

    def admit(self, door: Checkin, lines: list[str]) -> None:
        began = time.perf_counter()
        for line in lines:
            start = time.perf_counter()
            answer = door.scan(line)
            self.times.append(time.perf_counter() - start)
            assert answer.result == "ok", answer
        self.busy_s += time.perf_counter() - began

    @property
    def rate(self) -> float:
        return len(self.times) / self.busy_s

    def ms(self, share: float) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def shop_file(path: Path, count: int) -> list[str]:
    """An Eventbrite attendee report of ``count`` paid tickets: their barcodes."""
    codes = [str(uuid.uuid4().int)[:22].rjust(22, "1") for _ in range(count)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n, code in enumerate(codes):
            writer.writerow(
                (f"{7000 + n // 2}", "Shop", f"Guest{n}", f"shop{n}@example.org", "Regular",
                 code, "Eventbrite Completed", "Attending")
            )  # fmt: skip
    return codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'eventdesk.db'}")
        upgrade(store)
        signer = Signer(Ed25519PrivateKey.generate())
        register_public_key(store, signer, "bench")
        store.signer = signer
        ours = Kind("our own", make_tickets(store, args.tickets))
        with store.read() as session:
            slug = session.query(Event.slug).one()[0]
        codes = shop_file(Path(tmp) / "attendees.csv", args.tickets)
        began = time.perf_counter()
        done = import_tickets(store, Path(tmp) / "attendees.csv", slug, shop="eventbrite")
        import_s = time.perf_counter() - began
        assert done.created == args.tickets and not done.problems, done
        shops = Kind("the shop's", codes)
        door = Checkin(store, station="Door 1")
        door.scan(ours.lines.pop())  # keys read, statements compiled
        door.scan(shops.lines.pop())
        per_round = min(len(ours.lines), len(shops.lines)) // args.rounds
        for turn in range(args.rounds):
            part = slice(turn * per_round, (turn + 1) * per_round)
            order = (ours, shops) if turn % 2 == 0 else (shops, ours)
            for kind in order:
                kind.admit(door, kind.lines[part])
        store.dispose()
    print(
        f"import: {args.tickets:,} Eventbrite rows in {import_s:.2f} s "
        f"({args.tickets / import_s:,.0f} rows/s)"
    )
    for kind in (ours, shops):
        print(
            f"  {kind.name:10} ticket at the door: {kind.rate:7,.0f} check-ins/s   "
            f"p50 {statistics.median(kind.times) * 1000:5.2f} ms   p99 {kind.ms(0.99):5.2f} ms"
        )
    ratio = shops.rate / ours.rate
    met = ratio >= GOAL
    print(
        f"the shop's against ours: {ratio:.2f}x (goal: at least {GOAL}x): "
        f"{'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""A shop's ticket at our door against one of our own, side by side in one run.

    python -m bench.shop_codes [--tickets 2000] [--rounds 5]

One SQLite database: an event running now, --tickets of our own signed tickets (bench.checkin's
make_tickets), --tickets tickets imported from an Eventbrite-shaped attendee report
(`eventdesk import tickets --from eventbrite`, timed), each keeping its 22-digit barcode as its
code, and --tickets pretix tickets: pretix_sig1 codes signed here as pretix signs them, written
as a pull from pretix writes them (services.data.pretix: the tickets, then the event's key).
Then one door (Checkin, each decision its own durable commit) admits them in --rounds turns
that rotate which kind goes first, so that the machine's drift falls on all: our payload is
parsed and its Ed25519 signature checked; a shop's code is looked up by its text (the unique
index on ticket.qr_payload). Printed: the import's rate, each kind's check-in rate with its p50
and p99, and each shop's against ours. Goal: a shop's ticket at least 0.9x ours.
"""

from __future__ import annotations

import argparse
import base64
import csv
import statistics
import struct
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
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from bench.checkin import make_tickets  # noqa: E402
from eventdesk import shop_codes  # noqa: E402
from eventdesk.db import Store  # noqa: E402
from eventdesk.migrate import upgrade  # noqa: E402
from eventdesk.models import Event  # noqa: E402
from eventdesk.services.data.pretix import keep_keys  # noqa: E402
from eventdesk.services.data.shop_export import (  # noqa: E402
    ShopTicket,
    import_tickets,
    write_tickets,
)
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


def pretix_tickets(store: Store, event_id: int, count: int) -> list[str]:
    """``count`` paid pretix tickets of signed codes (pretix_sig1, as pretix makes them: an
    Ed25519 signature over the ticket's protobuf, base64 read backwards), written with the
    event's key as a pull writes them: their codes."""
    key = Ed25519PrivateKey.generate()
    codes = []
    for _ in range(count):
        payload = shop_codes.ticket_message(seed=uuid.uuid4().hex[:24], item=11, variation=0)
        signature = key.sign(payload)
        head = struct.pack(">BHH", 1, len(payload), len(signature))
        codes.append(base64.b64encode(head + payload + signature).decode()[::-1])
    tickets = [
        ShopTicket(
            row=n + 1, code=code, order=f"P{n // 2:05d}", name=f"Pretix Guest{n}",
            email=f"pretix{n}@example.org", ticket_type="Regular", company=None,
            cancelled=False, unpaid=False, price_cents=2500, key=f"P{n // 2:05d}-{n % 2 + 1}",
        )
        for n, code in enumerate(codes)
    ]  # fmt: skip
    write_tickets(store, event_id, "pretix", tickets)
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    assert not keep_keys(store, event_id, {"pretix_sig1": [base64.b64encode(pem).decode()]})
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
            slug, event_id = session.query(Event.slug, Event.id).one()
        codes = shop_file(Path(tmp) / "attendees.csv", args.tickets)
        began = time.perf_counter()
        done = import_tickets(store, Path(tmp) / "attendees.csv", slug, shop="eventbrite")
        import_s = time.perf_counter() - began
        assert done.created == args.tickets and not done.problems, done
        shops = Kind("Eventbrite's", codes)
        pretix = Kind("pretix's", pretix_tickets(store, event_id, args.tickets))
        kinds = [ours, shops, pretix]
        door = Checkin(store, station="Door 1")
        for kind in kinds:
            door.scan(kind.lines.pop())  # keys read, statements compiled
        per_round = min(len(kind.lines) for kind in kinds) // args.rounds
        for turn in range(args.rounds):
            part = slice(turn * per_round, (turn + 1) * per_round)
            for kind in kinds[turn % 3 :] + kinds[: turn % 3]:
                kind.admit(door, kind.lines[part])
        store.dispose()
    print(
        f"import: {args.tickets:,} Eventbrite rows in {import_s:.2f} s "
        f"({args.tickets / import_s:,.0f} rows/s)"
    )
    for kind in kinds:
        print(
            f"  {kind.name:12} ticket at the door: {kind.rate:7,.0f} check-ins/s   "
            f"p50 {statistics.median(kind.times) * 1000:5.2f} ms   p99 {kind.ms(0.99):5.2f} ms"
        )
    met = True
    for kind in (shops, pretix):
        ratio = kind.rate / ours.rate
        met = met and ratio >= GOAL
        print(
            f"{kind.name} against ours: {ratio:.2f}x (goal: at least {GOAL}x): "
            f"{'met' if ratio >= GOAL else 'NOT met'}"
        )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())

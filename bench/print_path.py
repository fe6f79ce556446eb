"""Check-in to badge bytes at the printer: 500 tickets through a loopback Zebra printer.

    python -m bench.print_path [--tickets 500] [--format zpl]

Each ticket is checked in at a kiosk that prints on check-in; a print worker thread takes the
job from the queue, renders the badge, asks the printer's status (~HS) and sends the label over
TCP. Measured per ticket: from the start of the check-in call until the printer has the whole
label (p50, p95), with the render time shown apart. Goal: p95 at most 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.print_worker import PrintOutcome, PrintWorker
from devices.printers import printers_from_config
from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer, register_public_key
from eventdesk.values import utcnow
from testkit.escpos import FakeEscpos
from testkit.zebra import FakeZebra


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int(p / 100 * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--format", dest="fmt", choices=["zpl", "escpos", "png"], default="zpl")
    args = parser.parse_args()
    # A Zebra answers ~HS, an ESC/POS printer DLE EOT: the loopback printer speaks the format's.
    zebra = (FakeEscpos() if args.fmt == "escpos" else FakeZebra()).switch_on()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'print.db'}")
        upgrade(store)
        signer = Signer(Ed25519PrivateKey.generate())
        register_public_key(store, signer, "bench")
        store.signer = signer
        now = utcnow()
        ev = events.create_event(
            store, name="Print", starts=now - timedelta(hours=1), ends=now + timedelta(hours=8)
        )
        program.add_ticket_type(
            store, ev.slug, name="VIP", price_cents=0, attention="VIP: gold lanyard"
        )
        attendees.add_attendees_bulk(
            store,
            [
                {
                    "name": f"Guest Number {i}",
                    "email": f"g{i}@example.com",
                    "company": "Acme Analytics",
                }
                for i in range(args.tickets)
            ],
        )
        tickets = [
            register(store, ev.slug, f"g{i}@example.com", "VIP").tickets[0].ticket_id
            for i in range(args.tickets)
        ]
        settings = {
            "printers": {
                "zebra": {
                    "type": "tcp",
                    "host": "127.0.0.1",
                    "port": zebra.port,
                    "language": args.fmt,
                }
            }
        }
        printers = {"zebra": printers_from_config(settings, Path(tmp))["zebra"]}
        outcomes: list[PrintOutcome] = []
        worker = PrintWorker(
            store, printers, station="Kiosk", on_outcome=outcomes.append, poll=0.05
        )
        worker.start()
        door = Checkin(store, station="Kiosk", print_to="zebra")
        totals, checkins = [], []
        for n, ticket in enumerate(tickets, start=1):
            start = time.perf_counter()
            assert door.checkin_ticket(ticket).admitted
            checkins.append((time.perf_counter() - start) * 1000)
            worker.wake()
            if not zebra.wait_for_labels(n, timeout=10):
                raise SystemExit(f"label {n} never arrived: {outcomes[-1:]}")
            totals.append((zebra.received_at[n - 1] - start) * 1000)
        worker.stop()
        worker.join(5)
        store.dispose()
    zebra.switch_off()
    renders = [o.render_ms for o in outcomes]
    assert all(o.state == "done" for o in outcomes) and len(outcomes) == args.tickets
    print(
        f"{args.tickets} check-ins at a kiosk printing {args.fmt.upper()} badges over TCP "
        "to a loopback printer"
    )
    for label, values in (
        ("check-in call", checkins),
        ("render badge", renders),
        ("check-in to label received", totals),
    ):
        p50, p95 = statistics.median(values), pct(values, 95)
        print(f"{label + ':':<28}p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")
    print(f"goal: p95 at most 100 ms: {'met' if pct(totals, 95) <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()

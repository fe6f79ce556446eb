"""What it costs that the server decides: a door's own login against the organizer's, side by side.

    python -m bench.station_login [--tickets 2000] [--uploads 2000] [--postgres URL]

On one PostgreSQL database made for the run (--postgres, or EVENTDESK_BENCH_POSTGRES_URL, or the
local server): the same check-in code decides one ticket after another (a) as the organizer's login,
which writes the tables itself (the floor), and (b) as a door's own login, made by
eventdesk.services.stations.roles, which reads through the door's views and writes through the
server's functions (each admission checked against the server's rows and clock, the scan log row
bound to the login's station). Then (c) and (d): the same number of scans decided offline and
uploaded by each login (services.stations.sync; the door's through the functions, one call a row).

Printed: each rate, its p50/p99 latency, and the door's against the organizer's. No goal is set
by the issue (the server checking what a station sends); the figures say what it costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from bench.checkin import make_tickets
from bench.scratch import scratch_database
from eventdesk import variables
from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scan_result import new_nonce
from eventdesk.services.stations import roles
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_schema import OUTBOX
from eventdesk.services.stations.sync import upload
from eventdesk.tickets import Signer, parse_payload, register_public_key
from eventdesk.values import utcnow

PASSWORD = "bench-door"


def setup(url: str, count: int) -> list[str]:
    """An event open now with ``count`` free tickets (bench.checkin's): their QR payloads (a
    door admits by the QR code; by id is a desk's)."""
    store = Store(url)
    upgrade(store)
    signer = Signer(Ed25519PrivateKey.generate())
    register_public_key(store, signer, "bench")
    store.signer = signer
    payloads = make_tickets(store, count)
    store.dispose()
    return list(payloads)


def decide(store: Store, station: str, tickets: list[str]) -> tuple[float, list[float]]:
    desk = Checkin(store, station=station)
    times = []
    start = time.perf_counter()
    for ticket in tickets:
        begun = time.perf_counter()
        answer = desk.scan(ticket)
        times.append(time.perf_counter() - begun)
        assert answer.result == "ok", answer
    return len(tickets) / (time.perf_counter() - start), times


def offline_then_upload(store: Store, station: str, tickets: list[str], folder: Path) -> float:
    """``tickets`` decided offline at ``station`` (outbox rows as the door writes them), then
    uploaded: rows a second."""
    mirror = Mirror(folder, os.urandom(32))  # encrypted, as a station keeps it
    now = utcnow()
    with mirror.store.write_conn() as conn:
        conn.execute(
            insert(OUTBOX),
            [
                {
                    "nonce": new_nonce(),
                    "kind": "scan",
                    "effect": "admit",
                    "at": now,
                    "station": station,
                    "ticket_id": parse_payload(ticket).ticket_id,
                    "direction": "entry",
                    "payload": ticket,
                    "result": "ok",
                    "state": "pending",
                }
                for ticket in tickets
            ],
        )
    start = time.perf_counter()
    sent = upload(store, mirror)
    seconds = time.perf_counter() - start
    mirror.close()
    assert sent.uploaded == len(tickets) and not sent.refused, sent
    return len(tickets) / seconds


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--uploads", type=int, default=2000)
    parser.add_argument(
        "--postgres",
        default=variables.read_text("EVENTDESK_BENCH_POSTGRES_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    )
    args = parser.parse_args()
    with scratch_database(args.postgres, "bench_logins") as url:
        total = 2 * args.tickets + 2 * args.uploads
        tickets = setup(url, total)
        owner = Store(url)
        login = f"door_{make_url(url).database}"[:63]
        roles.add(owner, login, kind="door", station="Door 1", password=PASSWORD)
        door_url = make_url(url).set(username=login, password=PASSWORD)
        door = Store(door_url.render_as_string(hide_password=False))
        assert door.station_login() is not None
        parts = [tickets[i * args.tickets : (i + 1) * args.tickets] for i in range(2)]
        uploads = tickets[2 * args.tickets :]
        try:
            decide(owner, "Office", parts[0][:50])  # warm both
            decide(door, "Door 1", parts[1][:50])
            organizer_rate, organizer_times = decide(owner, "Office", parts[0][50:])
            door_rate, door_times = decide(door, "Door 1", parts[1][50:])
            with tempfile.TemporaryDirectory() as folder:
                organizer_upload = offline_then_upload(
                    owner, "Office", uploads[: args.uploads], Path(folder) / "o"
                )
                door_upload = offline_then_upload(
                    door, "Door 1", uploads[args.uploads :], Path(folder) / "d"
                )
        finally:
            door.dispose()
            roles.remove(owner, login)
            owner.dispose()
    print(f"tickets decided one at a time: {args.tickets - 50} per login, after 50 to warm up")
    print(
        f"(a) organizer's login (tables):     {organizer_rate:8.0f}/s  "
        f"p50 {statistics.median(organizer_times) * 1000:6.2f} ms  "
        f"p99 {percentile(organizer_times, 0.99):6.2f} ms"
    )
    print(
        f"(b) door's own login (functions):   {door_rate:8.0f}/s  "
        f"p50 {statistics.median(door_times) * 1000:6.2f} ms  "
        f"p99 {percentile(door_times, 0.99):6.2f} ms"
    )
    print(f"    door / organizer, rate:        {door_rate / organizer_rate:8.2f}x")
    print(f"offline scans uploaded: {args.uploads} per login")
    print(f"(c) organizer's login (tables):     {organizer_upload:8.0f}/s")
    print(f"(d) door's own login (functions):   {door_upload:8.0f}/s")
    print(f"    door / organizer, rate:        {door_upload / organizer_upload:8.2f}x")


if __name__ == "__main__":
    main()

"""Offline stations: failover, upload, mirror and the kiosk, side by side in one run, on PostgreSQL.

    python bench/offline.py [--tickets 100000] [--scans 10000] [--door-scans 200]
                            [--db postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                            [--profile] [--only kiosk]

One database made for the run on the server --db names (dropped after it): an event running now,
--tickets registered free tickets with signed payloads (bulk-inserted), no one checked in. (1)
Failover: a station (services.stations.offline.Station) whose server is reached through a TcpProxy
(testkit.proxy); its mirror is downloaded first. Then --door-scans scans online through a
StationDoor, the proxy is cut, and the first scan after the cut is timed (from the call to cut()
to the decision, and the scan's own call), then --door-scans scans offline. Each scan is a
fresh ticket, admitted. When the proxy has a ``delay`` mode, the same again with a stalled server
(connections kept, nothing answered) instead of a cut one. In the end the proxy is restored and
one sync round uploads what the door decided offline (checked: nothing lost). Goal: the first
scan after the cut answered within 1.5 s; offline scans as fast as online (median offline <=
median online). (2) Upload: --scans admissions
of distinct tickets decided offline from a mirror (MirrorCheckin, each in its own durable
transaction, as a door does) and uploaded with services.stations.sync.upload, against inserting the
same rows into the same server's scan_log with a bare psycopg executemany of plain INSERTs in one
transaction. Goal: at most 10 s and at most 10x bare. (3) Mirror: the first download of the
--tickets tickets into a fresh mirror (services.stations.mirror .refresh), then a refresh after 100
of them were checked in at another station on the server. Goal: first at most 30 s, refresh at most
1 s. (4) Kiosk: the first offline answer of the real app's kiosk. A kiosk account is added on the
server; then, for a cut server and for a stalled one, three times each with a fresh app and data
folder: the app (screens.app.make_app, mode "kiosk", the event's slug, headless through Textual's
run_test) at station "Kiosk 1", its database URL through a TcpProxy, opened as the CLI opens it
(``opens``); the kiosk account signs in at the sign-in screen (name chosen, PIN typed), the
station's sync loop does a round (its copy holds every ticket), the kiosk's warm-ups end and it
stands idle a second. Then the proxy is cut (or stalled: its delay made infinite) and one ticket's
line comes as a real scanner's does in a terminal on Linux: a ScannedLine posted to the app (the
terminal driver's path, screens/scanner_keys.py), which hands it to the kiosk's line queue. Timed
from the line's arrival to the kiosk taking the answer (its ScanDecided, seen by run_test's message
hook on the UI thread, in the handler that puts the answer panel up); also from the start of losing
the server, and the queue's own latency. This is the kiosk's first scan: its door has not decided
anything online yet. Goal: each answered offline (admitted), the median within 1.5 s. With --only
kiosk only this part runs (on --tickets 5,000 unless given: under a minute). With --profile,
cProfile's view of the upload (the 25 costliest calls, cumulative)."""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import multiprocessing
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

import psycopg
from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.engine import make_url

from eventdesk.config import load_config
from eventdesk.db import Store, normalize_url
from eventdesk.models import Attendee, Event, Order, ScanLog, Ticket, TicketType
from eventdesk.opening import open_store
from eventdesk.services.catalogue import events, program
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.services.people import attendees
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_refresh import Refreshed, refresh
from eventdesk.services.stations.mirror_schema import OUTBOX, TICKET
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.station_door import MirrorCheckin, StationDoor
from eventdesk.services.stations.sync import Uploaded, upload
from eventdesk.text import new_id
from eventdesk.tickets import ensure_keys, load_signer, sign_many
from eventdesk.values import utcnow

# `python bench/offline.py` puts bench/ first on the path, not the project: testkit is there.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.scratch import scratch_database  # noqa: E402
from testkit.proxy import TcpProxy  # noqa: E402

T = TypeVar("T")
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ORGANIZER = "Organizer"
DOOR = "Door 1"  # the failover's station
OFFLINE_DOOR = "Door 2"  # the station whose offline scans are uploaded
OTHER_DOOR = "Door 3"  # the station whose check-ins the refresh brings
CHANGED = 100  # tickets changed on the server before the timed refresh
PER_ORDER = 50  # tickets per buyer
SIGN_CHUNK = 5000
INSERT_CHUNK = 5000
STALL = math.inf  # the proxy's delay for a stalled server: nothing answered until it is lifted
GOAL_FIRST = 1.5  # s: the first scan after the server went away
GOAL_RATIO = 1.0  # offline median / online median
GOAL_UPLOAD = 10.0  # s
GOAL_UPLOAD_RATIO = 10.0  # upload / bare executemany
GOAL_DOWNLOAD = 30.0  # s: the first download
GOAL_REFRESH = 1.0  # s: a refresh with CHANGED tickets changed
KIOSK_LINKS = ("cut", "stalled")
KIOSK_TRIES = 3  # a fresh app (and data folder) each
QUICK_TICKETS = 5_000  # --tickets when only the kiosk part runs (its copy is downloaded 6 times)


# --- the database -----------------------------------------------------------------------------
@contextmanager
def database(server_url: str) -> Iterator[str]:
    """A PostgreSQL database made for the run on the server ``server_url`` names; its URL.
    Dropped at the end, whatever happened."""
    server = make_url(normalize_url(server_url))
    if server.get_backend_name() != "postgresql":
        raise SystemExit("--db takes a PostgreSQL URL: offline stations are stations on a server")
    with scratch_database(server_url, "eventdesk_bench_offline") as url:
        yield url


@dataclass(frozen=True)
class Made:
    slug: str
    ids: list[str]
    payloads: list[str]
    seconds: float


def make_tickets(data: Path, url: str, count: int) -> Made:
    """An initialised server (signing key in ``data``), an event running now with one free
    ticket type, and ``count`` registered tickets (PER_ORDER to a buyer), inserted in bulk with
    their signed payloads (signed by a pool of processes)."""
    began = time.perf_counter()
    config = load_config(data_dir=data, database_url=url, station=ORGANIZER, environ={})
    store = open_store(config)
    ensure_keys(store, data, ORGANIZER)
    signer = load_signer(data)
    assert signer is not None
    now = utcnow()
    ev = events.create_event(
        store, name="Offline bench", starts=now - timedelta(hours=1), ends=now + timedelta(hours=9)
    )
    program.add_ticket_type(store, ev.slug, name="Regular", price_cents=0)
    buyers = (count + PER_ORDER - 1) // PER_ORDER
    attendees.add_attendees_bulk(
        store, [{"name": f"Guest {i}", "email": f"guest{i}@example.com"} for i in range(buyers)]
    )
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < count:
        candidate = new_id()
        if candidate not in seen:
            seen.add(candidate)
            ids.append(candidate)
    chunks = [ids[i : i + SIGN_CHUNK] for i in range(0, count, SIGN_CHUNK)]
    key = signer.private_bytes()
    workers = max(1, min(len(chunks), os.cpu_count() or 1))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        payloads = [p for part in pool.map(sign_many, [key] * len(chunks), chunks) for p in part]
    t = cast(Table, Ticket.__table__)
    with store.write_conn() as conn:
        event_id = conn.execute(select(Event.id).where(Event.slug == ev.slug)).scalar_one()
        type_id = conn.execute(
            select(TicketType.id).where(TicketType.event_id == event_id)
        ).scalar_one()
        buyer_ids = list(conn.execute(select(Attendee.id).order_by(Attendee.id)).scalars())
        order_ids = list(
            conn.execute(
                insert(Order).returning(Order.id, sort_by_parameter_order=True),
                [{"event_id": event_id, "buyer_id": b, "created_at": now} for b in buyer_ids],
            ).scalars()
        )
        for start in range(0, count, INSERT_CHUNK):
            conn.execute(
                insert(t),
                [
                    {
                        "id": ids[i],
                        "order_id": order_ids[i // PER_ORDER],
                        "event_id": event_id,
                        "ticket_type_id": type_id,
                        "attendee_id": buyer_ids[i // PER_ORDER],
                        "holder_name": f"Holder {i}",
                        "status": "registered",
                        "price_cents": 0,
                        "currency": "EUR",
                        "created_at": now,
                        "registered_at": now,
                        "qr_payload": payloads[i],
                        "inside": False,
                    }
                    for i in range(start, min(count, start + INSERT_CHUNK))
                ],
            )
        conn.execute(update(Event).where(Event.id == event_id).values(registered_count=count))
        conn.execute(
            update(TicketType).where(TicketType.id == type_id).values(registered_count=count)
        )
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    store.dispose()
    return Made(ev.slug, ids, payloads, time.perf_counter() - began)


# --- figures ------------------------------------------------------------------------------------
def timed(work: Callable[[], T]) -> tuple[T, float]:
    began = time.perf_counter()
    value = work()
    return value, time.perf_counter() - began


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def spread(values: list[float]) -> str:
    return (
        f"median {ms(statistics.median(values))}, p95 {ms(p(values, 0.95))}, "
        f"max {ms(max(values))} ({len(values):,} scans)"
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.inf


def server_store(url: str) -> Store:
    return Store(url)


# --- (3) mirror ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MirrorFigures:
    first: Refreshed
    first_s: float
    tickets: int
    again: Refreshed
    again_s: float
    seen: int  # of the CHANGED tickets, how many the mirror shows checked in after the refresh


def measure_mirror(url: str, folder: Path, slug: str, changed: list[str]) -> MirrorFigures:
    server = server_store(url)
    mirror = Mirror(folder, os.urandom(32))  # encrypted, as a station keeps it
    first, first_s = timed(lambda: refresh(server, mirror))
    with mirror.store.read() as session:
        tickets = int(session.execute(select(func.count()).select_from(TICKET)).scalar_one())
    other = Checkin(server, station=OTHER_DOOR, event=slug)
    for ticket_id in changed:
        result = other.checkin_ticket(ticket_id)
        assert result.result == "ok", result
    again, again_s = timed(lambda: refresh(server, mirror))
    with mirror.store.read() as session:
        seen = int(
            session.execute(
                select(func.count())
                .select_from(TICKET)
                .where(TICKET.c.id.in_(changed), TICKET.c.checked_in_station == OTHER_DOOR)
            ).scalar_one()
        )
    mirror.close()
    server.dispose()
    return MirrorFigures(first, first_s, tickets, again, again_s, seen)


# --- (2) upload -----------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadFigures:
    decide: list[float]  # each offline decision
    bare_s: float
    sent: Uploaded
    upload_s: float
    on_server: int  # offline scan-log rows of OFFLINE_DOOR on the server afterwards
    admitted: int  # tickets the server shows checked in at OFFLINE_DOOR
    profile: str


BARE_INSERT = (
    "INSERT INTO scan_log (at, station, operator, event_id, session_id, ticket_id, direction, "
    "payload, result, nonce, answer, offline) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def psycopg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def bare_insert(url: str, rows: list[dict[str, Any]]) -> float:
    """The same rows as plain INSERTs into scan_log: one executemany in one transaction (the
    nonce marked, so that the upload's own rows are not taken for repeats)."""
    values = [
        (
            r["at"],
            "bare " + r["station"],
            r["operator"],
            r["event_id"],
            r["session_id"],
            r["ticket_id"],
            r["direction"],
            r["payload"],
            r["result"],
            "bare-" + r["nonce"],
            r["answer"],
            True,
        )
        for r in rows
    ]
    with psycopg.connect(psycopg_url(url)) as conn:
        conn.execute("SELECT 1")  # connected before the clock starts
        began = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(BARE_INSERT, values)
        return time.perf_counter() - began


def measure_upload(
    url: str, folder: Path, slug: str, payloads: list[str], *, profile: bool
) -> UploadFigures:
    server = server_store(url)
    mirror = Mirror(folder, os.urandom(32))  # encrypted, as a station keeps it
    refresh(server, mirror)  # this station's copy (the first download is timed in (3))
    desk = MirrorCheckin(mirror, station=OFFLINE_DOOR, event=slug)
    desk.scan(payloads[0], nonce=uuid.uuid4().hex)  # keys loaded, statements compiled
    decide: list[float] = []
    for payload in payloads[1:]:
        result, took = timed(partial(desk.scan, payload, nonce=uuid.uuid4().hex))
        assert result.result == "ok", result
        decide.append(took)
    with mirror.store.read() as session:
        rows = [
            dict(r)
            for r in session.connection()
            .execute(select(OUTBOX).where(OUTBOX.c.state == "pending").order_by(OUTBOX.c.seq))
            .mappings()
        ]
    assert len(rows) == len(payloads), len(rows)
    bare_s = bare_insert(url, rows)
    server.check_connection()  # the pool holds a live connection, as a running station's does
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    sent, upload_s = timed(lambda: upload(server, mirror))
    report = ""
    if profiler is not None:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        report = out.getvalue()
    log = cast(Table, ScanLog.__table__)
    t = cast(Table, Ticket.__table__)
    with server.read() as session:
        on_server = int(
            session.execute(
                select(func.count())
                .select_from(log)
                .where(log.c.station == OFFLINE_DOOR, log.c.offline.is_(True))
            ).scalar_one()
        )
        admitted = int(
            session.execute(
                select(func.count()).select_from(t).where(t.c.checked_in_station == OFFLINE_DOOR)
            ).scalar_one()
        )
    mirror.close()
    server.dispose()
    return UploadFigures(decide, bare_s, sent, upload_s, on_server, admitted, report)


# --- (1) failover -----------------------------------------------------------------------------
@dataclass
class Outage:
    """One way of losing the server: the first scan after it, then the ones after that."""

    name: str
    first: ScanResult
    first_s: float  # the first scan's own call
    since_s: float  # from the start of losing the server to that decision
    after: list[float]


@dataclass
class FailoverFigures:
    download_s: float
    online: list[float]
    outages: list[Outage]
    stalled_note: str
    uploaded_after: int
    pending_after: int
    on_server: int  # DOOR's scan-log rows on the server after the last sync round
    scanned: int  # scans DOOR made, warm-ups included


def scan_all(
    door: StationDoor, payloads: Iterator[str], count: int, *, offline: bool
) -> list[float]:
    times: list[float] = []
    for _ in range(count):
        payload = next(payloads)
        result, took = timed(partial(door.scan, payload))
        assert result.result == "ok" and result.offline is offline, result
        times.append(took)
    return times


def lose_server(
    name: str, door: StationDoor, payloads: Iterator[str], count: int, go: Callable[[], None]
) -> Outage:
    began = time.perf_counter()
    go()
    payload = next(payloads)
    first, first_s = timed(lambda: door.scan(payload))
    since_s = time.perf_counter() - began
    assert first.result == "ok", first
    after = scan_all(door, payloads, count, offline=True)
    return Outage(name, first, first_s, since_s, after)


def back_online(station: Station, proxy: TcpProxy) -> None:
    proxy.restore()
    deadline = time.monotonic() + 120
    while True:
        report = station.sync_round()
        if report.online and report.pending == 0 and station.deciding_online():
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"the station did not come back online: {report}")
        time.sleep(0.2)


def measure_failover(
    url: str, folder: Path, slug: str, payloads: list[str], count: int
) -> FailoverFigures:
    target = make_url(url)
    fresh = iter(payloads)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        through = target.set(host="127.0.0.1", port=proxy.port)
        config = load_config(
            data_dir=folder,
            database_url=through.render_as_string(hide_password=False),
            station=DOOR,
            environ={},
        )
        station = Station(config)
        report, download_s = timed(station.sync_round)
        assert report.online and report.full, report
        door = StationDoor(station, event=slug)
        scan_all(door, fresh, 1, offline=False)  # connected, keys loaded: not counted
        online = scan_all(door, fresh, count, offline=False)
        outages = [lose_server("cut", door, fresh, count, proxy.cut)]
        stalled_note = ""
        if hasattr(proxy, "delay"):
            back_online(station, proxy)
            scan_all(door, fresh, 1, offline=False)
            old = proxy.delay

            def stall() -> None:
                proxy.delay = STALL

            try:
                outages.append(lose_server("stalled", door, fresh, count, stall))
            finally:
                proxy.delay = old
        else:
            stalled_note = (
                "stalled server: skipped (testkit.proxy.TcpProxy has no `delay` mode in this tree)"
            )
        back_online(station, proxy)
        last = station.sync_round()
        scanned = len(payloads) - sum(1 for _ in fresh)
        station.close()
    server = server_store(url)
    log = cast(Table, ScanLog.__table__)
    with server.read() as session:
        on_server = int(
            session.execute(
                select(func.count()).select_from(log).where(log.c.station == DOOR)
            ).scalar_one()
        )
    server.dispose()
    return FailoverFigures(
        download_s,
        online,
        outages,
        stalled_note,
        last.uploaded,
        last.pending,
        on_server,
        scanned,
    )


# --- the run ------------------------------------------------------------------------------------
def main() -> None:
    # (4) needs the app: loaded when it runs (bench/offline_kiosk.py imports this module)
    from bench.offline_kiosk import make_kiosk_account, measure_kiosk, print_kiosk

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--tickets",
        type=int,
        default=None,
        help=f"tickets on the server (100,000; {QUICK_TICKETS:,} with --only kiosk)",
    )
    parser.add_argument("--scans", type=int, default=10_000, help="offline scans to upload")
    parser.add_argument(
        "--door-scans", type=int, default=200, help="scans online, and offline after the cut"
    )
    parser.add_argument("--db", default=DEFAULT_SERVER, help="the PostgreSQL server's URL")
    parser.add_argument("--profile", action="store_true", help="cProfile the upload")
    parser.add_argument(
        "--only", choices=["kiosk"], default=None, help="run this part only: (4) the kiosk"
    )
    args = parser.parse_args()
    only_kiosk = args.only == "kiosk"
    if args.tickets is None:
        args.tickets = QUICK_TICKETS if only_kiosk else 100_000
    kiosk_needs = len(KIOSK_LINKS) * KIOSK_TRIES
    door_needs = 2 * (2 * args.door_scans + 2) + 1  # a cut, maybe a stall, warm-ups
    needed = kiosk_needs if only_kiosk else CHANGED + args.scans + door_needs + kiosk_needs
    if args.tickets < needed:
        raise SystemExit(f"--tickets must be at least {needed:,} for these --scans/--door-scans")
    with tempfile.TemporaryDirectory() as tmp, database(args.db) as url:
        folder = Path(tmp)
        data = folder / "server"
        data.mkdir(mode=0o700)
        made = make_tickets(data, url, args.tickets)
        make_kiosk_account(url, data)
        where = make_url(url)
        print(
            f"PostgreSQL {where.host}:{where.port or 5432}, database {where.database}: "
            f"{args.tickets:,} tickets made in {made.seconds:.1f} s"
        )
        kiosk_payloads = made.payloads[-kiosk_needs:]  # the last ones: nobody else scans them
        if only_kiosk:
            tries = measure_kiosk(url, folder / "kiosk", made.slug, kiosk_payloads, args.tickets)
        else:
            changed = made.ids[:CHANGED]
            uploads = made.payloads[CHANGED : CHANGED + args.scans]
            door = made.payloads[CHANGED + args.scans : -kiosk_needs]
            mirror = measure_mirror(url, folder / "mirror", made.slug, changed)
            sent = measure_upload(url, folder / "upload", made.slug, uploads, profile=args.profile)
            failover = measure_failover(url, folder / "door", made.slug, door, args.door_scans)
            tries = measure_kiosk(url, folder / "kiosk", made.slug, kiosk_payloads, args.tickets)
    if only_kiosk:
        goal4 = print_kiosk(tries, args.tickets)
        print(f"goals: kiosk {verdict(goal4)}")
        return

    # (1)
    online_median = statistics.median(failover.online)
    print(
        f"(1) failover: station {DOOR!r} through a TcpProxy, offline_after 1 s; "
        f"first download through the proxy {failover.download_s:.1f} s"
    )
    print(f"    online scans:              {spread(failover.online)}")
    goal1 = True
    for outage in failover.outages:
        offline_median = statistics.median(outage.after)
        r = ratio(offline_median, online_median)
        print(
            f"    {outage.name + ':':<9}first scan after it {ms(outage.first_s)} "
            f"({ms(outage.since_s)} from losing the server to the decision; "
            f"{'offline' if outage.first.offline else 'ONLINE'})"
        )
        print(f"    {'':<9}offline scans after it: {spread(outage.after)}")
        print(f"    {'':<9}offline/online (medians): {r:.2f}x")
        met = outage.since_s <= GOAL_FIRST and r <= GOAL_RATIO
        goal1 = goal1 and met
        print(
            f"    goal ({outage.name}): first scan after it within {GOAL_FIRST:g} s, offline "
            f"median <= online median: {verdict(met)}"
        )
    if failover.stalled_note:
        print(f"    {failover.stalled_note}")
    print(
        f"    after the proxy was restored and sync rounds ran: {failover.pending_after} pending; "
        f"the server has {failover.on_server} of the door's {failover.scanned} scans"
    )
    # (2)
    print(
        f"(2) upload: {len(sent.decide) + 1:,} admissions decided offline from the mirror "
        f"({spread(sent.decide)})"
    )
    print(f"    bare psycopg executemany into scan_log: {sent.bare_s:7.2f} s")
    print(
        f"    services.stations.sync.upload:                   {sent.upload_s:7.2f} s  "
        f"(uploaded {sent.sent.uploaded:,}, conflicts {sent.sent.conflicts}, "
        f"refused {sent.sent.refused})"
    )
    r2 = ratio(sent.upload_s, sent.bare_s)
    print(f"    upload/bare: {r2:.1f}x")
    print(
        f"    on the server afterwards: {sent.on_server:,} offline scan-log rows, "
        f"{sent.admitted:,} tickets checked in at {OFFLINE_DOOR!r}"
    )
    everything = (
        sent.sent.uploaded == len(uploads)
        and sent.on_server == len(uploads)
        and sent.admitted == len(uploads)
    )
    goal2 = everything and sent.upload_s <= GOAL_UPLOAD and r2 <= GOAL_UPLOAD_RATIO
    print(
        f"    goal: everything uploaded, at most {GOAL_UPLOAD:g} s and at most "
        f"{GOAL_UPLOAD_RATIO:g}x bare: {verdict(goal2)}"
    )
    # (3)
    print(
        f"(3) mirror: first download {mirror.first_s:.2f} s ({mirror.first.downloaded:,} rows, "
        f"{mirror.tickets:,} tickets)"
    )
    print(
        f"    refresh after {CHANGED} check-ins at {OTHER_DOOR!r}: {ms(mirror.again_s)} "
        f"({mirror.again.downloaded:,} rows, full: {mirror.again.full}; "
        f"{mirror.seen}/{CHANGED} seen checked in)"
    )
    goal3 = (
        mirror.first_s <= GOAL_DOWNLOAD
        and mirror.again_s <= GOAL_REFRESH
        and not mirror.again.full
        and mirror.seen == CHANGED
        and mirror.tickets == args.tickets
    )
    print(
        f"    goal: first at most {GOAL_DOWNLOAD:g} s, refresh at most {GOAL_REFRESH:g} s: "
        f"{verdict(goal3)}"
    )
    # (4)
    goal4 = print_kiosk(tries, args.tickets)
    print(
        f"goals: failover {verdict(goal1)}, upload {verdict(goal2)}, mirror {verdict(goal3)}, "
        f"kiosk {verdict(goal4)}"
    )
    if sent.profile:
        print("upload profile (cumulative):")
        print(sent.profile)


if __name__ == "__main__":
    main()

"""Offline stations end to end (docs/architecture.md#stations-and-the-offline-mirror),
with the real parts: a real PostgreSQL server behind a loopback proxy that the test cuts,
slows and restores (testkit/proxy.py), stations that are data folders of their own, run as real
`eventdesk` processes where it matters (separate stations, a killed upload) and as a ``Station``
in this process where a decision is timed or many scans are needed quickly.

A station decides from its mirror when its server does not answer within ``offline_after``,
says so (``"offline": true``), and uploads later: every scan with its own time, none twice,
none lost; a ticket admitted meanwhile elsewhere (or cancelled) is kept as a conflict."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.stations.copy_key import held
from eventdesk.services.stations.mirror_schema import MIRROR_FILE
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.services.stations.sync import BATCH
from eventdesk.sqlite_driver import ERROR, open_encrypted
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.conftest import PG_ENV, PG_SKIP
from tests.helpers import wait_until
from tests.offline_tools import (
    LONG,
    Answer,
    DoorStation,
    Running,
    conflicts,
    moment,
    nonces_twice,
    open_event,
    scan_count,
    scans_at,
    through,
    ticket,
)

pytestmark = pytest.mark.slow  # stations whose server is cut behind a proxy

# A station's threshold, unless a test is about it. A proxy that is cut refuses at once, so a
# station cut off goes offline at once whatever its threshold; a long one keeps a server that
# is up from looking away from a station that is slow itself (a busy 2-core machine).
PATIENT = 10.0
CONNECT_TIMEOUT = 5.0  # seconds: libpq's connect_timeout for a station's store (eventdesk.db)
MARGIN = 3.0  # seconds: generous, for a decision and a process's end on a busy 2-core machine
POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ON_A_SERVER = pytest.mark.skipif(
    not os.environ.get(PG_ENV),
    reason=f"{PG_SKIP}; a station's mirror and outbox exist only on a server (an SQLite "
    "station is its own server)",
)


@pytest.fixture
def backend_fixed() -> None:
    """These tests choose their database themselves (see conftest.pytest_generate_tests)."""


@pytest.fixture
def proxy(db_url: str) -> Iterator[TcpProxy]:
    """A loopback proxy in front of the test's PostgreSQL server."""
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as made:
        yield made


@pytest.fixture
def stations(tmp_path: Path) -> Iterator[Callable[..., DoorStation]]:
    """Makes stations: ``stations(name, url)``, each with a data folder of its own."""
    made: list[DoorStation] = []

    def station(name: str, url: str, *, offline_after: float = PATIENT) -> DoorStation:
        one = DoorStation(name, tmp_path / f"station-{name}", url, offline_after)
        made.append(one)
        return one

    yield station
    for one in made:
        one.close()


# --- one box ---------------------------------------------------------------------------------
@SQLITE
def test_an_sqlite_station_has_nothing_to_sync(
    backend_fixed: None, db_url: str, stations: Callable[..., DoorStation]
) -> None:
    """An SQLite station is its own server: no mirror, nothing waiting, nothing to sync."""
    box = stations("Box", db_url)
    synced = box.run("sync")
    assert synced.code == 0, synced.err
    said = {key: synced.json[key] for key in ("online", "downloaded", "uploaded", "pending")}
    assert said == {"online": True, "downloaded": 0, "uploaded": 0, "pending": 0}
    assert synced.json["conflicts"] == 0
    status = box.run("station", "status")
    assert status.code == 0, status.err
    assert status.json["online"] is True and status.json["pending"] == 0
    assert status.json["mirror_tickets"] == 0 and status.json["mirror_updated_at"] is None
    assert not (box.data_dir / "mirror.db").exists()


# --- two stations, one offline ------------------------------------------------------------------
@ON_A_SERVER
@POSTGRESQL
def test_an_offline_station_and_an_online_one_admit_one_ticket_one_conflict_nothing_lost(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """A admits three tickets from its mirror while its server is cut off; B, on the server,
    admits one of them meanwhile. After A's sync the server has A's three scans with A's own
    times, and one conflict naming both stations and both times; nothing waits at A."""
    event = open_event(store, signer, 4)
    a = stations("A", through(proxy, db_url))
    b = stations("B", db_url)
    first = a.run("sync")
    assert first.code == 0, first.err
    assert first.json["online"] is True and first.json["downloaded"] > 0

    proxy.cut()
    at_b = b.start("checkin", event.payloads[1])  # meanwhile, on the server
    offline = []
    for payload in event.payloads[:3]:
        done = a.run("checkin", payload)
        assert done.code == 0, done.err
        assert (done.json["result"], done.json["offline"]) == ("ok", True), done.out
        assert "OFFLINE" in done.err
        offline.append(done.json)
    assert [answer["ticket_id"] for answer in offline] == event.ticket_ids[:3]
    assert "3 scan(s) waiting to upload" in done.err
    refused = a.run("sync")  # the server does not answer: exit 3, nothing lost
    assert refused.code == 3, refused.err
    assert (refused.json["online"], refused.json["pending"]) == (False, 3)
    contested = event.ticket_ids[1]
    online = at_b.finish()
    assert online.code == 0, online.err
    assert (online.json["result"], online.json["offline"]) == ("ok", False), online.out
    assert scan_count(store, "A") == 0  # nothing of A's reached the server while cut off

    proxy.restore()
    synced = a.run("sync")
    assert synced.code == 0, synced.err
    assert synced.json["online"] is True
    assert (synced.json["uploaded"], synced.json["conflicts"], synced.json["pending"]) == (3, 1, 0)

    logged = scans_at(store, "A")
    assert [(s.ticket_id, s.result, s.offline, s.at) for s in logged] == [
        (answer["ticket_id"], "ok", True, moment(answer["at"])) for answer in offline
    ]
    [conflict] = conflicts(store)
    assert (
        conflict.ticket_id,
        conflict.reason,
        conflict.station,
        conflict.at,
        conflict.other_station,
        conflict.other_at,
    ) == (
        contested,
        "already_checked_in",
        "A",
        moment(offline[1]["at"]),
        "B",
        moment(online.json["at"]),
    )
    held = ticket(store, contested)  # the server's first admission stands
    assert (held.checked_in_station, held.checked_in_at) == ("B", moment(online.json["at"]))
    for answer in (offline[0], offline[2]):
        mine = ticket(store, answer["ticket_id"])
        assert (mine.checked_in_station, mine.checked_in_at) == ("A", moment(answer["at"]))

    asked = a.start("station", "status")
    listed = b.run("report", "conflicts", event.slug)
    status = asked.finish()
    assert status.code == 0, status.err
    assert (status.json["online"], status.json["pending"]) == (True, 0)
    assert listed.code == 0, listed.err
    [row] = listed.json
    assert row["ticket_id"] == contested and row["stations"] == ["A", "B"]
    assert [moment(t) for t in row["times"]] == [  # a report for people: to the second
        moment(offline[1]["at"]).replace(microsecond=0),
        moment(online.json["at"]).replace(microsecond=0),
    ]

    # A's copy, refreshed after the upload, says whose admission stands.
    proxy.cut()
    again = StationDoor(a.in_process()).scan(event.payloads[1])
    assert (again.result, again.offline, again.first_station) == ("already_checked_in", True, "B")
    assert again.first_checked_in_at == moment(online.json["at"])


# --- a sync killed in the middle --------------------------------------------------------------
class TicketLock:
    """A row lock on a ticket, held by another transaction on the server: an upload that
    admits the ticket waits for it."""

    def __init__(self, store: Store, ticket_id: str) -> None:
        self.conn = store.engine.connect()
        self.conn.begin()
        self.conn.execute(
            text("SELECT id FROM ticket WHERE id = :id FOR UPDATE"), {"id": ticket_id}
        )

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


class MirrorLock:
    """The write lock of a station's mirror, held by another program: the station reads its
    outbox but cannot mark what it uploaded until the lock is let go."""

    def __init__(self, station: DoorStation) -> None:
        key = held(station.data_dir)
        assert key is not None
        self.conn = open_encrypted(str(station.data_dir / MIRROR_FILE), key, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        with contextlib.suppress(*ERROR):  # released already
            self.conn.execute("ROLLBACK")
            self.conn.close()


def waiting_for_a_lock(store: Store) -> bool:
    """A session of the test's database waits for a lock that another one holds."""
    with store.read() as session:
        found = session.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar()
    return bool(found)


def killed(run: Running) -> Answer:
    """SIGKILL, while it is still working."""
    assert run.process.poll() is None, run.finish()
    os.kill(run.process.pid, signal.SIGKILL)
    done = run.finish()
    assert done.code == -signal.SIGKILL
    return done


@ON_A_SERVER
@POSTGRESQL
def test_a_sync_killed_during_its_upload_sends_nothing_twice_and_loses_nothing(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """1050 scans decided offline: two batches of upload. The first `sync` is killed after
    the server committed the first batch and before the station could write that down (an
    unknown outcome); the second in the middle of the second batch; the third finishes. Every
    scan is on the server once, with its nonce and time; A's scans do not conflict with A's."""
    event = open_event(store, signer, 100)
    a = stations("A", through(proxy, db_url))
    station = a.in_process()
    assert station.sync_round().online
    proxy.cut()
    door = StationDoor(station)
    # Fifty guests each scanned twenty times (one admission, then "already checked in"), then
    # fifty more once: the second batch has admissions too.
    queued = [payload for payload in event.payloads[:50] for _ in range(20)]
    queued += event.payloads[50:]
    for payload in queued:
        decided = door.scan(payload)
        assert decided.offline and decided.result in ("ok", "already_checked_in"), decided
    a.close()
    outbox = a.outbox()
    assert len(outbox) == len(queued) > BATCH  # more than one batch
    assert {row["state"] for row in outbox} == {"pending"}
    proxy.restore()
    locks: list[TicketLock | MirrorLock] = []
    runs: list[Running] = []
    try:
        # 1. The server commits the first batch; the station cannot write down that it did.
        locks.append(TicketLock(store, event.ticket_ids[0]))
        runs.append(run := a.start("sync"))
        wait_until(
            lambda: waiting_for_a_lock(store) or run.process.poll() is not None,
            timeout=LONG,
            what="the upload waiting in its first batch",
        )
        locks.append(MirrorLock(a))  # the station opened its mirror before it uploaded
        locks[0].release()
        wait_until(
            lambda: scan_count(store, "A") > 0 or run.process.poll() is not None,
            timeout=LONG,
            what="the first batch committed",
        )
        killed(run)
        assert scan_count(store, "A") == BATCH  # some, not all
        locks[1].release()
        assert {row["state"] for row in a.outbox()} == {"pending"}  # the station never knew

        # 2. Sent again: the first batch changes nothing; killed in the second batch.
        locks.append(TicketLock(store, event.ticket_ids[50]))
        runs.append(run := a.start("sync"))
        wait_until(
            lambda: waiting_for_a_lock(store) or run.process.poll() is not None,
            timeout=LONG,
            what="the upload waiting in its second batch",
        )
        killed(run)
        locks[2].release()
        assert scan_count(store, "A") == BATCH
        states = Counter(row["state"] for row in a.outbox())
        assert states == {"done": BATCH, "pending": len(queued) - BATCH}
        assert conflicts(store) == []
    finally:
        for lock in locks:
            lock.release()
        for started in runs:
            started.stop()

    # 3. To the end.
    synced = a.run("sync")
    assert synced.code == 0, synced.err
    assert (synced.json["online"], synced.json["conflicts"], synced.json["pending"]) == (True, 0, 0)
    outbox = a.outbox()
    assert {row["state"] for row in outbox} == {"done"}
    logged = scans_at(store, "A")
    assert nonces_twice(store) == []
    assert sorted((s.nonce, s.at, s.result, s.offline) for s in logged) == sorted(
        (row["nonce"], row["at"], row["result"], True) for row in outbox
    )
    assert Counter(s.result for s in logged) == {"ok": 100, "already_checked_in": 950}
    assert conflicts(store) == []  # never A against A
    admitted = {row["ticket_id"]: row["at"] for row in outbox if row["result"] == "ok"}
    for ticket_id in event.ticket_ids:
        held = ticket(store, ticket_id)
        assert (held.checked_in_station, held.checked_in_at) == ("A", admitted[ticket_id])
    status = a.in_process().status()
    assert (status.online, status.pending, status.refused) == (True, 0, 0)


# --- a ticket cancelled meanwhile ---------------------------------------------------------------
@ON_A_SERVER
@POSTGRESQL
def test_a_ticket_cancelled_while_a_station_admitted_it_offline_is_a_revoked_conflict(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """A admits a ticket from its mirror; the office cancels it on the server meanwhile. The
    admission is kept in the scan log as decided, reported as a "revoked" conflict naming the
    office and the cancel's time, and the ticket stays cancelled (and A's copy learns it)."""
    event = open_event(store, signer, 2)
    guest = event.ticket_ids[0]
    a = stations("A", through(proxy, db_url))
    office = stations("Office", db_url)
    station = a.in_process()
    assert station.sync_round().online
    proxy.cut()
    door = StationDoor(station)
    decided = door.scan(event.payloads[0])
    assert (decided.result, decided.offline, decided.ticket_id) == ("ok", True, guest)
    cancelled = office.run("cancel", guest)
    assert cancelled.code == 0, cancelled.err
    assert cancelled.json["status"] == "cancelled"

    proxy.restore()
    synced = station.sync_round()
    assert (synced.online, synced.uploaded, synced.conflicts, synced.pending) == (True, 1, 1, 0)
    [logged] = scans_at(store, "A")
    assert (logged.ticket_id, logged.result, logged.offline, logged.at) == (
        guest,
        "ok",
        True,
        decided.at,
    )
    held = ticket(store, guest)
    assert (held.status, held.checked_in_at, held.checked_in_station) == ("cancelled", None, None)
    [conflict] = conflicts(store)
    assert (
        conflict.ticket_id,
        conflict.reason,
        conflict.station,
        conflict.at,
        conflict.other_station,
        conflict.other_at,
        conflict.nonce,
    ) == (guest, "revoked", "A", decided.at, "Office", held.cancelled_at, logged.nonce)

    proxy.cut()  # the refresh after the upload brought the cancel to A's copy
    again = door.scan(event.payloads[0])
    assert (again.result, again.offline) == ("revoked", True)


# --- a server that is slow, not gone -------------------------------------------------------------
@ON_A_SERVER
@POSTGRESQL
def test_a_slow_server_is_a_threshold_not_a_hang(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """The server takes connections and answers, seconds late. A station connected to it
    decides from its mirror once ``offline_after`` has passed (within a second more), and the
    next scan at once; a new `checkin` process, which connects first, within seconds, not a
    hang. When the server is quick again the online try that was given up on commits with
    the scan's nonce, and the upload of the same scan adds nothing."""
    event = open_event(store, signer, 3)
    a = stations("A", through(proxy, db_url), offline_after=1.0)
    c = stations("C", through(proxy, db_url), offline_after=1.0)
    station = a.in_process()
    assert station.sync_round().online  # its pool keeps connections through the proxy
    threshold = station.config.offline_after
    assert threshold == 1.0
    other = c.in_process()
    assert other.sync_round().online
    c.close()

    proxy.delay = 3.0  # each way: a round trip takes six seconds
    door = StationDoor(station)
    nonce = uuid.uuid4().hex
    started = time.monotonic()
    decided = door.scan(event.payloads[0], nonce=nonce)
    took = time.monotonic() - started
    assert (decided.result, decided.offline) == ("ok", True), decided
    assert threshold - 0.05 <= took < threshold + 1.0, took
    started = time.monotonic()
    next_one_nonce = uuid.uuid4().hex
    next_one = door.scan(event.payloads[2], nonce=next_one_nonce)  # the server is not waited for
    assert (next_one.result, next_one.offline) == ("ok", True), next_one
    assert time.monotonic() - started < threshold
    at_c = c.run("checkin", event.payloads[1])  # a whole process, start to end
    assert at_c.code == 0, at_c.err
    assert (at_c.json["result"], at_c.json["offline"]) == ("ok", True), at_c.out
    assert "OFFLINE" in at_c.err
    # From the scan (its time, taken once the process has started) to the process's end: a new
    # process connects first, and connecting may take libpq's connect timeout (5 s,
    # eventdesk.db) when that is longer than the threshold.
    answered_in = (at_c.ended - moment(at_c.json["at"])).total_seconds()
    assert answered_in < max(threshold, CONNECT_TIMEOUT) + MARGIN, (answered_in, at_c.seconds)
    assert scan_count(store, "A") == scan_count(store, "C") == 0
    assert proxy.held > 0  # it did reach the server: it was not refused, only slow

    proxy.delay = 0  # quick again: what was held goes now
    wait_until(
        lambda: nonce in {s.nonce for s in scans_at(store, "A")},
        timeout=LONG,
        what="the online try given up on, committed late",
    )
    synced = station.sync_round()
    assert (synced.online, synced.conflicts, synced.pending) == (True, 0, 0), synced
    # Once: the late online try and the upload of the same scan are one scan.
    logged = scans_at(store, "A")
    assert [(s.ticket_id, s.result, s.at) for s in logged] == [
        (event.ticket_ids[0], "ok", decided.at),
        (event.ticket_ids[2], "ok", next_one.at),
    ]
    assert [(s.nonce, s.offline) for s in logged] == [(nonce, False), (next_one_nonce, True)]
    held = ticket(store, event.ticket_ids[0])
    assert (held.checked_in_station, held.checked_in_at) == ("A", decided.at)
    assert station.deciding_online()  # online again by itself: nothing left to upload

    other = c.in_process()
    synced = other.sync_round()
    assert (synced.online, synced.uploaded, synced.conflicts, synced.pending) == (True, 1, 0, 0)
    [uploaded] = scans_at(store, "C")
    assert (uploaded.ticket_id, uploaded.result, uploaded.offline, uploaded.at) == (
        event.ticket_ids[1],
        "ok",
        True,
        moment(at_c.json["at"]),
    )
    assert nonces_twice(store) == [] and conflicts(store) == []


# --- undo and exit, offline ---------------------------------------------------------------------
@ON_A_SERVER
@POSTGRESQL
def test_an_undo_and_an_exit_decided_offline_are_uploaded_as_such(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """Offline, A admits a guest and undoes it (`checkin undo`), and lets a guest of an event
    with re-entry out (`checkin --exit`). After the upload the first guest is not checked in
    on the server and the second is checked in but not inside."""
    event = open_event(store, signer, 1)
    reentry = open_event(store, signer, 1, allow_reentry=True)
    guest, leaver = event.ticket_ids[0], reentry.ticket_ids[0]
    came_in = Checkin(store, station="A").scan(reentry.payloads[0])  # on the server
    assert came_in.result == "ok"
    a = stations("A", through(proxy, db_url))
    station = a.in_process()
    assert station.sync_round().online  # A's copy: the second guest is inside

    proxy.cut()
    admitted = a.run("checkin", event.payloads[0])
    assert admitted.code == 0, admitted.err
    assert (admitted.json["result"], admitted.json["offline"]) == ("ok", True)
    undone = a.run("checkin", "undo", guest)
    assert undone.code == 0, undone.err
    assert (undone.json["result"], undone.json["offline"]) == ("undone", True), undone.out
    assert undone.json["was_station"] == "A"
    assert moment(undone.json["was_checked_in_at"]) == moment(admitted.json["at"])
    left = a.run("checkin", "--exit", reentry.payloads[0])
    assert left.code == 0, left.err
    assert (left.json["result"], left.json["direction"], left.json["offline"]) == (
        "ok",
        "exit",
        True,
    )
    assert ticket(store, leaver).inside  # the server knows nothing of it yet

    proxy.restore()
    synced = station.sync_round()
    assert (synced.online, synced.conflicts, synced.pending) == (True, 0, 0), synced
    assert [
        (s.ticket_id, s.result, s.direction, s.offline, s.at) for s in scans_at(store, "A")
    ] == [
        (leaver, "ok", "entry", False, came_in.at),
        (guest, "ok", "entry", True, moment(admitted.json["at"])),
        (leaver, "ok", "exit", True, moment(left.json["at"])),
    ]
    undone_guest = ticket(store, guest)
    assert (undone_guest.checked_in_at, undone_guest.checked_in_station) == (None, None)
    assert not undone_guest.inside
    out = ticket(store, leaver)
    assert (out.checked_in_station, out.checked_in_at, out.inside) == ("A", came_in.at, False)
    status = station.status()
    assert (status.online, status.pending, status.refused) == (True, 0, 0)


# --- a forged ticket, offline -------------------------------------------------------------------
@ON_A_SERVER
@POSTGRESQL
def test_a_forged_ticket_offline_is_invalid_and_in_the_servers_scan_log_after_sync(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """A tells a forged payload from its mirror's public keys alone: "invalid" (exit 1,
    offline), and the server's scan log has the refusal after the upload."""
    event = open_event(store, signer, 2)
    version, _, key_id, signature = event.payloads[0].split(".")
    # Ticket 0's signature on ticket 1's id; and ticket 1 signed by a key nobody registered.
    swapped = f"{version}.{event.ticket_ids[1]}.{key_id}.{signature}"
    stranger = Signer(Ed25519PrivateKey.generate()).payload(event.ticket_ids[1])
    a = stations("A", through(proxy, db_url))
    station = a.in_process()
    assert station.sync_round().online

    proxy.cut()
    refused = a.run("checkin", swapped)
    assert refused.code == 1, refused.err
    assert (refused.json["result"], refused.json["offline"]) == ("invalid", True), refused.out
    assert "OFFLINE" in refused.err
    unknown_key = StationDoor(station).scan(stranger)
    assert (unknown_key.result, unknown_key.offline) == ("invalid", True), unknown_key

    proxy.restore()
    synced = station.sync_round()
    assert (synced.online, synced.uploaded, synced.conflicts, synced.pending) == (True, 2, 0, 0)
    assert [(s.result, s.offline, s.payload, s.at) for s in scans_at(store, "A")] == [
        ("invalid", True, swapped, moment(refused.json["at"])),
        ("invalid", True, stranger, unknown_key.at),
    ]
    assert ticket(store, event.ticket_ids[1]).checked_in_at is None


@POSTGRESQL
def test_a_doors_first_scan_on_a_stalled_server_waits_the_threshold_not_the_connect_limit(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """A door of a station connected already (its sync loop's connections), for an event: its
    first scan reads the event, then decides. When the server stalls just then, the station
    gives up after its threshold, as for any scan, not after the 5 s a new connection gets:
    a kiosk's first scan in an outage answers within seconds (bench/offline.py part 4)."""
    event = open_event(store, signer, 1)
    a = stations("A", through(proxy, db_url), offline_after=1.0)
    station = a.in_process()
    assert station.sync_round().online
    proxy.stall()
    try:
        decided = StationDoor(station, event=event.slug).scan(event.payloads[0])
    finally:
        proxy.unstall()
    assert (decided.result, decided.offline) == ("ok", True), decided
    assert station.link.reason == "no answer within 1 s", station.link.reason


@POSTGRESQL
def test_a_late_online_answer_that_disagrees_with_the_offline_one_is_settled_on_upload(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """The station stops waiting for a slow server and decides from its copy; the server
    answers the same scan later, otherwise. A guest admitted offline whom the server refused
    (another door had admitted the ticket) is a conflict; a guest turned away offline whom
    the server admitted (the other door's check-in was undone meanwhile) does not stay
    admitted on the server, and that is a conflict too. Nobody is locked out unseen."""
    event = open_event(store, signer, 2)
    a = stations("A", through(proxy, db_url), offline_after=1.0)
    b = stations("B", db_url)
    station = a.in_process()
    assert station.sync_round().online
    door = StationDoor(station)

    def late(payload: str) -> str:
        """A scan at A while the server is slow, answered offline; the late online try
        committed once the server is quick again; the upload done."""
        nonce = uuid.uuid4().hex
        proxy.delay = 3.0
        decided = door.scan(payload, nonce=nonce)
        assert decided.offline, decided
        proxy.delay = 0
        wait_until(
            lambda: nonce in {s.nonce for s in scans_at(store, "A")},
            timeout=LONG,
            what="the online try given up on, committed late",
        )
        synced = station.sync_round()
        assert (synced.online, synced.pending) == (True, 0), synced
        return decided.result

    first, second = event.ticket_ids
    # Admitted at B after A's last copy: A admits offline, the server says "already in".
    assert b.run("checkin", event.payloads[0]).code == 0
    assert late(event.payloads[0]) == "ok"
    [conflict] = conflicts(store)
    assert (conflict.ticket_id, conflict.reason, conflict.station, conflict.other_station) == (
        first,
        "already_checked_in",
        "A",
        "B",
    )
    assert "late answer" in conflict.detail
    # Admitted at B, copied by A, undone at B: A turns the guest away, the server admits.
    assert b.run("checkin", event.payloads[1]).code == 0
    assert station.sync_round().online
    assert b.run("checkin", "undo", second).code == 0
    assert late(event.payloads[1]) == "already_checked_in"
    assert ticket(store, second).checked_in_at is None  # not admitted where nobody was let in
    late_one = [c for c in conflicts(store) if c.ticket_id == second]
    assert [(c.reason, c.station) for c in late_one] == [("late_answer", "A")]


@POSTGRESQL
def test_a_whole_new_copy_never_leaves_the_door_with_less_than_the_old_one(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    """`sync --full` (or a copy twelve hours old, or another server address) copies everything
    again over the old copy: a door deciding meanwhile still finds every ticket."""
    event = open_event(store, signer, 120)
    a = stations("A", through(proxy, db_url))
    station = a.in_process()
    assert station.sync_round().online
    mirror = station.mirror

    def tickets_in_copy() -> int:
        with mirror.store.read() as session:
            return int(session.execute(text("SELECT count(*) FROM ticket")).scalar_one())

    known = tickets_in_copy()
    assert known >= len(event.ticket_ids)
    proxy.delay = 0.05  # a slow network: the copy takes a while
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(station.sync_round(full=True)))
    worker.start()
    seen: list[int] = []
    while worker.is_alive():
        seen.append(tickets_in_copy())
    worker.join()
    proxy.delay = 0
    assert done and getattr(done[0], "full", False)
    assert len(seen) > 1 and min(seen) == known, (min(seen), known)

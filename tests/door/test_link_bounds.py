"""Every wait of a station on its server is bounded, and every state it says is true
(docs/architecture.md, "Stations and the offline mirror": the link), on each login a station
uses: the organizer's, a door's own and a desk's own.

Before: a link restored after dying half-open (every connection left open at both ends, none of
their bytes going anywhere) left a station offline for minutes, its sync loop waiting on a dead
socket with its locks held, while the desk admitted a second time a ticket another door had
admitted online meanwhile; ``eventdesk sync`` on such a link never ended; a sync beside a
station whose sync was stuck said "online: 0 scans uploaded" and exit 0, having done nothing.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.folder_lock import FolderLock
from eventdesk.services.stations.link import AGAIN_SECONDS
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.services.stations.sync_loop import SyncLoop
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.conftest import PG_ENV, PG_SKIP
from tests.door.test_every_login import PASSWORD, server_logins
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import wait_until
from tests.offline_tools import STATION_OF, DoorStation, OpenEvent, open_event, synced_behind_proxy

LOGINS = ("organizer", "door", "desk")
BACK_WITHIN = 2.0  # seconds from the server answering again to the station deciding online
# Seconds from a scan to its offline answer (the threshold is 1 s): never waiting on the dead
# link, on a busy 2-core machine (1.85 s seen beside the whole suite). bench/offline.py measures
# the goal itself, 1.5 s, on a stalled link (a stall and a half-open link alike send nothing).
OFFLINE_WITHIN = 5.0
SYNC_BOUND = 10.0  # a round of sync waits at most this long on a server that says nothing
MARGIN = 5.0  # a process's start and end on a busy 2-core machine

pytestmark = [pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP), POSTGRESQL]
__all__ = ["backend_fixed", "server_logins"]  # fixtures


@dataclass
class Site:
    """A station of ``login`` reaching the server through ``proxy``, and an event open now."""

    login: str
    door: DoorStation
    proxy: TcpProxy
    event: OpenEvent
    store: Store


@pytest.fixture(params=LOGINS)
def site(
    request: pytest.FixtureRequest,
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    server_logins: dict[str, str],
    tmp_path: Path,
) -> Iterator[Site]:
    login = str(request.param)
    event = open_event(store, signer, 20)
    with synced_behind_proxy(db_url, login, server_logins, PASSWORD, tmp_path) as (door, proxy):
        yield Site(login, door, proxy, event, store)


def _timed(desk: StationDoor, payload: str) -> tuple[float, bool, str]:
    started = time.monotonic()
    said = desk.scan(payload)
    return time.monotonic() - started, said.offline, said.result


@pytest.mark.slow  # cuts a server's link under a running station
def test_a_link_restored_after_dying_half_open_is_online_within_2_s(site: Site) -> None:
    station = site.door.in_process()
    loop = SyncLoop(station, every=0.5)
    loop.start()
    desk = StationDoor(station, event=site.event.slug)
    payloads, tickets = site.event.payloads, site.event.ticket_ids
    try:
        # The loop has opened the server first: on a busy machine a station's first connection
        # (its login, its door) may take longer than the threshold, and is then rightly offline.
        wait_until(lambda: loop.rounds >= 2, what="the sync loop going round")
        assert _timed(desk, payloads[0])[1:] == (False, "ok")
        held = site.proxy.held
        site.proxy.half_open()  # every connection the station holds now leads nowhere
        loop.poke()  # a round of sync starts on a connection of the dead link
        wait_until(lambda: site.proxy.held > held, what="the station's bytes held")
        took, offline, result = _timed(desk, payloads[1])
        assert (offline, result) == (True, "ok") and took <= OFFLINE_WITHIN, (took, offline)
        # Meanwhile another door admits a ticket online.
        assert Checkin(site.store, station="Door 2").scan(payloads[2]).result == "ok"
        site.proxy.unstall()  # the link is back: new connections go through
        back = time.monotonic()
        wait_until(lambda: station.deciding_online(), timeout=30, what="the station online")
        assert time.monotonic() - back <= BACK_WITHIN, time.monotonic() - back
        # Online again: the ticket the other door admitted is not admitted a second time.
        took, offline, result = _timed(desk, payloads[2])
        assert (offline, result) == (False, "already_checked_in"), (took, result)
        # The sync loop is not left waiting on the dead link: the offline scan goes up.
        wait_until(
            lambda: station.pending == 0 and loop.last is not None and loop.last.online,
            timeout=30,
            what="the offline scan uploaded by a round of the sync loop",
        )
        with site.store.read() as session:
            from sqlalchemy import text

            first = session.execute(
                text("SELECT checked_in_station FROM ticket WHERE id = :t"), {"t": tickets[1]}
            ).scalar()
        assert first == STATION_OF[site.login]
    finally:
        loop.stop()
        loop.join(15)
        assert not loop.is_alive(), "the sync loop ends when stopped"


@pytest.mark.slow  # runs eventdesk as a process of its own
def test_sync_on_a_link_that_died_half_open_ends_within_its_bound(site: Site) -> None:
    """An upload cut half-open mid-way ends within its bound, saying what it did and did not
    do (exit 3), and the next sync sends the rest once."""
    site.proxy.cut()
    decided = site.door.scan_lines(site.event.payloads[:12])
    assert [answer["offline"] for answer in decided] == [True] * 12, decided
    site.proxy.restore()
    site.proxy.half_open()  # before the sync connects: it meets a link that says nothing
    said = site.door.run("sync", timeout=SYNC_BOUND + 3 * MARGIN)
    assert said.code == 3, (said.code, said.out, said.err)
    assert said.seconds <= SYNC_BOUND + MARGIN, said.seconds
    report = said.json
    assert report["online"] is False and report["pending"] == 12, report
    assert "12 scans still waiting" in said.err, said.err
    site.proxy.cut()
    site.proxy.unstall()
    site.proxy.restore()
    again = site.door.run("sync")
    assert again.code == 0 and again.json["uploaded"] == 12 and again.json["pending"] == 0


@pytest.mark.slow  # runs eventdesk as a process of its own
def test_sync_beside_a_process_that_holds_the_copy_says_so_and_waits_its_bound(
    site: Site,
) -> None:
    """A sync beside another process of the station whose sync holds the copy (the app's,
    waiting on a link that died) says who holds it and that nothing was uploaded (exit 3),
    never "online: 0 scans uploaded" with exit 0; once it is free, the sync uploads."""
    site.proxy.cut()
    decided = site.door.scan_lines(site.event.payloads[:3])
    assert [answer["offline"] for answer in decided] == [True] * 3, decided
    site.proxy.restore()
    holding = threading.Event()
    release = threading.Event()

    def app() -> None:
        FolderLock.purpose = "eventdesk app"
        with FolderLock(site.door.data_dir) as lock:
            assert lock.held
            holding.set()
            release.wait(120)

    holder = threading.Thread(target=app, daemon=True)
    holder.start()
    assert holding.wait(30)
    try:
        said = site.door.run("sync", timeout=SYNC_BOUND + 3 * MARGIN)
        assert said.code == 3, (said.code, said.out, said.err)
        assert said.seconds <= SYNC_BOUND + MARGIN, said.seconds
        assert said.json["uploaded"] == 0 and said.json["pending"] == 3, said.json
        assert said.json["beside"] == f"{os.getpid()} eventdesk app", said.json
        assert f"(pid {os.getpid()})" in said.err and "3 scans still waiting" in said.err
    finally:
        release.set()
        holder.join(10)
        FolderLock.purpose = "eventdesk"
    freed = site.door.run("sync")
    assert freed.code == 0 and freed.json["uploaded"] == 3 and freed.json["pending"] == 0


@pytest.mark.slow  # runs eventdesk as a process of its own
def test_station_status_says_offline_on_a_link_that_died_half_open(site: Site) -> None:
    """``station status`` asks the server within its bound: a link that says nothing is
    OFFLINE, never "online"."""
    site.proxy.half_open()
    said = site.door.run("station", "status", timeout=SYNC_BOUND + 3 * MARGIN)
    assert said.json["online"] is False, said.json
    assert said.seconds <= SYNC_BOUND + MARGIN, said.seconds
    human = subprocess.run(
        [c for c in site.door.command("station", "status") if c != "--json"],
        capture_output=True,
        text=True,
        timeout=SYNC_BOUND + 3 * MARGIN,
        env=site.door.environ(),
    )
    assert "OFFLINE" in human.stdout and ": online" not in human.stdout, human.stdout


@pytest.mark.slow  # cuts a server's link under a station
def test_a_server_gone_for_good_is_answered_offline_within_1_5_s_then_at_once(
    site: Site,
) -> None:
    """A link that refuses is tried again within the threshold (it may come back at once), so
    the first scan's offline answer takes a moment, never more than 1.5 s; the scans after it
    try once; once the server has refused every try for a while it is down, and a scan is
    decided offline at once."""
    station = site.door.in_process()
    desk = StationDoor(station, event=site.event.slug)
    # its server reached first: on a busy machine a first connection may take longer than the
    # 1 s threshold, and that round is then rightly said offline; the next one finds it open
    wait_until(lambda: station.sync_round().online, timeout=30, what="the server reached")
    assert _timed(desk, site.event.payloads[0])[1:] == (False, "ok")
    site.proxy.cut()  # and not restored: every connection refused from now on
    took, offline, result = _timed(desk, site.event.payloads[1])
    assert (offline, result) == (True, "ok") and took <= OFFLINE_WITHIN, took
    # The scan after it (one queued behind it, at a door in a rush) is not tried again for as
    # long: that one found the server gone.
    took, offline, result = _timed(desk, site.event.payloads[2])
    assert (offline, result) == (True, "ok") and took < AGAIN_SECONDS / 2, took
    wait_until(lambda: not station.link.coming_and_going(), what="the server known down")
    took, offline, result = _timed(desk, site.event.payloads[3])
    assert (offline, result) == (True, "ok") and took <= 0.3, took


@pytest.mark.slow  # cuts a server's link under a running station
def test_an_idle_station_whose_link_died_half_open_says_offline_at_its_next_round(
    site: Site,
) -> None:
    """Nobody scans; the link dies half-open. The station's next round of sync asks the server
    within the threshold, as a scan would: it says OFFLINE within a round and a threshold, not
    "online" until someone scans (or for as long as its round would wait)."""
    station = site.door.in_process()
    loop = SyncLoop(station, every=0.5)
    loop.start()
    try:
        wait_until(lambda: loop.rounds >= 2, what="the sync loop going round")
        assert station.deciding_online()
        site.proxy.half_open()
        died = time.monotonic()
        wait_until(lambda: not station.deciding_online(), timeout=30, what="OFFLINE said")
        assert time.monotonic() - died <= 0.5 + 1.0 + 1.5, time.monotonic() - died
    finally:
        loop.stop()
        loop.join(15)

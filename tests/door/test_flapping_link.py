"""A station goes back online as soon as its server answers, not once its outbox is empty.

Before, a station that missed one answer decided every later scan from its mirror until it had
uploaded every scan it had decided offline: on a link cut every 200 ms two doors scanning the same
tickets answered offline throughout and admitted every ticket twice (800 of 800, all conflicts).
Now a door decides online whenever the server answers (a scan's own ticket's offline decisions
uploaded first, the rest beside it), so only the scans made while the link is down are offline,
and a ticket scanned at both doors while the server answered both is admitted once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.services.stations.offline import SyncLoop
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.conftest import PG_ENV, PG_SKIP
from tests.helpers import wait_until
from tests.offline_tools import DoorStation, conflicts, nonces_twice, open_event, through

TICKETS = 90
FLAP = 0.2  # seconds: the link is cut this long, then up this long, again and again
PACE = 0.03  # seconds between two scans at one door

pytestmark = [
    pytest.mark.skipif(not __import__("os").environ.get(PG_ENV), reason=PG_SKIP),
    pytest.mark.parametrize("db_url", ["postgresql"], indirect=True),
]


@pytest.fixture
def backend_fixed() -> None:
    """The database is chosen here (see conftest.pytest_generate_tests)."""


class Flapping(threading.Thread):
    """Cuts the link and restores it every FLAP seconds until stopped (then it stays up)."""

    def __init__(self, proxy: TcpProxy) -> None:
        super().__init__(name="flapping", daemon=True)
        self.proxy = proxy
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.proxy.cut()
            if self.halt.wait(FLAP):
                break
            self.proxy.restore()
            self.halt.wait(FLAP)
        self.proxy.restore()

    def stop(self) -> None:
        self.halt.set()
        self.join(10)


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_flapping_link_admits_each_ticket_once_where_the_server_answered_both_doors(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    event = open_event(store, signer, TICKETS)
    doors = [DoorStation(name, tmp_path / name, through(proxy, db_url), 1.0) for name in "AB"]
    for door in doors:
        assert door.run("sync").code == 0  # each has its copy of the tickets
    stations = [door.in_process() for door in doors]
    loops = [SyncLoop(station) for station in stations]
    answers: dict[str, list[ScanResult]] = {door.name: [] for door in doors}
    flapping = Flapping(proxy)
    try:
        for loop in loops:
            loop.start()

        def scanning(index: int) -> Callable[[], None]:
            desk = StationDoor(stations[index], event=event.slug)
            payloads = event.payloads if index == 0 else list(reversed(event.payloads))
            said = answers[doors[index].name]

            def run() -> None:
                for payload in payloads:
                    said.append(desk.scan(payload))
                    threading.Event().wait(PACE)

            return run

        workers = [threading.Thread(target=scanning(i)) for i in range(2)]
        flapping.start()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(300)
        flapping.stop()
        for station in stations:
            wait_until(lambda s=station: s.sync_round().pending == 0, what="every scan uploaded")
    finally:
        flapping.stop()
        for loop in loops:
            loop.stop()
            loop.join(10)
        for door in doors:
            door.close()

    by_ticket: dict[str, list[ScanResult]] = {}
    for name, said in answers.items():
        assert len(said) == TICKETS
        online = sum(not answer.offline for answer in said)
        # The link is up half of the time: a door decides online often, a busy machine less
        # (9 of 90 once, on a machine running two suites); before, none was (0 of 90).
        assert online >= 3, (name, online)
        for answer in said:
            assert answer.ticket_id is not None
            by_ticket.setdefault(answer.ticket_id, []).append(answer)
    both_online = [pair for pair in by_ticket.values() if not any(a.offline for a in pair)]
    assert both_online, "some tickets were scanned at both doors while both reached the server"
    for pair in both_online:
        assert sorted(a.result for a in pair) == ["already_checked_in", "ok"], pair
    twice = [pair for pair in by_ticket.values() if [a.result for a in pair] == ["ok", "ok"]]
    assert all(any(a.offline for a in pair) for pair in twice)  # only where one was offline
    assert len(conflicts(store)) == len(twice)  # each kept as a conflict, none other
    assert nonces_twice(store) == []
    assert all(any(a.result == "ok" for a in pair) for pair in by_ticket.values())

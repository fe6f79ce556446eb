"""A station's clock decides nothing: online the server's clock does, offline the station's put
right by the difference it last measured against the server's.

Before, a station whose clock was two days slow answered `not_yet_valid` at an open door, three
days fast `expired`, and three hours fast stored its check-ins three hours in the future (and
conflicts named misleading times). Station processes run here with their clock moved by
libfaketime (the real clock of a machine set wrong), and in this process with a station clock
that is off (the station's clock hook)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.stations.clock import clock_words
from eventdesk.services.stations.mirror_schema import OUTBOX
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from screens.widgets.offline_state import offline_text
from testkit.proxy import TcpProxy
from tests.conftest import PG_ENV, PG_SKIP
from tests.offline_tools import LONG, DoorStation, moment, open_event, through, ticket

FAKETIME = shutil.which("faketime")
SLACK = timedelta(seconds=60)  # a busy machine: a process's start and its decision
pytestmark = [
    pytest.mark.slow,  # stations whose clock is off (libfaketime)
    pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP),
    pytest.mark.parametrize("db_url", ["postgresql"], indirect=True),
]


@pytest.fixture
def backend_fixed() -> None:
    """The database is chosen here (see conftest.pytest_generate_tests)."""


class SkewedStation(DoorStation):
    """A station whose machine's clock is off by ``shift`` (libfaketime)."""

    shift: str = "+0"

    def command(self, *args: str) -> list[str]:
        assert FAKETIME is not None
        return [FAKETIME, "-f", self.shift, *super().command(*args)]

    @staticmethod
    def environ() -> dict[str, str]:
        # The wall clock only: timeouts and the monotonic clock stay true.
        return {**DoorStation.environ(), "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


@pytest.mark.skipif(FAKETIME is None, reason="needs libfaketime (Debian's faketime; .ci/run)")
@pytest.mark.parametrize(
    ("shift", "seconds"),
    [("-2d", 2 * 86_400), ("+3d", -3 * 86_400), ("+3h", -3 * 3_600)],
    ids=["two-days-slow", "three-days-fast", "three-hours-fast"],
)
def test_a_station_whose_clock_is_off_decides_on_the_servers_clock(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    tmp_path: Path,
    shift: str,
    seconds: int,
) -> None:
    event = open_event(store, signer, 2)
    door = SkewedStation("Door 7", tmp_path / "door", db_url, 10.0)
    door.shift = shift
    answer = door.run("checkin", "--ticket", event.ticket_ids[0])
    assert answer.code == 0, answer.err
    assert answer.json["result"] == "ok" and answer.json["offline"] is False
    stored = ticket(store, event.ticket_ids[0]).checked_in_at
    assert abs(stored - utcnow()) < SLACK, stored  # on the server's clock, not the station's
    assert abs(moment(answer.json["at"]) - stored) < timedelta(seconds=1)

    status = door.run("station", "status")
    assert status.code == 0, status.err
    assert abs(status.json["clock_skew_seconds"] - seconds) < SLACK.total_seconds()
    plain = [arg for arg in door.command("station", "status") if arg != "--json"]
    shown = subprocess.run(
        plain, capture_output=True, text=True, timeout=LONG, env=door.environ(), check=True
    )
    assert f"clock: {clock_words(seconds)} against the server's (OFF" in shown.stdout
    stats = door.run("stats", event.slug)
    row = next(s for s in stats.json["stations"] if s["station"] == "Door 7")
    assert abs(row["clock_skew_seconds"] - seconds) < SLACK.total_seconds()


def test_offline_a_station_puts_its_clock_right_by_what_it_last_measured(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    """Three hours fast, measured once online: offline its decisions, its outbox and (after
    a restart during the outage) the next process's decisions are on the server's time."""
    event = open_event(store, signer, 3)
    door = DoorStation("Door 8", tmp_path / "door", through(proxy, db_url), 10.0)
    fast = timedelta(hours=3)
    config = door.in_process().config
    station = Station(config, lambda: Store(door.url), clock=lambda: utcnow() + fast)
    try:
        assert station.sync_round().online  # its copy, and its clock measured
        assert station.time.last is not None
        assert abs(station.time.last.seconds + fast.total_seconds()) < 5
        assert clock_words(station.time.last.seconds).startswith("3 h 0 min fast")
        # The desk's and the kiosk's line says so while online.
        assert offline_text(station) == (
            "This station's clock is 3 h 0 min fast, put right by the server's"
        )
        proxy.cut()
        decided = StationDoor(station, event=event.slug).scan(event.payloads[0])
        assert decided.offline and decided.result == "ok"
        assert abs(decided.at - utcnow()) < SLACK
    finally:
        station.close()
    restarted = Station(config, lambda: Store(door.url), clock=lambda: utcnow() + fast)
    try:  # a new process during the outage: the difference kept in its mirror
        again = StationDoor(restarted, event=event.slug).scan(event.payloads[1])
        assert again.offline and again.result == "ok"
        assert abs(again.at - utcnow()) < SLACK
        with restarted.mirror.store.read() as session:
            times = list(session.execute(OUTBOX.select().with_only_columns(OUTBOX.c.at)).scalars())
        assert len(times) == 2 and all(abs(at - utcnow()) < SLACK for at in times)
        proxy.restore()
        assert restarted.sync_round().pending == 0
    finally:
        restarted.close()
        door.close()
    for ticket_id in event.ticket_ids[:2]:
        assert abs(ticket(store, ticket_id).checked_in_at - utcnow()) < SLACK

"""The server machine dies mid-rush (issue 61): a primary and its synchronous standby made as
docs/standby.md says (testkit.standby), four stations (two doors' own logins, two desks' own)
each a running `eventdesk scan --source -`, scanning 2,000 tickets through the stations'
address that names both hosts. In the middle, the primary's postmaster is killed (SIGKILL: the
machine died), and the stations decide from their copies, five tickets of each scanned at two
stations meanwhile. The standby is promoted as the page says, and the stations, never
restarted, find it by themselves, upload what they decided, and answer online again.
Afterwards, on the new primary: every ticket admitted, none twice; every admission a station
was told the server confirmed is there; every offline decision uploaded once; each ticket
admitted at two stations offline a conflict; nothing left waiting in any station's outbox.
(The standby's machine dying instead, `doctor` saying so and the primary then run alone:
tests/e2e/test_docs_standby.py.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from testkit.standby import (
    DATABASE,
    Answer,
    Pair,
    ScanStation,
    eventdesk,
    four_stations,
    made_as_the_page_says,
    run_block,
)
from tests.e2e.test_docs_standby import pair as pair  # the page's pair, made afresh

pytestmark = [
    pytest.mark.slow,  # two PostgreSQL clusters, four stations as processes, 2,000 scans
    pytest.mark.timeout(900),
]

TICKETS = 2000
BEFORE, MEANWHILE, SHARED = 200, 100, 5  # each station's scans before the kill, and while out
BACK_ONLINE = "server back: online again"


@dataclass
class Rush:
    """The event, its tickets' payloads by id, the four stations (running), the page's later
    blocks, and each station's own tickets in the order it scans them."""

    event: str
    payloads: dict[str, str]
    stations: list[ScanStation]
    later: dict[str, list[str]]

    def own(self, at: int) -> list[str]:
        return list(self.payloads.values())[at :: len(self.stations)]


@contextmanager
def started_rush(pair: Pair, folder: Path) -> Iterator[Rush]:
    """The page's pair, the event and its tickets, and the four stations scanning (each with
    its copy), killed after if still running."""
    later = made_as_the_page_says(pair)
    with four_stations(pair, pair.both, folder, TICKETS, offline_after=30.0) as made:
        event, payloads, stations = made
        yield Rush(event, payloads, stations, later)


def scanned(rush: Rush, lines: Callable[[int], list[str]]) -> list[list[Answer]]:
    """Each station's ``lines(at)`` scanned at once (the stations side by side): their
    answers, station by station."""
    before = [len(station.answers) for station in rush.stations]
    for at, station in enumerate(rush.stations):
        station.send(lines(at))
    return [
        station.wait_answers(start + len(lines(at)))[start:]
        for at, (station, start) in enumerate(zip(rush.stations, before, strict=True))
    ]


@dataclass
class Told:
    """What the stations answered, and the tickets scanned at two stations while out."""

    answers: list[Answer]
    twice: set[str]


def afterwards(pair: Pair, port: int, rush: Rush, told: Told) -> None:
    """What the server that went on holds, against what the stations were told: each ticket
    admitted, once in the scan log unless two stations admitted it offline (then a conflict
    recorded), every confirmed admission there, and nothing waiting to upload."""
    server = create_engine(pair.url("postgres", DATABASE, port))
    with server.connect() as conn:
        inside = set(
            conn.execute(text("SELECT id FROM ticket WHERE checked_in_at IS NOT NULL")).scalars()
        )
        logged = dict(
            conn.execute(
                text(
                    "SELECT ticket_id, count(*) FROM scan_log WHERE result = 'ok' "
                    "AND direction = 'entry' GROUP BY ticket_id"
                )
            ).all()
        )
        conflicts = list(conn.execute(text("SELECT ticket_id FROM scan_conflict")).scalars())
    server.dispose()
    ids = {payload: ticket for ticket, payload in rush.payloads.items()}
    both = {ids[payload] for payload in told.twice}
    assert inside == set(rush.payloads), f"{len(inside)} of {len(rush.payloads)} admitted"
    assert set(logged) == inside  # every decision uploaded
    assert {ticket for ticket, count in logged.items() if count > 1} == both, logged
    assert sorted(conflicts) == sorted(both), conflicts  # one conflict each, recorded once
    confirmed = {
        a.said["ticket_id"] for a in told.answers if a.said["result"] == "ok" and not a.offline
    }
    assert confirmed <= inside  # every admission the server confirmed, kept
    for station in rush.stations:
        waiting = eventdesk(station.data, station.url, "station", "outbox", station=station.name)
        assert waiting == [], (station.name, waiting)


def rush_through(rush: Rush, die: Callable[[], None], recover: Callable[[], None]) -> Told:
    """The rush: each station's first tickets online; ``die``; its next ones decided from its
    copy, with five of its neighbour's; ``recover``; the rest, until each station says it is
    online again (never restarted) and its last ten are answered online; then each ends."""
    count = len(rush.stations)
    told = Told([], set())
    for answers in scanned(rush, lambda at: rush.own(at)[:BEFORE]):
        told.answers += answers

    def neighbours(at: int) -> list[str]:
        return rush.own((at + 1) % count)[BEFORE : BEFORE + SHARED]

    die()
    told.twice = {payload for at in range(count) for payload in neighbours(at)}
    out = scanned(rush, lambda at: rush.own(at)[BEFORE : BEFORE + MEANWHILE] + neighbours(at))
    for meanwhile in out:
        assert all(a.offline and a.said["result"] == "ok" for a in meanwhile), meanwhile[:3]
        told.answers += meanwhile
    recover()
    for answers in scanned(rush, lambda at: rush.own(at)[BEFORE + MEANWHILE : -10]):
        told.answers += answers
    for station in rush.stations:
        station.wait_said(BACK_ONLINE)  # it found the server by itself
    for last in scanned(rush, lambda at: rush.own(at)[-10:]):
        assert not any(a.offline for a in last), last  # online again
        told.answers += last
    for station in rush.stations:
        assert station.close() == 0, station.said[-5:]
    return told


def test_four_stations_keep_scanning_when_the_primary_dies_and_lose_nothing(
    pair: Pair, tmp_path: Path
) -> None:
    with started_rush(pair, tmp_path) as rush:
        told = rush_through(
            rush,
            lambda: pair.kill(pair.primary_data),  # the server machine dies
            lambda: run_block(pair, "promote", rush.later["promote"]),
        )
        afterwards(pair, pair.standby_port, rush, told)

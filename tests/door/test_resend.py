"""An upload sent again is recognised as itself (docs/architecture.md, "Stations and the offline
mirror": the upload), on each login a station uses.

A station whose upload's answer was lost (the link died after the server committed it) sends the
same rows again. Before: a re-sent admission the server had already taken could come back
"refused ... no conflict" and stay "1 scan refused" at the desk for good, which `report
conflicts` did not show; and a re-sent scan the server had answered online (a try the station
had given up on) added a conflict that never happened."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, text

from eventdesk.db import Store
from eventdesk.models import Event
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.stations.mirror_schema import WAITING_FROM
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.services.stats.conflicts import conflicts as conflicts_report
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.conftest import PG_ENV, PG_SKIP
from tests.door.test_every_login import PASSWORD, server_logins
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.offline_tools import (
    STATION_OF,
    DoorStation,
    OpenEvent,
    conflicts,
    copy_sql,
    nonces_twice,
    open_event,
    synced_behind_proxy,
)

LOGINS = ("organizer", "door", "desk")

pytestmark = [pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP), POSTGRESQL]
__all__ = ["backend_fixed", "server_logins"]  # fixtures


@dataclass
class Site:
    login: str
    door: DoorStation
    station: Station
    proxy: TcpProxy
    event: OpenEvent
    store: Store

    def lost_answers(self) -> None:
        """The copy as the station leaves it when the answers to its upload were lost: every
        row it sent still waiting, and the outbox's mark where it was before (the upload moves
        it in the transaction that marks the rows done, which never came)."""
        with copy_sql(self.door.data_dir) as conn:
            conn.execute("UPDATE outbox SET state = 'pending', uploaded_at = NULL")
            conn.execute("DELETE FROM mirror_state WHERE key = ?", (WAITING_FROM,))

    def report(self) -> list[tuple[str, str]]:
        """`report conflicts`: each row's ticket and reason."""
        with self.store.read() as session:
            event = session.scalars(select(Event).where(Event.slug == self.event.slug)).one()
            found = conflicts_report(session, event)
        return [(row[0], row[4]) for row in found.rows]


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
    event = open_event(store, signer, 4)
    with synced_behind_proxy(db_url, login, server_logins, PASSWORD, tmp_path) as (door, proxy):
        yield Site(login, door, door.in_process(), proxy, event, store)


def _offline(site: Site, payload: str) -> None:
    site.proxy.cut()
    said = StationDoor(site.station, event=site.event.slug).scan(payload)
    assert (said.offline, said.result) == (True, "ok"), said
    site.proxy.restore()


def _synced(site: Site) -> tuple[int, int, int]:
    """A round of sync: what it uploaded, how many were refused, how many still wait."""
    report = site.station.sync_round()
    assert report.online, report
    return report.uploaded, report.refused, report.pending


@pytest.mark.slow  # cuts a server's link under a station
def test_an_admission_sent_again_is_taken_once_and_refused_never(site: Site) -> None:
    payloads, tickets = site.event.payloads, site.event.ticket_ids
    _offline(site, payloads[0])  # admitted offline, nobody else
    _offline(site, payloads[1])  # admitted offline, and at another door meanwhile
    assert Checkin(site.store, station="Door 9").scan(payloads[1]).result == "ok"
    assert _synced(site) == (2, 0, 0)
    assert [(c.ticket_id, c.station) for c in conflicts(site.store)] == [
        (tickets[1], STATION_OF[site.login])
    ]
    site.lost_answers()
    _uploaded, refused, pending = _synced(site)
    assert (refused, pending) == (0, 0), site.door.outbox()
    assert [r["state"] for r in site.door.outbox()] == ["done", "done"]
    assert len(conflicts(site.store)) == 1  # none invented
    assert site.report() == [(tickets[1], "already_checked_in")]
    assert nonces_twice(site.store) == []


@pytest.mark.slow  # slows a server's link under a station
def test_a_scan_the_server_answered_late_sent_again_invents_no_conflict(site: Site) -> None:
    """The station gave up on a slow server and admitted from its copy; the server admitted
    the same scan later. Uploaded, and sent again: one admission, no conflict."""
    payload, ticket = site.event.payloads[2], site.event.ticket_ids[2]
    door = StationDoor(site.station, event=site.event.slug)
    nonce = uuid.uuid4().hex
    # Meanwhile the station measures its clock against the server again (its sync loop does at
    # each round): the difference it finds is never quite the same.
    measuring = threading.Event()

    def measure() -> None:
        while not measuring.is_set():
            site.station.time.measure(site.store, STATION_OF[site.login])

    again = threading.Thread(target=measure, daemon=True)
    site.proxy.delay = 3.0
    again.start()
    try:
        said = door.scan(payload, nonce=nonce)
    finally:
        measuring.set()
        again.join(10)
    assert (said.offline, said.result) == (True, "ok"), said
    site.proxy.delay = 0
    for _round in range(2):
        _uploaded, refused, pending = _synced(site)
        assert (refused, pending) == (0, 0), site.door.outbox()
        assert conflicts(site.store) == [], conflicts(site.store)
        assert site.report() == []
        site.lost_answers()
    with site.store.read() as session:
        held = session.execute(
            text("SELECT checked_in_station FROM ticket WHERE id = :t"), {"t": ticket}
        ).scalar()
    assert held == STATION_OF[site.login]
    assert nonces_twice(site.store) == []


@pytest.mark.slow  # cuts a server's link under a station
def test_an_admission_undone_then_sent_again_is_neither_refused_nor_a_conflict(
    site: Site,
) -> None:
    """Admitted offline and undone offline (a mistake put right), both uploaded; the answers
    lost and both sent again: nothing refused, no conflict; and once another door has admitted
    the ticket since, sent again once more: still no conflict (there never was one)."""
    payload, ticket = site.event.payloads[3], site.event.ticket_ids[3]
    door = StationDoor(site.station, event=site.event.slug)
    site.proxy.cut()
    said = door.scan(payload)
    assert (said.offline, said.result) == (True, "ok"), said
    door.undo(ticket)
    site.proxy.restore()
    assert _synced(site) == (2, 0, 0)
    site.lost_answers()
    _uploaded, refused, pending = _synced(site)
    assert (refused, pending) == (0, 0), site.door.outbox()
    assert conflicts(site.store) == [] and site.report() == []
    assert Checkin(site.store, station="Door 9").scan(payload).result == "ok"
    site.lost_answers()
    _uploaded, refused, pending = _synced(site)
    assert (refused, pending) == (0, 0), site.door.outbox()
    assert conflicts(site.store) == [] and site.report() == []

"""A check-in decided offline prints its badge: queued in the station's own print queue (in its
mirror) with the decision, printed from the station's copy of the ticket (holder, type, event,
the QR payload), and the print log uploaded to the server once, when it answers again. The
desk searches that copy too (tests/app/test_offline_door.py). Real `eventdesk` processes and the
app's printer worker; a real PostgreSQL server behind a loopback proxy the test cuts; the
built-in folder printer writes real files."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from badges import load_badge
from badges.badge import badge_from_copy
from badges.layout import BUILT_IN, BUILT_IN_TOML
from badges.render import render
from devices.print_worker import PrintOutcome, PrintWorker
from devices.printers import printers_of
from eventdesk.db import Store
from eventdesk.models import PrintJob
from eventdesk.services.catalogue.badge_layouts import assign_layout, save_layout
from eventdesk.services.stations.mirror_read import find_in_copy, ticket_in_copy
from eventdesk.services.stations.mirror_schema import PRINT_JOB
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.helpers import wait_until
from tests.offline_tools import LONG, DoorStation, copy_of, door_a, open_event, through

__all__ = ["backend_fixed", "door_a", "proxy"]  # fixtures


def server_jobs(store: Store) -> list[tuple[str, str, str | None, str]]:
    with store.read() as session:
        rows = session.execute(
            select(PrintJob.ticket_id, PrintJob.state, PrintJob.station, PrintJob.reason).order_by(
                PrintJob.id
            )
        ).all()
    return [(t, s, st, r) for t, s, st, r in rows]


def copy_jobs(station: DoorStation) -> list[dict[str, Any]]:
    mirror = copy_of(station.data_dir)
    try:
        with mirror.store.read() as session:
            return [dict(r) for r in session.execute(select(PRINT_JOB)).mappings()]
    finally:
        mirror.close()


def printed(station: DoorStation, ticket_id: str) -> list[Path]:
    return sorted((station.data_dir / "badges").glob(f"{ticket_id}-*.txt"))


@POSTGRESQL
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_check_in_decided_offline_prints_its_badge_from_the_copy_and_uploads_the_log_once(
    backend_fixed: None, store: Store, signer: Signer, proxy: TcpProxy, door_a: DoorStation
) -> None:
    event = open_event(store, signer, 2)
    card = BUILT_IN_TOML["name-only"].replace('"name-only"', '"door-card"')
    save_layout(store, "door-card", card)  # the event's badges print with a stored layout
    assign_layout(store, event.slug, "default", "door-card", known=BUILT_IN)
    station = door_a.in_process()
    assert station.sync_round().online
    proxy.cut()
    mirror = copy_of(door_a.data_dir)
    try:  # the copy has the layout: a badge made offline is the server's, dot for dot
        copied = badge_from_copy(mirror, event.ticket_ids[0])
    finally:
        mirror.close()
    assert (copied.layout, copied.layout_source) == ("door-card", card)
    assert render(copied, "png") == render(load_badge(store, event.ticket_ids[0]), "png")
    answer = door_a.run("checkin", event.payloads[0], "--event", event.slug, "--print")
    assert answer.code == 0, answer.err
    assert answer.json["offline"] is True and "badge queued" in answer.json["flags"]
    assert "printed on badges" in answer.err
    files = printed(door_a, event.ticket_ids[0])
    assert len(files) == 1
    # The same badge the server's own copy of the ticket makes: holder, type, event, QR.
    assert "GUEST NUMBER0" in files[0].read_text()
    assert files[0].read_bytes() == render(load_badge(store, event.ticket_ids[0]), "text")
    jobs = copy_jobs(door_a)
    assert [(j["ticket_id"], j["state"], j["reason"]) for j in jobs] == [
        (event.ticket_ids[0], "done", "checkin")
    ]
    assert server_jobs(store) == []  # the server was away

    proxy.restore()
    assert station.sync_round().online
    assert server_jobs(store) == [(event.ticket_ids[0], "done", "A", "checkin")]
    assert station.sync_round().online  # sent once
    assert server_jobs(store) == [(event.ticket_ids[0], "done", "A", "checkin")]


def _printing(
    station: Station, poll: float = 0.25
) -> tuple[PrintWorker, list[PrintOutcome], threading.Event]:
    """The app's print worker of ``station``, started: what it printed, and an event set at
    each outcome."""
    outcomes: list[PrintOutcome] = []
    done = threading.Event()

    def heard(outcome: PrintOutcome) -> None:
        outcomes.append(outcome)
        done.set()

    worker = PrintWorker(
        station.server(),
        printers_of(station.config),
        station=station.name,
        on_outcome=heard,
        door=station,
        poll=poll,
    )
    worker.start()
    return worker, outcomes, done


@POSTGRESQL
def test_the_printer_worker_prints_offline_badges_while_the_server_is_away(
    backend_fixed: None, store: Store, signer: Signer, proxy: TcpProxy, door_a: DoorStation
) -> None:
    event = open_event(store, signer, 3)
    station = door_a.in_process()
    assert station.sync_round().online
    proxy.cut()
    door = StationDoor(station, event=event.slug, print_to="badges")
    worker, outcomes, done = _printing(station)
    try:
        result = door.scan(event.payloads[1])
        assert result.offline and result.result == "ok" and result.badge_queued
        worker.wake()
        assert done.wait(LONG), worker.error
    finally:
        worker.stop()
        worker.join(LONG)
    assert [(o.job.ticket_id, o.state) for o in outcomes] == [(event.ticket_ids[1], "done")]
    assert len(printed(door_a, event.ticket_ids[1])) == 1
    # What the badge and the desk read offline: the copy's ticket and its holder.
    copied, copied_event, _ = ticket_in_copy(station.mirror, event.ticket_ids[1])
    assert copied.ticket.qr_payload == event.payloads[1]
    assert copied_event.slug == event.slug
    found = find_in_copy(station.mirror, copied.ticket.attendee, limit=10)
    assert copied.ticket.attendee_id in [p.id for p in found]


@POSTGRESQL
@pytest.mark.slow  # a link that dies half-open under a running print worker
def test_a_print_worker_caught_by_a_link_dying_half_open_prints_the_offline_badges(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    """Its claim on the server waits on the dead link no longer than a round of sync does
    (services.stations.link.SILENCE_SECONDS): then the badge of a check-in decided offline
    prints from the copy. Before: the worker waited on the dead socket for good, and no badge
    printed until the app was restarted."""
    event = open_event(store, signer, 3)
    door_h = DoorStation("H", tmp_path / "station-H", through(proxy, db_url), 1.0)
    station = door_h.in_process()
    assert station.sync_round().online
    worker, outcomes, done = _printing(station, poll=0.05)
    try:
        held = proxy.held
        proxy.half_open()  # the worker's next claim waits on a connection that leads nowhere
        wait_until(lambda: proxy.held > held, what="the worker's claim held")
        door = StationDoor(station, event=event.slug, print_to="badges")
        result = door.scan(event.payloads[1])
        assert result.offline and result.result == "ok" and result.badge_queued
        worker.wake()
        assert done.wait(LONG), worker.error
        assert [(o.job.ticket_id, o.state) for o in outcomes] == [(event.ticket_ids[1], "done")]
        assert len(printed(door_h, event.ticket_ids[1])) == 1
    finally:
        worker.stop()
        worker.join(LONG)
        door_h.close()
    assert not worker.is_alive(), "the worker ends when stopped"

"""The app at a door on a PostgreSQL server that goes away (a loopback proxy the test cuts):
the kiosk and the desk say OFFLINE with the scans waiting, admit from the station's mirror
(a green welcome), and go back online by themselves when the server answers, uploading what
they decided meanwhile. A station with no copy yet keeps its scans for the server instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.notifications import Notify
from textual.widgets import DataTable, Input, Static

from eventdesk.config import Config, load_config
from eventdesk.db import Store
from eventdesk.errors import DatabaseUnavailable
from eventdesk.models import ScanLog
from eventdesk.opening import open_store
from eventdesk.services.data.demo import build_demo
from eventdesk.services.people.registration import TicketInfo
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import ensure_keys, load_signer
from screens.app import EventdeskApp, make_app
from screens.desk.card import AttendeeCard
from screens.desk.screen import DeskScreen
from screens.messages import ScanDecided
from screens.widgets.offline_state import OfflineState
from testkit.proxy import TcpProxy
from tests.app.test_app_kiosk import (
    admissible,
    answered,
    event_tickets,
    hook,
    scan_with_wedge,
    started,
)
from tests.apptools import STATION, demo_now, demo_shift, wait_for
from tests.door.test_outage import POSTGRESQL, admitted_once, backend_fixed, proxy, through

LONG = 120.0  # a busy 2-core machine can be slow to reconnect
__all__ = ["backend_fixed", "proxy"]  # fixtures


@dataclass
class AppStation:
    """A demo event on the test's PostgreSQL server; the app's store reaches it through the
    proxy (the test's own ``store`` does not)."""

    event: str
    tickets: list[TicketInfo]  # two tickets the door admits, not checked in yet
    config: Config
    store: Store


@pytest.fixture
def app_station(db_url: str, store: Store, proxy: TcpProxy, tmp_path: Path) -> Iterator[AppStation]:
    data = tmp_path / "data"
    data.mkdir()
    ensure_keys(store, data, STATION)
    store.signer = load_signer(data)
    summary = build_demo(
        store, attendee_count=40, seed=7, station=STATION, now=demo_now() if demo_shift() else None
    )
    tickets = admissible(store, event_tickets(store, summary.event))[:2]
    assert len(tickets) == 2 and all(t.qr_payload for t in tickets)
    config = load_config(data_dir=data, database_url=through(proxy, db_url), station=STATION)
    app_store = open_store(config)
    try:
        yield AppStation(summary.event, tickets, config, app_store)
    finally:
        app_store.dispose()


def app_at(station: AppStation, who: str, mode: str) -> EventdeskApp:
    app = make_app(
        config=station.config.with_options(event=station.event),
        store=station.store,
        sign_in_as=who,
        mode=mode,
    )
    app.backend.clock = demo_now  # the demo's day (see tests/apptools.py)
    return app


async def until(pilot: Any, condition: Callable[[], bool]) -> None:
    await wait_for(condition, pilot, timeout=LONG)


def offline_line(app: EventdeskApp) -> str:
    """What the screen's OFFLINE line says ("" while it is hidden)."""
    lines = app.screen.query(OfflineState).results(OfflineState)
    return next((str(line.render()) for line in lines if line.display), "")


def has_copy(app: EventdeskApp) -> Callable[[], bool]:
    station = app.backend.door_station
    assert station is not None, "a station on a server keeps a mirror"
    return station.mirror.has_copy


def offline_scans(store: Store) -> list[tuple[str | None, str]]:
    with store.read() as session:
        rows = session.execute(
            select(ScanLog.ticket_id, ScanLog.result).where(ScanLog.offline.is_(True))
        ).all()
    return [(ticket, result) for ticket, result in rows]


@POSTGRESQL
@pytest.mark.asyncio
async def test_the_kiosk_says_offline_and_welcomes_from_its_mirror_then_comes_back(
    backend_fixed: None, store: Store, proxy: TcpProxy, app_station: AppStation
) -> None:
    first, second = app_station.tickets
    app = app_at(app_station, "Kiosk Door 1", "kiosk")
    decisions: list[ScanDecided] = []
    async with app.run_test(size=(100, 30), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await started(app, pilot)
        await until(pilot, has_copy(app))  # the app copied what a door needs on its own
        await scan_with_wedge(pilot, first.qr_payload or "")
        online = (await answered(pilot, decisions, 1)).result
        assert online is not None and (online.result, online.offline) == ("ok", False)
        assert offline_line(app) == ""
        proxy.cut()
        await scan_with_wedge(pilot, second.qr_payload or "")
        panel = await answered(pilot, decisions, 2)  # answered now, not when the server is back
        assert panel.result is not None
        assert (panel.result.result, panel.result.ticket_id) == ("ok", second.id)
        assert panel.result.offline and panel.has_class("-ok")  # the green welcome
        assert second.attendee in panel.plain()
        await until(pilot, lambda: "1 scan waiting to upload" in offline_line(app))
        assert offline_line(app).startswith("OFFLINE")
        assert offline_scans(store) == []  # the server has not heard of it yet
        proxy.restore()
        await until(pilot, lambda: offline_line(app) == "")  # back online by itself
        assert app.is_running
    assert offline_scans(store) == [(second.id, "ok")]
    assert admitted_once(store, first.id) and admitted_once(store, second.id)


@POSTGRESQL
@pytest.mark.asyncio
async def test_the_desk_offline_shows_the_scanned_card_and_searches_from_its_copy_and_undoes(
    backend_fixed: None, store: Store, proxy: TcpProxy, app_station: AppStation
) -> None:
    first, second = app_station.tickets
    app = app_at(app_station, "Sam Desk", "desk")
    seen: list[Any] = []

    def decided() -> list[ScanDecided]:
        return [m for m in seen if isinstance(m, ScanDecided)]

    async with app.run_test(
        size=(120, 40), message_hook=hook((ScanDecided, Notify), seen)
    ) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        banner = screen.query_one("#banner", Static)
        card = screen.query_one("#card", AttendeeCard)
        await until(pilot, has_copy(app))

        async def scan(payload: str) -> None:
            field = screen.query_one("#scan", Input)
            field.focus()
            await until(pilot, lambda: app.focused is field)
            field.value = payload
            await pilot.press("enter")

        await scan(first.qr_payload or "")
        await until(pilot, lambda: len(decided()) == 1 and banner.has_class("-ok"))
        await until(pilot, lambda: screen.card is not None)  # the first one's card
        assert "STATION'S COPY" not in card.text
        proxy.cut()
        await scan(second.qr_payload or "")
        await until(pilot, lambda: len(decided()) == 2 and banner.has_class("-ok"))
        result = decided()[1].result
        assert (result.result, result.ticket_id, result.offline) == ("ok", second.id, True)
        assert second.attendee in str(banner.render())
        # The second one's card, from the station's copy and marked so: never the first one's.
        await until(pilot, lambda: screen.card is not None and screen.card.copied_at is not None)
        assert screen.card is not None and screen.card.attendee.id == second.attendee_id
        assert "STATION'S COPY" in card.text and second.id in card.text
        assert "✔ checked in" in card.text  # the admission just decided, in the copy
        assert "OFFLINE" in str(screen.query_one("#hint", Static).render())
        # A search offline finds people in the copy, by name, e-mail and ticket id.
        name_word = second.attendee.split()[-1]
        table = screen.query_one("#results", DataTable)
        search = screen.query_one("#search", Input)
        for query in (name_word, second.email.split("@")[0], second.id):
            search.value = query
            await until(
                pilot,
                lambda q=query: screen.shown_query == q and str(second.attendee_id) in keys(table),
            )
        assert not app.screen.query("Toast")
        await pilot.press("ctrl+p")  # taking a payment needs the server: said, nothing done
        await until(pilot, lambda: notified(seen, "server does not answer: payments"))
        await until(pilot, lambda: "1 scan waiting" in offline_line(app))
        await pilot.press("ctrl+u")  # undo the admission just made, offline
        await until(pilot, lambda: "undone" in str(banner.render()))
        await until(pilot, lambda: "2 scans waiting" in offline_line(app))
        proxy.restore()
        await until(pilot, lambda: offline_line(app) == "")
        # Back online: the card is read again from the server, no longer marked.
        await until(pilot, lambda: not screen.offline_shown and "STATION'S COPY" not in card.text)
    assert admitted_once(store, first.id)
    assert not admitted_once(store, second.id)  # admitted and undone, both uploaded
    assert offline_scans(store) == [(second.id, "ok")]


def keys(table: DataTable[Any]) -> set[str]:
    return {str(row.value) for row in table.rows}


def notified(messages: list[Any], text: str) -> bool:
    return any(isinstance(m, Notify) and text in m.notification.message for m in messages)


@POSTGRESQL
def test_a_station_with_no_copy_yet_keeps_the_scan_for_the_server(
    backend_fixed: None, store: Store, proxy: TcpProxy, db_url: str, tmp_path: Path
) -> None:
    """Never synced and the server away: nothing to decide from, so the scan is not answered
    (a worker keeps it, as for any database that does not answer), not refused."""
    config = load_config(
        data_dir=tmp_path / "fresh", database_url=through(proxy, db_url), station="Door 9"
    )
    station = Station(config)
    try:
        proxy.cut()
        with pytest.raises(DatabaseUnavailable, match="no copy of the tickets"):
            StationDoor(station).scan("ED1.NOTHING.HERE.AT-ALL")
        assert station.pending == 0
    finally:
        station.close()

"""The app signing in at a station whose server does not answer, restarted during an outage
(tests/door/test_offline_signin.py holds the rules: what the mirror keeps, lockouts made offline).
Real PostgreSQL behind a loopback proxy the test cuts (testkit/proxy.py)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Select, Static

from eventdesk.db import Store
from eventdesk.services.people.auth import MAX_ATTEMPTS
from eventdesk.services.stations.copy_key import fetch, forget, held
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.signin import ORGANIZER_OFFLINE
from screens.app import EventdeskApp, make_app
from screens.desk.screen import DeskScreen
from screens.login import LoginScreen
from screens.messages import ScanDecided
from screens.unlock import UnlockScreen
from testkit.proxy import TcpProxy
from tests.app.test_app_kiosk import hook
from tests.apptools import STATION, demo_now, notifications_of, options_of, wait_for
from tests.door.test_offline_signin import (
    DESK,
    DESK_PIN,
    LONG,
    ORGANIZER,
    ORGANIZER_PIN,
    DemoServer,
    refreshed,
    server,
    staff_row,
    station,
)
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy

__all__ = ["backend_fixed", "proxy", "server", "station"]  # fixtures


# --- the app, restarted during an outage ------------------------------------------------------
def problem(app: EventdeskApp) -> str:
    return str(app.screen.query_one("#problem", Static).render())


async def type_pin(pilot: Any, name: str, pin: str) -> None:
    screen = pilot.app.screen
    select = screen.query_one("#staff-name", Select)
    select.value = name
    field = screen.query_one("#staff-pin", Input)
    field.focus()
    await wait_for(lambda: pilot.app.focused is field, pilot)
    await pilot.press(*pin, "enter")


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_desk_restarted_offline_signs_in_from_its_mirror_and_admits(
    backend_fixed: None, server: DemoServer, station: Station, proxy: TcpProxy, store: Store
) -> None:
    refreshed(station)
    station.close()
    proxy.cut()
    config = server.config
    app = make_app(
        config=config.with_options(event=server.event), opens=lambda: Store.from_config(config)
    )
    app.backend.clock = demo_now
    decisions: list[ScanDecided] = []
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await wait_for(lambda: isinstance(app.screen, LoginScreen), pilot, timeout=LONG)
        select = app.screen.query_one("#staff-name", Select)
        # The names come from the mirror, and the screen says what works offline.
        await wait_for(lambda: len(options_of(select)) > 1, pilot, timeout=LONG)
        await wait_for(lambda: "organizer" in problem(app).lower(), pilot, timeout=LONG)
        assert "server" in problem(app).lower()

        await type_pin(pilot, ORGANIZER, ORGANIZER_PIN)  # refused in a plain sentence
        await wait_for(lambda: problem(app) == ORGANIZER_OFFLINE, pilot, timeout=LONG)
        assert isinstance(app.screen, LoginScreen)

        await type_pin(pilot, DESK, "9999")  # wrong, counted offline
        await wait_for(lambda: "tries left" in problem(app), pilot, timeout=LONG)
        assert problem(app) == f"name or PIN is wrong ({MAX_ATTEMPTS - 1} tries left)"

        await type_pin(pilot, DESK, DESK_PIN)
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot, timeout=LONG)
        assert app.backend.staff is not None and app.backend.staff.name == DESK
        screen = app.screen
        banner = screen.query_one("#banner", Static)
        field = screen.query_one("#scan", Input)
        field.focus()
        await wait_for(lambda: app.focused is field, pilot)
        field.value = server.tickets[0].qr_payload or ""
        await pilot.press("enter")
        await wait_for(lambda: len(decisions) == 1 and banner.has_class("-ok"), pilot, timeout=LONG)
        result = decisions[0].result
        assert (result.result, result.ticket_id, result.offline) == (
            "ok",
            server.tickets[0].id,
            True,
        )
    # The server has heard nothing of the wrong PIN yet (it was away).
    assert staff_row(store, DESK).failed_pin_attempts == 0


def switched_off(server: DemoServer, station: Station, proxy: TcpProxy, store: Store) -> str:
    """The station's copy made, then the machine switched off (the key it held in memory is
    gone) while its server went away: the passphrase its staff have on paper."""
    refreshed(station)
    station.close()
    forget(server.config.data_dir)
    passphrase = fetch(store, STATION).passphrase
    proxy.cut()
    return passphrase


def asks_passphrase(app: EventdeskApp) -> bool:
    """The passphrase's box is up, its field drawn (a screen pushed is composed a moment later)."""
    return isinstance(app.screen, UnlockScreen) and bool(app.screen.query("#unlock"))


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_desk_started_offline_after_a_power_cut_asks_its_passphrase_then_admits(
    backend_fixed: None, server: DemoServer, station: Station, proxy: TcpProxy, store: Store
) -> None:
    """The machine was switched off (the key it held in memory is gone) and its server is
    away: the app asks the station's passphrase, says a wrong one, and with the right one signs
    in and admits from its copy."""
    passphrase = switched_off(server, station, proxy, store)
    config = server.config
    app = make_app(
        config=config.with_options(event=server.event), opens=lambda: Store.from_config(config)
    )
    app.backend.clock = demo_now
    decisions: list[ScanDecided] = []
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await wait_for(lambda: asks_passphrase(app), pilot, timeout=LONG)
        said = str(app.screen.query_one("#unlock-why", Static).render())
        assert "copy is locked" in said and "station passphrase" in said
        field = app.screen.query_one("#unlock", Input)
        await wait_for(lambda: app.focused is field, pilot)
        await pilot.press(*"0000-0000-0000", "enter")
        shown = app.screen.query_one("#unlock-problem", Static)
        await wait_for(lambda: "not this station's" in str(shown.render()), pilot, timeout=LONG)
        await wait_for(lambda: app.focused is field, pilot)
        await pilot.press(*passphrase, "enter")
        await wait_for(lambda: isinstance(app.screen, LoginScreen), pilot, timeout=LONG)
        select = app.screen.query_one("#staff-name", Select)
        await wait_for(lambda: len(options_of(select)) > 1, pilot, timeout=LONG)
        await type_pin(pilot, DESK, DESK_PIN)
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot, timeout=LONG)
        screen = app.screen
        # the desk mounted (it gives its search box the focus), then its scan field chosen
        search = screen.query_one("#search", Input)
        await wait_for(lambda: app.focused is search, pilot, timeout=LONG)
        scan = screen.query_one("#scan", Input)
        scan.focus()
        await wait_for(lambda: app.focused is scan, pilot)
        scan.value = server.tickets[0].qr_payload or ""
        await pilot.press("enter")
        await wait_for(lambda: len(decisions) == 1, pilot, timeout=LONG)
        result = decisions[0].result
        assert (result.result, result.offline) == ("ok", True)


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_station_with_no_event_yet_asks_its_passphrase_when_its_sync_meets_the_lock(
    backend_fixed: None, server: DemoServer, station: Station, proxy: TcpProxy, store: Store
) -> None:
    """A station that admits no event yet opens without its copy, and its sync is what meets
    the lock: the passphrase is asked then (it only said "sync failed" every second, and nobody
    could sign in from the copy); given up, the app goes on and says it once."""
    passphrase = switched_off(server, station, proxy, store)
    config = server.config

    async def start(give_up: bool) -> None:
        app = make_app(config=config, opens=lambda: Store.from_config(config))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: asks_passphrase(app), pilot, timeout=LONG)
            field = app.screen.query_one("#unlock", Input)
            await wait_for(lambda: app.focused is field, pilot)
            if give_up:
                await pilot.press("escape")
                await wait_for(lambda: isinstance(app.screen, LoginScreen), pilot, timeout=LONG)
                await wait_for(lambda: len(notifications_of(app)) > 0, pilot, timeout=LONG)
                said = [n.message for n in notifications_of(app)]
                assert len(said) == 1 and "copy is locked" in said[0], said
                assert app.is_running and held(config.data_dir) is None
                return
            await pilot.press(*passphrase, "enter")
            await wait_for(lambda: isinstance(app.screen, LoginScreen), pilot, timeout=LONG)
            assert held(config.data_dir) is not None
            select = app.screen.query_one("#staff-name", Select)
            await wait_for(lambda: len(options_of(select)) > 1, pilot, timeout=LONG)
            await type_pin(pilot, DESK, DESK_PIN)
            await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot, timeout=LONG)

    await start(give_up=True)
    await start(give_up=False)

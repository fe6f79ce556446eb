"""Exit gates in the app: the desk switches to one with Ctrl+E (its scans and Check in let people
out, the top line says so, Ctrl+E again lets people in); a kiosk on a station set as an exit gate
(``[station] gate = "exit"``) says goodbye. Who is inside goes down and up again."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from eventdesk.models import Ticket
from eventdesk.services.catalogue import events
from screens.desk.screen import DeskScreen
from screens.messages import ScanDecided
from tests.app.test_app_desk import banner_text, scanner_types
from tests.app.test_app_kiosk import (
    answered,
    event_tickets,
    hook,
    kiosk_app,
    scan_with_wedge,
    started,
)
from tests.apptools import DemoStation, app_on, wait_for

pytestmark = pytest.mark.asyncio


def inside_with_re_entry(station: DemoStation) -> list[Any]:
    """The demo's event with re-entry, and its tickets of people inside now."""
    events.update_event(station.store, station.summary.event, allow_reentry=True)
    tickets = event_tickets(station.store, station.summary.event)
    inside = [t for t in tickets if t.checked_in_at is not None and t.qr_payload]
    assert len(inside) >= 2, "the demo has people inside"
    return inside


def inside(station: DemoStation, ticket_id: str) -> bool:
    with station.store.read() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.inside


def door_line(screen: DeskScreen) -> str:
    return str(screen.query_one("#door").render())


async def test_ctrl_e_makes_the_desk_an_exit_gate_and_back(station: DemoStation) -> None:
    leaving = inside_with_re_entry(station)[0]
    app = app_on(station.config, store=station.store, sign_in_as="Sam Desk", mode="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        await wait_for(lambda: "admits" in door_line(screen), pilot)
        assert "EXIT GATE" not in door_line(screen)

        await pilot.press("ctrl+e")
        assert "EXIT GATE" in door_line(screen)
        await scanner_types(pilot, str(leaving.qr_payload))
        await wait_for(lambda: "CHECKED OUT" in banner_text(screen), pilot)
        assert leaving.attendee in banner_text(screen)
        assert inside(station, leaving.id) is False

        await pilot.press("ctrl+e")
        assert "EXIT GATE" not in door_line(screen)
        await scanner_types(pilot, str(leaving.qr_payload))
        await wait_for(lambda: "ADMITTED" in banner_text(screen), pilot)
        assert "re-entry" in banner_text(screen)
        assert inside(station, leaving.id) is True


async def test_a_kiosk_on_an_exit_gate_says_goodbye(station: DemoStation) -> None:
    leaving = inside_with_re_entry(station)[1]
    station = dataclasses.replace(station, config=dataclasses.replace(station.config, gate="exit"))
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await started(app, pilot)
        await scan_with_wedge(pilot, str(leaving.qr_payload))
        panel = await answered(pilot, decisions, 1)
        assert decisions[0].result.direction == "exit"
        assert panel.has_class("-ok") and "Goodbye" in panel.plain()
        assert "go in" not in panel.plain().casefold()
    assert inside(station, leaving.id) is False

"""SVG snapshots of the kiosk's answer in the high-contrast theme, and of a welcome decided
offline (the server cut by the test's proxy): the large letters, the icon and the word."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from textual.widgets import Input

from eventdesk.db import Store
from screens.kiosk.answer import KioskAnswer
from testkit.proxy import TcpProxy
from tests.app.test_offline_door import (
    LONG,
    AppStation,
    app_at,
    app_station,
    has_copy,
    offline_line,
)
from tests.apptools import DemoStation, wait_for
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.snapshots.test_snapshots import app_for, settle
from tests.snapshots.test_snapshots import (
    utc_clock as utc_clock,  # autouse: local times are UTC here
)
from tests.snapshots.test_snapshots_screens import (
    KIOSK_ANSWERS,
    kiosk_opened,
    station,
    still_template,
)

__all__ = ["app_station", "backend_fixed", "proxy", "station", "still_template"]  # fixtures

HIGH_CONTRAST = ["green-welcome", "yellow-already-in", "red-not-a-ticket"]


async def answer_shown(pilot: Any, payload: str, verdict: str, timeout: float = 30.0) -> None:
    screen = await kiosk_opened(pilot)
    screen.answer_seconds = 3600  # keep the answer up for the picture
    screen.query_one("#wedge", Input).value = payload
    await pilot.press("enter")
    panel = screen.query_one("#answer", KioskAnswer)
    await wait_for(lambda: bool(panel.display) and panel.verdict is not None, pilot, timeout)
    assert panel.verdict == verdict and panel.has_class(f"-{verdict}"), panel.result
    await settle(pilot)


@pytest.mark.parametrize("answer", HIGH_CONTRAST)
def test_kiosk_answer_high_contrast(snap_compare: Any, station: DemoStation, answer: str) -> None:
    """The station's settings chose the high-contrast theme: black on bright green and yellow,
    white on deep red."""
    read, verdict = KIOSK_ANSWERS[answer]
    payload = read(station)
    assert payload

    async def ready(pilot: Any) -> None:
        await answer_shown(pilot, payload, verdict)
        assert pilot.app.screen.query_one("#answer", KioskAnswer).has_class("-high-contrast")

    station = dataclasses.replace(
        station, config=dataclasses.replace(station.config, kiosk_theme="high-contrast")
    )
    app = app_for(station, sign_in_as="Kiosk Door 1", mode="kiosk", event=station.summary.event)
    assert snap_compare(app, terminal_size=(120, 40), run_before=ready)


@POSTGRESQL
def test_kiosk_answer_offline(
    snap_compare: Any,
    backend_fixed: None,
    store: Store,
    proxy: TcpProxy,
    app_station: AppStation,
) -> None:
    """The server does not answer: the kiosk welcomes from its copy and says OFFLINE."""
    ticket = app_station.tickets[0]
    assert ticket.qr_payload

    async def ready(pilot: Any) -> None:
        app = pilot.app
        await kiosk_opened(pilot)
        await wait_for(has_copy(app), pilot, LONG)
        proxy.cut()
        await answer_shown(pilot, ticket.qr_payload or "", "ok", LONG)
        panel = app.screen.query_one("#answer", KioskAnswer)
        assert panel.result is not None and panel.result.offline
        # The OFFLINE line follows the station's state a moment later: wait for it.
        await wait_for(lambda: "1 scan waiting to upload" in offline_line(app), pilot, LONG)
        await settle(pilot)

    app = app_at(app_station, "Kiosk Door 1", "kiosk")
    assert snap_compare(app, terminal_size=(120, 40), run_before=ready)

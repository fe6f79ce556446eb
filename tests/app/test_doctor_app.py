"""The station's checks in the app (F7): from the sign-in screen and the desk, the same checks
as `eventdesk doctor`, a ticket's QR scanned there checks the scanner, at 80x24."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from textual.widgets import Static

from eventdesk.models import Ticket
from screens.desk.screen import DeskScreen
from screens.doctor import DoctorScreen
from screens.login import LoginScreen
from tests.app.test_app_desk import desk_app, scanner_types
from tests.apptools import DemoStation, app_on, wait_for
from tests.screen_fit import misfits


def doctor(screen: object) -> DoctorScreen:
    assert isinstance(screen, DoctorScreen)
    return screen


@pytest.mark.asyncio
async def test_the_checks_open_from_the_sign_in_screen_and_fit_80x24(
    station: DemoStation,
) -> None:
    app = app_on(station.config, store=station.store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: isinstance(app.screen, LoginScreen), pilot)
        await pilot.press("f7")
        await wait_for(lambda: isinstance(app.screen, DoctorScreen), pilot)
        checks = doctor(app.screen)
        await wait_for(lambda: checks.done, pilot)
        found = checks.findings
        assert found["database"].ok and found["disk"].ok and found["fonts"].ok
        assert found["scanner"].ok and "not checked" in found["scanner"].says
        # Each line names its check as `eventdesk doctor --json` does ("label", not "labels").
        label = app.screen.query_one("#doctor-label", Static)
        assert str(label.render()).startswith("ok  label: ")
        assert misfits(app.screen) == []
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, LoginScreen), pilot)


@pytest.mark.asyncio
async def test_a_scan_at_the_desks_checks_says_the_scanner_is_right(
    station: DemoStation,
) -> None:
    with station.store.read() as session:
        payload = session.execute(select(Ticket.qr_payload).limit(1)).scalar_one()
    app = desk_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
        await pilot.press("f7")
        await wait_for(lambda: isinstance(app.screen, DoctorScreen), pilot)
        checks = doctor(app.screen)
        await wait_for(lambda: checks.done, pilot)
        await scanner_types(pilot, payload)
        await wait_for(lambda: "whole" in checks.findings["scanner"].says, pilot)
        assert checks.findings["scanner"].ok
        line = app.screen.query_one("#doctor-scanner")
        assert line.has_class("-ok")

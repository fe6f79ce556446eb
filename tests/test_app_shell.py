"""The app's shell: signing in, which modes each role may open, the locked kiosk, signing out."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select

from screens.app import make_app
from screens.login import LoginScreen, StaffPinScreen
from tests.apptools import DemoStation, copy_station, sign_in_with_pin, wait_for

pytestmark = pytest.mark.asyncio


async def test_staff_sign_in_opens_desk_and_gates_modes(station: DemoStation) -> None:
    app = make_app(config=station.config, store=station.store)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await sign_in_with_pin(pilot, "Sam Desk", "2345")
        await wait_for(lambda: app.current_mode == "desk", pilot)
        assert app.backend.staff is not None and app.backend.staff.role == "staff"
        await pilot.press("f3")  # organizer is not for staff
        await pilot.pause()
        assert app.current_mode == "desk"
        await pilot.press("f4")
        await wait_for(lambda: app.current_mode == "stats", pilot)
        await pilot.press("f9")
        await wait_for(lambda: app.current_mode == "login", pilot)
        assert app.backend.staff is None


async def test_wrong_pin_is_said_and_nobody_is_signed_in(station: DemoStation) -> None:
    app = make_app(config=station.config, store=station.store)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in_with_pin(pilot, "Sam Desk", "9999")
        problem = app.screen.query_one("#problem")
        await wait_for(lambda: "wrong" in str(problem.render()), pilot)
        assert app.current_mode == "login" and app.backend.staff is None
        assert app.screen.query_one("#staff-pin", Input).value == ""


async def test_kiosk_account_gets_only_the_locked_kiosk(station: DemoStation) -> None:
    app = make_app(config=station.config, store=station.store)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in_with_pin(pilot, "Kiosk Door 1", "3456")
        await wait_for(lambda: app.current_mode == "kiosk", pilot)
        for key in ("f1", "f3", "f4", "f9", "ctrl+q"):
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == "kiosk" and app.is_running


async def test_demo_organizer_opens_every_mode(station: DemoStation) -> None:
    app = make_app(config=station.config, store=station.store, sign_in_as="Olivia Organizer")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.current_mode == "desk", pilot)
        for key, mode in (("f2", "kiosk"), ("f1", "kiosk"), ("f2", "kiosk")):
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode  # once in the kiosk, F-keys do nothing


async def test_staff_pin_screen_returns_who_it_was(station: DemoStation) -> None:
    app = make_app(config=station.config, store=station.store, sign_in_as="Olivia Organizer")
    results: list[object] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.current_mode == "desk", pilot)
        app.push_screen(StaffPinScreen(app.backend, reason="Staff PIN"), results.append)
        await pilot.pause()
        select = app.screen.query_one("#staff-name", Select)
        await wait_for(lambda: len(select._options) > 1, pilot)
        names = [str(option[0]) for option in select._options[1:]]
        assert "Kiosk Door 1" not in names  # a kiosk account cannot unlock a kiosk
        await sign_in_with_pin(pilot, "Olivia Organizer", "1234")
        await wait_for(lambda: bool(results), pilot)
        assert getattr(results[0], "name", None) == "Olivia Organizer"


async def test_the_app_backs_up_on_its_schedule(
    demo_template: tuple[object, object], tmp_path: Path
) -> None:
    """[backup] every_minutes in eventdesk.toml: the running app makes and prunes backups."""
    template, summary = demo_template
    station = copy_station(
        template,  # type: ignore[arg-type]
        summary,  # type: ignore[arg-type]
        tmp_path / "data",
        backup={"every_minutes": 0.005, "keep": 2},  # every 0.3 s
    )
    app = make_app(config=station.config, store=station.store)
    folder = station.data_dir / "backups"
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: folder.exists() and len(list(folder.glob("*.db"))) >= 2, pilot)
        await pilot.pause(1.0)
        made = sorted(folder.glob("*.db"))
        assert 1 <= len(made) <= 2  # the oldest are pruned
        assert app.devices.backups is not None and app.devices.backups.error is None
    station.store.dispose()

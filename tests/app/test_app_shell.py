"""The app's shell: signing in, which modes each role may open, the locked kiosk, signing out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.notifications import Notify
from textual.screen import Screen
from textual.widgets import Input, Static

from screens.app import EventdeskApp, make_app
from screens.desk.screen import DeskScreen
from screens.kiosk.screen import KioskScreen
from screens.login import LoginScreen, StaffPinScreen
from screens.organizer import OrganizerScreen
from screens.stats.screen import StatsScreen
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


# Each mode's screen, and a part of it that only that screen has.
MODE_SCREENS: dict[str, tuple[type[Screen[Any]], str]] = {
    "login": (LoginScreen, "#login-box"),
    "desk": (DeskScreen, "#search"),
    "kiosk": (KioskScreen, "#kiosk-panes"),
    "organizer": (OrganizerScreen, "#org-tabs"),
    "stats": (StatsScreen, "#stats-numbers"),
}


def showing(app: EventdeskApp, mode: str) -> bool:
    """The mode is current and its own screen is up, drawn with its own parts on it."""
    kind, part = MODE_SCREENS[mode]
    screen = app.screen
    if app.current_mode != mode or not isinstance(screen, kind):
        return False
    parts = screen.query(part)
    return len(parts) == 1 and parts.first().region.area > 0


async def test_demo_organizer_opens_every_mode(station: DemoStation) -> None:
    assert set(MODE_SCREENS) == set(EventdeskApp.MODES)  # a new mode belongs in this test
    app = make_app(config=station.config, store=station.store, sign_in_as="Olivia Organizer")
    opened: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:

        async def goes_to(mode: str) -> None:
            await wait_for(lambda: showing(app, mode), pilot)
            opened.append(mode)

        await goes_to("desk")
        for key, mode in (("f3", "organizer"), ("f4", "stats"), ("f1", "desk")):
            await pilot.press(key)
            await goes_to(mode)
        await pilot.press("f9")  # signing out shows the sign-in screen
        await goes_to("login")
        await sign_in_with_pin(pilot, "Olivia Organizer", "1234")
        await goes_to("desk")
        await pilot.press("f2")
        await goes_to("kiosk")
        for key in ("f1", "f3", "f4", "f9"):  # once in the kiosk, F-keys do nothing
            await pilot.press(key)
            await pilot.pause()
            assert showing(app, "kiosk")
    assert opened == ["desk", "organizer", "stats", "desk", "login", "desk", "kiosk"]
    assert set(opened) == set(EventdeskApp.MODES)


async def test_staff_pin_screen_returns_who_it_was(station: DemoStation) -> None:
    app = make_app(config=station.config, store=station.store, sign_in_as="Olivia Organizer")
    results: list[object] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.current_mode == "desk", pilot)
        app.push_screen(StaffPinScreen(app.backend, reason="Staff PIN"), results.append)
        await wait_for(lambda: isinstance(app.screen, StaffPinScreen), pilot)
        await sign_in_with_pin(pilot, "Kiosk Door 1", "3456")  # a kiosk cannot unlock a kiosk
        problem = app.screen.query_one("#problem", Static)
        await wait_for(lambda: "wrong" in str(problem.render()), pilot)
        assert results == []
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
        first = {p.name for p in folder.glob("*.db")}

        def pruned() -> bool:  # more rounds (however long they take): the oldest are pruned
            made = {p.name for p in folder.glob("*.db")}
            return 1 <= len(made) <= 2 and not made & first

        await wait_for(pruned, pilot)
        assert app.devices.backups is not None and app.devices.backups.error is None
    station.store.dispose()


async def test_ctrl_q_quits_from_a_staff_screen(station: DemoStation) -> None:
    """Ctrl+Q is a key the bar shows, and it quits (the locked kiosk ignores it, above)."""
    app = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.current_mode == "desk", pilot)
        quit_key = app.screen.active_bindings["ctrl+q"]
        assert quit_key.binding.show and quit_key.enabled and quit_key.binding.description
        await pilot.press("ctrl+q")
        await wait_for(lambda: app.return_code == 0, pilot)  # it exits


async def test_the_wall_says_why_its_keys_do_nothing(station: DemoStation) -> None:
    messages: list[Any] = []
    app = make_app(config=station.config, store=station.store, mode="stats", wall=True)
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await wait_for(lambda: app.current_mode == "stats", pilot)
        for key in ("f1", "f9"):
            await pilot.press(key)
            await wait_for(
                lambda: any(
                    isinstance(m, Notify) and "wall screen" in m.notification.message
                    for m in messages
                ),
                pilot,
            )
            messages.clear()
            assert app.current_mode == "stats"

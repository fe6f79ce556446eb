"""SVG snapshots of every screen at 120x40 and 80x24 (pytest-textual-snapshot).

The demo database here is the same on every run (a fixed day, seeded ticket ids and key) and the
app's clock is fixed, so a changed picture means a changed screen. After a deliberate change of the
look: `python -m pytest tests/snapshots/test_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select

from screens.app import EventdeskApp
from screens.stats.number import BigNumber
from screens.stats.screen import StatsScreen
from screens.widgets.key_bar import KeyBar, KeyHint, key_entries
from tests.apptools import (
    DemoStation,
    app_on,
    build_template,
    copy_station,
    options_of,
    wait_for,
    workers_done,
)

NOW = datetime(2026, 5, 14, 10, 30, tzinfo=UTC)  # doors opened at 08:00 in Berlin
SIZES = [(120, 40), (80, 24)]


@pytest.fixture(scope="module")
def fixed_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    return build_template(tmp_path_factory.mktemp("fixed") / "data", now=NOW)


@pytest.fixture(autouse=True)
def utc_clock() -> Iterator[None]:
    """Times on screen are this station's local time: make it UTC everywhere."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def fixed_station(fixed_template: tuple[Path, Any], tmp_path: Path) -> Iterator[DemoStation]:
    template, summary = fixed_template
    made = copy_station(template, summary, tmp_path / "data")
    yield made
    made.store.dispose()


def app_for(station: DemoStation, **options: Any) -> EventdeskApp:
    app = app_on(station.config, store=station.store, **options)
    app.backend.clock = lambda: NOW
    return app


async def settle(pilot: Any) -> None:
    """Let every worker finish and the screen redraw, with text cursors that do not blink."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    # Until a pass starts no new work: a worker's result is a message, whose handler may start
    # another worker (a list that fills, then the card of its first row).
    for _ in range(50):
        await workers_done(pilot.app)
        await pilot.pause()
        if not any(
            worker.is_running or worker.state.name == "PENDING" for worker in pilot.app.workers
        ):
            break
    # The key bar builds its lines again after a refresh when the keys' states change (the
    # card shown decides which are dimmed): the picture waits until it shows the keys as they
    # are, as a busy machine may not have drawn them yet when the workers are done.
    await wait_for(lambda: keys_drawn(pilot.app.screen), pilot)
    # A stats figure whose caption needs two lines says so in a message the screen answers by
    # giving its row a line more: the picture waits until the screen has answered each.
    await wait_for(lambda: captions_measured(pilot.app.screen), pilot)
    await pilot.wait_for_scheduled_animations()  # a scroll that glides ends before the picture
    await pilot.pause()


def captions_measured(screen: Any) -> bool:
    """Every big number on ``screen`` measured its caption at the width it has now, and the
    screen gives the figures as many lines as the longest caption shown needs."""
    if not isinstance(screen, StatsScreen):
        return True
    numbers = screen.query(BigNumber).results(BigNumber)
    if any(number.caption_lines != number.lines_needed() for number in numbers):
        return False
    return screen.has_class("-long-captions") == screen.captions_wrap()


def keys_drawn(screen: Any) -> bool:
    """Every key bar on ``screen`` shows the keys (and their states) the screen has now."""
    for bar in screen.query(KeyBar):
        want = sorted((e.key, e.description, e.enabled) for e in key_entries(screen))
        hints = bar.query(KeyHint).results(KeyHint)
        have = sorted((h.entry.key, h.entry.description, h.entry.enabled) for h in hints)
        if want != have:
            return False
    return True


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_login(snap_compare: Any, fixed_station: DemoStation, size: tuple[int, int]) -> None:
    async def ready(pilot: Any) -> None:
        await wait_for(
            lambda: len(options_of(pilot.app.screen.query_one("#staff-name", Select))) > 1, pilot
        )
        await settle(pilot)

    assert snap_compare(app_for(fixed_station), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_stats(snap_compare: Any, fixed_station: DemoStation, size: tuple[int, int]) -> None:
    async def ready(pilot: Any) -> None:
        await wait_for(lambda: pilot.app.current_mode == "stats", pilot)
        await wait_for(lambda: pilot.app.screen.updated_at is not None, pilot)
        await settle(pilot)

    app = app_for(fixed_station, sign_in_as="Sam Desk", mode="stats")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_kiosk_attract(
    snap_compare: Any, fixed_station: DemoStation, size: tuple[int, int]
) -> None:
    async def ready(pilot: Any) -> None:
        await wait_for(lambda: pilot.app.current_mode == "kiosk", pilot)
        await settle(pilot)

    app = app_for(fixed_station, sign_in_as="Kiosk Door 1", mode="kiosk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_kiosk_welcome(
    snap_compare: Any, fixed_station: DemoStation, size: tuple[int, int]
) -> None:
    """The green answer after the email + PIN lookup of a demo attendee."""
    email, pin = fixed_station.summary.attendee_pins[0]

    async def ready(pilot: Any) -> None:
        app = pilot.app
        await wait_for(lambda: app.current_mode == "kiosk", pilot)
        screen = app.screen
        screen.answer_seconds = 3600  # keep the answer up for the picture
        await pilot.press("f5")
        await pilot.pause()
        screen.query_one("#email", Input).value = email
        screen.query_one("#pin", Input).value = pin
        screen.query_one("#pin", Input).focus()
        await pilot.press("enter")
        await wait_for(lambda: screen.has_class("-answering"), pilot)
        await settle(pilot)

    app = app_for(fixed_station, sign_in_as="Kiosk Door 1", mode="kiosk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_organizer(snap_compare: Any, fixed_station: DemoStation, size: tuple[int, int]) -> None:
    async def ready(pilot: Any) -> None:
        await wait_for(lambda: pilot.app.current_mode == "organizer", pilot)
        await settle(pilot)

    app = app_for(fixed_station, sign_in_as="Olivia Organizer", mode="organizer")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_desk_search(snap_compare: Any, fixed_station: DemoStation, size: tuple[int, int]) -> None:
    """The desk after typing a name: the table narrowed, the first match's card shown."""

    async def ready(pilot: Any) -> None:
        await wait_for(lambda: pilot.app.current_mode == "desk", pilot)
        await settle(pilot)
        await pilot.press(*"an")
        await settle(pilot)

    app = app_for(fixed_station, sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)

"""SVG snapshots of the key bar: the organizer with keys it cannot use here (dimmed), and a
refused key saying why on the sign-in screen, at 120x40 and 80x24.

Same fixed demo and clocks as tests/snapshots/test_snapshots_screens.py (the waitlist's times too).
After a deliberate change of the look:
`python -m pytest tests/snapshots/test_snapshots_keys.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select

from eventdesk.services.data.demo import DemoSummary
from tests.apptools import DemoStation, copy_station, notifications_of, options_of, wait_for
from tests.snapshots.test_snapshots import SIZES, app_for, settle
from tests.snapshots.test_snapshots import (
    utc_clock as utc_clock,  # autouse: local times are UTC here
)
from tests.snapshots.test_snapshots_screens import organizer_tab
from tests.snapshots.test_snapshots_screens import still_template as still_template  # a fixture


@pytest.fixture
def keys_station(still_template: tuple[Path, DemoSummary], tmp_path: Path) -> Iterator[DemoStation]:
    template, summary = still_template
    made = copy_station(template, summary, tmp_path / "data")
    yield made
    made.store.dispose()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_organizer_waitlist_keys(
    snap_compare: Any, keys_station: DemoStation, size: tuple[int, int]
) -> None:
    """The Waitlist tab: n and e dimmed (nothing to add or edit there), n pressed says so."""

    async def ready(pilot: Any) -> None:
        await organizer_tab(pilot, keys_station, "waitlist")
        await pilot.press("n")
        await wait_for(lambda: bool(notifications_of(pilot.app)), pilot)
        await settle(pilot)

    app = app_for(keys_station, sign_in_as="Olivia Organizer", mode="organizer")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_login_refused_key(
    snap_compare: Any, keys_station: DemoStation, size: tuple[int, int]
) -> None:
    """F3 before anyone signed in: dimmed in the bar, and pressed it says to sign in first."""

    async def ready(pilot: Any) -> None:
        app = pilot.app
        await wait_for(
            lambda: len(options_of(app.screen.query_one("#staff-name", Select))) > 1, pilot
        )
        await pilot.press("f3")
        await wait_for(lambda: bool(notifications_of(app)), pilot)
        await settle(pilot)

    assert snap_compare(app_for(keys_station), terminal_size=size, run_before=ready)

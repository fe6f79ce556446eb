"""SVG snapshots of the organizer's Stations tab on a PostgreSQL server, at 120x40 and 80x24:
the stations' logins, each with its station, kind and the events it admits; its "New login"
form; and, a station revoked, the staff whose PINs it gives away. (On the SQLite demo the tab
says it has no logins: test_snapshots_screens.py's "stations".) Then the tab, its forms and
that dialog fit and speak the station's language, in English, German, French and Spanish
(tests/screen_fit.py, as tests/snapshots/test_screens_fit.py checks the other tabs).

The demo is the fixed one of the other snapshots (a fixed day, seed and key), built on the
test's server; the logins listed are rows of this database with fixed names (the list is read
from them; a login's server role, the whole server's, would need a name of the run's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.services.data.demo import build_demo
from eventdesk.tickets import ensure_keys, load_signer
from screens.organizer.screen import OrganizerScreen
from screens.organizer.station_pins import PinsScreen
from screens.widgets.confirm import ConfirmScreen
from tests.apptools import STATION, DemoStation, fixed_randomness, wait_for
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.screen_fit import left_in_english, misfits
from tests.snapshots.test_screens_fit import closed, dialog_checked
from tests.snapshots.test_snapshots import NOW, SIZES, app_for, settle
from tests.snapshots.test_snapshots import (
    utc_clock as utc_clock,  # autouse: local times are UTC here
)
from tests.snapshots.test_snapshots_languages import LANGUAGES, app_in
from tests.snapshots.test_snapshots_screens import SIZE_IDS, organizer_tab

__all__ = ["backend_fixed"]  # a fixture

# login, station, kind, the events it admits (none: every event's)
LOGINS = (
    ("door1", "Door 1", "door", ("northwind-devconf-2026",)),
    ("door2", "Door 2", "door", ("northwind-devconf-2026",)),
    ("desk1", "Desk 1", "desk", ()),
)


@pytest.fixture
def on_server(db_url: str, store: Store, tmp_path: Path) -> DemoStation:
    """The fixed demo on the test's server, with the stations' logins of ``LOGINS``."""
    data = tmp_path / "data"
    data.mkdir()
    with fixed_randomness(True):
        ensure_keys(store, data, STATION)
        store.signer = load_signer(data)
        summary = build_demo(store, attendee_count=40, seed=7, station=STATION, now=NOW)
    with store.connect() as conn:
        for login, station, kind, events in LOGINS:
            conn.execute(
                text("INSERT INTO station_login (login, station, kind) VALUES (:l, :s, :k)"),
                {"l": login, "s": station, "k": kind},
            )
            for slug in events:
                conn.execute(
                    text(
                        "INSERT INTO station_login_event (login, event_id) "
                        "SELECT :l, id FROM event WHERE slug = :e"
                    ),
                    {"l": login, "e": slug},
                )
        conn.commit()
    config = load_config(data_dir=data, database_url=db_url, station=STATION)
    return DemoStation(data, summary, config, store)


by_size = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)


async def listed(pilot: Any, station: DemoStation) -> None:
    """The Stations tab shown, every login listed, the first chosen."""
    await organizer_tab(pilot, station, "stations")
    table = pilot.app.screen.query_one("#stations-table", DataTable)
    await wait_for(lambda: table.row_count == len(LOGINS), pilot)


async def opened(pilot: Any, button: str, kind: type[ModalScreen[Any]]) -> ModalScreen[Any]:
    pilot.app.screen.query_one(f"#{button}", Button).press()
    await wait_for(lambda: isinstance(pilot.app.screen, kind), pilot)
    dialog: ModalScreen[Any] = pilot.app.screen
    return dialog


async def pins_at_risk(pilot: Any) -> None:
    """The station chosen (Desk 1) revoked: the dialog of the PINs it gives away is up."""
    await opened(pilot, "station-revoke", ConfirmScreen)
    await pilot.press("y")
    await wait_for(lambda: isinstance(pilot.app.screen, PinsScreen), pilot)


@POSTGRESQL
@by_size
def test_organizer_stations_tab_on_a_server(
    snap_compare: Any, backend_fixed: None, on_server: DemoStation, size: tuple[int, int]
) -> None:
    async def ready(pilot: Any) -> None:
        await listed(pilot, on_server)
        await settle(pilot)

    app = app_for(on_server, sign_in_as="Olivia Organizer", mode="organizer")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@POSTGRESQL
@by_size
def test_organizer_stations_new_login(
    snap_compare: Any, backend_fixed: None, on_server: DemoStation, size: tuple[int, int]
) -> None:
    async def ready(pilot: Any) -> None:
        await listed(pilot, on_server)
        await opened(pilot, "station-login-new", ModalScreen)
        await settle(pilot)

    app = app_for(on_server, sign_in_as="Olivia Organizer", mode="organizer")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@POSTGRESQL
@by_size
def test_organizer_stations_revoked_pins_at_risk(
    snap_compare: Any, backend_fixed: None, on_server: DemoStation, size: tuple[int, int]
) -> None:
    async def ready(pilot: Any) -> None:
        await listed(pilot, on_server)
        await pins_at_risk(pilot)
        await settle(pilot)

    app = app_for(on_server, sign_in_as="Olivia Organizer", mode="organizer")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@POSTGRESQL
@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_size
@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_stations_tab_and_its_dialogs_fit(
    backend_fixed: None, on_server: DemoStation, language: str, size: tuple[int, int]
) -> None:
    app = app_in(on_server, language, sign_in_as="Olivia Organizer", mode="organizer")
    async with app.run_test(size=size) as pilot:
        await listed(pilot, on_server)
        await settle(pilot)
        said = misfits(app.screen) + left_in_english(app.screen, language)
        for button in ("station-login-new", "station-login-events", "station-login-remove"):
            app.screen.query_one(f"#{button}", Button).press()
            said += [
                f"{button}: {line}" for line in await dialog_checked(pilot, ModalScreen, language)
            ]
            await closed(pilot, OrganizerScreen)
        await pins_at_risk(pilot)
        said += await dialog_checked(pilot, PinsScreen, language)
        assert not said, "\n".join(said)

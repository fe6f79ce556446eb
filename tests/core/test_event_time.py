"""One clock (eventdesk/event_time.py): an event's zone is checked when the event is saved and
travels as a ZoneInfo; every time a person reads is written by ``show`` in that zone, whatever
this machine's zone; a zone name the machine does not know is said, never guessed as UTC; the
stats screen, which read an unknown event's times in the machine's zone, reads them in UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.event_time import UTC_ZONE, event_zone, iso, show, zone_of
from eventdesk.models import Event
from eventdesk.services.catalogue.events import create_event, show_event
from eventdesk.services.people.auth import add_staff
from screens.app import make_app
from screens.stats.screen import StatsScreen
from tests.apptools import wait_for

BERLIN = ZoneInfo("Europe/Berlin")
MOMENT = datetime(2030, 7, 1, 7, 5, 9, tzinfo=UTC)  # a fixed clock: 09:05:09 in Berlin (summer)
DAY = f"{MOMENT:%Y-%m-%d}"  # the same calendar day in Berlin and in UTC at that hour
STARTS, ENDS = (MOMENT + timedelta(hours=1)).isoformat(), (MOMENT + timedelta(hours=9)).isoformat()


@pytest.fixture
def machine_far_away(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time is Kiritimati's (UTC+14), far from Berlin and from UTC."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_every_style_is_the_events_wall_clock(machine_far_away: None) -> None:
    assert show(MOMENT, BERLIN) == f"{DAY} 09:05 CEST"
    assert show(MOMENT, BERLIN, "stamp_seconds") == f"{DAY} 09:05:09 CEST"
    assert show(MOMENT, BERLIN, "minute") == f"{DAY} 09:05"
    assert show(MOMENT, BERLIN, "clock") == "09:05"
    assert show(MOMENT, BERLIN, "seconds") == "09:05:09"
    assert show(MOMENT, BERLIN, "form") == f"{DAY}T09:05"
    assert show(MOMENT, BERLIN, "day") == f"{MOMENT:%d %b}"
    assert show(MOMENT, BERLIN, "date") == f"{MOMENT:%d %b %Y}"
    assert iso(MOMENT, BERLIN) == f"{DAY}T09:05:09+02:00"
    assert show(MOMENT.replace(tzinfo=None), BERLIN, "clock") == "09:05"  # stored naive: UTC
    assert show(None, BERLIN) == "" and show(None, BERLIN, none="?") == "?"


def test_an_unknown_zone_is_refused_when_the_event_is_saved(store: Store) -> None:
    with pytest.raises(InvalidInput, match="'Mars/Olympus' is not a known time zone"):
        create_event(
            store,
            name="Fest",
            starts=STARTS,
            ends=ENDS,
            timezone="Mars/Olympus",
        )
    with store.read() as session:
        assert session.query(Event).count() == 0  # nothing saved
    assert zone_of(" Europe/Berlin ") == BERLIN


def test_a_zone_this_machine_does_not_know_is_said_not_guessed(store: Store) -> None:
    slug = create_event(store, name="Fest", starts=STARTS, ends=ENDS, timezone="UTC").slug
    with store.write() as session:  # a database edited by hand
        session.execute(update(Event).where(Event.slug == slug).values(timezone="Nowhere/City"))
    info = show_event(store, slug)
    with pytest.raises(InvalidInput, match="'Nowhere/City' is not known on this machine"):
        _ = info.zone
    assert event_zone(None) == UTC_ZONE  # no event: UTC, never this machine's zone


@pytest.mark.asyncio
async def test_the_stats_screen_reads_times_in_utc_before_an_event_not_the_machines(
    tmp_path: Path, db_url: str, machine_far_away: None
) -> None:
    store = Store(db_url)
    try:
        add_staff(store, name="Desk Person", role="staff", pin="2468")
        config = load_config(data_dir=tmp_path, database_url=db_url, station="Door 1")
        app = make_app(config, store=store, sign_in_as="Desk Person", mode="stats")
        app.backend.clock = lambda: MOMENT
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, StatsScreen)
            status = screen.query_one("#stats-status")
            await wait_for(lambda: "updated" in str(status.render()), pilot)
            assert "updated 07:05:09" in str(status.render())  # UTC, not Kiritimati's 21:05
    finally:
        store.dispose()

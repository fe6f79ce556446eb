"""A door keeps its event (docs/architecture.md#stations-and-the-offline-mirror): what a station
admits is its own setting, kept in its data folder, and creating or editing events, or the clock,
never changes it.

A door restarted after an organizer made an event for tonight admits what it admitted before;
"Use at this door" is kept across a restart; the demo sets its door; a door whose event has
ended says so and asks, never picks another. Real SQLite files and PostgreSQL, real
`eventdesk` processes for the restarts of `scan` and `checkin`.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from eventdesk.config import Config, load_config, sqlite_url
from eventdesk.db import Store
from eventdesk.door_event import kept_door, settle_door
from eventdesk.errors import NotFound
from eventdesk.services.catalogue import events
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from screens.backend import Backend, open_station
from tests import forks
from tests.apptools import STATION, DemoStation, wait_for
from tests.helpers import add_type, people

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


# --- helpers ----------------------------------------------------------------------------------
def run(
    db_url: str, data_dir: Path, *args: str, stdin: str | None = None, code: int = 0
) -> tuple[str, str]:
    """A real `eventdesk` process of the station "Door 1" on ``data_dir``: stdout, stderr."""
    done = forks.run(
        [EVENTDESK, "--db", db_url, "--data-dir", str(data_dir), "--station", STATION, *args],
        input=stdin.encode() if stdin is not None else None,
        capture_output=True,
        timeout=120,
        env={**os.environ},
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    err = done.stderr.decode()
    assert done.returncode == code, (args, done.stdout.decode(), err)
    assert "Traceback" not in err
    return done.stdout.decode(), err


def decisions(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@dataclass(frozen=True)
class Made:
    slug: str
    payloads: list[str]
    tickets: list[str]


def event_with_tickets(
    store: Store,
    signer: Signer,
    name: str,
    starts: datetime,
    ends: datetime,
    count: int = 2,
) -> Made:
    """An event from ``starts`` to ``ends`` with ``count`` free tickets, one a person."""
    made = events.create_event(store, name=name, starts=starts.isoformat(), ends=ends.isoformat())
    add_type(store, made.slug, "Regular", price_cents=0)
    prefix = made.slug.replace("-", "")
    tickets = [
        register(store, made.slug, email, "Regular").tickets[0].ticket_id
        for email in people(store, count, prefix=prefix)
    ]
    return Made(made.slug, [signer.payload(t) for t in tickets], tickets)


def station_config(db_url: str, data_dir: Path) -> Config:
    data_dir.mkdir(parents=True, exist_ok=True)
    return load_config(data_dir=data_dir, database_url=db_url, station=STATION)


def restarted(
    config: Config, db_url: str, clock: Callable[[], datetime], event: str | None = None
) -> Backend:
    """The station started afresh: its own connections, its door settled as at start."""
    backend = Backend(config=config, event=event, clock=clock)
    backend.settle(open_station(config, Store(db_url), event=event, clock=clock))
    return backend


def stopped(backend: Backend) -> None:
    if backend.door_station is not None:
        backend.door_station.close()
    backend.store.dispose()


# --- a door restarted after an event was made for tonight -----------------------------------
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_restarted_scan_keeps_admitting_its_event_after_one_is_made_for_tonight(
    db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    now = utcnow().replace(microsecond=0)
    day = event_with_tickets(
        store, signer, "Day Conference", now - timedelta(hours=8), now + timedelta(hours=1), 3
    )
    data = tmp_path / "door"
    out, _ = run(db_url, data, "--json", "scan", "--source", "-", stdin=day.payloads[0] + "\n")
    assert [d["result"] for d in decisions(out)] == ["ok"]

    # An organizer makes tonight's event; the door is restarted (a new process).
    tonight = event_with_tickets(
        store, signer, "Tonight Meetup", now + timedelta(minutes=30), now + timedelta(hours=5)
    )
    lines = f"{day.payloads[1]}\n{tonight.payloads[0]}\n"
    out, _ = run(db_url, data, "--json", "scan", "--source", "-", stdin=lines)
    assert [d["result"] for d in decisions(out)] == ["ok", "wrong_event"]
    out, _ = run(db_url, data, "--json", "checkin", day.payloads[2])
    assert json.loads(out)["result"] == "ok"
    assert show_ticket(store, tonight.tickets[0]).checked_in_at is None


def test_a_restarted_station_admits_what_it_admitted_before(
    db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    """The new user's bug: the day's event has ended, its door is still open (late arrivals),
    an organizer makes tonight's event, the station restarts: the queue is not WRONG EVENT."""
    now = utcnow().replace(microsecond=0)

    def clock() -> datetime:
        return now

    day = event_with_tickets(
        store, signer, "Day Conference", now - timedelta(hours=10), now - timedelta(minutes=30)
    )
    config = station_config(db_url, tmp_path / "door")
    first = restarted(config, db_url, clock)
    assert first.event == day.slug
    stopped(first)

    events.create_event(
        store,
        name="Tonight Meetup",
        starts=(now + timedelta(minutes=30)).isoformat(),
        ends=(now + timedelta(hours=4)).isoformat(),
    )
    again = restarted(config, db_url, clock)
    try:
        assert again.event == day.slug
        assert again.checkin().scan(day.payloads[0]).result == "ok"
    finally:
        stopped(again)


# --- "Use at this door" is kept -------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
async def test_use_at_this_door_is_kept_across_a_restart(station: DemoStation) -> None:
    from screens.app import make_app
    from screens.widgets.confirm import ConfirmScreen
    from tests.app.test_app_organizer import choose, opened, press

    starts, ends = a_month_before(station)
    other = events.create_event(
        station.store, name="Kept Meetup", starts=starts, ends=ends, timezone="Europe/Berlin"
    )
    app = make_app(
        config=station.config, store=station.store, sign_in_as="Olivia Organizer", mode="organizer"
    )
    async with app.run_test(size=(120, 40)) as pilot:
        organizer = await opened(pilot, "tab-events")
        await choose(pilot, organizer, "events-table", "Kept Meetup")
        await press(pilot, "event-door")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("y")
        await wait_for(lambda: app.backend.event == other.slug, pilot)

    again = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk")
    assert again.backend.event == other.slug
    # The station's other doors, `checkin` and `scan`, admit the same event.
    demo_ticket = next(
        t for t in events_tickets(station, station.summary.event) if t.qr_payload is not None
    )
    out, _ = run(
        station.config.database_url,
        station.data_dir,
        "--json",
        "checkin",
        demo_ticket.qr_payload or "",
        code=1,
    )
    assert json.loads(out)["result"] == "wrong_event"


def a_month_before(station: DemoStation) -> tuple[str, str]:
    """Start and end of an event a month before the demo's (the old guess never picked it)."""
    demo = events.show_event(station.store, station.summary.event)
    zone = ZoneInfo(demo.timezone)
    starts = (demo.starts_at - timedelta(days=30)).astimezone(zone)
    ends = (demo.ends_at - timedelta(days=30)).astimezone(zone)
    return starts.strftime("%Y-%m-%dT%H:%M"), ends.strftime("%Y-%m-%dT%H:%M")


def events_tickets(station: DemoStation, event: str) -> list[Any]:
    from tests.app.test_app_desk import admissible

    return admissible(station.store, event)


# --- an ended event is said, not replaced ---------------------------------------------------
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_an_ended_door_event_is_said_and_kept_not_replaced(
    db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    now = utcnow().replace(microsecond=0)
    day = event_with_tickets(
        store, signer, "Day Conference", now - timedelta(hours=17), now - timedelta(hours=7)
    )
    config = station_config(db_url, tmp_path / "door")
    first = restarted(config, db_url, lambda: now - timedelta(hours=8))  # its door was open
    assert first.event == day.slug and first.door_notice is None
    stopped(first)
    evening = event_with_tickets(
        store, signer, "Evening Meetup", now - timedelta(hours=1), now + timedelta(hours=3)
    )
    kept = (config.data_dir / "station.toml").read_text()

    later = restarted(config, db_url, lambda: now)  # check-in for the day closed an hour ago
    try:
        assert later.event == day.slug  # not replaced by the event running now
        assert later.door_notice is not None and "Day Conference has ended" in later.door_notice
        assert later.door_asks and [e.slug for e in later.door_choices] == [evening.slug]
    finally:
        stopped(later)
    assert (config.data_dir / "station.toml").read_text() == kept

    # The headless door says it too, and keeps refusing the evening's tickets.
    out, err = run(db_url, config.data_dir, "--json", "checkin", day.payloads[0], code=1)
    assert json.loads(out)["result"] == "expired"
    assert "Day Conference has ended" in err and "Use at this door" in err
    out, err = run(db_url, config.data_dir, "--json", "checkin", evening.payloads[0], code=1)
    assert json.loads(out)["result"] == "wrong_event"
    assert "has ended" in err
    assert show_ticket(store, evening.tickets[0]).checked_in_at is None


# --- which setting wins ---------------------------------------------------------------------
def test_the_newest_deliberate_choice_wins_and_event_option_is_for_one_run(
    db_url: str, store: Store, tmp_path: Path
) -> None:
    """--event > the newer of "Use at this door" and eventdesk.toml's event = (a choice in the
    app wins until event = is set or changed); removing event = changes nothing."""
    now = utcnow().replace(microsecond=0)
    slugs = [
        events.create_event(
            store,
            name=name,
            starts=(now + timedelta(days=days)).isoformat(),
            ends=(now + timedelta(days=days, hours=8)).isoformat(),
        ).slug
        for days, name in enumerate(["Alpha", "Bravo", "Charlie", "Delta"], start=2)
    ]
    alpha, bravo, charlie, delta = slugs
    data = tmp_path / "door"
    data.mkdir()
    settings = data / "eventdesk.toml"

    def start(event: str | None = None) -> Backend:
        config = station_config(db_url, data).with_options(event=event)
        return restarted(config, db_url, lambda: now, event=config.door_event)

    def admits(event: str | None = None) -> str | None:
        backend = start(event)
        stopped(backend)
        return backend.event

    assert admits() is None  # four events, none running, none chosen: asked, not guessed
    settings.write_text(f'event = "{alpha}"\n')
    assert admits() == alpha

    chooser = start()
    chooser.use_at_door(events.show_event(store, bravo))  # "Use at this door"
    stopped(chooser)
    assert admits() == bravo  # over the file's unchanged event = alpha
    assert admits(delta) == delta  # --event, for that run only...
    assert admits() == bravo  # ...never kept

    settings.write_text(f'event = "{charlie}"\n')  # the file changed after the choice: it wins
    assert admits() == charlie
    settings.write_text("")  # removing the line chooses nothing
    assert admits() == charlie
    settings.write_text(f'event = "{alpha}"\n')
    assert admits() == alpha

    settings.write_text('event = "no-such-event"\n')  # a typo in the file is said, not ignored
    with pytest.raises(NotFound, match="no-such-event"):
        start()


# --- the demo sets its door -----------------------------------------------------------------
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_the_demo_keeps_its_event_as_the_door(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = forks.run(
        [EVENTDESK, "--data-dir", str(data), "--json", "demo", "--no-ui", "--attendees", "20"],
        capture_output=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr.decode()
    demo = json.loads(done.stdout)["event"]
    config = station_config(sqlite_url(data / "demo.db"), data)
    kept = kept_door(config)
    assert kept is not None and kept.event == demo and kept.database == "demo.db"
    # The door's event is per database: the data folder's own database has none kept.
    assert kept_door(station_config(sqlite_url(data / "eventdesk.db"), data)) is None

    # Another event at the same hours: the demo's door keeps the demo.
    demo_store = Store(config.database_url)
    try:
        info = events.show_event(demo_store, demo)
        events.create_event(
            demo_store,
            name="Same Day Meetup",
            starts=info.starts_at.isoformat(),
            ends=info.ends_at.isoformat(),
        )
        door = settle_door(config, demo_store, given=None, now=info.starts_at + timedelta(hours=1))
        assert (door.slug, door.source, door.notice) == (demo, "kept", None)
    finally:
        demo_store.dispose()


# --- several events now, none chosen: the desk is asked --------------------------------------
@pytest.mark.asyncio
async def test_several_events_now_and_none_chosen_the_desk_is_asked(
    station: DemoStation,
) -> None:
    from screens.app import make_app
    from screens.choose_event import ChooseEventScreen, ask_door_event

    demo = events.show_event(station.store, station.summary.event)
    hall = events.create_event(
        station.store,
        name="Second Hall",
        starts=demo.starts_at.isoformat(),
        ends=demo.ends_at.isoformat(),
    )
    app = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk")
    assert app.backend.event is None and app.backend.door_asks
    assert {e.slug for e in app.backend.door_choices} == {demo.slug, hall.slug}
    async with app.run_test(size=(120, 40)) as pilot:
        # The app asks once its station is open (and asks once only).
        await wait_for(lambda: isinstance(app.screen, ChooseEventScreen), pilot)
        assert not ask_door_event(app, app.backend)
        await pilot.press("down", "enter")  # the second: Second Hall
        await wait_for(lambda: app.backend.event == hall.slug, pilot)
        assert not app.backend.door_asks

    again = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk")
    assert again.backend.event == hall.slug and not again.backend.door_asks

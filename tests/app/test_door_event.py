"""The door's event (issue 10): it changes only when someone changes it on purpose.

Creating, editing or looking at another event in the organizer never changes which event the
desk and the kiosk admit; "Use at this door" (confirmed) does, and so does ``event = "slug"`` in
DATA_DIR/eventdesk.toml. The door's event is on screen at the desk and at the kiosk.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import Static

from eventdesk.config import load_config, sqlite_url
from eventdesk.opening import open_store
from eventdesk.services.catalogue import events
from eventdesk.services.people.registration import show_ticket
from eventdesk.tickets import load_signer
from screens.app import EventdeskApp, make_app
from screens.desk.screen import DeskScreen
from screens.kiosk.screen import KioskScreen
from screens.organizer import OrganizerScreen
from screens.widgets.confirm import ConfirmScreen
from tests.app.test_app_desk import admissible, banner, banner_text, scanner_types
from tests.app.test_app_organizer import choose, form, opened, press, saved, submit
from tests.apptools import STATION, DemoStation, app_on, wait_for

pytestmark = pytest.mark.asyncio


def organizer_app(station: DemoStation, **options: Any) -> EventdeskApp:
    return app_on(
        station.config,
        store=station.store,
        sign_in_as="Olivia Organizer",
        mode="organizer",
        **options,
    )


def a_month_later(station: DemoStation) -> tuple[str, str]:
    """Start and end of a new event, typed as local times: the demo's day plus 30 days."""
    demo = events.show_event(station.store, station.summary.event)
    zone = ZoneInfo(demo.timezone)
    starts = (demo.starts_at + timedelta(days=30)).astimezone(zone)
    ends = (demo.ends_at + timedelta(days=30)).astimezone(zone)
    return starts.strftime("%Y-%m-%dT%H:%M"), ends.strftime("%Y-%m-%dT%H:%M")


def door_line(screen: Any) -> str:
    return str(screen.query_one("#door", Static).render())


async def create_event(pilot: Any, station: DemoStation, title: str) -> events.EventInfo:
    starts, ends = a_month_later(station)
    dialog = await form(pilot, "event-new")
    await submit(pilot, dialog, name=title, starts=starts, ends=ends, timezone="Europe/Berlin")
    await saved(pilot)
    await wait_for(lambda: any(e.title == title for e in events.list_events(station.store)), pilot)
    return next(e for e in events.list_events(station.store) if e.title == title)


async def at_desk(app: EventdeskApp, pilot: Any) -> DeskScreen:
    await pilot.press("f1")
    await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
    screen = app.screen
    assert isinstance(screen, DeskScreen)
    await wait_for(lambda: screen.card is not None, pilot)
    return screen


async def test_creating_an_event_in_the_organizer_leaves_the_door_alone(
    station: DemoStation,
) -> None:
    store, demo = station.store, station.summary.event
    ticket = admissible(store, demo)[0]
    assert ticket.qr_payload
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        organizer = await opened(pilot, "tab-events")
        made = await create_event(pilot, station, "Test Meetup")
        await wait_for(lambda: organizer.edited_event == made.slug, pilot)  # this is edited...
        assert app.backend.event == demo  # ...the door still admits the demo's tickets

        # Looking at it and editing it changes nothing either.
        await choose(pilot, organizer, "events-table", "Test Meetup")
        await press(pilot, "event-use")
        await pilot.press("e")
        await wait_for(lambda: not isinstance(app.screen, OrganizerScreen), pilot)
        await submit(pilot, app.screen, name="Test Meetup II")
        await saved(pilot)
        assert app.backend.event == demo

        desk = await at_desk(app, pilot)
        title = events.show_event(store, demo).title
        await wait_for(lambda: title in door_line(desk), pilot)
        await scanner_types(pilot, ticket.qr_payload)
        await wait_for(
            lambda: banner(desk).has_class("-ok") or banner(desk).has_class("-bad"), pilot
        )
        assert "WRONG EVENT" not in banner_text(desk)
        assert "ADMITTED" in banner_text(desk)
        assert show_ticket(store, ticket.id).checked_in_station == STATION


async def test_use_at_this_door_is_confirmed_and_shown_at_desk_and_kiosk(
    station: DemoStation,
) -> None:
    store, demo = station.store, station.summary.event
    ticket = admissible(store, demo)[0]
    assert ticket.qr_payload
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        organizer = await opened(pilot, "tab-events")
        made = await create_event(pilot, station, "Test Meetup")
        await choose(pilot, organizer, "events-table", "Test Meetup")

        await press(pilot, "event-door")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        question = str(app.screen.query_one("#confirm-question", Static).render())
        assert "Test Meetup" in question
        await pilot.press("n")  # not confirmed: nothing changes
        await wait_for(lambda: app.screen is organizer, pilot)
        assert app.backend.event == demo

        await press(pilot, "event-door")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("y")
        await wait_for(lambda: app.backend.event == made.slug, pilot)

        desk = await at_desk(app, pilot)
        await wait_for(lambda: "Test Meetup" in door_line(desk), pilot)
        await scanner_types(pilot, ticket.qr_payload)  # a demo ticket is now for another event
        await wait_for(lambda: banner(desk).has_class("-bad"), pilot)
        assert "WRONG EVENT" in banner_text(desk)
        assert show_ticket(store, ticket.id).checked_in_at is None

        await pilot.press("f2")
        await wait_for(lambda: isinstance(app.screen, KioskScreen), pilot)
        kiosk = app.screen
        await wait_for(lambda: "Test Meetup" in door_line(kiosk), pilot)


async def test_the_door_event_from_eventdesk_toml(station: DemoStation) -> None:
    starts, ends = a_month_later(station)
    other = events.create_event(
        station.store,
        name="Toml Meetup",
        starts=starts,
        ends=ends,
        timezone="Europe/Berlin",
    )
    (station.data_dir / "eventdesk.toml").write_text(f'event = "{other.slug}"\n')
    config = load_config(
        data_dir=station.data_dir,
        database_url=sqlite_url(station.data_dir / "eventdesk.db"),
        station=STATION,
    )
    store = open_store(config)
    store.signer = load_signer(station.data_dir)
    try:
        app = make_app(config=config, store=store, sign_in_as="Sam Desk", mode="desk")
        assert app.backend.event == other.slug
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
            await wait_for(lambda: "Toml Meetup" in door_line(app.screen), pilot)
    finally:
        store.dispose()

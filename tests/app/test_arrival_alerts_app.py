"""Arrival alerts on the stats and the organizer's screens: an awaited person admitted at
another station is shown at once (as the screens read the database), stays shown until seen,
and the key "a" (in sight at 80x24 while an alert is shown, gone when none is) marks it seen in
the database. A wall display shows none."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from eventdesk.models import Ticket
from eventdesk.services.door.alerts import event_alerts, set_attendee_alert, unseen_alerts
from eventdesk.services.door.checkin import Checkin
from screens.app import make_app
from screens.organizer import OrganizerScreen
from screens.stats.screen import StatsScreen
from screens.widgets.arrival_alerts import ArrivalAlerts
from screens.widgets.key_bar import KeyHint
from tests.app.test_app_stats import unchecked_paid_ticket
from tests.app.test_key_bar import all_in_sight, bar_text, with_key_bar
from tests.apptools import DemoStation, wait_for

pytestmark = pytest.mark.asyncio

SPEAKER = "speaker, take to the green room"
FAST = 0.2  # seconds between two reads in these tests (2 s in use)


@pytest.fixture(autouse=True)
def fast_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ArrivalAlerts, "poll_seconds", FAST)
    monkeypatch.setattr(StatsScreen, "refresh_seconds", FAST)


def awaited_ticket(station: DemoStation) -> tuple[str, str]:
    """A paid ticket not checked in yet whose holder the organizer awaits; the holder's name."""
    ticket = unchecked_paid_ticket(station.store)
    with station.store.read() as session:
        attendee_id = session.scalar(select(Ticket.attendee_id).where(Ticket.id == ticket))
    assert attendee_id is not None
    person = set_attendee_alert(station.store, attendee_id, SPEAKER)
    return ticket, person.name


async def admit_elsewhere(station: DemoStation, ticket: str) -> None:
    """Another station (a pool of its own) admits the ticket."""
    station.open_door_for_processes()
    other = station.open_store()
    try:
        door = Checkin(other, station="Door 7", event=station.summary.event)
        result = await asyncio.to_thread(door.checkin_ticket, ticket)
        assert result.admitted and result.alert == SPEAKER, result
    finally:
        other.dispose()


def hints(screen: Any) -> list[str]:
    return [h.entry.description for h in screen.query(KeyHint).results(KeyHint)]


async def shown_then_seen(pilot: Any, screen: Any, station: DemoStation, name: str) -> None:
    """The alert comes up, its key in sight; the key marks it seen, in the database too."""
    banner = screen.query_one(ArrivalAlerts)
    await wait_for(lambda: banner.display and banner.shown is not None, pilot)
    text = str(banner.render())
    assert name in text and SPEAKER in text and "Door 7" in text, text
    await wait_for(lambda: "Alert seen" in hints(screen), pilot)
    bar = await with_key_bar(pilot)
    assert any("a Alert seen" in line for line in bar_text(screen)), bar_text(screen)
    assert all_in_sight(bar, (80, 24))
    # Kept until seen: several reads later it is still there.
    reads = 0

    def read_again() -> bool:
        nonlocal reads
        reads += 1
        return reads > 5

    await wait_for(read_again, pilot)
    assert banner.display and unseen_alerts(station.store, station.summary.event)

    await pilot.press("a")
    await wait_for(lambda: not unseen_alerts(station.store, station.summary.event), pilot)
    await wait_for(lambda: not banner.display, pilot)
    await wait_for(lambda: "Alert seen" not in hints(screen), pilot)
    [seen] = event_alerts(station.store, station.summary.event)
    assert seen.seen_at is not None and seen.name == name


async def test_the_stats_screen_shows_an_arrival_until_seen(station: DemoStation) -> None:
    ticket, name = awaited_ticket(station)
    app = make_app(
        config=station.config, store=station.store, sign_in_as="Olivia Organizer", mode="stats"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: isinstance(app.screen, StatsScreen), pilot)
        screen = app.screen
        await wait_for(lambda: screen.figures is not None, pilot)
        assert not screen.query_one(ArrivalAlerts).display  # nothing yet
        assert "Alert seen" not in hints(screen)
        await admit_elsewhere(station, ticket)
        await shown_then_seen(pilot, screen, station, name)


async def test_the_organizer_screen_shows_an_arrival_until_seen(station: DemoStation) -> None:
    ticket, name = awaited_ticket(station)
    app = make_app(
        config=station.config,
        store=station.store,
        sign_in_as="Olivia Organizer",
        mode="organizer",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: isinstance(app.screen, OrganizerScreen), pilot)
        screen = app.screen
        await wait_for(lambda: screen.edited_event is not None, pilot)
        await admit_elsewhere(station, ticket)
        await shown_then_seen(pilot, screen, station, name)


async def test_a_wall_shows_no_names(station: DemoStation) -> None:
    ticket, _name = awaited_ticket(station)
    await admit_elsewhere(station, ticket)
    app = make_app(config=station.config, store=station.store, mode="stats", wall=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, StatsScreen), pilot)
        screen = app.screen
        await wait_for(lambda: screen.figures is not None, pilot)
        banner = screen.query_one(ArrivalAlerts)
        assert not banner.enabled and not banner.display
        assert unseen_alerts(station.store, station.summary.event)  # kept for the organizer


async def test_the_organizer_marks_people_and_ticket_types_as_awaited(
    station: DemoStation,
) -> None:
    """The attendee form and the ticket type form have an "Awaited" field: a reason marks the
    person (or every holder of the type) to be told of, checked before anything is written,
    emptied it ends."""
    from eventdesk.services.catalogue.program import list_ticket_types
    from eventdesk.services.people.attendees import find_attendees, show_attendee
    from tests.app.test_app_organizer import choose, form, organizer_app, refused, saved, submit
    from tests.app.test_app_organizer import opened as organizer_opened
    from tests.app.test_app_organizer import show as show_tab

    store, event = station.store, station.summary.event
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await organizer_opened(pilot, "tab-attendees")
        dialog = await form(pilot, "att-new")
        ada = {"name": "Ada Awaited", "email": "ada.awaited@example.org"}
        await submit(pilot, dialog, **ada, alert="speaker\x07")
        assert "control" in await refused(pilot, dialog, "alert")
        assert find_attendees(store, "ada.awaited@example.org") == []  # nothing written
        await submit(pilot, dialog, alert=SPEAKER)
        await saved(pilot)
        (found,) = find_attendees(store, "ada.awaited@example.org")
        assert show_attendee(store, found.id).alert == SPEAKER
        screen.query_one("#att-find").value = "ada.awaited"  # type: ignore[attr-defined]
        await choose(pilot, screen, "attendees-table", "ada.awaited@example.org")
        dialog = await form(pilot, "att-edit")
        await submit(pilot, dialog, alert="")
        await saved(pilot)
        assert show_attendee(store, found.id).alert is None

        await show_tab(pilot, screen, "tab-program")
        await choose(pilot, screen, "types-table", "VIP")
        dialog = await form(pilot, "type-edit")
        await submit(pilot, dialog, alert="VIP: the host greets them")
        await saved(pilot)
        vip = next(t for t in list_ticket_types(store, event) if t.name == "VIP")
        assert vip.alert == "VIP: the host greets them"

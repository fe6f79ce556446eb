"""A door for several events in the app (issue 46): "Also at this door" in the organizer's
Events tab adds the chosen event to what the door admits, asked and confirmed, and keeps it; the
header and the desk name them all ("A + B"), the desk admits a ticket of each, naming its event,
and a restarted door admits them still."""

from __future__ import annotations

import pytest

from eventdesk.door_event import kept_door
from eventdesk.services.catalogue import events
from eventdesk.services.people.registration import show_ticket
from screens.widgets.confirm import ConfirmScreen
from tests.app.test_app_desk import admissible, banner, banner_text, scanner_types
from tests.app.test_app_organizer import choose, opened, press
from tests.app.test_door_event import at_desk, create_event, door_line, organizer_app
from tests.apptools import DemoStation, wait_for

pytestmark = pytest.mark.asyncio


async def test_also_at_this_door_admits_several_events(station: DemoStation) -> None:
    store, demo = station.store, station.summary.event
    ticket = admissible(store, demo)[0]
    assert ticket.qr_payload
    demo_title = events.show_event(store, demo).title
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        organizer = await opened(pilot, "tab-events")
        made = await create_event(pilot, station, "Test Festival Sat")
        await choose(pilot, organizer, "events-table", "Test Festival Sat")

        await press(pilot, "event-door-also")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("y")
        both = f"{demo},{made.slug}"
        await wait_for(lambda: app.backend.events == both, pilot)
        assert app.backend.event == demo  # the first: the desk's search and walk-ins
        kept = kept_door(station.config)
        assert kept is not None and kept.event == both  # a restarted door admits both
        titles = f"{demo_title} + Test Festival Sat"
        await wait_for(lambda: titles in str(app.sub_title), pilot)

        desk = await at_desk(app, pilot)
        await wait_for(lambda: titles in door_line(desk), pilot)
        await scanner_types(pilot, ticket.qr_payload)
        await wait_for(
            lambda: banner(desk).has_class("-ok") or banner(desk).has_class("-bad"), pilot
        )
        assert "ADMITTED" in banner_text(desk)
        assert f"event: {demo_title}" in banner_text(desk)  # the answer names its event
        assert show_ticket(store, ticket.id).checked_in_at is not None

"""The badge name at the desk (issue 44): the walk-in form takes one, the card shows it under the
person's name, and Ctrl+G gives, changes or takes away the badge name of the person on the
card (left empty: their name again). A bad one is said under the field, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Label

from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.people.attendees import show_attendee
from screens.desk.badge_name import BadgeNameScreen
from screens.desk.forms import WalkInScreen
from tests.app.test_app_desk import card_text, desk_app, fill_walk_in, opened
from tests.apptools import DemoStation, click, wait_for

pytestmark = pytest.mark.asyncio
LONG_NAME = "Maximiliane Alexandra von Hohenzollern-Sigmaringen-Württemberg"


async def badge_name_dialog(pilot: Any) -> BadgeNameScreen:
    await pilot.press("ctrl+g")
    await wait_for(lambda: isinstance(pilot.app.screen, BadgeNameScreen), pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, BadgeNameScreen)
    return dialog


async def test_a_walk_in_gets_a_badge_name_and_the_desk_changes_it(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    regular = next(t for t in list_ticket_types(store, event) if t.name == "Regular")
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+n")
        await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot)
        form = app.screen
        assert isinstance(form, WalkInScreen)
        form.query_one("#walkin-badge_name", Input).value = "Maxi von Hohenzollern"
        person = {"name": LONG_NAME, "email": "maxi@example.de", "ticket_type": regular.id}
        person["paid"] = "cash"
        await fill_walk_in(pilot, form, person)
        await wait_for(lambda: app.screen is screen, pilot)
        added = show_attendee(store, "maxi@example.de")
        assert (added.name, added.badge_name) == (LONG_NAME, "Maxi von Hohenzollern")
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == added.id, pilot
        )
        await wait_for(lambda: "badge name: Maxi von Hohenzollern" in card_text(screen), pilot)

        # Ctrl+G: the badge name of the person on the card, as they have it.
        dialog = await badge_name_dialog(pilot)
        field = dialog.query_one("#badgename-badge_name", Input)
        assert field.value == "Maxi von Hohenzollern"
        field.value = "Maxi\x07"  # a control character: said under the field, nothing saved
        await click(pilot, "#badgename-save")
        error = dialog.query_one("#badge_name-error", Label)
        await wait_for(lambda: error.display and "control" in str(error.render()), pilot)
        assert app.screen is dialog
        assert show_attendee(store, added.id).badge_name == "Maxi von Hohenzollern"
        field.value = "Maxi"
        await click(pilot, "#badgename-save")
        await wait_for(lambda: app.screen is screen, pilot)
        assert show_attendee(store, added.id).badge_name == "Maxi"
        await wait_for(lambda: "badge name: Maxi\n" in card_text(screen) + "\n", pilot)

        # Left empty: the badges print the full name again, and the card says no badge name.
        dialog = await badge_name_dialog(pilot)
        dialog.query_one("#badgename-badge_name", Input).value = ""
        await click(pilot, "#badgename-save")
        await wait_for(lambda: app.screen is screen, pilot)
        assert show_attendee(store, added.id).badge_name is None
        await wait_for(lambda: "badge name" not in card_text(screen), pilot)

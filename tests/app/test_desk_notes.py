"""Staff notes at the desk (issue 45): Ctrl+L writes, changes or takes away the note on the person
on the card and on the order of their ticket here; the card shows both; the answer to their
scan says them on the banner, and stays marked in the recent answers until seen (^O). A bad
note is said under the field, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Label

from eventdesk.services.people.attendees import show_attendee
from eventdesk.services.people.notes import show_order
from screens.desk.note import NoteScreen
from tests.app.test_app_desk import (
    admissible,
    banner_text,
    card_text,
    choose,
    desk_app,
    opened,
)
from tests.apptools import DemoStation, click, wait_for

pytestmark = pytest.mark.asyncio
PERSON_NOTE = "Press: escort to the press room"
ORDER_NOTE = "paid by invoice, collect PO"


async def note_dialog(pilot: Any) -> NoteScreen:
    await pilot.press("ctrl+l")
    await wait_for(lambda: isinstance(pilot.app.screen, NoteScreen), pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, NoteScreen)
    return dialog


async def test_the_desk_writes_the_notes_and_shows_them_with_the_answer(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    ticket = admissible(store, event)[0]
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, ticket)
        assert "✎" not in card_text(screen)

        dialog = await note_dialog(pilot)
        person = dialog.query_one("#note-note", Input)
        order = dialog.query_one("#note-order_note", Input)
        assert (person.value, order.value) == ("", "")
        person.value = "escort\x07"  # a control character: said under the field, nothing saved
        await click(pilot, "#note-save")
        error = dialog.query_one("#note-error", Label)
        await wait_for(lambda: error.display and "control" in str(error.render()), pilot)
        assert app.screen is dialog and show_attendee(store, ticket.attendee_id).note is None
        person.value, order.value = PERSON_NOTE, ORDER_NOTE
        await click(pilot, "#note-save")
        await wait_for(lambda: app.screen is screen, pilot)
        assert show_attendee(store, ticket.attendee_id).note == PERSON_NOTE
        assert show_order(store, ticket.order_id).note == ORDER_NOTE
        await wait_for(lambda: f"✎ note: {PERSON_NOTE}" in card_text(screen), pilot)
        assert f"✎ order {ticket.order_id}: {ORDER_NOTE}" in card_text(screen)

        # Checked in: the banner says both notes, and the answer waits to be seen to.
        await pilot.press("ctrl+k")
        await wait_for(lambda: "ADMITTED" in banner_text(screen), pilot)
        assert PERSON_NOTE in banner_text(screen) and ORDER_NOTE in banner_text(screen)
        await wait_for(lambda: screen.board.waiting, pilot)
        await pilot.press("ctrl+o")
        await wait_for(lambda: not screen.board.waiting, pilot)

        # The dialog shows the notes as they are; left empty, they go.
        dialog = await note_dialog(pilot)
        person = dialog.query_one("#note-note", Input)
        order = dialog.query_one("#note-order_note", Input)
        assert (person.value, order.value) == (PERSON_NOTE, ORDER_NOTE)
        person.value = order.value = ""
        await click(pilot, "#note-save")
        await wait_for(lambda: app.screen is screen, pilot)
        assert show_attendee(store, ticket.attendee_id).note is None
        assert show_order(store, ticket.order_id).note is None
        await wait_for(lambda: "✎" not in card_text(screen), pilot)


async def test_the_organizers_attendee_form_writes_the_note(station: DemoStation) -> None:
    from eventdesk.services.people.attendees import find_attendees
    from tests.app.test_app_organizer import (
        choose as organizer_choose,
    )
    from tests.app.test_app_organizer import (
        form,
        organizer_app,
        refused,
        saved,
        submit,
    )
    from tests.app.test_app_organizer import (
        opened as organizer_opened,
    )

    store = station.store
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await organizer_opened(pilot, "tab-attendees")
        dialog = await form(pilot, "att-new")
        await submit(pilot, dialog, name="Pat Press", email="pat.press@example.org", note="a\tb")
        assert "control characters" in await refused(pilot, dialog, "note")
        await submit(pilot, dialog, note=PERSON_NOTE)
        await saved(pilot)
        (found,) = find_attendees(store, "pat.press@example.org")
        person = show_attendee(store, found.id)
        assert person.note == PERSON_NOTE

        screen.query_one("#att-find", Input).value = "pat.press"
        await organizer_choose(pilot, screen, "attendees-table", "pat.press@example.org")
        dialog = await form(pilot, "att-edit")
        assert dialog.query_one("#f-note", Input).value == PERSON_NOTE
        await submit(pilot, dialog, note="")
        await saved(pilot)
        assert show_attendee(store, person.id).note is None

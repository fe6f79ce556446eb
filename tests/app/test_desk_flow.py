"""The desk in one flow (issue 14): the results table's status column, a walk-in in one submit
that ends on the new person's card, every refused key saying why, cancelling a paid ticket with
or without its refund, and a scanner's Tab. Outcomes are read back through the services."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual import events
from textual.notifications import Notify
from textual.widgets import Button, DataTable, Input, Label, Select

from eventdesk.services.catalogue.events import show_event
from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.people.attendees import add_attendee, door_states_among, show_attendee
from eventdesk.services.people.payments import list_payments, payment_summary
from eventdesk.services.people.registration import register, show_ticket, tickets_of_attendee
from eventdesk.services.people.waitlist import list_waitlist
from screens.desk.cancel import CancelScreen
from screens.desk.forms import WalkInScreen
from screens.desk.results import ResultsTable
from screens.desk.typing import SCAN_SUFFIX_SECONDS
from screens.messages import ScanDecided
from tests.app.test_app_desk import (
    admissible,
    banner,
    banner_text,
    card_text,
    choose,
    decided,
    desk_app,
    event_tickets,
    hook,
    notified,
    opened,
    search_for,
)
from tests.apptools import DemoStation, driver_of, options_of, scanner_keys, wait_for, workers_done

pytestmark = pytest.mark.asyncio


def status_of(screen: Any, attendee_id: int) -> str:
    table = screen.query_one("#results", ResultsTable)
    return str(table.get_cell(str(attendee_id), "status"))


# --- the results table's status column ----------------------------------------------------------
async def test_the_results_say_who_is_in_when_and_who_waits(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    zone = ZoneInfo(show_event(store, event).timezone)
    tickets = event_tickets(store, event)
    used = next(t for t in tickets if t.status == "registered" and t.checked_in_at)
    waiting = next(t for t in tickets if t.status == "waitlisted")
    due = admissible(store, event)[0]
    assert used.checked_in_at is not None
    app = desk_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        states = door_states_among(store, event, [used.attendee_id])
        local = used.checked_in_at.astimezone(zone)
        today = station.now().astimezone(zone).date() == local.date()
        when = local.strftime("%H:%M") if today else local.strftime("%d %b")
        assert states[used.attendee_id].state == "in"
        assert status_of(screen, used.attendee_id) == f"✔ in {when}"
        if not any(
            t.status == "registered" for t in tickets_of_attendee(store, waiting.attendee_id)
        ):
            assert status_of(screen, waiting.attendee_id) == "waitlisted"
        assert status_of(screen, due.attendee_id) == "not yet"
        # The status is the table's second column: it is seen at 80 columns.
        table = screen.query_one("#results", ResultsTable)
        status_x = sum(c.get_render_width(table) for c in list(table.columns.values())[:2])
        assert status_x <= table.region.width

        await choose(pilot, screen, due)
        await pilot.press("ctrl+k")
        await wait_for(lambda: status_of(screen, due.attendee_id).startswith("✔ in "), pilot)


# --- a walk-in in one flow ----------------------------------------------------------------------
async def open_walk_in(app: Any, pilot: Any) -> WalkInScreen:
    await pilot.press("ctrl+n")
    await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot)
    form = app.screen
    assert isinstance(form, WalkInScreen)
    await wait_for(lambda: len(options_of(form.query_one("#walkin-type", Select))) > 1, pilot)
    return form


async def test_a_walk_in_registers_pays_and_checks_in_in_one_submit(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    regular = next(t for t in list_ticket_types(store, event) if t.name == "Regular")
    assert regular.price_cents > 0
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(
        size=(120, 40), message_hook=hook((Notify, ScanDecided), messages)
    ) as pilot:
        screen = await opened(app, pilot)
        form = await open_walk_in(app, pilot)
        assert form.query_one("#walkin-checkin").value is True  # check in now: on by default
        form.query_one("#walkin-name", Input).value = "Ada Walker"
        form.query_one("#walkin-email", Input).value = "ada.walker@example.com"
        form.query_one("#walkin-type", Select).value = regular.id
        paid = form.query_one("#walkin-paid", Select)
        await wait_for(lambda: not paid.disabled, pilot)
        form.query_one("#walkin-register", Button).press()  # "paid how" not said yet
        error = form.query_one("#paid-error", Label)
        await wait_for(lambda: bool(error.display), pilot)
        assert "paid" in str(error.render())
        assert form.query_one("#walkin-name", Input).value == "Ada Walker"  # nothing lost

        paid.value = "card"
        form.query_one("#walkin-register", Button).press()
        await wait_for(lambda: app.screen is screen, pilot)
        person = show_attendee(store, "ada.walker@example.com")
        (ticket,) = tickets_of_attendee(store, person.id)
        assert ticket.status == "registered" and ticket.checked_in_at is not None
        money = payment_summary(store, ticket.id)
        assert money.due_cents == 0 and money.paid_cents == regular.price_cents
        assert [p.method for p in list_payments(store, ticket.id)] == ["card"]
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == person.id, pilot
        )
        await wait_for(lambda: "checked in" in card_text(screen), pilot)
        assert banner(screen).has_class("-ok") and "ADMITTED" in banner_text(screen)
        await wait_for(lambda: notified(messages, "Ada Walker is registered"), pilot)


async def test_a_walk_in_refused_says_so_in_the_form_and_loses_nothing(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    taken = admissible(store, event)[0]
    taken_email = show_attendee(store, taken.attendee_id).email
    free = next((t for t in list_ticket_types(store, event) if t.price_cents == 0), None)
    regular = next(t for t in list_ticket_types(store, event) if t.name == "Regular")
    app = desk_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot)
        form = await open_walk_in(app, pilot)
        typed = {"name": "Bo Again", "email": taken_email, "company": "Dupes"}
        for name, value in typed.items():
            form.query_one(f"#walkin-{name}", Input).value = value
        form.query_one("#walkin-type", Select).value = (free or regular).id
        paid = form.query_one("#walkin-paid", Select)
        if free is None:
            await wait_for(lambda: not paid.disabled, pilot)
            paid.value = "cash"
        else:
            await wait_for(lambda: paid.disabled and paid.value == "free", pilot)
        form.query_one("#walkin-register", Button).press()
        error = form.query_one("#email-error", Label)
        await wait_for(lambda: bool(error.display), pilot)
        assert "exists already" in str(error.render())
        assert app.screen is form
        for name, value in typed.items():
            assert form.query_one(f"#walkin-{name}", Input).value == value
        assert len(tickets_of_attendee(store, taken.attendee_id)) == len(
            [t for t in tickets_of_attendee(store, taken.attendee_id)]
        )


# --- every key that cannot act says why ---------------------------------------------------------
async def test_each_refused_key_says_why(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    waiting = show_ticket(store, list_waitlist(store, event)[0].ticket_id)
    due = admissible(store, event)[0]  # registered, paid, not checked in
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), messages)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)

        async def says(key: str, text: str) -> None:
            before = len(messages)
            await pilot.press(key)
            await wait_for(lambda: notified(messages[before:], text), pilot)
            assert search.value == before_value  # the key did not edit the search box

        await choose(pilot, screen, waiting)
        before_value = search.value
        await says("ctrl+r", "on the waitlist")
        await says("ctrl+u", "Nothing to undo")
        await choose(pilot, screen, due)
        before_value = search.value
        await says("ctrl+w", "not on the waitlist")
        await says("ctrl+u", "not checked in")
        await says("ctrl+r", "not checked in yet")
        await says("ctrl+p", "Nothing is owed")

        await search_for(pilot, screen, "zzzqqq")  # nobody selected
        before_value = search.value
        for key in ("ctrl+k", "ctrl+u", "ctrl+r", "ctrl+p", "ctrl+x", "ctrl+w"):
            await says(key, "Nobody is selected")
        assert show_ticket(store, due.id).checked_in_at is None


# --- cancel and refund --------------------------------------------------------------------------
async def test_cancel_offers_the_refund_and_keeps_the_money_when_asked(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    paid = [t for t in admissible(store, event) if payment_summary(store, t.id).paid_cents > 0]
    refunded, kept = paid[0], next(t for t in paid if t.attendee_id != paid[0].attendee_id)
    amount = payment_summary(store, refunded.id).paid_cents
    app = desk_app(station, who="Olivia Organizer")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, refunded)
        await pilot.press("ctrl+x")
        await wait_for(lambda: isinstance(app.screen, CancelScreen), pilot)
        dialog = app.screen
        label = str(dialog.query_one("#cancel-refund", Button).label)
        assert f"{amount // 100}.{amount % 100:02d}" in label
        assert app.focused is dialog.query_one("#cancel-keep", Button)  # Enter keeps it
        dialog.query_one("#cancel-refund", Button).press()
        await wait_for(lambda: show_ticket(store, refunded.id).status == "cancelled", pilot)
        assert payment_summary(store, refunded.id).paid_cents == 0
        assert [p.kind for p in list_payments(store, refunded.id)][-1] == "refund"
        await wait_for(lambda: "cancelled" in card_text(screen), pilot)
        await wait_for(lambda: "refunded" in banner_text(screen), pilot)

        await choose(pilot, screen, kept)
        await pilot.press("ctrl+x")
        await wait_for(lambda: isinstance(app.screen, CancelScreen), pilot)
        app.screen.query_one("#cancel-only", Button).press()
        await wait_for(lambda: show_ticket(store, kept.id).status == "cancelled", pilot)
        assert payment_summary(store, kept.id).paid_cents > 0  # the money was kept
        await wait_for(lambda: "kept, not refunded" in banner_text(screen), pilot)
        # The card is read again after the banner: until it says cancelled, Ctrl+X still sees
        # the ticket as it was (on a busy machine the key came first and opened the dialog).
        await wait_for(lambda: "cancelled" in card_text(screen), pilot)
        await pilot.press("ctrl+x")  # a cancelled ticket: nothing more to cancel
        await wait_for(lambda: app.screen is screen, pilot)
        assert not isinstance(app.screen, CancelScreen)


def scanner_types(app: Any, payload: str) -> Any:
    """A scanner's keys, all at once as the terminal delivers them; the driver they went to."""
    driver = driver_of(app)
    assert driver is not None
    for key in scanner_keys(payload):
        driver.send_message(key)
    return driver


# --- Tab from a scanner or a fast typist --------------------------------------------------------
async def test_a_scan_ended_by_tab_then_enter_admits_once(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    first, second = admissible(store, event)[:2]
    assert first.qr_payload
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)
        driver = scanner_types(app, first.qr_payload)  # a scanner's burst: payload, Tab, Enter
        driver.send_message(events.Key("tab", "\t"))
        driver.send_message(events.Key("enter", "\r"))
        await wait_for(lambda: show_ticket(store, first.id).checked_in_at is not None, pilot)
        await wait_for(lambda: search.value == first.id, pilot)
        await workers_done(app)
        await pilot.pause()
        assert decided(messages) == ["ok"]  # the Enter after the Tab checked in nobody again
        assert banner(screen).has_class("-ok")
        assert app.focused is search

        # A typist: a name, Tab (to the results), Enter: the highlighted row is the one typed.
        await search_for(pilot, screen, second.id)
        await pilot.press("tab")
        assert app.focused is screen.query_one("#results", ResultsTable)
        await pilot.press("enter")
        await wait_for(lambda: show_ticket(store, second.id).checked_in_at is not None, pilot)


async def test_the_scanners_enter_is_told_by_when_it_came_not_when_it_was_handled(
    station: DemoStation,
) -> None:
    # An Enter that came from the terminal two seconds after the scanner's Tab is a person's
    # (here: check the one found in again), however soon the station gets to it; one that came
    # with the Tab is the scanner's, however late a busy station gets to it (the test above).
    store, event = station.store, station.summary.event
    first = admissible(store, event)[0]
    assert first.qr_payload
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)
        driver = scanner_types(app, first.qr_payload)
        tab = events.Key("tab", "\t")
        driver.send_message(tab)
        await wait_for(lambda: show_ticket(store, first.id).checked_in_at is not None, pilot)
        await wait_for(lambda: screen.shown_query == search.value == first.id, pilot)
        enter = events.Key("enter", "\r")
        enter.time = tab.time + 2 * SCAN_SUFFIX_SECONDS
        driver.send_message(enter)
        await wait_for(lambda: len(decided(messages)) == 2, pilot)
        first_answer, second_answer = decided(messages)
        assert first_answer == "ok"
        assert second_answer != "ok"  # asked again: checked in already, nobody admitted twice


async def test_a_row_highlighted_before_a_scan_never_takes_the_card_from_its_holder(
    station: DemoStation,
) -> None:
    """A busy station handles the results table's highlight of the first row (the card shown
    before anyone scanned) only after the scan's card: the card stays the scanned ticket's
    holder's, and Enter acts on that ticket, not on the person of the row."""
    store, event = station.store, station.summary.event
    messages: list[Any] = []
    late: list[str] = []
    scanned: list[str] = []  # the scanned ticket's id, once chosen
    cards: list[int] = []  # whose card the desk showed, from the scan's card on

    def highlight_late(message: Any) -> None:
        messages.append(message)
        desk = app.screen if app.screen_stack else None
        card = getattr(desk, "card", None)
        if late and card is not None and card.attendee.id not in cards[-1:]:
            cards.append(card.attendee.id)
        if (
            isinstance(message, Input.Changed)
            and message.input.id == "search"
            and message.value in scanned
            and not late
        ):
            # The scan's card is shown and its ticket's id written in Search, whose results
            # are not in yet: the first row of the old ones is highlighted again (as a
            # highlight posted before the scan and handled late).
            table = message.input.screen.query_one("#results", ResultsTable)
            row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            late.append(str(row.value))
            table.post_message(DataTable.RowHighlighted(table, table.cursor_row, row))

    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=highlight_late) as pilot:
        screen = await opened(app, pilot)
        assert screen.card is not None
        shown_first = screen.card.attendee.id
        ticket = next(t for t in admissible(store, event) if t.attendee_id != shown_first)
        assert ticket.qr_payload
        scanned.append(ticket.id)
        scanner_types(app, ticket.qr_payload).send_message(events.Key("enter", "\r"))
        search = screen.query_one("#search", Input)
        await wait_for(lambda: screen.shown_query == search.value == ticket.id, pilot)
        await workers_done(app)
        assert late == [str(shown_first)]  # the first row's highlight came after the scan's card
        assert cards == [ticket.attendee_id]  # nobody else's card, not even for a moment
        assert screen.card is not None and screen.card.attendee.id == ticket.attendee_id
        assert screen.attendee_id == ticket.attendee_id
        await pilot.press("enter")  # a person's Enter on the card shown: the scanned ticket
        await wait_for(lambda: len(decided(messages)) == 2, pilot)
        assert decided(messages) == ["ok", "already_checked_in"]
        assert show_ticket(store, ticket.id).checked_in_at is not None


async def test_check_in_while_the_chosen_persons_card_is_read_says_so(
    station: DemoStation,
) -> None:
    """Between choosing someone and their card coming, Check in names nobody's tickets (the
    card on screen is someone else's): it says the card is still being read."""
    store, event = station.store, station.summary.event
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), messages)) as pilot:
        screen = await opened(app, pilot)
        assert screen.card is not None
        other = next(
            t for t in admissible(store, event) if t.attendee_id != screen.card.attendee.id
        )
        screen.attendee_id = other.attendee_id  # chosen; the card read for them not in yet
        await pilot.press("ctrl+k")
        await wait_for(lambda: notified(messages, "still being read"), pilot)
        assert show_ticket(store, other.id).checked_in_at is None


async def test_tab_moves_through_the_walk_in_form_as_typed(station: DemoStation) -> None:
    """A person typing the walk-in form with Tab between the fields: each lands in its field
    (the desk's own Tab, for a scanner, is not the form's)."""
    app = desk_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot)
        form = await open_walk_in(app, pilot)
        name = form.query_one("#walkin-name", Input)
        await wait_for(lambda: app.focused is name, pilot)
        # All at once, as a terminal delivers a fast typist's keys: nothing waits between them.
        for key in [*"Robin Walker", "tab", *"robin@example.com", "tab", *"Acme"]:
            app.post_message(events.Key(key, key if len(key) == 1 else "\t"))
        company = form.query_one("#walkin-company", Input)
        await wait_for(lambda: company.value == "Acme", pilot)
        assert name.value == "Robin Walker"
        assert form.query_one("#walkin-email", Input).value == "robin@example.com"
        assert form.query_one("#walkin-company", Input).value == "Acme"


async def test_a_refusal_shows_a_name_with_brackets_as_typed(station: DemoStation) -> None:
    """A name is text, never markup: "[b]" or "[/i]" in a name reaches the screen as typed
    (in the results table, and in a refused key's message), and breaks nothing."""
    store, event = station.store, station.summary.event
    name = "Ann [/i] [b]Lee"
    person = add_attendee(store, name=name, email="ann.brackets@example.com")
    regular = next(t for t in list_ticket_types(store, event) if t.name == "Regular")
    order = register(store, event, person.id, regular.id)
    ticket = show_ticket(store, order.tickets[0].ticket_id)
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), messages)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, ticket)
        table = screen.query_one("#results", ResultsTable)
        assert name in [str(cell) for cell in table.get_row(str(person.id))]
        await pilot.press("ctrl+r")  # not checked in: no badge to reprint
        await wait_for(lambda: notified(messages, "No badge to reprint"), pilot)
        refusal = next(m.notification for m in messages if "reprint" in m.notification.message)
        assert name in refusal.message and not refusal.markup  # shown as typed
        assert app.is_running


async def test_a_look_begun_before_the_rows_came_leaves_their_states(station: DemoStation) -> None:
    """The desk looks again every few seconds at where the rows' people stand. A look begun
    before the first results landed (it asked about no one) ends after they are shown: it
    says nothing of those rows, which keep their states (never "no ticket")."""
    from screens.desk.messages import Polled

    store, event = station.store, station.summary.event
    tickets = event_tickets(store, event)
    used = next(t for t in tickets if t.status == "registered" and t.checked_in_at)
    app = desk_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        await wait_for(lambda: status_of(screen, used.attendee_id).startswith("✔"), pilot)
        before = status_of(screen, used.attendee_id)
        screen.post_message(Polled(screen.card_seq, None, screen.search_seq, {}, ()))
        await pilot.pause()
        await pilot.pause()
        assert status_of(screen, used.attendee_id) == before

"""The registration desk, driven through the Pilot: search as you type, the card, check in and
undo, walk-ins, payments, cancellation with promotion, reprints, the keyboard-wedge scanner and
the camera. Outcomes are read back from the database through the services."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Button, Input, Label, Select, Static

from eventdesk.db import Store
from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.door.printing import list_jobs
from eventdesk.services.people.attendees import AttendeeInfo, find_attendees, show_attendee
from eventdesk.services.people.payments import payment_summary
from eventdesk.services.people.registration import TicketInfo, show_ticket, tickets_of_attendee
from eventdesk.services.people.waitlist import list_waitlist
from eventdesk.text import fold
from screens.app import EventdeskApp
from screens.desk.cancel import CancelScreen
from screens.desk.card import AttendeeCard
from screens.desk.forms import PaymentScreen, WalkInScreen
from screens.desk.messages import Searched
from screens.desk.results import ResultsTable
from screens.desk.screen import DeskScreen
from screens.messages import ScanDecided
from screens.widgets.confirm import ConfirmScreen
from testkit.media import Shot, render_frames, write_video
from tests.apptools import (
    STATION,
    DemoStation,
    app_on,
    click,
    driver_of,
    options_of,
    scanner_keys,
    wait_for,
    workers_done,
)

pytestmark = pytest.mark.asyncio


# --- the demo's people and tickets --------------------------------------------------------------
def everyone(store: Store) -> list[AttendeeInfo]:
    return find_attendees(store, "", limit=500)


def event_tickets(store: Store, event: str) -> list[TicketInfo]:
    tickets: list[TicketInfo] = []
    for person in everyone(store):
        tickets += [t for t in tickets_of_attendee(store, person.id) if t.event == event]
    return tickets


def admissible(store: Store, event: str) -> list[TicketInfo]:
    """Registered, paid, not checked in: a check-in admits these."""
    return [
        t
        for t in event_tickets(store, event)
        if t.status == "registered"
        and t.checked_in_at is None
        and t.qr_payload
        and payment_summary(store, t.id).due_cents == 0
    ]


# --- driving the desk ---------------------------------------------------------------------------
def desk_app(station: DemoStation, who: str = "Sam Desk", **options: Any) -> EventdeskApp:
    return app_on(station.config, store=station.store, sign_in_as=who, mode="desk", **options)


def desk(app: EventdeskApp) -> DeskScreen:
    screen = app.screen
    assert isinstance(screen, DeskScreen)
    return screen


def hook(kinds: tuple[type[Message], ...], into: list[Any]) -> Any:
    def capture(message: Message) -> None:
        if isinstance(message, kinds):
            into.append(message)

    return capture


def decided(messages: list[Any]) -> list[str]:
    """The answers of the scans decided, in order (the ScanDecided messages a hook caught)."""
    return [m.result.result for m in messages if isinstance(m, ScanDecided)]


async def opened(app: EventdeskApp, pilot: Any) -> DeskScreen:
    """The desk is up: everyone listed, the first card shown, the search box focused."""
    await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
    screen = desk(app)
    await wait_for(lambda: screen.shown_query == "" and screen.card is not None, pilot)
    assert app.focused is screen.query_one("#search", Input)
    return screen


def rows(screen: DeskScreen) -> list[tuple[str, str, str]]:
    table = screen.query_one("#results", ResultsTable)
    found = []
    for index in range(table.row_count):
        name, _status, company, email = (str(cell) for cell in table.get_row_at(index))
        found.append((name, company, email))
    return found


def emails(screen: DeskScreen) -> set[str]:
    return {email for _, _, email in rows(screen)}


async def settle(pilot: Any, screen: DeskScreen) -> None:
    """Wait until the table shows the results of what the search box says."""
    search = screen.query_one("#search", Input)
    await wait_for(lambda: screen.shown_query == search.value, pilot)


async def search_for(pilot: Any, screen: DeskScreen, text: str) -> None:
    search = screen.query_one("#search", Input)
    search.focus()
    search.value = text
    await settle(pilot, screen)


async def choose(pilot: Any, screen: DeskScreen, ticket: TicketInfo) -> None:
    """Find the ticket's holder by its id and wait for their card."""
    await search_for(pilot, screen, ticket.id)
    await wait_for(
        lambda: screen.card is not None and screen.card.attendee.id == ticket.attendee_id, pilot
    )


def card_text(screen: DeskScreen) -> str:
    return screen.query_one("#card", AttendeeCard).text


def banner(screen: DeskScreen) -> Static:
    return screen.query_one("#banner", Static)


def banner_text(screen: DeskScreen) -> str:
    return str(banner(screen).render())


def typed_words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", fold(text)) if w]


def matches(row: tuple[str, str, str], query: str, ticket_ids: dict[str, list[str]]) -> bool:
    """Every typed word starts a word of the row (name, company or email) or a ticket id."""
    words = typed_words(" ".join([*row, *ticket_ids.get(row[2], [])]))
    return all(any(w.startswith(term) for w in words) for term in typed_words(query))


async def scanner_types(pilot: Any, text: str) -> None:
    """A USB scanner types the payload and Enter in one burst, faster than anyone types."""
    driver = driver_of(pilot.app)
    for key in scanner_keys(f"{text}\r"):
        driver.send_message(key)
    await pilot.pause()


def notified(messages: list[Any], text: str) -> bool:
    return any(
        isinstance(m, Notify) and text.casefold() in m.notification.message.casefold()
        for m in messages
    )


# --- search -------------------------------------------------------------------------------------
async def test_search_narrows_the_table_with_each_key(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    people = everyone(store)
    person = next(p for p in people if p.company and "'" not in p.name)
    first_name = person.name.split()[0]
    ticket = next(t for t in tickets_of_attendee(store, person.id) if t.event == event)
    company = person.company or ""
    ticket_ids = {p.email: [t.id for t in tickets_of_attendee(store, p.id)] for p in people}
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        assert emails(screen) == {p.email for p in people}  # an empty search lists everyone

        counts = []
        for key in first_name.casefold():  # typed key by key: each one narrows the table
            await pilot.press(key)
            await settle(pilot, screen)
            counts.append(len(rows(screen)))
            assert all(matches(r, screen.shown_query or "", ticket_ids) for r in rows(screen))
        assert counts == sorted(counts, reverse=True) and counts[-1] < len(people)
        assert person.email in emails(screen)

        await search_for(pilot, screen, person.email)
        assert person.email in emails(screen)
        assert all(matches(row, person.email, ticket_ids) for row in rows(screen))
        assert len(rows(screen)) < counts[-1] or counts[-1] == 1

        word = company.split()[0]
        await search_for(pilot, screen, word)
        expected = {
            p.email for p in people if matches((p.name, p.company or "", p.email), word, ticket_ids)
        }
        assert emails(screen) == expected
        assert person.email in expected and len(expected) < len(people)

        await search_for(pilot, screen, ticket.id.lower())  # a ticket id finds its holder
        assert emails(screen) == {person.email}
        await wait_for(lambda: screen.card is not None, pilot)
        assert screen.card is not None and screen.card.attendee.id == person.id
        assert ticket.id in card_text(screen)

        # Results of an older query arriving late never replace the newer ones.
        handled: list[bool] = []
        screen.post_message(Searched(screen.search_seq - 1, "", people))
        screen.call_later(handled.append, True)  # queued behind it: runs once it is handled
        await wait_for(lambda: bool(handled), pilot)
        assert emails(screen) == {person.email}

        await search_for(pilot, screen, "zzzqqq")
        assert rows(screen) == [] and screen.card is None
        assert "Nobody matches" in card_text(screen)
        await wait_for(lambda: screen.why_not("check_in") is not None, pilot)


# --- check in, already checked in, undo -----------------------------------------------------------
async def test_check_in_then_already_checked_in_then_undo(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    ticket = admissible(store, event)[0]
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(
        size=(120, 40), message_hook=hook((ScanDecided, Notify), messages)
    ) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, ticket)
        assert "not checked in" in card_text(screen)

        await pilot.press("enter")  # one person found: Enter checks them in
        await wait_for(lambda: show_ticket(store, ticket.id).checked_in_at is not None, pilot)
        admitted = show_ticket(store, ticket.id)
        assert admitted.checked_in_station == STATION
        await wait_for(lambda: banner(screen).has_class("-ok"), pilot)
        assert "ADMITTED" in banner_text(screen) and ticket.attendee in banner_text(screen)
        await wait_for(lambda: f"at {STATION}" in card_text(screen), pilot)
        assert "checked in" in card_text(screen)

        await pilot.press("ctrl+k")  # again: already checked in, when and where
        await wait_for(lambda: banner(screen).has_class("-warn"), pilot)
        text = banner_text(screen)
        assert "ALREADY CHECKED IN" in text and STATION in text
        assert show_ticket(store, ticket.id).checked_in_at == admitted.checked_in_at
        sources = [m.source for m in messages if isinstance(m, ScanDecided)]
        assert sources == ["desk", "desk"] and decided(messages) == ["ok", "already_checked_in"]

        # Undo once the desk may (the second answer's card read: a busy machine reads it late,
        # and a key meanwhile is rightly answered "a scan is being answered").
        await wait_for(lambda: screen.why_not("undo") is None, pilot)
        await pilot.press("ctrl+u")  # undo
        await wait_for(lambda: show_ticket(store, ticket.id).checked_in_at is None, pilot)
        await wait_for(lambda: "not checked in" in card_text(screen), pilot)
        await wait_for(lambda: notified(messages, "undone"), pilot)
        await wait_for(lambda: screen.why_not("undo") is not None, pilot)


# --- walk-in ------------------------------------------------------------------------------------
async def fill_walk_in(pilot: Any, form: WalkInScreen, values: dict[str, Any]) -> None:
    select = form.query_one("#walkin-type", Select)
    await wait_for(lambda: len(options_of(select)) > 1, pilot)
    for name in ("name", "email", "company", "pin"):
        form.query_one(f"#walkin-{name}", Input).value = values.get(name, "")
    select.value = values["ticket_type"]
    paid = form.query_one("#walkin-paid", Select)
    await wait_for(lambda: paid.disabled or paid.value in (Select.NULL, values.get("paid")), pilot)
    if not paid.disabled and "paid" in values:
        paid.value = values["paid"]
    register = form.query_one("#walkin-register", Button)
    await wait_for(lambda: not register.has_class("-active"), pilot)  # a click just before
    await click(pilot, "#walkin-register")


async def test_walk_in_form_validates_then_registers_and_waitlists(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    types = {t.name: t.id for t in list_ticket_types(store, event)}
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), messages)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+n")
        await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot)
        form = app.screen
        assert isinstance(form, WalkInScreen)
        person = {"name": "Jo Walker", "email": "jo.walker(at)example", "company": "Walkers"}
        await fill_walk_in(pilot, form, {**person, "ticket_type": types["Regular"]})
        error = form.query_one("#email-error", Label)
        await wait_for(lambda: error.display and "email" in str(error.render()), pilot)
        assert isinstance(app.screen, WalkInScreen)  # still open: nothing was written
        assert find_attendees(store, "walker") == []

        person["email"] = "jo.walker@example.com"
        await fill_walk_in(pilot, form, {**person, "ticket_type": types["Regular"], "paid": "card"})
        await wait_for(lambda: app.screen is screen, pilot)
        added = show_attendee(store, "jo.walker@example.com")
        assert (added.name, added.company) == ("Jo Walker", "Walkers")
        (ticket,) = tickets_of_attendee(store, added.id)
        assert (ticket.ticket_type, ticket.status, ticket.event) == ("Regular", "registered", event)
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == added.id, pilot
        )
        assert ticket.id in card_text(screen)
        await wait_for(lambda: notified(messages, "Jo Walker is registered"), pilot)

        # Students are sold out: a walk-in goes on the waitlist, at the end of the line.
        line = len(list_waitlist(store, event))
        await pilot.press("ctrl+n")
        await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot)
        form = app.screen
        assert isinstance(form, WalkInScreen)
        student = {"name": "Sam Student", "email": "sam.student@example.org", "pin": "4321"}
        await fill_walk_in(
            pilot, form, {**student, "ticket_type": types["Student"], "paid": "cash"}
        )
        await wait_for(lambda: app.screen is screen, pilot)
        added = show_attendee(store, "sam.student@example.org")
        assert added.has_pin
        (ticket,) = tickets_of_attendee(store, added.id)
        assert ticket.status == "waitlisted" and ticket.waitlist_position == line + 1
        await wait_for(lambda: f"waitlisted, place {line + 1}" in card_text(screen), pilot)
        await wait_for(lambda: notified(messages, f"waitlist at place {line + 1}"), pilot)
        await wait_for(lambda: screen.why_not("promote") is None, pilot)


# --- payment ------------------------------------------------------------------------------------
async def test_take_a_payment_clears_what_is_due(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    ticket = next(
        t
        for t in event_tickets(store, event)
        if t.status == "registered" and payment_summary(store, t.id).due_cents > 0
    )
    due = payment_summary(store, ticket.id)
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, ticket)
        assert "due" in card_text(screen)
        await pilot.press("ctrl+p")
        await wait_for(lambda: isinstance(app.screen, PaymentScreen), pilot)
        form = app.screen
        amount = form.query_one("#pay-amount", Input)
        assert amount.value == f"{due.due_cents // 100}.{due.due_cents % 100:02d}"
        assert app.focused is amount

        amount.value = "twelve"
        await pilot.press("enter")
        error = form.query_one("#amount-error", Label)
        await wait_for(lambda: error.display and "not an amount" in str(error.render()), pilot)
        assert payment_summary(store, ticket.id).due_cents == due.due_cents

        amount.value = f"{due.due_cents / 100:.2f}"
        form.query_one("#pay-method", Select).value = "card"
        form.query_one("#pay-reference", Input).value = "POS-1234"
        await pilot.press("enter")
        await wait_for(lambda: app.screen is screen, pilot)
        after = payment_summary(store, ticket.id)
        assert after.due_cents == 0 and after.paid_cents == due.price_cents
        await wait_for(
            lambda: "paid" in card_text(screen) and "due" not in card_text(screen), pilot
        )
        await wait_for(lambda: screen.why_not("pay") is not None, pilot)


# --- cancel and the waitlist ----------------------------------------------------------------------
async def test_cancel_promotes_the_next_in_line_and_an_organizer_can_force(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    waiting = list_waitlist(store, event)
    assert len(waiting) >= 2, "the demo has people on the waitlist"
    same_type = next(
        t
        for t in event_tickets(store, event)
        if t.status == "registered" and t.ticket_type == waiting[0].ticket_type
    )
    messages: list[Any] = []
    app = desk_app(station, who="Olivia Organizer")
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), messages)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, same_type)
        await pilot.press("ctrl+x")
        await wait_for(lambda: isinstance(app.screen, CancelScreen), pilot)
        await pilot.press("n")  # kept
        await wait_for(lambda: app.screen is screen, pilot)
        assert show_ticket(store, same_type.id).status == "registered"

        await pilot.press("ctrl+x")
        await wait_for(lambda: isinstance(app.screen, CancelScreen), pilot)
        app.screen.query_one("#cancel-only", Button).press()
        await wait_for(lambda: show_ticket(store, same_type.id).status == "cancelled", pilot)
        promoted = show_ticket(store, waiting[0].ticket_id)
        assert promoted.status == "registered"  # the first in line got the place
        assert [w.ticket_id for w in list_waitlist(store, event)] == [
            w.ticket_id for w in waiting[1:]
        ]
        await wait_for(lambda: "cancelled" in card_text(screen), pilot)
        await wait_for(lambda: waiting[0].name in banner_text(screen), pilot)

        # The next one waits for a place that is not free: an organizer may admit anyway.
        second = show_ticket(store, waiting[1].ticket_id)
        await choose(pilot, screen, second)
        assert "waitlisted, place 1" in card_text(screen)
        await pilot.press("ctrl+w")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        assert "over capacity" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("y")
        await wait_for(lambda: show_ticket(store, second.id).status == "registered", pilot)
        await wait_for(lambda: "not checked in" in card_text(screen), pilot)
        await wait_for(lambda: notified(messages, "off the waitlist"), pilot)


async def test_staff_cannot_promote_without_a_free_place(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    first = show_ticket(store, list_waitlist(store, event)[0].ticket_id)
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), messages)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, first)
        await wait_for(lambda: screen.why_not("promote") is None, pilot)
        await pilot.press("ctrl+w")
        await wait_for(lambda: notified(messages, "no free place"), pilot)
        assert app.screen is screen
        assert show_ticket(store, first.id).status == "waitlisted"


# --- the keyboard-wedge scanner -------------------------------------------------------------------
async def test_wedge_scans_from_the_scan_field_the_search_box_and_the_table(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    first, second, third = admissible(store, event)[:3]
    assert first.qr_payload and second.qr_payload and third.qr_payload
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        decided = lambda: [m for m in messages if isinstance(m, ScanDecided)]  # noqa: E731

        scan = screen.query_one("#scan", Input)
        await click(pilot, "#scan")
        assert app.focused is scan
        await scanner_types(pilot, first.qr_payload)
        await wait_for(lambda: show_ticket(store, first.id).checked_in_at is not None, pilot)
        await wait_for(lambda: banner(screen).has_class("-ok"), pilot)
        assert first.attendee in banner_text(screen) and first.ticket_type in banner_text(screen)
        if first.attention:
            assert first.attention in banner_text(screen)
        assert scan.value == ""
        await wait_for(lambda: screen.attendee_id == first.attendee_id, pilot)

        await click(pilot, "#scan")  # after a scan the search box has the focus again
        await scanner_types(pilot, "GARBAGE-42")
        await wait_for(lambda: len(decided()) == 2 and banner(screen).has_class("-bad"), pilot)
        assert "INVALID" in banner_text(screen)

        scan.value = "A" * 10_000  # a 10 kB line: an answer, not a crash
        await pilot.press("enter")
        await wait_for(lambda: len(decided()) == 3, pilot)
        assert decided()[-1].result.result == "invalid"
        assert "too long" in banner_text(screen)
        scan.value = "ED1.\x00\x01\x02"
        await pilot.press("enter")
        await wait_for(lambda: len(decided()) == 4, pilot)
        assert "binary" in banner_text(screen)
        assert app.is_running

        # Typed into the search box, with a name half typed there before.
        search = screen.query_one("#search", Input)
        search.focus()
        await pilot.press("a", "n")
        await scanner_types(pilot, second.qr_payload)
        await wait_for(lambda: show_ticket(store, second.id).checked_in_at is not None, pilot)
        # The card shows the scanned ticket's holder; the half-typed name is left as it was.
        await wait_for(lambda: screen.attendee_id == second.attendee_id, pilot)
        assert search.value == "an"

        # Typed while the results table has the focus: the keys go to the search box.
        table = screen.query_one("#results", ResultsTable)
        search.value = ""
        await settle(pilot, screen)
        table.focus()
        await scanner_types(pilot, third.qr_payload)
        await wait_for(lambda: show_ticket(store, third.id).checked_in_at is not None, pilot)
        await wait_for(lambda: len(decided()) == 6, pilot)  # its answer follows the commit
        assert app.focused is table
        assert {m.source for m in decided()} == {"scanner"}
        assert [m.result.result for m in decided()] == [
            "ok",
            "invalid",
            "invalid",
            "invalid",
            "ok",
            "ok",
        ]
        # A scanned payload never starts a search, and never leaves the table checking someone in
        assert sum(1 for m in decided() if m.result.ticket_id == third.id) == 1


# --- reprint ------------------------------------------------------------------------------------
async def test_reprint_queues_a_badge(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    ticket = next(
        t for t in event_tickets(store, event) if t.status == "registered" and t.checked_in_at
    )
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        before = {job.id for job in list_jobs(store)}
        await choose(pilot, screen, ticket)
        await pilot.press("ctrl+r")
        await wait_for(lambda: any(j.id not in before for j in list_jobs(store)), pilot)
        (job,) = [j for j in list_jobs(store) if j.id not in before]
        assert (job.ticket_id, job.reason, job.station) == (ticket.id, "reprint", STATION)
        assert job.printer == app.backend.printer
        await wait_for(lambda: f"job {job.id}" in banner_text(screen), pilot)


# --- 80 x 24 ------------------------------------------------------------------------------------
async def test_everything_fits_an_80_by_24_terminal(station: DemoStation) -> None:
    app = desk_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        whole = screen.region
        for selector in ("#search", "#scan", "#banner", "#results", "#card", "#camera"):
            region = screen.query_one(selector).region
            assert region.area > 0 and whole.contains_region(region), selector
        assert screen.query_one("#results").region.height >= 8

        await pilot.press("ctrl+n")
        await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot)
        form = app.screen
        fields = (
            "#walkin-name",
            "#walkin-email",
            "#walkin-type",
            "#walkin-paid",
            "#walkin-checkin",
            "#walkin-register",
        )
        await wait_for(lambda: all(form.query_one(s).region.area > 0 for s in fields), pilot)
        for selector in fields:
            region = form.query_one(selector).region
            assert form.region.contains_region(region), selector


# --- the camera ---------------------------------------------------------------------------------
async def test_camera_scans_reach_the_desk(station: DemoStation, tmp_path: Path) -> None:
    store, event = station.store, station.summary.event
    ticket = admissible(store, event)[0]
    assert ticket.qr_payload
    shots = [Shot(None, 0.3), Shot(ticket.qr_payload, 1.2), Shot(None, 0.5)]
    video = write_video(
        tmp_path / "desk.avi", render_frames(shots, fps=15, width=640, height=480), fps=15
    )
    messages: list[Any] = []
    app = desk_app(station, camera=str(video))
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        # Not ``opened``: on a slow machine the camera may answer before the first card is up,
        # and then the search box already holds the scanned ticket.
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
        screen = desk(app)
        await wait_for(lambda: any(isinstance(m, ScanDecided) for m in messages), pilot, timeout=20)
        (decision,) = [m for m in messages if isinstance(m, ScanDecided)]
        assert decision.source == "camera" and decision.result.result == "ok"
        assert show_ticket(store, ticket.id).checked_in_station == STATION
        await wait_for(lambda: banner(screen).has_class("-ok"), pilot)
        assert "camera" in banner_text(screen)
        await wait_for(lambda: screen.attendee_id == ticket.attendee_id, pilot)
        assert "Camera:" in str(screen.query_one("#camera", Static).render())


async def test_no_check_in_while_the_results_are_behind_the_typing(station: DemoStation) -> None:
    """Ctrl+K before the table has caught up with what was typed acts on nobody."""
    store, event = station.store, station.summary.event
    tickets = admissible(store, event)
    first = tickets[0]
    second = next(t for t in tickets if t.attendee_id != first.attendee_id)
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await choose(pilot, screen, first)  # first's card is up
        search = screen.query_one("#search", Input)
        search.value = second.email  # typed; its results are not in yet
        screen.action_check_in()
        assert "Still searching" in banner_text(screen)
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == second.attendee_id,
            pilot,
        )
        await workers_done(app)
        assert show_ticket(store, first.id).checked_in_at is None  # the one no longer looked at
        await pilot.press("ctrl+k")  # now the card is the one typed
        await wait_for(lambda: show_ticket(store, second.id).checked_in_at is not None, pilot)
        assert show_ticket(store, first.id).checked_in_at is None

"""The organizer screen, driven by Pilot: every form and action checked in the database."""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Button, DataTable, Input, Log, Select, Static, TabbedContent

from eventdesk.errors import AccountDisabled, AccountLocked, WrongPin
from eventdesk.services.catalogue import events, program
from eventdesk.services.data.demo import DEMO_ZONE
from eventdesk.services.people import attendees, auth, payments, registration
from screens.app import EventdeskApp, make_app
from screens.organizer import FormScreen, OrganizerScreen
from screens.organizer.data import backup_time
from screens.organizer.screen import TABS
from screens.widgets.confirm import ConfirmScreen
from tests.apptools import DemoStation, click, wait_for

pytestmark = pytest.mark.asyncio


def organizer_app(station: DemoStation) -> EventdeskApp:
    return make_app(
        config=station.config,
        store=station.store,
        sign_in_as="Olivia Organizer",
        mode="organizer",
    )


async def opened(pilot: Any, tab: str) -> OrganizerScreen:
    app = pilot.app
    await wait_for(lambda: isinstance(app.screen, OrganizerScreen), pilot)
    screen: OrganizerScreen = app.screen
    await wait_for(lambda: screen.query_one("#events-table", DataTable).row_count > 0, pilot)
    await show(pilot, screen, tab)
    return screen


async def show(pilot: Any, screen: OrganizerScreen, tab: str) -> None:
    """Show a tab (as its number key does), once focus has come back from a closed form."""
    tabs = screen.query_one("#org-tabs", TabbedContent)
    for _ in range(20):
        await pilot.pause()
        screen.action_show_tab(tab)
        await pilot.pause()
        if tabs.active == tab:
            break


def table(screen: OrganizerScreen, table_id: str) -> DataTable[str]:
    found: DataTable[str] = screen.query_one(f"#{table_id}", DataTable)
    return found


def cell_texts(screen: OrganizerScreen, table_id: str) -> list[str]:
    grid = table(screen, table_id)
    return [" | ".join(str(c) for c in grid.get_row_at(i)) for i in range(grid.row_count)]


async def choose(pilot: Any, screen: OrganizerScreen, table_id: str, text: str) -> None:
    """Put the table's cursor on the row that shows ``text`` (waiting for it to appear)."""
    await wait_for(lambda: any(text in row for row in cell_texts(screen, table_id)), pilot)
    row = next(i for i, r in enumerate(cell_texts(screen, table_id)) if text in r)
    grid = table(screen, table_id)
    grid.focus()
    grid.move_cursor(row=row)
    await pilot.pause()


async def press(pilot: Any, button: str) -> None:
    """Click a button once it is on screen (a tab just shown is laid out first)."""
    await pilot.pause()
    widget = pilot.app.screen.query_one(f"#{button}", Button)
    try:
        await wait_for(lambda: widget.region.width > 0 and widget.visible, pilot)
    except AssertionError:
        tabs = pilot.app.screen.query_one("#org-tabs")
        raise AssertionError(f"{button} not shown: {widget.region}, tab {tabs.active}") from None
    await click(pilot, widget)


async def form(pilot: Any, button: str) -> FormScreen[Any]:
    await press(pilot, button)
    await wait_for(lambda: isinstance(pilot.app.screen, FormScreen), pilot)
    found: FormScreen[Any] = pilot.app.screen
    # Every field is mounted before it is filled in: a form saved and closed while a Select
    # is still mounting breaks inside Textual (a busy machine mounts slowly).
    await wait_for(
        lambda: (
            found.is_mounted
            and all(s.is_mounted and s.query("#label") for s in found.query(Select))
        ),
        pilot,
    )
    return found


async def submit(pilot: Any, dialog: FormScreen[Any], **values: str) -> None:
    for name, value in values.items():
        found = dialog.query(f"#f-{name}") or dialog.query(f"#f-{name.replace('_', '-')}")
        widget = found.first()
        if isinstance(widget, Input | Select):
            widget.value = value
    await pilot.pause()
    # Pressed, not clicked: an error line shown by the last try moves the button, and a click
    # aimed before the new layout lands beside it.
    save = dialog.query_one("#form-save", Button)
    await wait_for(lambda: not save.disabled, pilot)
    save.press()
    await pilot.pause()


async def saved(pilot: Any) -> None:
    try:
        await wait_for(lambda: isinstance(pilot.app.screen, OrganizerScreen), pilot)
    except AssertionError:
        dialog = pilot.app.screen
        errors = [str(s.render()) for s in dialog.query(Static) if s.id and "e-" in s.id]
        problem = str(dialog.query_one("#form-problem", Static).render())
        raise AssertionError(f"the form stayed open: {problem!r} {errors}") from None


async def refused(pilot: Any, dialog: FormScreen[Any], field: str) -> str:
    """Wait for the form to show an error under ``field``; return it."""
    error = dialog.query_one(f"#e-{field}", Static)
    await wait_for(lambda: bool(str(error.render())) and error.display, pilot)
    assert pilot.app.screen is dialog  # still open: nothing was saved
    return str(error.render())


async def confirm(pilot: Any) -> None:
    await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen), pilot)
    await pilot.press("y")


# --- events -------------------------------------------------------------------------------------
async def test_create_event_with_a_bad_date_then_edit_it(station: DemoStation) -> None:
    app = organizer_app(station)
    store = station.store
    before = len(events.list_events(store))
    winter = date(station.summary.day.year + 1, 1, 10).isoformat()  # Berlin is on UTC+1 then
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-events")
        dialog = await form(pilot, "event-new")
        await submit(
            pilot,
            dialog,
            name="Winter Meetup",
            starts="next tuesday",
            ends=f"{winter}T18:00",
            capacity="80",
            category="Meetup",
            timezone="Europe/Berlin",
        )
        assert "not a date and time" in await refused(pilot, dialog, "starts")
        assert len(events.list_events(store)) == before  # nothing created

        await submit(pilot, dialog, starts=f"{winter}T09:00")
        await saved(pilot)
        made = next(e for e in events.list_events(store) if e.title == "Winter Meetup")
        assert (made.capacity, made.category, made.timezone) == (80, "Meetup", "Europe/Berlin")
        assert made.starts_at.hour == 8  # 09:00 in Berlin is 08:00 UTC
        await wait_for(lambda: screen.edited_event == made.slug, pilot)  # worked on (not the door)

        await choose(pilot, screen, "events-table", "Winter Meetup")
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, FormScreen), pilot)
        dialog = app.screen
        assert dialog.query_one("#f-starts", Input).value == f"{winter}T09:00"
        await submit(
            pilot, dialog, name=f"Winter Meetup {winter[:4]}", capacity="", visibility="private"
        )
        await saved(pilot)
        changed = events.show_event(store, made.slug)
        assert (changed.title, changed.capacity, changed.visibility) == (
            f"Winter Meetup {winter[:4]}",
            None,
            "private",
        )
        assert changed.starts_at == made.starts_at


# --- sessions, ticket types, venues ------------------------------------------------------------
async def test_add_session_ticket_type_and_venue(station: DemoStation) -> None:
    app = organizer_app(station)
    store, slug = station.store, station.summary.event
    demo_day = station.summary.day.isoformat()  # in the event's zone, as forms are typed
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-program")
        dialog = await form(pilot, "session-new")
        await submit(
            pilot,
            dialog,
            name="Lightning talks",
            room="Room 9",
            starts=f"{demo_day}T16:00",
            ends=f"{demo_day}T15:00",
            capacity="40",
        )
        assert "end after it starts" in await refused(pilot, dialog, "ends")
        await submit(pilot, dialog, ends=f"{demo_day}T17:00")
        await saved(pilot)
        talk = next(s for s in program.list_sessions(store, slug) if s.name == "Lightning talks")
        assert (talk.room, talk.capacity) == ("Room 9", 40)
        assert talk.starts_at.astimezone(DEMO_ZONE).isoformat().startswith(f"{demo_day}T16:00")

        await choose(pilot, screen, "sessions-table", "Lightning talks")
        dialog = await form(pilot, "session-edit")
        await submit(pilot, dialog, capacity="not many")
        assert "whole number" in await refused(pilot, dialog, "capacity")
        await submit(pilot, dialog, capacity="60")
        await saved(pilot)
        (talk,) = [s for s in program.list_sessions(store, slug) if s.id == talk.id]
        assert talk.capacity == 60

        dialog = await form(pilot, "type-new")
        await submit(pilot, dialog, name="Day pass", price="12.555", quantity="100")
        assert "two decimals" in await refused(pilot, dialog, "price")
        await submit(pilot, dialog, price="12.50")
        await saved(pilot)
        day = next(t for t in program.list_ticket_types(store, slug) if t.name == "Day pass")
        assert (day.price_cents, day.currency, day.quantity) == (1250, "EUR", 100)

        await choose(pilot, screen, "types-table", "Day pass")
        dialog = await form(pilot, "type-edit")
        await submit(pilot, dialog, price="15", tier="3")
        await saved(pilot)
        day = next(t for t in program.list_ticket_types(store, slug) if t.name == "Day pass")
        assert (day.price_cents, day.priority_tier) == (1500, 3)

        await show(pilot, screen, "tab-venues")
        dialog = await form(pilot, "venue-new")
        await submit(
            pilot, dialog, name="Dock Hall", address="Pier 7", capacity="120", seats="A1-A4"
        )
        await saved(pilot)
        hall = next(v for v in events.list_venues(store) if v.name == "Dock Hall")
        assert (hall.address, hall.capacity, hall.seats) == ("Pier 7", 120, 4)
        await choose(pilot, screen, "venues-table", "Dock Hall")
        dialog = await form(pilot, "venue-edit")
        await submit(pilot, dialog, capacity="150")
        await saved(pilot)
        assert next(v for v in events.list_venues(store) if v.name == "Dock Hall").capacity == 150


# --- attendees, registration, payments ----------------------------------------------------------
async def test_add_attendee_register_pay_and_refund(station: DemoStation) -> None:
    app = organizer_app(station)
    store, slug = station.store, station.summary.event
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-attendees")
        dialog = await form(pilot, "att-new")
        await submit(pilot, dialog, name="Zoë Quinn", email="not-an-email")
        assert "not an email" in await refused(pilot, dialog, "email")
        await submit(pilot, dialog, email="zoe.quinn@example.org", company="Quinn Labs")
        await saved(pilot)
        (person,) = attendees.find_attendees(store, "zoe.quinn@example.org")
        assert person.company == "Quinn Labs"

        screen.query_one("#att-find", Input).value = "zoe.quinn"
        await choose(pilot, screen, "attendees-table", "zoe.quinn@example.org")
        dialog = await form(pilot, "att-register")
        regular = next(t for t in program.list_ticket_types(store, slug) if t.name == "Regular")
        await submit(pilot, dialog, ticket_type=str(regular.id))
        await saved(pilot)
        (ticket,) = registration.tickets_of_attendee(store, person.id)
        assert (ticket.event, ticket.ticket_type, ticket.status) == (slug, "Regular", "registered")

        await choose(pilot, screen, "regs-table", ticket.id)
        await show(pilot, screen, "tab-payments")
        await wait_for(lambda: screen.query_one("#pay-ticket", Input).value == ticket.id, pilot)
        await wait_for(
            lambda: "due 149.00" in str(screen.query_one("#payments-caption").render()), pilot
        )
        dialog = await form(pilot, "pay-new")
        assert dialog.query_one("#f-amount", Input).value == "149.00"  # what is due
        await submit(pilot, dialog, amount="500")
        assert "more than" in await refused(pilot, dialog, "amount")
        await submit(pilot, dialog, amount="149.00", method="card", reference="R-1")
        await saved(pilot)
        summary = payments.payment_summary(store, ticket.id)
        assert (summary.paid_cents, summary.due_cents) == (14900, 0)

        await wait_for(lambda: table(screen, "payments-table").row_count == 1, pilot)
        dialog = await form(pilot, "pay-refund")
        await submit(pilot, dialog, amount="40.00")
        await saved(pilot)
        summary = payments.payment_summary(store, ticket.id)  # a partial refund is goodwill
        assert (summary.paid_cents, summary.due_cents) == (10900, 0)
        await wait_for(
            lambda: "price 109.00" in str(screen.query_one("#payments-caption").render()), pilot
        )


def hook(into: list[Notify]) -> Callable[[Message], None]:
    """A message hook that keeps the app's notifications (what the organizer is told)."""

    def capture(message: Message) -> None:
        if isinstance(message, Notify):
            into.append(message)

    return capture


def notified(messages: list[Notify], text: str, severity: str = "information") -> bool:
    return any(
        text in m.notification.message and m.notification.severity == severity for m in messages
    )


async def test_promote_admits_who_fits_and_refuses_who_does_not(station: DemoStation) -> None:
    """The same Promote button, pressed for two people on one waitlist: the one a free place
    fits is registered; for the other the event is full again: refused, said, nothing changed.
    An organizer then admits them over capacity."""
    store = station.store
    demo = events.show_event(store, station.summary.event)
    later = timedelta(days=30)  # a month after the demo's day, whatever day the tests run
    small = events.create_event(
        store,
        name="Small Meetup",
        starts=demo.starts_at + later,
        ends=demo.ends_at + later,
        capacity=1,
        timezone=demo.timezone,
    )
    program.add_ticket_type(store, small.slug, name="Regular", price_cents=0)
    first = attendees.add_attendee(store, name="Ann First", email="ann.first@example.org")
    pair = attendees.add_attendee(store, name="Bo Pair", email="bo.pair@example.org")
    registration.register(store, small.slug, first.id, "Regular")
    order = registration.register(store, small.slug, pair.id, "Regular", quantity=2)
    fits, left_out = (t.ticket_id for t in order.tickets)
    # One place more: the pair's order needs two, so the waitlist does not move by itself.
    events.update_event(store, small.slug, capacity=2)

    def status(ticket_id: str) -> str:
        return registration.show_ticket(store, ticket_id).status

    assert (status(fits), status(left_out)) == ("waitlisted", "waitlisted")
    said: list[Notify] = []
    app = organizer_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook(said)) as pilot:
        screen = await opened(pilot, "tab-events")
        await choose(pilot, screen, "events-table", "Small Meetup")
        await press(pilot, "event-use")
        await wait_for(lambda: screen.edited_event == small.slug, pilot)
        await show(pilot, screen, "tab-waitlist")

        await choose(pilot, screen, "waitlist-table", fits)
        await press(pilot, "wait-promote")  # a place is free: it is theirs
        await wait_for(lambda: status(fits) == "registered", pilot)
        await wait_for(lambda: notified(said, f"Bo Pair is registered ({fits}"), pilot)
        await wait_for(
            lambda: all(fits not in r for r in cell_texts(screen, "waitlist-table")), pilot
        )

        await choose(pilot, screen, "waitlist-table", left_out)
        await press(pilot, "wait-promote")  # full again: refused, and the organizer is told
        await wait_for(
            lambda: notified(said, f"no free place for ticket {left_out}", "error"), pilot
        )
        assert status(left_out) == "waitlisted"
        assert isinstance(app.screen, OrganizerScreen)
        assert any(left_out in r for r in cell_texts(screen, "waitlist-table"))

        await press(pilot, "wait-force")
        await confirm(pilot)
        await wait_for(lambda: status(left_out) == "registered", pilot)
        await wait_for(
            lambda: all(left_out not in r for r in cell_texts(screen, "waitlist-table")),
            pilot,
        )
        assert events.show_event(store, small.slug).registered == 3  # one over capacity


# --- staff ------------------------------------------------------------------------------------
async def test_add_staff_reset_pin_and_disable(station: DemoStation) -> None:
    app = organizer_app(station)
    store = station.store
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-staff")
        dialog = await form(pilot, "staff-new")
        await submit(pilot, dialog, name="Door Helper", pin="12")
        assert "4 to 12 digits" in await refused(pilot, dialog, "pin")
        await submit(pilot, dialog, pin="5678", role="staff")
        await saved(pilot)
        assert auth.verify_staff(store, "Door Helper", "5678").role == "staff"

        await choose(pilot, screen, "staff-table", "Door Helper")
        dialog = await form(pilot, "staff-pin")
        await submit(pilot, dialog, pin="8765")
        await saved(pilot)
        assert auth.verify_staff(store, "Door Helper", "8765").name == "Door Helper"

        await press(pilot, "staff-toggle")
        await confirm(pilot)
        await wait_for(
            lambda: not next(s for s in auth.list_staff(store) if s.name == "Door Helper").active,
            pilot,
        )
        with pytest.raises(AccountDisabled):
            auth.verify_staff(store, "Door Helper", "8765")

        # Wrong PINs at a kiosk's F12 locked its unlock: the organizer lifts it here.
        for _ in range(5):
            with contextlib.suppress(WrongPin, AccountLocked):
                auth.unlock_kiosk(store, "Kiosk East", "Sam Desk", "0000")
        assert auth.kiosk_unlock_lock(store, "Kiosk East") is not None
        dialog = await form(pilot, "staff-kiosk-lock")
        await submit(pilot, dialog, station="Kiosk East")
        await saved(pilot)
        assert auth.kiosk_unlock_lock(store, "Kiosk East") is None


# --- import, export, backup -------------------------------------------------------------------
def log_text(screen: OrganizerScreen) -> str:
    return "\n".join(str(line) for line in screen.query_one("#data-log", Log).lines)


async def run_job(pilot: Any, screen: OrganizerScreen, button: str, expect: str) -> None:
    before = len(screen.query_one("#data-log", Log).lines)
    await click(pilot, f"#{button}")
    await wait_for(
        lambda: (
            len(screen.query_one("#data-log", Log).lines) > before + 1
            and expect in log_text(screen)
            and not screen.query_one("#data-pane").busy
        ),  # type: ignore[attr-defined]
        pilot,
    )


async def test_import_export_and_backup(station: DemoStation, tmp_path: Path) -> None:
    app = organizer_app(station)
    store, slug = station.store, station.summary.event
    good = tmp_path / "people.csv"
    good.write_text(
        "First Name,Last Name,E-mail,Ticket Type\n"
        "Ada,Lovelace,ada@example.org,Regular\n"
        "Alan,Turing,alan@example.org,Regular\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "Name,Email,Ticket Type\nGrace Hopper,grace@example.org,Regular\nNo Mail,,Regular\n"
        "Bad Type,bad@example.org,Platinum\n",
        encoding="utf-8",
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-data")
        path = screen.query_one("#import-path", Input)
        run = screen.query_one("#import-run", Button)

        path.value = str(broken)
        await run_job(pilot, screen, "import-check", "nothing imported")
        text = log_text(screen)
        assert "row 3 (email)" in text and "row 4 (ticket type)" in text
        assert run.disabled
        assert attendees.find_attendees(store, "grace@example.org") == []

        path.value = str(good)
        await run_job(pilot, screen, "import-check", "press Import")
        assert attendees.find_attendees(store, "ada@example.org") == []  # a dry run
        assert not run.disabled
        await run_job(pilot, screen, "import-run", f"Imported {good}")
        for email in ("ada@example.org", "alan@example.org"):
            (person,) = attendees.find_attendees(store, email)
            (ticket,) = registration.tickets_of_attendee(store, person.id)
            assert (ticket.event, ticket.ticket_type) == (slug, "Regular")
        bar = screen.query_one("#data-progress")
        assert (bar.progress, bar.total) == (2, 2)  # type: ignore[attr-defined]
        assert run.disabled  # another import needs another dry run

        offered = station.data_dir / "exports" / f"{slug}-attendees.csv"
        assert screen.query_one("#export-path", Input).value == str(offered)
        target = tmp_path / "out" / "attendees.csv"
        screen.query_one("#export-path", Input).value = str(target)
        await run_job(pilot, screen, "export-run", "Wrote")
        lines = target.read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) > 2 and "ada@example.org" in target.read_text(encoding="utf-8-sig")
        assert f"Wrote {len(lines) - 1} attendees rows" in log_text(screen)
        # What it holds is said; the file is the station user's alone, in a folder made so.
        holds = (
            "names, e-mail addresses, phone numbers, companies and answers of the holders of "
            f"{len(lines) - 1} tickets: keep it safe, and delete it after the event"
        )
        assert "".join(holds.split()) in "".join(log_text(screen).split())  # lines wrap
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700

        await run_job(pilot, screen, "backup-run", "Latest backups")
        made = list((station.data_dir / "backups").glob("eventdesk-*.db"))
        assert len(made) == 1
        assert made[0].name in log_text(screen)
        shown = backup_time(made[0].name, screen.backend.zone)  # in the event's zone, named
        assert shown in str(screen.query_one("#backup-latest", Static).render())


async def test_the_event_bar_says_what_its_numbers_count(station: DemoStation) -> None:
    """'34 / 36 registered · 6 waiting', not '34/36 in': each number says what it counts."""
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-events")
        info = events.show_event(station.store, station.summary.event)
        assert info.capacity is not None
        said = f"{info.registered} / {info.capacity} registered · {info.waitlisted} waiting"
        bar = screen.query_one("#org-event-info", Static)
        await wait_for(lambda: str(bar.render()).startswith(said), pilot)


async def test_the_tabs_carry_their_number_keys(station: DemoStation) -> None:
    """Each tab's label starts with the number key that shows it, and the key shows it."""
    app = organizer_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, "tab-events")
        tabs = screen.query_one("#org-tabs", TabbedContent)
        for number, pane in enumerate(TABS[:-1], start=1):  # the Data tab's field takes keys
            label = tabs.get_tab(pane).label.plain
            assert label.startswith(f"{number} "), label
            await pilot.press(str(number))
            await wait_for(lambda pane=pane: tabs.active == pane, pilot)  # type: ignore[misc]
            tab = tabs.get_tab(pane)
            assert tab.region.right <= 80 and tab.region.width > 0  # in sight at 80 columns


async def test_a_name_with_brackets_is_shown_as_typed(station: DemoStation) -> None:
    """A name is text, never markup: the attendees tab shows "Ann [/i] [b]Lee" as typed."""
    attendees.add_attendee(station.store, name="Ann [/i] [b]Lee", email="ann.brackets@example.org")
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-attendees")
        await choose(pilot, screen, "attendees-table", "ann.brackets@example.org")
        await pilot.pause()  # drawn: a cell read as markup would fail here
        assert any("Ann [/i] [b]Lee" in row for row in cell_texts(screen, "attendees-table"))
        assert app.is_running


# --- check-in lists -------------------------------------------------------------------------------
async def test_lists_tab_makes_changes_and_deletes_a_check_in_list(station: DemoStation) -> None:
    from textual.widgets import SelectionList

    from eventdesk.services.door.list_changes import find_list

    app = organizer_app(station)
    store, slug = station.store, station.summary.event
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-lists")
        await choose(pilot, screen, "lists-table", "default")
        dialog = await form(pilot, "list-new")
        types = dialog.query_one("#f-types", SelectionList)
        types.select("VIP")
        await submit(pilot, dialog, name="Quiet Room", hours="25:00-26:00")
        assert "not a time of day" in await refused(pilot, dialog, "hours")
        await submit(
            pilot,
            dialog,
            hours="10:00-18:00",
            entries="unlimited",
            questions="id:yesno:ID seen?:required",
        )
        await saved(pilot)
        made = find_list(store, f"{slug}/quiet-room")
        assert (made.entries, [h.said() for h in made.hours]) == ("unlimited", ["10:00-18:00"])
        assert made.questions[0].text == "ID seen?" and made.questions[0].required
        await choose(pilot, screen, "lists-table", "quiet-room")

        dialog = await form(pilot, "list-edit")
        await submit(pilot, dialog, hours="")  # a rule emptied is lifted
        await saved(pilot)
        assert find_list(store, f"{slug}/quiet-room").hours == ()

        await choose(pilot, screen, "lists-table", "quiet-room")
        await press(pilot, "list-delete")
        await confirm(pilot)
        await wait_for(
            lambda: not any("quiet-room" in row for row in cell_texts(screen, "lists-table")),
            pilot,
        )


async def test_a_backups_time_is_shown_in_the_events_zone() -> None:
    """The Data tab's latest backup, named in UTC, is shown as every time on the screens is:
    in the door's event's zone, which it names."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    taken = datetime(2030, 1, 14, 7, 35, 22, 140485, tzinfo=UTC)  # a fixed clock, in winter
    name = f"eventdesk-{taken:%Y%m%d-%H%M%S-%f}.db"
    for zone, hours, label in (("Europe/Berlin", 1, "CET"), ("America/New_York", -5, "EST")):
        local = (taken + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S")
        assert backup_time(name, ZoneInfo(zone)) == f"{local} {label}"
    assert backup_time("not-a-backup.db", ZoneInfo("UTC")) == "not-a-backup.db"


async def test_the_badges_tab_sets_a_layout_and_makes_a_sheet(station: DemoStation) -> None:
    """Set layout on the Student row (name-only), then Sheet PDF: the event's Student badges on
    A6 cards with crop marks, written in the data folder, the change said with what the marks
    are (lines along the cuts: A6 cards touch)."""
    from textual.widgets import Checkbox

    from eventdesk.services.catalogue.badge_layouts import layout_use

    app = organizer_app(station)
    store, slug = station.store, station.summary.event
    said: list[Notify] = []
    async with app.run_test(size=(120, 40), message_hook=hook(said)) as pilot:
        screen = await opened(pilot, "tab-badges")
        await choose(pilot, screen, "badges-table", "Student")
        dialog = await form(pilot, "badge-set")
        await submit(pilot, dialog, layout="name-only")
        await saved(pilot)
        assert layout_use(store, slug).ticket_types["Student"] == "name-only"
        await wait_for(lambda: "name-only" in cell_texts(screen, "badges-table")[3], pilot)
        dialog = await form(pilot, "badge-sheet")
        dialog.query_one("#f-crop", Checkbox).value = True
        await submit(pilot, dialog, stock="a6-on-a4", type="Student")
        await saved(pilot)
        made = station.data_dir / "exports" / f"{slug}-sheet.pdf"  # offered, and taken
        await wait_for(made.is_file, pilot)
        assert made.read_bytes().startswith(b"%PDF")
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
        await wait_for(lambda: notified(said, "lets its ticket in: keep it safe"), pilot)
        await wait_for(lambda: notified(said, "thin lines are drawn along the cuts"), pilot)

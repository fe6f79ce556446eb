"""SVG snapshots of the dialogs, the kiosk's answers, the camera preview and the organizer's tabs
and forms, each at 120x40 and 80x24 (pytest-textual-snapshot).

They run on the fixed demo of tests/snapshots/test_snapshots.py (a fixed day, seeded ticket ids and
key, the app's clock fixed), built once more here with the services' clock held still as well: the
payment times on the organizer's Payments tab and the waitlist's "Since" are then the same on every
run too. Each picture is reached the way a person gets there: keys, buttons and typing. After a
deliberate change of the look: `python -m pytest tests/snapshots/test_snapshots_screens.py
--snapshot-update`, then look at the SVGs."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Select, Static, TabbedContent

from eventdesk import values
from eventdesk.db import Store
from eventdesk.services.catalogue import events, program
from eventdesk.services.data.demo import DemoSummary
from eventdesk.services.people.attendees import add_attendee, find_attendees
from eventdesk.services.people.payments import payment_summary
from eventdesk.services.people.registration import (
    TicketInfo,
    register,
    show_ticket,
    tickets_of_attendee,
)
from screens.desk.forms import PaymentScreen, WalkInScreen
from screens.desk.screen import DeskScreen
from screens.kiosk.answer import KioskAnswer
from screens.kiosk.preview import CameraPreview
from screens.kiosk.screen import KioskScreen
from screens.login import StaffPinScreen
from screens.widgets.confirm import ConfirmScreen
from testkit.media import Shot, render_frames, write_video
from tests.apptools import (
    DemoStation,
    build_template,
    click,
    copy_station,
    fixed_randomness,
    options_of,
    sign_in_with_pin,
    wait_for,
)
from tests.snapshots.test_snapshots import NOW, SIZES, app_for, settle
from tests.snapshots.test_snapshots import (
    utc_clock as utc_clock,  # autouse: local times are UTC here
)

BUILT = NOW - timedelta(days=1)  # the services' clock while the demo is built: the day before
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
by_size = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)


# --- the station --------------------------------------------------------------------------------
@contextmanager
def still_service_clock(start: datetime) -> Iterator[None]:
    """The services' ``utcnow`` starts at ``start`` and ticks one second a call: registrations
    and payments get the same times on every run."""
    ticks, real = itertools.count(), values.utcnow

    def now() -> datetime:
        return start + timedelta(seconds=next(ticks))

    with pytest.MonkeyPatch.context() as patch:
        for name, module in list(sys.modules.items()):
            top = name.split(".")[0]
            if top in ("eventdesk", "screens", "kiosk") and (
                getattr(module, "utcnow", None) is real
            ):
                patch.setattr(module, "utcnow", now)
        yield


@pytest.fixture(scope="module")
def still_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    with still_service_clock(BUILT):
        return build_template(tmp_path_factory.mktemp("screens") / "data", now=NOW)


@pytest.fixture
def station(still_template: tuple[Path, DemoSummary], tmp_path: Path) -> Iterator[DemoStation]:
    template, summary = still_template
    made = copy_station(template, summary, tmp_path / "data")
    yield made
    made.store.dispose()


# --- the demo's tickets -------------------------------------------------------------------------
def door_tickets(station: DemoStation) -> list[TicketInfo]:
    """Every ticket of the door's event, in ticket id order (the same on every run)."""
    store, event = station.store, station.summary.event
    found: list[TicketInfo] = []
    for person in find_attendees(store, "", limit=500):
        found += [t for t in tickets_of_attendee(store, person.id) if t.event == event]
    return sorted(found, key=lambda t: t.id)


def due(store: Store, ticket: TicketInfo) -> int:
    return payment_summary(store, ticket.id).due_cents


def waiting_at_door(station: DemoStation, ticket_type: str, *, paid: bool) -> TicketInfo:
    """A registered ticket of ``ticket_type``, not checked in yet, paid or not."""
    store = station.store
    return next(
        t
        for t in door_tickets(station)
        if t.status == "registered"
        and t.ticket_type == ticket_type
        and t.checked_in_at is None
        and t.qr_payload
        and (due(store, t) == 0) == paid
    )


def checked_in_before(station: DemoStation) -> TicketInfo:
    """A ticket checked in at the other door."""
    return next(
        t
        for t in door_tickets(station)
        if t.checked_in_at is not None and t.qr_payload and t.checked_in_station == "Door 2"
    )


def waitlisted(station: DemoStation) -> TicketInfo:
    return next(t for t in door_tickets(station) if t.status == "waitlisted")


def paid_ticket(station: DemoStation) -> TicketInfo:
    """A paid, registered ticket (by card, with a reference) not checked in yet."""
    store = station.store
    return next(
        t
        for t in door_tickets(station)
        if t.status == "registered"
        and t.checked_in_at is None
        and payment_summary(store, t.id).paid_cents > 0
    )


def other_event_ticket(station: DemoStation) -> str:
    """The QR payload of a ticket for another event, a month after the door's."""
    store = station.store
    with fixed_randomness(True):  # its ticket id, like the demo's, is the same on every run
        other = events.create_event(
            store,
            name="Harbour Meetup",
            starts=NOW + timedelta(days=30),
            ends=NOW + timedelta(days=30, hours=4),
            timezone="Europe/Berlin",
        )
        program.add_ticket_type(store, other.slug, name="Regular", price_cents=0)
        person = add_attendee(store, name="Kai Visitor", email="kai.visitor@example.com")
        order = register(store, other.slug, person.id, "Regular")
    payload = show_ticket(store, order.tickets[0].ticket_id).qr_payload
    assert payload
    return payload


# --- the desk's dialogs -------------------------------------------------------------------------
async def desk_opened(pilot: Any) -> DeskScreen:
    """The desk is up: everyone listed, the first card shown."""
    app = pilot.app
    await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot)
    screen: DeskScreen = app.screen
    await wait_for(lambda: screen.shown_query == "" and screen.card is not None, pilot)
    return screen


async def desk_choose(pilot: Any, screen: DeskScreen, ticket: TicketInfo, action: str) -> None:
    """Search the ticket's id, wait for its holder's card and for the action's key to act."""
    search = screen.query_one("#search", Input)
    search.value = ticket.id
    await wait_for(
        lambda: (
            screen.shown_query == ticket.id
            and screen.card is not None
            and screen.card.attendee.id == ticket.attendee_id
        ),
        pilot,
    )
    await wait_for(lambda: screen.why_not(action) is None, pilot)


async def walk_in_form(pilot: Any) -> WalkInScreen:
    await desk_opened(pilot)
    await pilot.press("ctrl+n")
    await wait_for(lambda: isinstance(pilot.app.screen, WalkInScreen), pilot)
    form: WalkInScreen = pilot.app.screen
    types = form.query_one("#walkin-type", Select)
    await wait_for(lambda: len(options_of(types)) > 1, pilot)  # the event's ticket types are in
    return form


@by_size
def test_desk_walk_in(snap_compare: Any, station: DemoStation, size: tuple[int, int]) -> None:
    """^N: the empty walk-in form, the event's ticket types and sessions loaded."""

    async def ready(pilot: Any) -> None:
        await walk_in_form(pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@by_size
def test_desk_walk_in_refused(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """Register pressed with a bad email and no ticket type: both said under their fields."""

    async def ready(pilot: Any) -> None:
        form = await walk_in_form(pilot)
        form.query_one("#walkin-name", Input).value = "Jo Walker"
        form.query_one("#walkin-email", Input).value = "jo.walker(at)example"
        form.query_one("#walkin-register", Button).press()
        error = form.query_one("#email-error")
        await wait_for(lambda: bool(error.display), pilot)
        await wait_for(lambda: bool(form.query_one("#ticket_type-error").display), pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@by_size
def test_desk_payment(snap_compare: Any, station: DemoStation, size: tuple[int, int]) -> None:
    """^P on a ticket with money due: the payment form, the amount due filled in."""
    ticket = waiting_at_door(station, "Regular", paid=False)

    async def ready(pilot: Any) -> None:
        screen = await desk_opened(pilot)
        await desk_choose(pilot, screen, ticket, "pay")
        await pilot.press("ctrl+p")
        await wait_for(lambda: isinstance(pilot.app.screen, PaymentScreen), pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@by_size
def test_desk_promote_over_capacity(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """^W on a waitlisted ticket with no free place: an organizer is asked to admit anyway."""
    ticket = waitlisted(station)

    async def ready(pilot: Any) -> None:
        screen = await desk_opened(pilot)
        await desk_choose(pilot, screen, ticket, "promote")
        await pilot.press("ctrl+w")
        await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen), pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Olivia Organizer", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


# --- staff PINs ---------------------------------------------------------------------------------
async def refused_pin(pilot: Any) -> None:
    """A staff member chosen, a wrong PIN typed: the form says so."""
    await sign_in_with_pin(pilot, "Sam Desk", "9999")
    problem = pilot.app.screen.query_one("#problem", Static)
    await wait_for(lambda: "wrong" in str(problem.render()), pilot)
    await settle(pilot)


@by_size
def test_sign_in_wrong_pin(snap_compare: Any, station: DemoStation, size: tuple[int, int]) -> None:
    """The sign-in screen after a wrong PIN."""
    assert snap_compare(app_for(station), terminal_size=size, run_before=refused_pin)


@by_size
def test_kiosk_staff_pin_wrong(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """F12 at the kiosk: the staff PIN dialog to leave it, after a wrong PIN."""

    async def ready(pilot: Any) -> None:
        await kiosk_opened(pilot)
        await pilot.press("f12")
        await wait_for(lambda: isinstance(pilot.app.screen, StaffPinScreen), pilot)
        await refused_pin(pilot)

    app = app_for(station, sign_in_as="Kiosk Door 1", mode="kiosk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


# --- the kiosk's answers ------------------------------------------------------------------------
async def kiosk_opened(pilot: Any) -> KioskScreen:
    """The attract screen, the scanner's field focused."""
    app = pilot.app
    await wait_for(lambda: isinstance(app.screen, KioskScreen), pilot)
    screen: KioskScreen = app.screen
    wedge = screen.query_one("#wedge", Input)
    await wait_for(lambda: app.focused is wedge, pilot)
    return screen


# scenario -> (what the scanner reads, the answer's colour)
KIOSK_ANSWERS: dict[str, tuple[Callable[[DemoStation], str], str]] = {
    "green-welcome": (lambda s: waiting_at_door(s, "Regular", paid=True).qr_payload or "", "ok"),
    "yellow-already-in": (lambda s: checked_in_before(s).qr_payload or "", "warn"),
    # Students need staff (their ID is checked): the kiosk sends them to the desk.
    "yellow-see-the-desk": (
        lambda s: waiting_at_door(s, "Student", paid=True).qr_payload or "",
        "warn",
    ),
    "red-wrong-event": (other_event_ticket, "bad"),
    "red-not-a-ticket": (lambda s: "NOT-A-TICKET", "bad"),
}


@by_size
@pytest.mark.parametrize("answer", list(KIOSK_ANSWERS))
def test_kiosk_answer(
    snap_compare: Any, station: DemoStation, answer: str, size: tuple[int, int]
) -> None:
    """A keyboard-wedge scanner reads a ticket into the kiosk: its full-screen answer."""
    read, verdict = KIOSK_ANSWERS[answer]
    payload = read(station)
    assert payload

    async def ready(pilot: Any) -> None:
        screen = await kiosk_opened(pilot)
        screen.answer_seconds = 3600  # keep the answer up for the picture
        screen.query_one("#wedge", Input).value = payload
        await pilot.press("enter")
        panel = screen.query_one("#answer", KioskAnswer)
        await wait_for(lambda: bool(panel.display) and panel.verdict is not None, pilot)
        assert panel.verdict == verdict and panel.has_class(f"-{verdict}")
        await settle(pilot)

    # The door's event named: the other event made for "red-wrong-event" is not chosen instead.
    app = app_for(station, sign_in_as="Kiosk Door 1", mode="kiosk", event=station.summary.event)
    assert snap_compare(app, terminal_size=size, run_before=ready)


@by_size
def test_kiosk_lookup_wrong_pin(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """F5: the email + PIN form after a wrong PIN."""
    email, pin = station.summary.attendee_pins[0]
    wrong = "0000" if pin != "0000" else "1111"

    async def ready(pilot: Any) -> None:
        screen = await kiosk_opened(pilot)
        await pilot.press("f5")
        field = screen.query_one("#email", Input)
        await wait_for(lambda: pilot.app.focused is field, pilot)
        field.value = email
        await pilot.press("enter", *wrong, "enter")
        problem = screen.query_one("#lookup-problem", Static)
        await wait_for(lambda: "wrong" in str(problem.render()), pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Kiosk Door 1", mode="kiosk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


# --- the camera preview -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def still_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A camera's video of a scene with nobody in front of it, as still as a picture: every
    frame the same (no sensor noise), long enough to outlast the test. Whichever frame the
    preview shows when the picture is taken, it looks the same."""
    fps = 4
    (frame,) = render_frames([Shot(None, 1 / fps)], fps=fps, width=320, height=240, noise=0.0)
    path = tmp_path_factory.mktemp("camera") / "door.avi"
    return write_video(path, [frame] * (fps * 180), fps=fps)


@by_size
def test_kiosk_camera_preview(
    snap_compare: Any, station: DemoStation, still_video: Path, size: tuple[int, int]
) -> None:
    """The attract screen while the camera runs: its preview beside "Scan your ticket"."""

    async def ready(pilot: Any) -> None:
        screen = await kiosk_opened(pilot)
        preview = screen.query_one("#preview", CameraPreview)

        def fitted() -> bool:
            # A frame made for the preview's size (the first ones may be made before it was
            # laid out), while the camera is running.
            width, height = preview.picture_size()
            image = preview._image  # noqa: SLF001 - the frame it shows, not the picture's copy
            return (
                pilot.app.devices.camera_state == "running"
                and image is not None
                and image.shape[:2] == (height * 2, width)
            )

        await wait_for(fitted, pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Kiosk Door 1", mode="kiosk", camera=str(still_video))
    assert snap_compare(app, terminal_size=size, run_before=ready)


# --- the organizer: every tab, then one form per kind ----------------------------------------
# Driven only through the running screen (its keys, its widgets' ids), never its code.
@dataclass(frozen=True)
class Tab:
    key: str  # the number key that shows it ("": none, its label is clicked)
    pane: str
    tables: tuple[str, ...]  # the lists that must be filled before the picture


TABS = {
    "events": Tab("1", "tab-events", ("events-table",)),
    "sessions-tickets": Tab("2", "tab-program", ("sessions-table", "types-table")),
    "venues": Tab("3", "tab-venues", ("venues-table",)),
    "attendees": Tab("4", "tab-attendees", ("attendees-table", "regs-table")),
    "payments": Tab("5", "tab-payments", ()),
    "waitlist": Tab("6", "tab-waitlist", ("waitlist-table",)),
    "staff": Tab("7", "tab-staff", ("staff-table",)),
    "lists": Tab("8", "tab-lists", ("lists-table",)),
    "badges": Tab("9", "tab-badges", ("badges-table",)),
    "data": Tab("0", "tab-data", ()),
    "stations": Tab("", "tab-stations", ()),  # on this SQLite demo: it says it has no logins
}


def filled(pilot: Any, table_id: str) -> bool:
    found = pilot.app.screen.query(f"#{table_id}")
    return bool(found) and found.first(DataTable).row_count > 0


def filled_in(pilot: Any, table_id: str) -> Callable[[], bool]:
    return lambda: filled(pilot, table_id)


async def organizer_tab(
    pilot: Any, station: DemoStation, name: str, *, ticket: TicketInfo | None = None
) -> None:
    """The organizer with tab ``name`` shown (by its number key) and its lists read; the
    Payments tab shows ``ticket``'s payments (a ticket paid by card unless told)."""
    app, tab = pilot.app, TABS[name]
    await wait_for(lambda: app.current_mode == "organizer", pilot)
    await wait_for(lambda: filled(pilot, "events-table"), pilot)
    tabs = app.screen.query_one(TabbedContent)
    if tab.key:
        await pilot.press(tab.key)
    else:
        await click(pilot, f"#--content-tab-{tab.pane}")
    await wait_for(lambda: tabs.active == tab.pane, pilot)
    for table_id in tab.tables:
        await wait_for(filled_in(pilot, table_id), pilot)
    if name == "payments":  # the ticket's id typed, its payments shown
        shown = ticket or paid_ticket(station)
        caption = app.screen.query_one("#payments-caption", Static)
        field = app.screen.query_one("#pay-ticket", Input)
        field.focus()
        await pilot.press(*shown.id, "enter")
        await wait_for(lambda: shown.attendee in str(caption.render()), pilot)
        if shown.status == "registered" and payment_summary(station.store, shown.id).paid_cents:
            await wait_for(lambda: filled(pilot, "payments-table"), pilot)
    if name == "stations":  # its caption said (the list, or why there is none)
        caption = app.screen.query_one("#stations-caption", Static)
        await wait_for(lambda: bool(str(caption.render())), pilot)
    if name == "badges":  # the chosen ticket type's badge drawn beside the list
        preview = app.screen.query_one("#badge-preview")
        await wait_for(lambda: getattr(preview, "picture", None) is not None, pilot)
    if name == "data":
        # The export file's default path is in this station's data folder, a new temporary
        # folder on each run: the same path relative to it is typed over it.
        path = app.screen.query_one("#export-path", Input)
        await wait_for(lambda: bool(path.value), pilot)
        path.value = str(Path(path.value).relative_to(station.data_dir))


@by_size
@pytest.mark.parametrize("tab", list(TABS))
def test_organizer_tab(
    snap_compare: Any, station: DemoStation, tab: str, size: tuple[int, int]
) -> None:
    async def ready(pilot: Any) -> None:
        await organizer_tab(pilot, station, tab)
        await settle(pilot)

    app = app_for(station, sign_in_as="Olivia Organizer", mode="organizer")
    assert snap_compare(app, terminal_size=size, run_before=ready)


# form -> (the tab it is on, the button that opens it); a payment is taken on a ticket with
# money due
ORGANIZER_FORMS = {
    "event-edit": ("events", "event-edit"),
    "session-new": ("sessions-tickets", "session-new"),
    "ticket-type-new": ("sessions-tickets", "type-new"),
    "question-new": ("sessions-tickets", "question-new"),
    "venue-new": ("venues", "venue-new"),
    "attendee-new": ("attendees", "att-new"),
    "payment-new": ("payments", "pay-new"),
    "staff-new": ("staff", "staff-new"),
    "list-new": ("lists", "list-new"),
    "badge-set": ("badges", "badge-set"),
    "badge-sheet": ("badges", "badge-sheet"),
}


@by_size
@pytest.mark.parametrize("form", list(ORGANIZER_FORMS))
def test_organizer_form(
    snap_compare: Any, station: DemoStation, form: str, size: tuple[int, int]
) -> None:
    tab, button = ORGANIZER_FORMS[form]
    unpaid = waiting_at_door(station, "Regular", paid=False) if form == "payment-new" else None

    async def ready(pilot: Any) -> None:
        app = pilot.app
        await organizer_tab(pilot, station, tab, ticket=unpaid)
        app.screen.query_one(f"#{button}", Button).press()
        await wait_for(lambda: isinstance(app.screen, ModalScreen), pilot)
        dialog = app.screen
        # Every choice list mounted and drawn (a busy machine mounts them slowly).
        await wait_for(
            lambda: all(s.is_mounted and s.query("#label") for s in dialog.query(Select)), pilot
        )
        if form == "badge-sheet":
            # The file offered is in this station's data folder, a new temporary folder on
            # each run: the same path relative to it is typed over it.
            output = dialog.query_one("#f-output", Input)
            output.value = str(Path(output.value).relative_to(station.data_dir))
        await settle(pilot)

    app = app_for(station, sign_in_as="Olivia Organizer", mode="organizer")
    assert snap_compare(app, terminal_size=size, run_before=ready)

"""The kiosk at the door, driven through the Pilot: real tickets, a real video through OpenCV,
a keyboard-wedge scanner, email + PIN, badge printers, and the staff PIN that unlocks it."""

from __future__ import annotations

import io
import shutil
import socket
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from textual.message import Message
from textual.widgets import Input, Select, Static

from devices.wedge import Line
from eventdesk.config import load_config, sqlite_url
from eventdesk.db import Store
from eventdesk.opening import open_store
from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.data.demo import DemoSummary
from eventdesk.services.people.attendees import find_attendees
from eventdesk.services.people.payments import pay, payment_summary
from eventdesk.services.people.registration import TicketInfo, show_ticket, tickets_of_attendee
from eventdesk.tickets import Signer, load_signer
from screens.app import EventdeskApp
from screens.kiosk.answer import KioskAnswer, door_clock
from screens.kiosk.picture import moving_pixels_per_cell
from screens.kiosk.preview import CameraPreview
from screens.kiosk.screen import BADGE_PRINTING, BADGE_READY, PRINTER_TROUBLE, KioskScreen
from screens.login import StaffPinScreen
from screens.messages import BadgePrinted, CameraFrame, ScanDecided
from testkit.media import Shot, render_frames, write_video
from testkit.zebra import FakeZebra
from tests.apptools import (
    STATION,
    DemoStation,
    app_on,
    click,
    driver_of,
    scanner_keys,
    sign_in_with_pin,
    wait_for,
)

pytestmark = pytest.mark.asyncio


# --- the door's tickets ---------------------------------------------------------------------------
def event_tickets(store: Store, event: str) -> list[TicketInfo]:
    tickets: list[TicketInfo] = []
    for person in find_attendees(store, "", limit=500):
        tickets += [t for t in tickets_of_attendee(store, person.id) if t.event == event]
    return tickets


def admissible(store: Store, tickets: list[TicketInfo]) -> list[TicketInfo]:
    """Registered, paid, not checked in yet and of a type the kiosk may admit without staff
    (the demo's students are sent to the desk): these get a green answer."""
    to_desk = {
        (event, kind.name)
        for event in {t.event for t in tickets}
        for kind in list_ticket_types(store, event)
        if kind.needs_staff
    }
    return [
        t
        for t in tickets
        if t.status == "registered"
        and t.checked_in_at is None
        and t.qr_payload
        and (t.event, t.ticket_type) not in to_desk
        and payment_summary(store, t.id).due_cents == 0
    ]


def already_in(tickets: list[TicketInfo]) -> TicketInfo:
    """A ticket checked in before, at the other door if the demo has one."""
    used = [t for t in tickets if t.checked_in_at is not None and t.qr_payload]
    return sorted(used, key=lambda t: t.checked_in_station != "Door 2")[0]


def forged_from(ticket: TicketInfo) -> str:
    """The same ticket id, signed with a key this event never heard of."""
    return Signer(Ed25519PrivateKey.generate()).payload(ticket.id)


# --- driving the kiosk ----------------------------------------------------------------------------
def kiosk_app(station: DemoStation, **options: Any) -> EventdeskApp:
    return app_on(
        station.config,
        store=station.store,
        sign_in_as="Kiosk Door 1",
        mode="kiosk",
        **options,
    )


def kiosk(app: EventdeskApp) -> KioskScreen:
    screen = app.screen
    assert isinstance(screen, KioskScreen)
    return screen


def answer_of(app: EventdeskApp) -> KioskAnswer:
    return kiosk(app).query_one("#answer", KioskAnswer)


async def started(app: EventdeskApp, pilot: Any) -> KioskScreen:
    """The kiosk up, its scanner's field focused. Each answer stays up until the next scan (a
    test that times the way back to "Scan your ticket" sets its own): the kiosk's 6 s could
    pass on a busy machine before a test looked at an answer."""
    await wait_for(lambda: isinstance(app.screen, KioskScreen), pilot)
    screen = kiosk(app)
    screen.answer_seconds = 600
    wedge = screen.query_one("#wedge", Input)
    await wait_for(lambda: app.focused is wedge, pilot)
    return screen


async def scan_with_wedge(pilot: Any, text: str, *, type_it: bool = False) -> None:
    """A USB scanner types the payload and Enter into the kiosk's focused field: with
    ``type_it``, key by key in one burst as a terminal delivers a scanner's keys."""
    wedge = kiosk(pilot.app).query_one("#wedge", Input)
    assert pilot.app.focused is wedge
    if type_it:
        for key in scanner_keys(f"{text}\r"):
            driver_of(pilot.app).send_message(key)
        return
    wedge.value = text
    await pilot.press("enter")


async def answered(pilot: Any, decisions: list[ScanDecided], count: int) -> KioskAnswer:
    """Wait for the ``count``-th decision and for the kiosk to show it."""
    await wait_for(lambda: len(decisions) >= count, pilot)
    panel = answer_of(pilot.app)
    result = decisions[count - 1].result
    await wait_for(lambda: panel.display and panel.result is result, pilot)
    return panel


def hook(kinds: tuple[type[Message], ...], into: list[Any]) -> Any:
    def capture(message: Message) -> None:
        if isinstance(message, kinds):
            into.append(message)

    return capture


# --- 1. the camera --------------------------------------------------------------------------------
async def test_camera_scans_give_green_yellow_red_and_a_live_preview(
    station: DemoStation, tmp_path: Path
) -> None:
    tickets = event_tickets(station.store, station.summary.event)
    fresh = admissible(station.store, tickets)[0]
    used = already_in(tickets)
    forged = forged_from(fresh)
    assert fresh.qr_payload and used.qr_payload
    shots = [Shot(None, 0.4)]
    for payload in (fresh.qr_payload, used.qr_payload, forged):
        shots += [Shot(payload, 1.0), Shot(None, 1.0)]
    video = write_video(
        tmp_path / "door.avi", render_frames(shots, fps=15, width=640, height=480), fps=15
    )

    messages: list[Any] = []
    app = kiosk_app(station, camera=str(video))
    kinds = (ScanDecided, CameraFrame, KioskAnswer.Shown)
    async with app.run_test(size=(120, 40), message_hook=hook(kinds, messages)) as pilot:
        screen = await started(app, pilot)
        decisions: list[ScanDecided] = []

        def decided(count: int) -> bool:
            decisions[:] = [m for m in messages if isinstance(m, ScanDecided)]
            return len(decisions) >= count

        # Each answer as the panel showed it (the next one may replace it before a busy
        # machine lets the test look at the panel).
        def shown() -> list[KioskAnswer.Shown]:
            seen = {id(m): m for m in messages if isinstance(m, KioskAnswer.Shown)}
            return list(seen.values())  # once, though it bubbles past the hook at each parent

        await wait_for(partial(decided, 3), pilot)
        await wait_for(lambda: len(shown()) >= 3, pilot)
        assert [m.result for m in shown()] == [d.result for d in decisions[:3]]
        assert all(d.source == "camera" for d in decisions[:3])
        seen = [(m.result.result, m.verdict, m.text) for m in shown()]
        panel = answer_of(app)
        assert panel.has_class(f"-{panel.verdict}")

        assert [(result, verdict) for result, verdict, _ in seen] == [
            ("ok", "ok"),
            ("already_checked_in", "warn"),
            ("invalid", "bad"),
        ]
        green, yellow, red = (text for _, _, text in seen)
        assert fresh.attendee in green and fresh.ticket_type in green
        assert "badge" not in green.casefold()  # no badge printing at this station
        assert used.checked_in_at is not None
        when = door_clock(used.checked_in_at, app.backend.zone)
        assert f"at {when} at {used.checked_in_station}" in yellow
        assert "please see the desk" in yellow.casefold()
        assert "not a valid ticket" in red.casefold() and "please see the desk" in red.casefold()
        admitted = show_ticket(station.store, fresh.id)
        assert admitted.checked_in_at is not None and admitted.checked_in_station == STATION
        assert show_ticket(station.store, used.id).checked_in_at == used.checked_in_at

        # The preview: small frames sized to the widget, drawn as a picture (half blocks here,
        # with no graphics terminal: two stacked pixels a cell).
        frames = [m for m in messages if isinstance(m, CameraFrame)]
        assert len(frames) >= 3
        preview = screen.query_one("#preview", CameraPreview)
        assert preview.frames_shown >= 3 and preview.has_picture
        width, height = preview.picture_size()
        per_w, per_h = moving_pixels_per_cell()
        assert (per_w, per_h) == (1, 2)
        assert app.devices.preview_size == (width * per_w, height * per_h)
        assert frames[-1].image.shape == (height * per_h, width * per_w, 3)
        assert preview.picture.size == (width, height) and preview.picture.display
        console = Console(width=width, height=height, color_system="truecolor", file=io.StringIO())
        drawn = console.render(preview.picture.render(), console.options.update(height=height))
        cells = [s for s in drawn if s.text == "▀"]
        assert len(cells) == width * height
        assert all(s.style and s.style.color and s.style.bgcolor for s in cells)
        state = str(screen.query_one("#camera-state", Static).render())
        assert "camera" in state.casefold()


# --- 2. the keyboard-wedge scanner ----------------------------------------------------------------
async def test_wedge_scanner_admits_a_real_ticket_and_refuses_garbage(
    station: DemoStation,
) -> None:
    tickets = admissible(station.store, event_tickets(station.store, station.summary.event))
    fresh = tickets[0]
    assert fresh.qr_payload
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await started(app, pilot)
        assert not screen.query_one("#attract-right").display  # no camera: no preview
        await scan_with_wedge(pilot, fresh.qr_payload, type_it=True)
        panel = await answered(pilot, decisions, 1)
        assert decisions[0].source == "scanner" and panel.has_class("-ok")
        assert fresh.attendee in panel.plain()
        assert show_ticket(station.store, fresh.id).checked_in_at is not None

        # While the answer shows, the scanner's field still has focus: garbage replaces it.
        await scan_with_wedge(pilot, "hello, this is not a ticket")
        panel = await answered(pilot, decisions, 2)
        assert decisions[1].result.result == "invalid"
        assert panel.has_class("-bad") and not panel.has_class("-ok")
        assert "please see the desk" in panel.plain().casefold()

        await scan_with_wedge(pilot, "X" * 2000)  # far longer than any ticket
        panel = await answered(pilot, decisions, 3)
        assert panel.has_class("-bad") and "too long" in panel.plain()
        assert app.is_running and app.current_mode == "kiosk"


# --- 3. email + PIN -------------------------------------------------------------------------------
def pin_holder(station: DemoStation) -> tuple[str, str, TicketInfo]:
    """An attendee with a PIN and a ticket for the event that is not checked in (paid now)."""
    for email, pin in station.summary.attendee_pins:
        [person] = find_attendees(station.store, email)
        for ticket in tickets_of_attendee(station.store, person.id):
            if (
                ticket.event == station.summary.event
                and ticket.status == "registered"
                and ticket.checked_in_at is None
            ):
                if payment_summary(station.store, ticket.id).due_cents:
                    pay(station.store, ticket.id, method="cash")
                return email, pin, ticket
    raise AssertionError("the demo has no PIN holder left to check in")


async def test_email_and_pin_check_in(station: DemoStation) -> None:
    email, pin, ticket = pin_holder(station)
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await started(app, pilot)
        await click(pilot, "#lookup-open")
        email_field = screen.query_one("#email", Input)
        await wait_for(lambda: app.focused is email_field, pilot)
        await pilot.press(*email, "enter")
        pin_field = screen.query_one("#pin", Input)
        assert app.focused is pin_field

        wrong = "0000" if pin != "0000" else "1111"
        await pilot.press(*wrong, "enter")
        problem = screen.query_one("#lookup-problem", Static)
        await wait_for(lambda: "wrong" in str(problem.render()), pilot)
        assert "wait 5 minutes" in str(problem.render())
        assert pin_field.value == "" and app.focused is pin_field
        assert decisions == []
        assert show_ticket(station.store, ticket.id).checked_in_at is None

        await pilot.press(*pin, "enter")
        panel = await answered(pilot, decisions, 1)
        assert decisions[0].source == "lookup" and panel.has_class("-ok")
        assert ticket.attendee in panel.plain()
        admitted = show_ticket(station.store, ticket.id)
        assert admitted.checked_in_at is not None and admitted.checked_in_station == STATION
        # The form is emptied behind the answer: the next person does not see this PIN.
        assert email_field.value == "" and pin_field.value == ""


async def test_unknown_email_says_so_and_checks_nobody_in(station: DemoStation) -> None:
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await started(app, pilot)
        await pilot.press("f5")
        await pilot.press(*"nobody@example.com", "enter", *"4000", "enter")
        problem = screen.query_one("#lookup-problem", Static)
        await wait_for(lambda: "wrong" in str(problem.render()), pilot)
        await pilot.press("escape")
        await wait_for(lambda: app.focused is screen.query_one("#wedge", Input), pilot)
        assert decisions == [] and str(problem.render()) == ""


# --- 4. leaving the kiosk -------------------------------------------------------------------------
async def test_leaving_the_kiosk_takes_a_staff_pin(station: DemoStation) -> None:
    app = kiosk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        for key in ("f1", "f3", "f4", "f9", "ctrl+q", "ctrl+c", "ctrl+p", "tab", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and app.current_mode == "kiosk"
            assert isinstance(app.screen, KioskScreen)

        await pilot.press("f12")
        await wait_for(lambda: isinstance(app.screen, StaffPinScreen), pilot)
        assert not app.screen.query(Select)  # the name is typed: the kiosk lists no staff
        await sign_in_with_pin(pilot, "Kiosk Door 1", "3456")  # a kiosk cannot unlock itself
        problem = app.screen.query_one("#problem", Static)
        await wait_for(lambda: "wrong" in str(problem.render()), pilot)

        await sign_in_with_pin(pilot, "Sam Desk", "9999")
        await wait_for(lambda: "(3 tries left)" in str(problem.render()), pilot)
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, KioskScreen), pilot)
        assert app.current_mode == "kiosk" and app.backend.staff is not None
        assert app.backend.staff.name == "Kiosk Door 1"

        await pilot.press("f12")
        await wait_for(lambda: isinstance(app.screen, StaffPinScreen), pilot)
        await sign_in_with_pin(pilot, "Sam Desk", "2345")
        await wait_for(lambda: app.current_mode == "desk", pilot)
        assert app.backend.staff is not None and app.backend.staff.name == "Sam Desk"
        assert not isinstance(app.devices.sink, KioskScreen)  # scans no longer go to the kiosk


# --- 5. back to the attract screen ----------------------------------------------------------------
async def test_answer_goes_back_to_the_attract_screen(station: DemoStation) -> None:
    seen: list[Any] = []
    app = kiosk_app(station)
    kinds = (ScanDecided, KioskAnswer.Shown)
    async with app.run_test(size=(120, 40), message_hook=hook(kinds, seen)) as pilot:
        screen = await started(app, pilot)
        screen.answer_seconds = 0.6
        await scan_with_wedge(pilot, "NOT-A-TICKET")
        # The answer was shown (it may be gone again by the time a busy machine looks)...
        await wait_for(lambda: any(isinstance(m, KioskAnswer.Shown) for m in seen), pilot)
        panel = answer_of(app)
        # ... and the attract screen comes back by itself.
        await wait_for(lambda: not panel.display, pilot)
        assert not screen.answering and not screen.has_class("-answering")
        assert app.focused is screen.query_one("#wedge", Input)
        assert str(screen.query_one("#attract-title", Static).render()) == "Scan your ticket"


# --- 6. badge printers ----------------------------------------------------------------------------
async def test_badge_printing_is_said_and_the_badge_lands(station: DemoStation) -> None:
    fresh = admissible(station.store, event_tickets(station.store, station.summary.event))[0]
    assert fresh.qr_payload
    messages: list[Any] = []
    snapshots: list[str] = []
    app = kiosk_app(station, printer="badges", auto_print=True)

    def capture(message: Message) -> None:
        if isinstance(message, ScanDecided | BadgePrinted):
            messages.append(message)
        if isinstance(message, BadgePrinted) and isinstance(app.screen, KioskScreen):
            snapshots.append(answer_of(app).badge_line)  # what the kiosk said until then

    async with app.run_test(size=(120, 40), message_hook=capture) as pilot:
        screen = await started(app, pilot)
        await scan_with_wedge(pilot, fresh.qr_payload)
        await wait_for(lambda: any(isinstance(m, ScanDecided) for m in messages), pilot)
        decisions = [m for m in messages if isinstance(m, ScanDecided)]
        panel = await answered(pilot, decisions, 1)
        assert decisions[0].result.badge_queued
        await wait_for(lambda: panel.badge_line == BADGE_READY, pilot)
        assert BADGE_PRINTING in snapshots
        outcomes = [m.outcome for m in messages if isinstance(m, BadgePrinted)]
        assert outcomes[0].state == "done" and outcomes[0].job.ticket_id == fresh.id
        assert list((station.data_dir / "badges").glob(f"{fresh.id}*"))
        assert not screen.query_one("#printer-state", Static).display


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_printer_that_does_not_answer_sends_people_to_the_desk(
    demo_template: tuple[Path, DemoSummary], tmp_path: Path
) -> None:
    template, summary = demo_template
    data_dir = tmp_path / "data"
    shutil.copytree(template, data_dir)
    (data_dir / "eventdesk.toml").write_text(
        "[printers.front]\n"
        'type = "tcp"\n'
        'host = "127.0.0.1"\n'
        f"port = {closed_port()}\n"
        "timeout = 0.5\n"
    )
    config = load_config(
        data_dir=data_dir, database_url=sqlite_url(data_dir / "eventdesk.db"), station=STATION
    )
    store = open_store(config)
    store.signer = load_signer(data_dir)
    station = DemoStation(data_dir, summary, config, store)
    try:
        fresh = admissible(store, event_tickets(store, summary.event))[0]
        assert fresh.qr_payload
        printed: list[BadgePrinted] = []
        decisions: list[ScanDecided] = []

        def capture(message: Message) -> None:
            hook((BadgePrinted,), printed)(message)
            hook((ScanDecided,), decisions)(message)

        app = kiosk_app(station, printer="front", auto_print=True)
        async with app.run_test(size=(80, 24), message_hook=capture) as pilot:
            screen = await started(app, pilot)
            await scan_with_wedge(pilot, fresh.qr_payload)
            panel = await answered(pilot, decisions, 1)
            assert panel.has_class("-ok")  # the check-in never waits for the printer
            await wait_for(lambda: bool(printed), pilot)
            assert printed[0].outcome.state in ("queued", "failed")
            await wait_for(lambda: panel.badge_line == PRINTER_TROUBLE, pilot)
            assert "Printer needs attention - please see the desk" in panel.plain()
            await pilot.press("escape")
            state = screen.query_one("#printer-state", Static)
            await wait_for(lambda: bool(state.display), pilot)
            assert "Printer needs attention" in str(state.render())
        assert show_ticket(store, fresh.id).checked_in_at is not None
    finally:
        store.dispose()


async def test_the_desk_is_told_once_a_printer_is_off_and_once_it_is_back(
    demo_template: tuple[Path, DemoSummary], tmp_path: Path
) -> None:
    """A printer that does not answer: the app says so once (not at each try again), and
    says it is back when the badge prints."""
    from textual.notifications import Notify

    template, summary = demo_template
    data_dir = tmp_path / "data"
    shutil.copytree(template, data_dir)
    printer = FakeZebra()  # off: connections refused
    (data_dir / "eventdesk.toml").write_text(
        f'[printers.front]\ntype = "tcp"\nhost = "127.0.0.1"\nport = {printer.port}\n'
        "timeout = 0.5\n"
    )
    config = load_config(
        data_dir=data_dir, database_url=sqlite_url(data_dir / "eventdesk.db"), station=STATION
    )
    store = open_store(config)
    store.signer = load_signer(data_dir)
    DemoStation(data_dir, summary, config, store)  # its apps run on the demo's clock
    try:
        fresh = admissible(store, event_tickets(store, summary.event))[0]
        assert fresh.qr_payload
        seen: list[Any] = []
        printed: list[BadgePrinted] = []

        def capture(message: Message) -> None:
            hook((Notify,), seen)(message)
            hook((BadgePrinted,), printed)(message)

        def toasts(text: str) -> list[str]:
            return [m.notification.message for m in seen if text in m.notification.message]

        app = app_on(
            config, store=store, sign_in_as="Sam Desk", mode="desk", printer="front",
            auto_print=True,
        )  # fmt: skip
        async with app.run_test(size=(120, 40), message_hook=capture) as pilot:
            await wait_for(lambda: app.current_mode == "desk", pilot)
            app.scanner_gate.take_line(Line(fresh.qr_payload), 0.0)
            await wait_for(lambda: len(toasts("Badge for")) == 1, pilot)
            await wait_for(lambda: sum(p.outcome.state == "queued" for p in printed) >= 2, pilot)
            assert len(toasts("Badge for")) == 1  # tried again: not said again
            printer.switch_on()
            await wait_for(lambda: bool(toasts("is back")), pilot)
            assert "front" in toasts("is back")[0]
            assert len(printer.labels) == 1
    finally:
        printer.close()
        store.dispose()

"""The paper door list in the app: the organizer's Lists tab writes the event's door list PDF
and says where it went; the desk's Paper ticks dialog (Ctrl+B) enters ticks by ticket id, each
answered (admitted from paper, a conflict, no such ticket), through the same service as
``checkin import-ticks``."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.notifications import Notify
from textual.widgets import Input, Static

from eventdesk.event_time import event_zone, in_zone
from eventdesk.models import ScanLog, Ticket, TicketType
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scans import kept_marks
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from screens.desk.paper_ticks import PaperTicksScreen
from tests.app.test_app_desk import admissible, desk_app, opened
from tests.app.test_app_organizer import choose, form, hook, organizer_app, refused, saved, submit
from tests.app.test_app_organizer import opened as organizer_opened
from tests.apptools import DemoStation, wait_for
from tests.door.test_door_list import pdf_text
from tests.helpers import add_type, make_event

pytestmark = pytest.mark.asyncio


async def test_the_lists_tab_asks_where_the_door_list_goes_and_says_what_it_holds(
    station: DemoStation, tmp_path: Path
) -> None:
    """The door list goes where the organizer says (the data folder's exports/ offered), in a
    folder of its own made 0700 and a file 0600, and the app says what it holds and that it is
    to be kept safe and deleted after the event; nothing is written before the organizer says
    where."""
    told: list[Notify] = []
    app = organizer_app(station)
    slug = station.summary.event
    offered = station.data_dir / "exports" / f"{slug}-door-list.pdf"
    path = tmp_path / "for the door" / "friday.pdf"
    async with app.run_test(size=(120, 40), message_hook=hook(told)) as pilot:
        await organizer_opened(pilot, "tab-lists")
        dialog = await form(pilot, "door-list")
        assert dialog.query_one("#f-output", Input).value == str(offered)
        note = str(dialog.query_one("#form-note", Static).render())
        assert "staff notes" in note and "delete the file after the event" in note
        assert not offered.exists()  # asked first, written after
        await submit(pilot, dialog, output=str(path))
        await saved(pilot)
        await wait_for(lambda: any("Door list of" in m.notification.message for m in told), pilot)
    said = next(m.notification.message for m in told if "Door list of" in m.notification.message)
    assert f"written to {path}" in said and path.read_bytes().startswith(b"%PDF-")
    assert not offered.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    with station.store.read() as session:
        registered = session.scalars(select(Ticket.id).where(Ticket.status == "registered")).all()
    assert registered and all(ticket in text for ticket in registered)
    assert f"Door list of {len(registered)} tickets" in said
    assert (
        f"It holds the names, ticket ids and staff notes of {len(registered)} people: keep it "
        "safe, and delete it after the event." in said
    )


async def test_the_door_list_of_the_check_in_list_chosen_marks_whom_it_refuses(
    station: DemoStation, tmp_path: Path
) -> None:
    """A check-in list chosen in the Lists tab: its door list, marking each ticket the list
    does not take ("refuse: not on this list"), and named so in the form and the file offered."""
    from eventdesk.services.door.list_changes import ListChange, create_list

    told: list[Notify] = []
    store, slug = station.store, station.summary.event
    create_list(store, slug, ListChange(name="VIP Door", ticket_types=["VIP"]))
    app = organizer_app(station)
    path = tmp_path / "vip-door.pdf"
    async with app.run_test(size=(120, 40), message_hook=hook(told)) as pilot:
        screen = await organizer_opened(pilot, "tab-lists")
        await choose(pilot, screen, "lists-table", "vip-door")
        dialog = await form(pilot, "door-list")
        offered = station.data_dir / "exports" / f"{slug}-vip-door-door-list.pdf"
        assert dialog.query_one("#f-output", Input).value == str(offered)
        await submit(pilot, dialog, output=str(path))
        await saved(pilot)
        await wait_for(lambda: any("Door list of" in m.notification.message for m in told), pilot)
    text = " ".join(pdf_text(path).split())
    with station.store.read() as session:
        types = dict(
            session.execute(
                select(Ticket.id, TicketType.name)
                .join(TicketType, TicketType.id == Ticket.ticket_type_id)
                .where(Ticket.status == "registered")
            )
            .tuples()
            .all()
        )
    refused = text.count("refuse: not on this list")
    assert "check-in list VIP Door" in text, text
    assert refused == sum(1 for kind in types.values() if kind != "VIP") and refused, text


async def test_a_door_list_written_over_a_readable_file_is_made_private_first(
    station: DemoStation, tmp_path: Path
) -> None:
    """A file the organizer chose that others could read is 0600 before the list is in it."""
    told: list[Notify] = []
    app = organizer_app(station)
    path = tmp_path / "door.pdf"
    path.write_bytes(b"an older list")
    os.chmod(path, 0o644)
    async with app.run_test(size=(120, 40), message_hook=hook(told)) as pilot:
        await organizer_opened(pilot, "tab-lists")
        dialog = await form(pilot, "door-list")
        await submit(pilot, dialog, output=str(tmp_path))  # a folder: said, nothing written
        assert "is a folder" in await refused(pilot, dialog, "output")
        await submit(pilot, dialog, output=str(path))
        await saved(pilot)
        await wait_for(lambda: any("Door list of" in m.notification.message for m in told), pilot)
    assert path.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_the_desk_enters_paper_ticks_by_ticket_id(station: DemoStation) -> None:
    store, slug = station.store, station.summary.event
    fresh, taken = admissible(store, slug)[:2]
    door_at = (station.now() - timedelta(minutes=30)).replace(microsecond=0)
    assert Checkin(store, station="Door 9", event=slug).checkin_ticket(taken.id, now=door_at)
    zone = event_zone(show_event(store, slug).timezone)
    ticked = (station.now() - timedelta(minutes=10)).replace(second=0, microsecond=0)
    typed = in_zone(ticked, zone).replace(tzinfo=None).isoformat(timespec="minutes")
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(app, pilot)
        await pilot.press("ctrl+b")
        await wait_for(lambda: isinstance(app.screen, PaperTicksScreen), pilot)
        dialog = app.screen
        said = dialog.query_one("#paper-said", Static)

        def shown() -> str:
            return str(said.render())

        ticket_field = dialog.query_one("#paper-ticket", Input)
        ticket_field.focus()
        await pilot.press(*fresh.id, "enter")  # no time yet: asked for first
        await wait_for(lambda: "when the paper was ticked first" in shown(), pilot)
        assert app.focused is dialog.query_one("#paper-at", Input)
        await pilot.press(*typed, "enter")
        assert app.focused is ticket_field
        for ticket in (fresh.id, taken.id, "NOSUCH99"):
            await pilot.press(*ticket.lower(), "enter")
        await wait_for(lambda: "NOSUCH99: no such ticket" in shown(), pilot)
        lines = shown().splitlines()
        assert f"{fresh.id} {fresh.holder}: admitted from paper" in lines
        conflict = next(line for line in lines if line.startswith(taken.id))
        assert "conflict, admitted at Door 9" in conflict
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, PaperTicksScreen), pilot)
    with store.read() as session:
        held = session.execute(
            select(Ticket.checked_in_station, Ticket.checked_in_at).where(Ticket.id == fresh.id)
        ).one()
        logged = session.execute(
            select(ScanLog.station, ScanLog.operator, ScanLog.answer).where(
                ScanLog.ticket_id == fresh.id
            )
        ).all()
    assert tuple(held) == ("Paper", ticked)
    assert [
        (station_, operator, kept_marks(answer).get("source"))
        for station_, operator, answer in logged
    ] == [("Paper", "Sam Desk", "paper")], logged  # entered by the desk's signed-in operator


async def test_the_desk_refuses_another_event_s_tick(station: DemoStation) -> None:
    """The dialog decides a tick for the desk's own event: another event's ticket is refused,
    saying why (before, admitted from paper)."""
    store, slug = station.store, station.summary.event
    info = show_event(store, slug)
    # Two days on, its door not open yet at any hour of the demo's day: the desk's door is still
    # the demo's by itself (the next day's opens at 08:00 today, and from 18:00, with the demo
    # over, the desk would ask which of the two it admits).
    other = make_event(
        store,
        name="Another Evening",
        starts=(info.starts_at + timedelta(days=2)).isoformat(),
        ends=(info.ends_at + timedelta(days=2)).isoformat(),
        timezone=info.timezone,
    )
    add_type(store, other, "Day", price_cents=0)
    attendees.add_attendees_bulk(store, [{"name": "Other Guest", "email": "other@example.org"}])
    theirs = register(store, other, "other@example.org", "Day").tickets[0].ticket_id
    ours = admissible(store, slug)[0]
    ticked = (station.now() - timedelta(minutes=10)).replace(second=0, microsecond=0)
    typed = in_zone(ticked, event_zone(info.timezone)).replace(tzinfo=None)
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(app, pilot)
        await pilot.press("ctrl+b")
        await wait_for(lambda: isinstance(app.screen, PaperTicksScreen), pilot)
        said = app.screen.query_one("#paper-said", Static)
        await pilot.press(*typed.isoformat(timespec="minutes"), "enter")
        for ticket in (theirs, ours.id):
            await pilot.press(*ticket, "enter")
        await wait_for(lambda: f"{ours.id} {ours.holder}: admitted" in str(said.render()), pilot)
        lines = str(said.render()).splitlines()
    assert f"{theirs} Other Guest: refused: This ticket is for another event ({other})." in lines, (
        lines
    )
    with store.read() as session:
        held = dict(
            session.execute(
                select(Ticket.id, Ticket.checked_in_station).where(Ticket.id.in_([theirs, ours.id]))
            ).all()
        )
    assert held == {theirs: None, ours.id: "Paper"}

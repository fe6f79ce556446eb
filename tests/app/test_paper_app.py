"""The paper door list in the app: the organizer's Lists tab writes the event's door list PDF
and says where it went; the desk's Paper ticks dialog (Ctrl+B) enters ticks by ticket id, each
answered (admitted from paper, a conflict, no such ticket), through the same service as
``checkin import-ticks``."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select
from textual.notifications import Notify
from textual.widgets import Input, Static

from eventdesk.event_time import event_zone, in_zone
from eventdesk.models import ScanLog, Ticket
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scans import kept_marks
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from screens.desk.paper_ticks import PaperTicksScreen
from tests.app.test_app_desk import admissible, desk_app, opened
from tests.app.test_app_organizer import hook, organizer_app, press
from tests.app.test_app_organizer import opened as organizer_opened
from tests.apptools import DemoStation, wait_for
from tests.helpers import add_type, make_event

pytestmark = pytest.mark.asyncio


async def test_the_lists_tab_writes_the_door_list_and_says_where(station: DemoStation) -> None:
    told: list[Notify] = []
    app = organizer_app(station)
    slug = station.summary.event
    path = station.data_dir / "exports" / f"{slug}-door-list.pdf"
    async with app.run_test(size=(120, 40), message_hook=hook(told)) as pilot:
        await organizer_opened(pilot, "tab-lists")
        await press(pilot, "door-list")
        await wait_for(lambda: any("Door list of" in m.notification.message for m in told), pilot)
    said = next(m.notification.message for m in told if "Door list of" in m.notification.message)
    assert f"written to {path}" in said and path.read_bytes().startswith(b"%PDF-")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    with station.store.read() as session:
        registered = session.scalars(select(Ticket.id).where(Ticket.status == "registered")).all()
    assert registered and all(ticket in text for ticket in registered)
    assert f"Door list of {len(registered)} tickets" in said


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
    other = make_event(  # the next day's: the desk's door is still the demo's by itself
        store,
        name="Another Evening",
        starts=(info.starts_at + timedelta(days=1)).isoformat(),
        ends=(info.ends_at + timedelta(days=1)).isoformat(),
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

"""SVG snapshots of the desk (issue 14): the results with their status column, the one-form
walk-in (at a door for two events too, issue 57) and the cancel question that offers the
refund, at 120x40 and 80x24.

On the fixed demo of tests/snapshots/test_snapshots_screens.py (a fixed day, seeded ids, clocks held
still). After a deliberate change of the look: `python -m pytest
tests/snapshots/test_snapshots_desk.py --snapshot-update`, then look at the SVGs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import Input, Select

from eventdesk.services.catalogue.events import create_event, show_event
from eventdesk.services.catalogue.program import add_ticket_type
from screens.desk.cancel import CancelScreen
from tests.apptools import DemoStation, wait_for
from tests.snapshots.test_snapshots import app_for, settle
from tests.snapshots.test_snapshots import (
    utc_clock as utc_clock,  # autouse: local times are UTC here
)
from tests.snapshots.test_snapshots_screens import (
    by_size,
    desk_choose,
    desk_opened,
    paid_ticket,
    walk_in_form,
)
from tests.snapshots.test_snapshots_screens import station as station  # the fixed demo station
from tests.snapshots.test_snapshots_screens import still_template as still_template


@by_size
def test_desk_results_with_status(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """Everyone listed: who is in (and when, in the event's zone), who is not yet, who waits."""

    async def ready(pilot: Any) -> None:
        await desk_opened(pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@by_size
def test_desk_walk_in_one_form(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """^N: the walk-in in one form, a paid ticket type chosen: how it was paid is asked."""

    async def ready(pilot: Any) -> None:
        form = await walk_in_form(pilot)
        form.query_one("#walkin-name", Input).value = "Jo Walker"
        form.query_one("#walkin-email", Input).value = "jo.walker@example.com"
        regular = next(t for t in form.types.values() if t.name == "Regular")
        form.query_one("#walkin-type").value = regular.id
        await wait_for(lambda: not form.query_one("#walkin-paid").disabled, pilot)
        form.query_one("#walkin-name", Input).focus()
        await settle(pilot)

    app = app_for(station, sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@by_size
def test_desk_walk_in_at_a_door_for_two_events(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """^N at a door for the demo's event and a second day that sells a "Day pass" too: the
    ticket types, opened, each named with its event."""
    demo = show_event(station.store, station.summary.event)
    second = create_event(
        station.store,
        name="DevConf Saturday",
        starts=demo.starts_at + timedelta(days=1),
        ends=demo.ends_at + timedelta(days=1),
        timezone=demo.timezone,
    )
    for event in (demo.slug, second.slug):
        add_ticket_type(station.store, event, name="Day pass", price_cents=0)

    async def ready(pilot: Any) -> None:
        form = await walk_in_form(pilot)
        kind = form.query_one("#walkin-type", Select)
        await wait_for(lambda: len(form.types) == 5, pilot)
        kind.focus()
        await pilot.press("enter")  # the list of ticket types drops down
        await wait_for(lambda: kind.expanded, pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Sam Desk", mode="desk", event=f"{demo.slug},{second.slug}")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@by_size
def test_desk_cancel_offers_refund(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """^X on a paid ticket: what was paid, "cancel and refund", "without refund", "keep"."""
    ticket = paid_ticket(station)

    async def ready(pilot: Any) -> None:
        screen = await desk_opened(pilot)
        await desk_choose(pilot, screen, ticket, "cancel_ticket")
        await pilot.press("ctrl+x")
        await wait_for(lambda: isinstance(pilot.app.screen, CancelScreen), pilot)
        await settle(pilot)

    app = app_for(station, sign_in_as="Olivia Organizer", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)


@by_size
def test_desk_asks_a_lists_questions(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """A desk on the demo's VIP Lounge list (its top line says so): ^K on a paid VIP ticket
    asks the list's question before it admits, the banner says why."""
    import dataclasses

    from screens.desk.questions import QuestionsScreen
    from tests.snapshots.test_snapshots_screens import waiting_at_door

    vip = waiting_at_door(station, "VIP", paid=True)
    on_list = dataclasses.replace(
        station, config=dataclasses.replace(station.config, checkin_list="vip-lounge")
    )

    async def ready(pilot: Any) -> None:
        screen = await desk_opened(pilot)
        await desk_choose(pilot, screen, vip, "check_in")
        await pilot.press("ctrl+k")
        await wait_for(lambda: isinstance(pilot.app.screen, QuestionsScreen), pilot)
        await settle(pilot)

    app = app_for(on_list, sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)

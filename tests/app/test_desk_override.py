"""A supervisor's override at the desk (Ctrl+Y, shown while the banner says a refusal it may
override): the dialog lists the accounts that may override, takes the PIN and a reason; a wrong
PIN is said in the dialog, nothing admitted; the right one admits, and the banner says who
overrode and why. Fits an 80x24 terminal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input, Select, Static

from eventdesk.models import ScanLog
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people.auth import add_staff
from screens.desk.override import OverrideScreen
from tests.app.test_app_desk import admissible, banner, banner_text, choose, desk_app, opened
from tests.apptools import DemoStation, click, options_of, wait_for

pytestmark = pytest.mark.asyncio
SUPERVISOR = "Olga Override"


async def test_a_supervisor_overrides_a_refusal_at_the_desk(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    add_staff(store, name=SUPERVISOR, role="staff", pin="4321", can_override=True)
    ticket = admissible(store, event)[0]
    app = desk_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        assert not screen.check_action("override", ())  # no refusal: no key
        await choose(pilot, screen, ticket)
        await pilot.press("ctrl+k")
        await wait_for(lambda: banner(screen).has_class("-ok"), pilot)
        await wait_for(lambda: screen.why_not("check_in") is None, pilot)
        await pilot.press("ctrl+k")  # again: already checked in
        await wait_for(lambda: banner(screen).has_class("-warn"), pilot)
        await wait_for(lambda: bool(screen.check_action("override", ())), pilot)

        await pilot.press("ctrl+y")
        await wait_for(lambda: isinstance(app.screen, OverrideScreen), pilot)
        dialog = app.screen
        assert isinstance(dialog, OverrideScreen)
        chooser = dialog.query_one("#override-supervisor", Select)
        names = [str(label) for label, _value in options_of(chooser)]
        assert SUPERVISOR in " ".join(names) and "Sam Desk" not in " ".join(names)
        for part in ("#override-supervisor", "#override-pin", "#override-reason", "#override-save"):
            await wait_for(lambda part=part: dialog.query_one(part).region.area > 0, pilot)
            assert dialog.region.contains_region(dialog.query_one(part).region), part
        chooser.value = SUPERVISOR
        dialog.query_one("#override-pin", Input).value = "9999"
        await click(pilot, "#override-save")
        problem = dialog.query_one("#override-problem", Static)
        await wait_for(lambda: "PIN is wrong" in str(problem.render()), pilot)
        assert app.screen is dialog

        dialog.query_one("#override-pin", Input).value = "4321"
        await click(pilot, "#override-save")
        await wait_for(lambda: app.screen is screen, pilot)
        await wait_for(lambda: banner(screen).has_class("-ok"), pilot)
        said = banner_text(screen)
        assert f"override by {SUPERVISOR}: wristband broke" in said, said

    with store.read() as session:
        answers = [
            json.loads(a)
            for a in session.scalars(
                select(ScanLog.answer).where(
                    ScanLog.ticket_id == ticket.id, ScanLog.answer.is_not(None)
                )
            )
        ]
    marks: list[Any] = [a["override"] for a in answers if "override" in a]
    assert marks == [
        {
            "by": SUPERVISOR,
            "reason": "wristband broke",
            "refused": "already_checked_in",
            "rule": None,
        }
    ]


async def test_the_stats_screen_counts_the_overrides_among_the_problems(
    station: DemoStation,
) -> None:
    from screens.app import make_app
    from screens.stats.bars import BarList
    from screens.stats.screen import StatsScreen
    from tests.app.test_app_stats import unchecked_paid_ticket

    store = station.store
    add_staff(store, name=SUPERVISOR, role="staff", pin="4321", can_override=True)
    door = Checkin(store, station="Desk 9")
    ticket = unchecked_paid_ticket(store)
    door.checkin_ticket(ticket)  # admitted, or refused (the demo's day): either way, again...
    made = door.override(ticket, supervisor=SUPERVISOR, pin="4321", reason="wristband broke")
    assert made.override is not None and made.override.by == SUPERVISOR  # ...is overridden
    from eventdesk.services.stats.reports import stats

    assert stats(store, station.summary.event).scan_problems.get("override") == 1
    app = make_app(config=station.config, store=store, sign_in_as="Sam Desk", mode="stats")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_for(lambda: screen.figures is not None, pilot)
        problems = screen.query_one("#scan-problems", BarList)
        # Its row (however many other problems the demo's day has, above or below it).
        await wait_for(
            lambda: ("override", 1) in [(r.label, r.value) for r in problems.rows], pilot
        )

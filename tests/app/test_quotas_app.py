"""The organizer's Program tab shows the stations' quotas of each ticket type (given, sold,
left) and gives one ("Give quota"), on SQLite and PostgreSQL; a quota past the type's places
is refused in the form, with nothing given."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.services.catalogue import events, program
from eventdesk.services.data.demo import build_demo
from eventdesk.services.stations import quota
from screens.app import make_app
from tests.app.test_app_organizer import (
    cell_texts,
    choose,
    form,
    opened,
    refused,
    saved,
    submit,
)
from tests.apptools import wait_for

pytestmark = pytest.mark.asyncio


async def test_the_program_tab_shows_and_gives_the_stations_quotas(
    db_url: str, store: Store, tmp_path: Path
) -> None:
    summary = build_demo(store, attendee_count=10, seed=3)
    slug = summary.event
    regular = next(t for t in program.list_ticket_types(store, slug) if t.name == "Regular")
    events.update_event(store, slug, clear_capacity=True)  # the type's places count here
    program.update_ticket_type(store, slug, regular.id, quantity=regular.registered + 5)
    config = load_config(data_dir=tmp_path / "data", database_url=db_url, station="Office")
    app = make_app(config=config, store=store, sign_in_as="Olivia Organizer", mode="organizer")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-program")
        await choose(pilot, screen, "types-table", "Regular")
        dialog = await form(pilot, "type-quota")
        await submit(pilot, dialog, station="Desk 7", places="6")
        assert "only 5 place(s) of Regular" in await refused(pilot, dialog, "places")
        assert quota.quotas(store, slug) == []
        await submit(pilot, dialog, places="3")
        await saved(pilot)
        await wait_for(
            lambda: any(
                "Desk 7: 3 given, 0 sold, 3 left" in row
                for row in cell_texts(screen, "types-table")
            ),
            pilot,
        )
    [given] = quota.quotas(store, slug)
    assert (given.station, given.ticket_type, given.places, given.sold) == (
        "Desk 7",
        "Regular",
        3,
        0,
    )

"""A shop's code at the desk (docs/cli.md, "Reports, stats, import and export, backups"): a
wedge scanner types an Eventbrite barcode into Search, as it types any line that is none of
ours, and Enter decides it as a scan of that code, online and, at a desk's own login whose
server is cut, from the station's copy; the card names the shop's order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input

from eventdesk.db import Store
from eventdesk.models import Ticket
from eventdesk.services.data.shop_export import import_tickets
from eventdesk.services.people.registration import show_ticket
from screens.desk.screen import DeskScreen
from screens.messages import ScanDecided
from testkit.proxy import TcpProxy
from tests.app.test_app_desk import (
    banner_text,
    card_text,
    desk_app,
    hook,
    opened,
    scanner_types,
)
from tests.app.test_desk_several_events_offline import two_event_app
from tests.app.test_desk_typed_codes import logged, type_slowly
from tests.app.test_offline_door import has_copy, until
from tests.apptools import DemoStation, wait_for
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.door.test_shop_tickets import EVENTBRITE, barcode, eventbrite_row, write_csv

__all__ = ["backend_fixed", "proxy"]  # fixtures
pytestmark = pytest.mark.asyncio


def shop_ticket(store: Store, event: str, folder: Path, name: tuple[str, str]) -> str:
    """One Eventbrite ticket of ``name`` imported for ``event``: its barcode."""
    code = barcode()
    first, last = name
    row = eventbrite_row("5001", first, last, f"{first}.{last}@example.org".lower(), code)
    done = import_tickets(
        store, write_csv(folder / "eb.csv", EVENTBRITE, [row]), event, shop="eventbrite"
    )
    assert done.created == 1, done
    return code


async def test_a_barcode_typed_into_search_is_decided_as_its_scan(
    station: DemoStation, tmp_path: Path
) -> None:
    store, event = station.store, station.summary.event
    code = shop_ticket(store, event, tmp_path, ("Ines", "Barcode"))
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)
        search.focus()
        await type_slowly(pilot, code)
        await pilot.press("enter")
        await wait_for(lambda: bool(messages), pilot)
        [answer] = messages
        assert (answer.payload, answer.result.result) == (code, "ok"), answer.result
        await wait_for(lambda: "Ines Barcode" in banner_text(screen), pilot)
        # The card names the shop's order, as the shop's e-mail to the person does.
        await wait_for(lambda: "eventbrite order 5001" in card_text(screen), pilot)
        assert "paid in eventbrite" in card_text(screen) and "free ticket" not in card_text(screen)
        ticket_id = answer.result.ticket_id
        assert ticket_id and show_ticket(store, ticket_id).checked_in_at is not None
        assert logged(screen, ticket_id) == [(code, "ok")]


@POSTGRESQL
async def test_a_barcode_typed_offline_is_found_in_the_copy(
    backend_fixed: None, db_url: str, store: Store, proxy: TcpProxy, tmp_path: Path
) -> None:
    codes: list[str] = []

    def before(first: str, second: str) -> None:
        codes.append(shop_ticket(store, second, tmp_path, ("Olga", "Offline")))

    with two_event_app(db_url, store, proxy, tmp_path, before=before) as desk:
        app = desk.app
        messages: list[Any] = []
        async with app.run_test(
            size=(120, 40), message_hook=hook((ScanDecided,), messages)
        ) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DeskScreen))
            screen = app.screen
            assert isinstance(screen, DeskScreen)
            await until(pilot, has_copy(app))
            proxy.cut()
            await until(pilot, lambda: app.backend.offline)
            screen.query_one("#search", Input).focus()
            await type_slowly(pilot, codes[0])
            await pilot.press("enter")
            await until(pilot, lambda: bool(messages))
            [answer] = messages
            assert (answer.result.result, answer.result.offline) == ("ok", True), answer.result
            await until(pilot, lambda: "Olga Offline" in banner_text(screen))
            await until(pilot, lambda: "eventbrite order 5001" in card_text(screen))


async def test_the_card_says_what_the_shop_says_of_its_ticket(
    station: DemoStation, tmp_path: Path
) -> None:
    """A ticket whose order awaits the shop's approval is refused saying so, and its card says
    it waits; an add-on's card names the ticket it was bought with (services.data.pretix)."""
    store, event = station.store, station.summary.event
    held, extra = barcode(), barcode()
    rows = [
        eventbrite_row("5001", "Hana", "Held", "hana.held@example.org", held),
        eventbrite_row("5002", "Ari", "Addon", "ari.addon@example.org", extra),
    ]
    done = import_tickets(
        store, write_csv(tmp_path / "eb.csv", EVENTBRITE, rows), event, shop="eventbrite"
    )
    assert done.created == 2, done
    with store.write() as session:
        parent = session.scalars(select(Ticket).where(Ticket.qr_payload == held)).one()
        parent.shop_hold = "approval"
        add_on = session.scalars(select(Ticket).where(Ticket.qr_payload == extra)).one()
        add_on.parent_id = parent.id
        parent_id = parent.id
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        await scanner_types(pilot, held)  # a scanner's burst: decided as a scan
        await wait_for(lambda: bool(messages), pilot)
        assert messages[0].result.result == "not_yet_valid", messages[0].result
        await wait_for(lambda: "not approved this order yet" in banner_text(screen), pilot)
        await wait_for(lambda: "awaiting the shop's approval" in card_text(screen), pilot)

        await scanner_types(pilot, extra)
        await wait_for(lambda: len(messages) == 2, pilot)
        assert messages[1].result.result == "ok", messages[1].result
        await wait_for(lambda: f"add-on to {parent_id}" in card_text(screen), pilot)

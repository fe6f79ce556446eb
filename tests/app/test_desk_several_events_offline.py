"""The desk at a door for several events, its server cut (a loopback proxy the test cuts), run
by a desk's own PostgreSQL login: from the station's copy its search finds the holder of a
ticket of the door's second event, with where that ticket stands (its event named), the card
shows that ticket, and Check in admits it offline; when the server is back, the station's
upload logs the admission under the second event. Its walk-in, as a desk's own login and as the
organizer's, sells from the quota of either event's type, named with its event, into that
event."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from textual.notifications import Notify
from textual.widgets import Input, Select

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.errors import NotFound
from eventdesk.models import Event, ScanLog
from eventdesk.opening import open_store
from eventdesk.services.catalogue.events import show_event, update_event
from eventdesk.services.catalogue.program import add_ticket_type, list_ticket_types
from eventdesk.services.data.demo import build_demo
from eventdesk.services.people.attendees import show_attendee
from eventdesk.services.people.registration import TicketInfo, tickets_of_attendee
from eventdesk.services.stations import quota
from eventdesk.tickets import ensure_keys, load_signer
from eventdesk.values import utcnow
from screens.app import EventdeskApp, make_app
from screens.desk.forms import WalkInScreen
from screens.desk.screen import DeskScreen
from screens.messages import ScanDecided
from testkit.proxy import TcpProxy
from tests.app.test_app_desk import banner_text, card_text, search_for
from tests.app.test_app_kiosk import hook
from tests.app.test_desk_several_events import event_beside, offered, statuses
from tests.app.test_offline_door import has_copy, offline_line, until
from tests.apptools import STATION
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.helpers import station_logins

__all__ = ["backend_fixed", "proxy"]  # fixtures
PASSWORD = "pw-several-copy"


@dataclass
class TwoEventDesk:
    """The demo event and a second one on the test's server, a person holding only the second
    one's ticket, and the app at a door for both, as the desk's own login through the proxy."""

    second: str
    ticket_id: str
    app: EventdeskApp


@contextmanager
def two_event_app(
    db_url: str,
    store: Store,
    proxy: TcpProxy,
    tmp_path: Path,
    login: str = "desk",
    before: Callable[[str, str], None] | None = None,
) -> Iterator[TwoEventDesk]:
    """The app at a door for the demo event and a second one, as ``login`` (a desk's own, or
    the organizer's) through the proxy; ``before`` prepares the two events (their slugs)
    before the station starts."""
    data = tmp_path / "data"
    data.mkdir()
    ensure_keys(store, data, STATION)
    store.signer = load_signer(data)
    # A station's own login is held to the server's clock: the demo's day is today.
    summary = build_demo(store, attendee_count=20, seed=7, station=STATION, now=utcnow())
    second, ticket_id = event_beside(store, summary.event, "Copy Festival Saturday")
    if before is not None:
        before(summary.event, second)
    with station_logins(db_url, store, "several", PASSWORD) as names:
        url = make_url(db_url).set(host="127.0.0.1", port=proxy.port)
        if login == "desk":
            url = url.set(username=names["desk"], password=PASSWORD)
        config = load_config(
            data_dir=data, database_url=url.render_as_string(hide_password=False), station="Desk 1"
        ).with_options(event=f"{summary.event},{second}")
        app_store = open_store(config)
        try:
            app = make_app(config=config, store=app_store, sign_in_as="Sam Desk", mode="desk")
            yield TwoEventDesk(second, ticket_id, app)
        finally:
            app_store.dispose()


@pytest.fixture
def two_event_desk(
    db_url: str, store: Store, proxy: TcpProxy, tmp_path: Path
) -> Iterator[TwoEventDesk]:
    with two_event_app(db_url, store, proxy, tmp_path) as made:
        yield made


def logged_ok(store: Store, ticket_id: str) -> list[tuple[str, bool]]:
    """The server's scan log: each admission of the ticket, its event and whether offline."""
    with store.read() as session:
        rows = session.execute(
            select(Event.slug, ScanLog.offline)
            .join(ScanLog, ScanLog.event_id == Event.id)
            .where(ScanLog.ticket_id == ticket_id, ScanLog.result == "ok")
        ).all()
    return [(slug, bool(offline)) for slug, offline in rows]


@POSTGRESQL
@pytest.mark.asyncio
async def test_the_desk_offline_finds_and_admits_a_ticket_of_the_doors_second_event_from_its_copy(
    backend_fixed: None, store: Store, proxy: TcpProxy, two_event_desk: TwoEventDesk
) -> None:
    app, second, ticket_id = two_event_desk.app, two_event_desk.second, two_event_desk.ticket_id
    decisions: list[ScanDecided] = []
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        await until(pilot, has_copy(app))
        proxy.cut()
        await search_for(pilot, screen, "Sabine Samstag")
        await until(pilot, lambda: statuses(screen) == {"Sabine Samstag": f"not yet · {second}"})
        await until(
            pilot,
            lambda: (
                screen.card is not None
                and screen.card.copied_at is not None
                and ticket_id in card_text(screen)
            ),
        )
        card = card_text(screen)
        assert "STATION'S COPY" in card
        assert "Copy Festival Saturday" in card  # the ticket's event named
        assert "no ticket for this event" not in card

        await pilot.press("ctrl+k")
        await until(pilot, lambda: len(decisions) >= 1 and "ADMITTED" in banner_text(screen))
        result: Any = decisions[-1].result
        assert (result.result, result.ticket_id, result.offline) == ("ok", ticket_id, True)
        await until(pilot, lambda: "1 scan waiting" in offline_line(app))
        assert logged_ok(store, ticket_id) == []  # the server has not heard of it yet
        proxy.restore()
        await until(pilot, lambda: offline_line(app) == "")  # synced
    assert logged_ok(store, ticket_id) == [(second, True)]  # admitted under its own event


def day_passes(store: Store, demo: str, second: str) -> None:
    """Both events sell a free "Day pass", and this station may sell two of each offline."""
    update_event(store, demo, clear_capacity=True)  # the demo's event is full
    add_ticket_type(store, demo, name="Day pass", price_cents=0)
    for event in (demo, second):
        quota.give(store, event, "Day pass", "Desk 1", 2)


@POSTGRESQL
@pytest.mark.asyncio
@pytest.mark.parametrize("login", ["desk", "organizer"])
async def test_the_offline_walk_in_at_a_door_for_several_events_sells_into_the_event_chosen(
    backend_fixed: None, db_url: str, store: Store, proxy: TcpProxy, tmp_path: Path, login: str
) -> None:
    """Its server cut, the desk's walk-in offers each event's types it has a quota of, named
    with their event, and sells from the quota of the type chosen, in its event: said so, and
    uploaded as that event's ticket, admitted under it, when the server is back."""
    seen: list[Any] = []

    def before(demo: str, second: str) -> None:
        day_passes(store, demo, second)

    with two_event_app(db_url, store, proxy, tmp_path, login, before) as made:
        app, second = made.app, made.second
        async with app.run_test(size=(120, 40), message_hook=hook((Notify,), seen)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DeskScreen))
            await until(pilot, has_copy(app))
            demo = app.backend.admitted[0]
            passes = {
                e: next(t.id for t in list_ticket_types(store, e) if t.name == "Day pass")
                for e in (demo, second)
            }
            titles = {e: show_event(store, e).title for e in (demo, second)}
            proxy.cut()
            await until(pilot, lambda: app.backend.offline)
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
            form = app.screen
            assert isinstance(form, WalkInScreen)
            await until(pilot, lambda: len(offered(form)) == 2)
            assert offered(form) == {
                passes[e]: f"Day pass · {titles[e]} · free · 2 left offline" for e in passes
            }
            form.query_one("#walkin-name", Input).value = "Olga Offline"
            form.query_one("#walkin-email", Input).value = "olga.offline@example.org"
            form.query_one("#walkin-type", Select).value = passes[second]
            await pilot.pause()
            form.action_save()
            await until(pilot, lambda: any("Olga Offline" in said for said in notices(seen)))
            [said] = [text for text in notices(seen) if "Olga Offline" in text]
            assert "Day pass · Copy Festival Saturday" in said, said
            assert "1 left to sell offline for Day pass · Copy Festival Saturday." in said, said
            proxy.restore()
            await until(pilot, lambda: offline_line(app) == "")  # synced
            await until(pilot, lambda: bool(sold_to(store, "olga.offline@example.org")))
    [ticket] = sold_to(store, "olga.offline@example.org")
    assert (ticket.event, ticket.ticket_type) == (second, "Day pass")
    assert ticket.checked_in_at is not None
    assert logged_ok(store, ticket.id) == [(second, True)]  # admitted under its own event
    assert [(q.places, q.sold) for q in quota.quotas(store, second, "Desk 1")] == [(1, 1)]
    assert [(q.places, q.sold) for q in quota.quotas(store, demo, "Desk 1")] == [(2, 0)]


def notices(seen: list[Any]) -> list[str]:
    return [m.notification.message for m in seen if isinstance(m, Notify)]


def sold_to(store: Store, email: str) -> list[TicketInfo]:
    """The tickets of the person with ``email`` on the server (none before the upload)."""
    try:
        person = show_attendee(store, email)
    except NotFound:
        return []
    return tickets_of_attendee(store, person.id)

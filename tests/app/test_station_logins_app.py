"""The app as a station's own PostgreSQL login runs it (docs/operators-guide.md, "Roles for many
stations"): a desk's login checks people in at the desk by scan and by hand, a door's login
welcomes them at the kiosk; and a scan that cannot be decided (here: a login used under another
station's name, refused by the server) is answered on the screen at once, never left at
"Checking…"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from textual.notifications import Notification
from textual.widgets import Input, Static

from eventdesk.config import Config, load_config
from eventdesk.db import Store
from eventdesk.opening import open_store
from eventdesk.services.catalogue.events import update_event
from eventdesk.services.data.demo import build_demo
from eventdesk.services.people.attendees import set_attendee_pin
from eventdesk.services.people.registration import TicketInfo
from eventdesk.tickets import ensure_keys, load_signer
from eventdesk.values import utcnow
from screens.app import EventdeskApp, make_app
from screens.desk.messages import Failed
from screens.desk.screen import DeskScreen
from screens.kiosk.answer import KioskAnswer
from screens.messages import ScanDecided
from testkit.proxy import TcpProxy
from tests.app.test_app_kiosk import admissible, answer_of, event_tickets, hook, started
from tests.app.test_app_kiosk import scan_with_wedge as kiosk_scan
from tests.apptools import STATION, click, notifications_of, wait_for
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import station_logins
from tests.offline_tools import DoorStation

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "pw-app-logins"
LONG = 60.0


@dataclass
class Logins:
    """A demo event on the test's server, and a station's login of each kind for it."""

    event: str
    tickets: list[TicketInfo]  # tickets the door admits, not checked in yet
    urls: dict[str, str]  # kind -> the login's URL
    data: Path
    owner: Store


@pytest.fixture
def logins(db_url: str, store: Store, tmp_path: Path) -> Iterator[Logins]:
    data = tmp_path / "data"
    data.mkdir()
    ensure_keys(store, data, STATION)
    store.signer = load_signer(data)
    # A station's own login is held to the server's clock: the demo's day is today, whatever
    # the tests' demo clock says (the door is open from the day before to midnight after it).
    summary = build_demo(store, attendee_count=40, seed=7, station=STATION, now=utcnow())
    tickets = admissible(store, event_tickets(store, summary.event))[:4]
    assert len(tickets) == 4
    with station_logins(db_url, store, "app", PASSWORD) as names:
        urls = {
            kind: make_url(db_url)
            .set(username=name, password=PASSWORD)
            .render_as_string(hide_password=False)
            for kind, name in names.items()
        }
        yield Logins(summary.event, tickets, urls, data, store)


def app_as(logins: Logins, kind: str, station: str, who: str, mode: str) -> EventdeskApp:
    config: Config = load_config(
        data_dir=logins.data / station.replace(" ", "-"),
        database_url=logins.urls[kind],
        station=station,
    ).with_options(event=logins.event)
    return make_app(config=config, store=open_store(config), sign_in_as=who, mode=mode)


def admitted_at(logins: Logins, ticket_id: str) -> Any:
    with logins.owner.connect() as conn:
        return conn.execute(
            text("SELECT checked_in_station FROM ticket WHERE id = :t"), {"t": ticket_id}
        ).scalar()


async def desk_scan(pilot: Any, screen: DeskScreen, payload: str) -> None:
    field = screen.query_one("#scan", Input)
    field.focus()
    await wait_for(lambda: pilot.app.focused is field, pilot)
    field.value = payload
    await pilot.press("enter")


def once(messages: list[Failed]) -> list[Failed]:
    """Each message once (the hook sees it at the screen and again at the app)."""
    return list({id(message): message for message in messages}.values())


def banner_of(screen: DeskScreen) -> Static:
    return screen.query_one("#banner", Static)


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_desks_own_login_checks_in_by_scan_and_by_hand(
    backend_fixed: None, logins: Logins
) -> None:
    by_scan, by_hand = logins.tickets[:2]
    app = app_as(logins, "desk", "Desk 1", "Sam Desk", "desk")
    decisions: list[ScanDecided] = []
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot, timeout=LONG)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        banner = banner_of(screen)
        await desk_scan(pilot, screen, by_scan.qr_payload or "")
        await wait_for(lambda: len(decisions) == 1 and banner.has_class("-ok"), pilot, timeout=LONG)
        assert by_scan.attendee in str(banner.render())
        assert admitted_at(logins, by_scan.id) == "Desk 1"
        # By hand: found by the ticket id, checked in with Ctrl+K.
        search = screen.query_one("#search", Input)
        search.focus()
        search.value = by_hand.id
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == by_hand.attendee_id,
            pilot,
            timeout=LONG,
        )
        await pilot.press("ctrl+k")
        await wait_for(lambda: len(decisions) == 2 and banner.has_class("-ok"), pilot, timeout=LONG)
        result = decisions[1].result
        assert (result.result, result.ticket_id, result.offline) == ("ok", by_hand.id, False)
        assert admitted_at(logins, by_hand.id) == "Desk 1"


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_doors_own_login_welcomes_at_the_kiosk(backend_fixed: None, logins: Logins) -> None:
    ticket = logins.tickets[2]
    app = app_as(logins, "door", "Door 1", "Kiosk Door 1", "kiosk")
    shown: list[KioskAnswer.Shown] = []
    async with app.run_test(size=(80, 24), message_hook=hook((KioskAnswer.Shown,), shown)) as pilot:
        await started(app, pilot)
        await kiosk_scan(pilot, ticket.qr_payload or "")
        panel = answer_of(app)
        await wait_for(lambda: panel.display, pilot, timeout=LONG)
        assert shown, panel.plain()
        assert shown[0].verdict == "ok" and ticket.attendee.split()[0] in shown[0].text
        assert admitted_at(logins, ticket.id) == "Door 1"


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_scan_the_server_refuses_is_answered_on_the_desk_never_left_checking(
    backend_fixed: None, logins: Logins
) -> None:
    """The desk's login used under another station's name: the server refuses each check-in.
    The banner says so as soon as the server has, by scan and by hand; nothing changed."""
    by_scan, by_hand = logins.tickets[:2]
    app = app_as(logins, "desk", "Desk 9", "Sam Desk", "desk")
    failed: list[Failed] = []
    async with app.run_test(size=(80, 24), message_hook=hook((Failed,), failed)) as pilot:
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot, timeout=LONG)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        banner = banner_of(screen)
        await desk_scan(pilot, screen, by_scan.qr_payload or "")
        await wait_for(
            lambda: len(once(failed)) == 1 and banner.has_class("-bad"), pilot, timeout=LONG
        )
        said = str(banner.render())
        assert "Not decided" in said and "Desk 1's, not Desk 9's" in said, said
        assert "Nothing was changed" in said
        search = screen.query_one("#search", Input)
        search.focus()
        search.value = by_hand.id
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.id == by_hand.attendee_id,
            pilot,
            timeout=LONG,
        )
        await pilot.press("ctrl+k")
        await wait_for(lambda: len(once(failed)) == 2, pilot, timeout=LONG)
        second = once(failed)[1]
        assert second.decision and "Desk 1's, not Desk 9's" in second.text
        said = str(banner.render())
        assert banner.has_class("-bad") and "Not decided" in said and "Checking" not in said
        assert not screen.scanning
    assert admitted_at(logins, by_scan.id) is None and admitted_at(logins, by_hand.id) is None


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_scan_the_server_refuses_sends_the_attendee_to_the_desk_at_the_kiosk(
    backend_fixed: None, logins: Logins
) -> None:
    ticket = logins.tickets[3]
    app = app_as(logins, "door", "Door 9", "Kiosk Door 1", "kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        await kiosk_scan(pilot, ticket.qr_payload or "")
        panel = answer_of(app)
        await wait_for(lambda: panel.display and panel.verdict == "warn", pilot, timeout=LONG)
        said = panel.plain()
        assert "Please see the desk" in said and "Door 1's, not Door 9's" in said, said
    assert admitted_at(logins, ticket.id) is None


@POSTGRESQL
@pytest.mark.asyncio
async def test_offline_scans_the_server_refused_are_a_notice_that_stays_on_the_station(
    backend_fixed: None, logins: Logins, proxy: TcpProxy, tmp_path: Path
) -> None:
    """A door admitted from its copy while the server was away; meanwhile the organizer moved
    the event to next year, and the server refuses the admission when the app uploads it: the
    kiosk's screen says so in a notice that stays until someone dismisses it."""
    ticket = logins.tickets[3]
    url = make_url(logins.urls["door"]).set(host="127.0.0.1", port=proxy.port)
    door = DoorStation(
        "Door 1", logins.data / "Door-1", url.render_as_string(hide_password=False), 1.0
    )
    assert door.run("sync").code == 0
    proxy.stall()
    admitted = door.run("checkin", "--event", logins.event, ticket.qr_payload or "")
    assert (admitted.json["result"], admitted.json["offline"]) == ("ok", True), admitted.err
    later = utcnow() + timedelta(days=400)
    update_event(
        logins.owner,
        logins.event,
        starts=later.isoformat(),
        ends=(later + timedelta(hours=8)).isoformat(),
    )
    proxy.unstall()
    config = load_config(
        data_dir=door.data_dir, database_url=door.url, station="Door 1"
    ).with_options(event=logins.event)
    app = make_app(config=config, store=open_store(config), sign_in_as="Kiosk Door 1", mode="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)

        def notices() -> list[Notification]:
            return [n for n in notifications_of(app) if n.title == "Offline scans refused"]

        await wait_for(lambda: bool(notices()), pilot, timeout=LONG)
        [notice] = notices()
        assert "refused 1 scan" in notice.message and "not_yet_valid" in notice.message
        assert notice.timeout >= 3600  # stays until it is dismissed
    assert admitted_at(logins, ticket.id) is None


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_doors_own_login_checks_in_by_email_and_pin_at_the_kiosk(
    backend_fixed: None, logins: Logins
) -> None:
    """The kiosk's "check in with your e-mail and PIN" on a door's login: the server checked
    the attendee's own PIN for this door, so it admits that attendee's ticket by its id (and
    a door's login admits by id nothing else)."""
    ticket = logins.tickets[0]
    set_attendee_pin(logins.owner, ticket.attendee_id, "97531")
    app = app_as(logins, "door", "Door 1", "Kiosk Door 1", "kiosk")
    decisions: list[ScanDecided] = []
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await started(app, pilot)
        await click(pilot, "#lookup-open")
        email_field = screen.query_one("#email", Input)
        await wait_for(lambda: app.focused is email_field, pilot, timeout=LONG)
        await pilot.press(*ticket.email, "enter")
        await pilot.press(*"97531", "enter")
        await wait_for(lambda: len(decisions) >= 1, pilot, timeout=LONG)
        result = decisions[0].result
        assert (result.result, result.ticket_id, result.offline) == ("ok", ticket.id, False)
    assert admitted_at(logins, ticket.id) == "Door 1"

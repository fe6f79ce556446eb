"""The organizer's Stations tab (docs/app.md; docs/operators-guide.md, "Roles for many
stations"), driven by Pilot on a real PostgreSQL server: a door's login made on it, bound to
the door's event, is on the server as made, and the server refuses it another event's ticket
(its own event's it admits); "Events…" changes what it admits; a refusal of the services is
said, never a traceback; "Revoke station" ends the station, lists whose PINs it gives away and
resets them, showing the new PINs once; "Remove login" takes a login away. On an SQLite file
the tab says, in the services' words, that it has no logins."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from textual.notifications import Notify
from textual.widgets import DataTable, RadioButton, RadioSet, SelectionList, Static

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.errors import WrongPin
from eventdesk.grants import role_exists
from eventdesk.services.catalogue import events, program
from eventdesk.services.data.demo import build_demo
from eventdesk.services.people import auth
from eventdesk.services.people.attendees import add_attendee
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.stations import roles
from eventdesk.tickets import ensure_keys, load_signer
from eventdesk.values import utcnow
from screens.app import make_app
from screens.organizer import OrganizerScreen
from screens.organizer.station_pins import PinsScreen
from tests.app.test_app_kiosk import admissible, event_tickets
from tests.app.test_app_organizer import (
    cell_texts,
    choose,
    confirm,
    form,
    hook,
    notified,
    opened,
    organizer_app,
    press,
    refused,
    saved,
    submit,
)
from tests.apptools import STATION, DemoStation, wait_for
from tests.conftest import _RUN
from tests.door.test_outage import POSTGRESQL, backend_fixed

__all__ = ["backend_fixed"]  # a fixture
pytestmark = pytest.mark.asyncio
PASSWORD = "pw-stations-tab"


@pytest.fixture
def login_name(db_url: str) -> Iterator[str]:
    """A name for a station's login made in the test: roles are the whole server's, so the
    name is the run's and the worker's; the role is dropped after (and before)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"tab_{_RUN[:8]}_{worker}"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')

    drop()
    try:
        yield name
    finally:
        drop()
        admin.dispose()


def other_event_ticket(store: Store) -> tuple[str, str, str]:
    """Another event, open now, with a free ticket: its slug, the ticket's id and payload."""
    now = utcnow().replace(microsecond=0)
    other = events.create_event(
        store,
        name="Harbour Night",
        starts=now - timedelta(hours=1),
        ends=now + timedelta(hours=5),
        timezone="UTC",
    )
    program.add_ticket_type(store, other.slug, name="Free", price_cents=0)
    person = add_attendee(store, name="Otto Other", email="otto.other@example.org")
    ticket = register(store, other.slug, person.id, "Free").tickets[0].ticket_id
    payload = show_ticket(store, ticket).qr_payload
    assert payload
    return other.slug, ticket, payload


def admit_as(db_url: str, login: str, station: str, ticket: str, payload: str) -> int:
    """The server's admit, called as the station's login would call it (1: admitted)."""
    url = make_url(db_url).set(username=login, password=PASSWORD)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            done = conn.execute(
                text("SELECT station_api.admit(:s, :t, now(), :p, false, false)"),
                {"s": station, "t": ticket, "p": payload},
            ).scalar_one()
            conn.commit()
            return int(done)
    finally:
        engine.dispose()


def tick(dialog: Any, *values: str) -> None:
    """Only ``values`` ticked in the form's events chooser."""
    chooser = dialog.query_one("#f-events", SelectionList)
    chooser.deselect_all()
    for value in values:
        chooser.select(value)


def pins_shown(screen: PinsScreen) -> dict[str, str]:
    """The new PINs a PinsScreen shows, by name."""
    grid = screen.query_one("#pins-table", DataTable)
    rows = [[str(cell) for cell in grid.get_row_at(i)] for i in range(grid.row_count)]
    return {row[0]: row[2] for row in rows}


@POSTGRESQL
async def test_a_login_made_on_the_tab_admits_only_its_events_and_its_station_is_revoked(
    backend_fixed: None, db_url: str, store: Store, tmp_path: Path, login_name: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    ensure_keys(store, data, STATION)
    store.signer = load_signer(data)
    # The server's admit is held to its own clock: the demo's event runs today.
    summary = build_demo(store, attendee_count=20, seed=5, station=STATION, now=utcnow())
    mine = admissible(store, event_tickets(store, summary.event))[:2]
    other, other_ticket, other_payload = other_event_ticket(store)
    # The door's event named: two events run now.
    config = load_config(data_dir=data, database_url=db_url, station=STATION).with_options(
        event=summary.event
    )
    app = make_app(config=config, store=store, sign_in_as="Olivia Organizer", mode="organizer")
    said: list[Notify] = []
    async with app.run_test(size=(120, 40), message_hook=hook(said)) as pilot:
        screen = await opened(pilot, "tab-stations")
        caption = screen.query_one("#stations-caption", Static)
        await wait_for(lambda: "admits only its events" in str(caption.render()), pilot)

        # A new door's login, bound to the door's event.
        dialog = await form(pilot, "station-login-new")
        assert dialog.query_one("#f-kind", RadioSet).pressed_button is not None  # door
        await submit(
            pilot,
            dialog,
            login=login_name,
            station="Door 6",
            password=PASSWORD,
            password_again=PASSWORD + "x",
        )
        assert "differ" in await refused(pilot, dialog, "password_again")
        tick(dialog)
        await submit(pilot, dialog, password_again=PASSWORD)
        assert "tick the events" in await refused(pilot, dialog, "events")
        assert all(b.login != login_name for b in roles.listed(store))  # nothing made yet
        tick(dialog, summary.event, "*")
        await submit(pilot, dialog)
        assert "not both" in await refused(pilot, dialog, "events")
        tick(dialog, summary.event)
        await submit(pilot, dialog)
        await saved(pilot)
        made = next(b for b in roles.listed(store) if b.login == login_name)
        assert (made.station, made.kind, made.events) == ("Door 6", "door", (summary.event,))
        await wait_for(
            lambda: any(login_name in r for r in cell_texts(screen, "stations-table")),
            pilot,
        )
        [row] = [r for r in cell_texts(screen, "stations-table") if login_name in r]
        title = events.show_event(store, summary.event).title
        assert row.endswith(f"door | {title}")  # the event it admits, by its title

        # The server refuses the login another event's ticket; its own event's it admits.
        with pytest.raises(DBAPIError, match="not one this station's login admits"):
            admit_as(db_url, login_name, "Door 6", other_ticket, other_payload)
        assert admit_as(db_url, login_name, "Door 6", mine[0].id, str(mine[0].qr_payload)) == 1

        # Events…: it admits the other event's tickets too from now on.
        await choose(pilot, screen, "stations-table", login_name)
        dialog = await form(pilot, "station-login-events")
        assert list(dialog.query_one("#f-events", SelectionList).selected) == [summary.event]
        tick(dialog, summary.event, other)
        await submit(pilot, dialog)
        await saved(pilot)
        bound = next(b for b in roles.listed(store) if b.login == login_name)
        assert bound.events == tuple(sorted((summary.event, other)))
        assert admit_as(db_url, login_name, "Door 6", other_ticket, other_payload) == 1
        await wait_for(
            lambda: any("Harbour Night" in r for r in cell_texts(screen, "stations-table")), pilot
        )

        # Revoke the station: confirmed, its login gone, the PINs it gives away reset.
        await choose(pilot, screen, "stations-table", login_name)
        await press(pilot, "station-revoke")
        await confirm(pilot)
        await wait_for(lambda: isinstance(app.screen, PinsScreen), pilot)
        assert "Door 6 revoked: logins removed" in str(app.screen.query_one("#pins-note").render())
        with store.connect() as conn:
            assert not role_exists(conn, login_name)
        assert all(b.login != login_name for b in roles.listed(store))
        await press(pilot, "pins-yes")
        await wait_for(lambda: isinstance(app.screen, PinsScreen) and app.screen.yes is None, pilot)
        new = pins_shown(app.screen)
        assert {"Sam Desk", "Kiosk Door 1"} <= set(new)
        assert auth.verify_staff(store, "Sam Desk", new["Sam Desk"]).name == "Sam Desk"
        with pytest.raises(WrongPin):
            auth.verify_staff(store, "Sam Desk", "2345")  # the demo's PIN no longer signs in
        await press(pilot, "pins-no")
        await wait_for(lambda: isinstance(app.screen, OrganizerScreen), pilot)
        await wait_for(
            lambda: not any(login_name in r for r in cell_texts(screen, "stations-table")), pilot
        )


@POSTGRESQL
async def test_a_login_removed_on_the_tab_is_gone_and_a_refusal_is_said(
    backend_fixed: None, db_url: str, store: Store, tmp_path: Path, login_name: str
) -> None:
    build_demo(store, attendee_count=5, seed=5, station=STATION)
    roles.add(store, login_name, kind="desk", station="Desk 6", password=PASSWORD)
    config = load_config(data_dir=tmp_path / "data", database_url=db_url, station=STATION)
    app = make_app(config=config, store=store, sign_in_as="Olivia Organizer", mode="organizer")
    said: list[Notify] = []
    async with app.run_test(size=(120, 40), message_hook=hook(said)) as pilot:
        screen = await opened(pilot, "tab-stations")
        await choose(pilot, screen, "stations-table", login_name)
        assert cell_texts(screen, "stations-table")[0].endswith("desk | every event")

        # A name the server refuses: said under its field, nothing made.
        dialog = await form(pilot, "station-login-new")
        buttons = dialog.query_one("#f-kind", RadioSet).query(RadioButton)
        next(b for b in buttons if str(b.label) == "desk").value = True
        await submit(
            pilot,
            dialog,
            login="Desk Two",
            station="Desk 7",
            password=PASSWORD,
            password_again=PASSWORD,
        )
        assert "lower-case letters" in await refused(pilot, dialog, "login")
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, OrganizerScreen), pilot)

        await choose(pilot, screen, "stations-table", login_name)
        await press(pilot, "station-login-remove")
        await confirm(pilot)
        await wait_for(lambda: notified(said, f"Login {login_name} (Desk 6) removed"), pilot)
        assert roles.listed(store) == []
        with store.connect() as conn:
            assert not role_exists(conn, login_name)

        # Removed meanwhile by another organizer: the service's refusal is said.
        roles.add(store, login_name, kind="desk", station="Desk 6", password=PASSWORD)
        screen.reload("stations-table")
        await choose(pilot, screen, "stations-table", login_name)
        roles.remove(store, login_name)
        await press(pilot, "station-login-remove")
        await confirm(pilot)
        await wait_for(
            lambda: notified(said, f"no station login {login_name}", severity="error"), pilot
        )


async def test_on_an_sqlite_file_the_tab_says_it_has_no_logins(station: DemoStation) -> None:
    app = organizer_app(station)
    said: list[Notify] = []
    async with app.run_test(size=(120, 40), message_hook=hook(said)) as pilot:
        screen = await opened(pilot, "tab-stations")
        caption = screen.query_one("#stations-caption", Static)
        await wait_for(lambda: "SQLite file" in str(caption.render()), pilot)
        assert "it has no logins" in str(caption.render())
        assert not screen.query_one("#stations-table", DataTable).display
        assert not any(part.display for part in screen.query("#tab-stations .org-buttons"))
        await pilot.press("n")  # no form: why is said
        await wait_for(lambda: notified(said, "it has no logins", severity="warning"), pilot)
        assert isinstance(app.screen, OrganizerScreen)

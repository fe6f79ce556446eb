"""The stats screen: the figures it shows are the database's, and follow other stations."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import Pool
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import payments
from eventdesk.services.people.auth import add_staff
from eventdesk.services.people.registration import register, tickets_of_attendee
from eventdesk.services.stats.reports import stats
from eventdesk.tickets import Signer
from eventdesk.values import format_cents, utcnow
from screens.app import make_app
from screens.stats.screen import StatsScreen
from tests import forks
from tests.apptools import DemoStation, click, wait_for, workers_done
from tests.helpers import add_type, make_event, people

pytestmark = pytest.mark.asyncio

FAST = 0.2  # seconds between two reads in these tests (2 s in use)


@pytest.fixture(autouse=True)
def fast_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StatsScreen, "refresh_seconds", FAST)


def shown(widget: Widget) -> str:
    """The text a widget and the widgets inside it draw, borders and all."""
    drawn = [widget, *(child for child in widget.walk_children(Widget) if child.display)]
    return "\n".join(
        strip.text
        for part in drawn
        for strip in part.render_lines(Region(0, 0, part.size.width, part.size.height))
    )


def number(screen: Any, name: str) -> str:
    """The figure a big number shows (its ``Digits``)."""
    return str(screen.query_one(f"#num-{name} Digits").value)


def unchecked_paid_ticket(store: Store) -> str:
    """A registered ticket of the demo, paid and not yet checked in."""
    for attendee_id in range(1, 100):
        for ticket in tickets_of_attendee(store, attendee_id):
            if ticket.status != "registered" or ticket.checked_in_at is not None:
                continue
            if payments.payment_summary(store, ticket.id).due_cents == 0:
                return ticket.id
    raise AssertionError("the demo has no paid ticket left to check in")


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
async def test_numbers_are_the_databases_and_follow_another_station(
    station: DemoStation,
) -> None:
    app = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk", mode="stats")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_for(lambda: screen.figures is not None, pilot)
        before = stats(station.store, station.summary.event)
        assert number(screen, "checked-in") == str(before.checked_in)
        assert number(screen, "registered") == str(before.registered)
        assert before.checked_in > 0 and before.registered > before.checked_in
        percent = f"{100 * before.checked_in / before.registered:.0f}% of {before.registered}"
        assert percent in shown(screen.query_one("#num-checked-in"))
        assert "Door 9" not in shown(screen.query_one("#stations-panel"))

        ticket = unchecked_paid_ticket(station.store)
        station.open_door_for_processes()  # Door 9 runs on the real clock, whatever the demo's day
        command = station.command("checkin", "--ticket", ticket, station="Door 9")
        done = await asyncio.to_thread(
            forks.run, command, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr

        want = str(before.checked_in + 1)
        await wait_for(lambda: number(screen, "checked-in") == want, pilot)
        await wait_for(lambda: "Door 9" in shown(screen.query_one("#stations-panel")), pilot)
        after = stats(station.store, station.summary.event)
        assert after.checked_in == before.checked_in + 1
        assert number(screen, "registered") == str(after.registered)


async def test_polls_only_while_shown(station: DemoStation) -> None:
    reads: list[Message] = []

    def hook(message: Message) -> None:
        if isinstance(message, StatsScreen.Loaded | StatsScreen.Failed):
            reads.append(message)

    app = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk", mode="stats")
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await wait_for(lambda: len(reads) >= 3, pilot)  # it reads again and again
        await pilot.press("f1")
        await wait_for(lambda: app.current_mode == "desk", pilot)
        # A read under way when the screen left may still land: wait for it, however slow.
        await wait_for(lambda: not any(w.group == "stats" for w in app.workers), pilot)
        await pilot.pause()
        count = len(reads)
        # Five of the screen's read intervals go by on the app's own timers...
        ticks: list[None] = []
        timer = app.set_interval(FAST, lambda: ticks.append(None))
        await wait_for(lambda: len(ticks) >= 5, pilot)
        timer.stop()
        assert len(reads) == count  # ...and nothing was read while another screen was shown
        await pilot.press("f4")
        await wait_for(lambda: app.current_mode == "stats", pilot)
        await wait_for(lambda: len(reads) > count, pilot)  # read again


async def test_stale_figures_stay_up_while_the_database_is_away(station: DemoStation) -> None:
    """The SQLite file replaced by something else: the wall keeps the last figures."""
    app = make_app(config=station.config, store=station.store, mode="stats", wall=True)
    database = station.data_dir / "eventdesk.db"
    away = station.data_dir / "eventdesk.db.away"
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_for(lambda: screen.figures is not None, pilot)
        checked_in = number(screen, "checked-in")
        status = screen.query_one("#stats-status")

        station.store.dispose()  # closes the pooled connections, so the next read opens the file
        database.rename(away)
        database.write_bytes(b"this is not a database " * 200)
        await wait_for(lambda: "database not answering" in shown(status), pilot)
        assert shown(status).strip().startswith("last updated ")
        assert number(screen, "checked-in") == checked_in  # the last figures stay
        assert screen.has_class("-stale") and app.is_running

        station.store.dispose()
        away.replace(database)
        await wait_for(lambda: "not answering" not in shown(status), pilot)
        assert "updated" in shown(status) and not screen.has_class("-stale")
        assert number(screen, "checked-in") == checked_in


async def test_no_event_yet(tmp_path: Path, db_url: str) -> None:
    store = Store(db_url)
    try:
        add_staff(store, name="Desk Person", role="staff", pin="2468")
        config = load_config(data_dir=tmp_path, database_url=db_url, station="Door 1")
        app = make_app(config=config, store=store, sign_in_as="Desk Person", mode="stats")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, StatsScreen)
            await wait_for(lambda: "updated" in shown(screen.query_one("#stats-status")), pilot)
            assert "No event yet" in shown(screen.query_one("#stats-no-event"))
            assert screen.query_one("#stats-numbers").display is False
    finally:
        store.dispose()


def small_event(store: Store) -> tuple[str, str, list[str]]:
    """An event open now: one paid VIP ticket and three free ones; a staff account."""
    now = utcnow()
    event = make_event(store, starts=now - timedelta(hours=1), ends=now + timedelta(hours=8))
    add_type(store, event, "VIP", tier=0, price_cents=5000)
    add_type(store, event, "Regular", tier=1, price_cents=0)
    emails = people(store, 4)
    vip = register(store, event, emails[0], "VIP").tickets[0].ticket_id
    payments.pay(store, vip, method="card")
    regular = [register(store, event, e, "Regular").tickets[0].ticket_id for e in emails[1:]]
    add_staff(store, name="Desk Person", role="staff", pin="2468")
    return event, vip, regular


@asynccontextmanager
async def locked(store: Store, db_url: str, pilot: Any) -> AsyncIterator[None]:
    """Another process holds the database so that nobody else can read it."""
    if store.is_sqlite:
        path = make_url(db_url).database
        assert path
        holder = sqlite3.connect(path, isolation_level=None, timeout=0.5)
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")

        pools: list[Pool] = []

        def took_the_lock() -> bool:
            # An exclusive lock waits for every other connection to the file to close: the
            # app's, which its next poll opens again, are closed before each try. A read under
            # way when its pool is disposed gives its connection back to that old pool, which
            # keeps it open until it is garbage-collected: each old pool is disposed again.
            pools.append(store.engine.pool)
            store.dispose()
            for pool in pools:
                pool.dispose()
            try:
                holder.execute("BEGIN EXCLUSIVE")
            except sqlite3.OperationalError:  # a read still under way makes SQLite refuse
                return False
            return True

        # The app goes on running between tries (a read under way finishes and gives its
        # connection back); a busy machine's reads can be slow.
        await wait_for(took_the_lock, pilot, timeout=120)
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_engine(db_url)
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE ticket IN ACCESS EXCLUSIVE MODE"))  # until rollback
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


async def test_a_locked_database_keeps_the_last_figures(
    store: Store, db_url: str, signer: Signer, tmp_path: Path
) -> None:
    small_event(store)
    config = load_config(data_dir=tmp_path, database_url=db_url, station="Wall")
    app = make_app(config=config, store=store, mode="stats", wall=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_for(lambda: screen.figures is not None, pilot)
        status = screen.query_one("#stats-status")
        async with locked(store, db_url, pilot):
            await wait_for(lambda: "database not answering" in shown(status), pilot)
            assert shown(status).strip().startswith("last updated ")
            assert number(screen, "registered") == "4"  # the last figures stay up
            assert screen.has_class("-stale") and app.is_running
        await wait_for(lambda: "not answering" not in shown(status), pilot, timeout=20)
        assert not screen.has_class("-stale") and number(screen, "registered") == "4"


async def test_figures_match_after_a_checkin_on_both_databases(
    store: Store, db_url: str, signer: Signer, tmp_path: Path
) -> None:
    event, vip, regular = small_event(store)
    config = load_config(data_dir=tmp_path, database_url=db_url, station="Door 1")
    app = make_app(config=config, store=store, sign_in_as="Desk Person", mode="stats")
    other_station = Store(db_url)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, StatsScreen)
            await wait_for(lambda: screen.figures is not None, pilot)
            assert number(screen, "registered") == "4"
            assert number(screen, "checked-in") == "0"
            revenue = shown(screen.query_one("#revenue-panel"))
            assert format_cents(5000, "EUR") in revenue

            door = Checkin(other_station, station="Door 2", event=event)
            for ticket in (vip, regular[0]):
                result = await asyncio.to_thread(door.checkin_ticket, ticket)
                assert result.admitted, result
            expected = stats(store, event)
            assert expected.checked_in == 2
            await wait_for(lambda: number(screen, "checked-in") == "2", pilot)
            await wait_for(lambda: "Door 2" in shown(screen.query_one("#stations-panel")), pilot)
            assert number(screen, "registered") == str(expected.registered)
            assert "50% of 4" in shown(screen.query_one("#num-checked-in"))
            types = shown(screen.query_one("#types-panel"))
            assert "1 / 1" in types and "1 / 3" in types
    finally:
        other_station.dispose()


async def test_a_station_whose_clock_is_off_is_named_under_the_per_station_table(
    station: DemoStation,
) -> None:
    """The stations report how far their clocks are from the server's (station_clock): one off
    by more than a minute is named on the stats screen; one a few milliseconds off is not."""
    with station.store.write() as session:
        session.execute(
            text(
                "INSERT INTO station_clock (station, skew_ms, measured_at) "
                "VALUES ('Door 1', -10800000, :n), ('Door 2', 40, :n)"
            ),
            {"n": utcnow()},
        )
    app = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk", mode="stats")
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.screen.query_one("#stations-panel")
        await wait_for(lambda: "clock is" in shown(panel), pilot)
        drawn = shown(panel)
        assert "Door 1's clock is 3 h 0 min fast" in drawn, drawn
        assert "Door 2's clock" not in drawn


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_inside_now_opens_the_names_of_who_is_inside(
    station: DemoStation, size: tuple[int, int]
) -> None:
    """The "Inside now" figure, beside the totals at 80x24 too (issue 60: it was hidden on a
    narrow screen), says how many are inside and opens the roll call (its key, a click on it,
    Enter on it): the names ``report inside`` gives, in its order, with their count; it fits
    the terminal, and Esc closes it."""
    from textual.widgets import DataTable

    from eventdesk.services.stats.inside import roll_call
    from screens.stats.inside import InsideScreen

    expected = roll_call(station.store, station.summary.event)
    assert expected.count >= 2  # the demo has people inside
    app = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk", mode="stats")
    async with app.run_test(size=size) as pilot:
        stats_screen = app.screen
        assert isinstance(stats_screen, StatsScreen)
        await wait_for(lambda: stats_screen.figures is not None, pilot)
        await pilot.pause()
        figure = stats_screen.query_one("#num-inside")
        assert figure.display and figure.region.width >= 10, "no Inside now on screen"
        assert figure.region.right <= size[0]
        assert number(stats_screen, "inside") == str(expected.count)
        assert "Inside now" in shown(figure)
        for way in ["key", "click", "enter"]:
            if way == "key":
                await pilot.press("i")
            elif way == "click":
                await click(pilot, "#num-inside")
            else:
                stats_screen.query_one("#num-inside").focus()
                await pilot.press("enter")
            await wait_for(lambda: isinstance(app.screen, InsideScreen), pilot)
            dialog = app.screen
            assert isinstance(dialog, InsideScreen)
            table: DataTable[Any] = dialog.query_one(DataTable)
            await wait_for(lambda t=table: t.row_count == expected.count, pilot)
            names = [str(table.get_row_at(n)[0]) for n in range(table.row_count)]
            assert names == [p.name for p in expected.people]
            heading = shown(dialog.query_one("#inside-heading"))
            assert f"{expected.count} people inside now" in heading
            box = dialog.query_one("#inside-box").region
            assert box.x >= 0 and box.y >= 0
            assert box.right <= size[0] and box.bottom <= size[1]  # it fits
            assert table.region.height >= 3  # room for names, at 80x24 too
            await pilot.press("escape")
            await wait_for(lambda: app.screen is stats_screen, pilot)


async def test_the_wall_screen_opens_no_names(station: DemoStation) -> None:
    """Nobody signs in at the wall, and anyone reads it: its "Inside now" opens nothing."""
    app = make_app(config=station.config, store=station.store, mode="stats", wall=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_for(lambda: screen.figures is not None, pilot)
        await pilot.press("i")
        await click(pilot, "#num-inside")
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert app.screen is screen

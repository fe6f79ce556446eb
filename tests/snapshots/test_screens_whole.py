"""Screens at 80x24 and 120x40, read back as drawn (issue 60): what test_screens_fit.py lets
pass, a text cut with "…" where a person needs it whole, or a column the table's edge cuts
with no "…" at all; and a name in a script whose vowel signs take a cell of their own.

- The desk's status column says a check-in's whole time in every language ("✔ dentro 11:10",
  not "✔ dentro 11"), and its company column is whole or ends in "…", at a door for two events
  too (each status names its event).
- The organizer's tabs are whole and each reads differently; its buttons are whole (German at
  80 columns cut them).
- A Devanagari, a Tamil and a Thai name in the desk's table and card: every line of the screen
  is as wide as the terminal, as the terminal measures it (the C library's wcwidth, as tmux:
  a spacing vowel sign takes a cell). Measured as Rich did, "प्रिया" was three cells short, and
  its line ran over the card's border. Their pictures are in the snapshots.

On the fixed demo of test_snapshots_screens.py, in each language as test_snapshots_languages.py
opens it."""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import Button, Input
from textual.widgets._tabbed_content import ContentTab

from eventdesk.services.catalogue.events import create_event, show_event
from eventdesk.services.catalogue.program import add_ticket_type
from eventdesk.services.people.attendees import add_attendee
from eventdesk.services.people.registration import register
from screens.desk.results import ResultsTable
from screens.desk.screen import DeskScreen
from screens.terminal import fit
from tests.apptools import DemoStation, compositor_of, fixed_randomness, wait_for
from tests.snapshots.test_snapshots import SIZES, app_for, settle
from tests.snapshots.test_snapshots import utc_clock as utc_clock  # autouse: local times in UTC
from tests.snapshots.test_snapshots_languages import (
    LANGUAGES,
    SIZE_IDS,
    app_in,
    screen_app,
    screen_opened,
)
from tests.snapshots.test_snapshots_screens import TABS, desk_opened, organizer_tab
from tests.snapshots.test_snapshots_screens import station as station  # the fixed demo station
from tests.snapshots.test_snapshots_screens import still_template as still_template

by_size = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
by_language = pytest.mark.parametrize("language", LANGUAGES)


def drawn(widget: Widget, line: int = 0) -> str:
    """The text drawn on line ``line`` of ``widget``'s region, as the screen shows it."""
    region = widget.region
    strips = compositor_of(widget.screen).render_strips()
    return strips[region.y + line].crop(region.x, region.right).text


# --- the desk's table ---------------------------------------------------------------------------
def rows_not_whole(table: ResultsTable) -> list[str]:
    """Each row in sight whose status or company is not drawn as the row holds it (the company
    already cut with "…" where the column is narrower)."""
    said = []
    in_sight = min(table.row_count, table.scrollable_content_region.height - 1)  # headings: 1
    for index in range(in_sight):
        _name, status, company, *_rest = (str(cell) for cell in table.get_row_at(index))
        line = drawn(table, 1 + index)
        # A status whole; at a door for several events its event may end in "…", never its
        # own words and time.
        status = fit(status, table.status_width)
        for column, text in (("status", status), ("company", company)):
            if text not in line:
                said.append(f"row {index}: {column} {text!r} drawn as {line!r}")
    return said


def two_event_door(station: DemoStation) -> str:
    """A door for the demo's event and a second day of it (each status names its event)."""
    demo = show_event(station.store, station.summary.event)
    second = create_event(
        station.store,
        name="DevConf Saturday",
        starts=demo.starts_at + timedelta(days=1),
        ends=demo.ends_at + timedelta(days=1),
        timezone=demo.timezone,
    )
    add_ticket_type(station.store, second.slug, name="Day pass", price_cents=0)
    return f"{demo.slug},{second.slug}"


@pytest.mark.asyncio
@by_size
@by_language
@pytest.mark.parametrize("door", ["one-event", "two-events"])
async def test_the_desks_status_is_whole_and_its_company_whole_or_cut_with_an_ellipsis(
    station: DemoStation, language: str, size: tuple[int, int], door: str
) -> None:
    event = two_event_door(station) if door == "two-events" else station.summary.event
    app = app_in(station, language, sign_in_as="Sam Desk", mode="desk", event=event)
    async with app.run_test(size=size) as pilot:
        screen = await desk_opened(pilot)
        await settle(pilot)
        table = screen.query_one("#results", ResultsTable)
        assert table.checked_in, "the demo has people in: a status with a time"
        said = rows_not_whole(table)
        assert not said, "\n".join(said)


@pytest.mark.asyncio
async def test_the_desks_columns_are_measured_again_for_a_new_width(station: DemoStation) -> None:
    """Opened at 120x40, the terminal made 80x24: the columns fit the narrower table (they
    kept the wide one's widths, and its edge cut the company with no "…")."""
    app = app_in(station, "de", sign_in_as="Sam Desk", mode="desk", event=station.summary.event)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await desk_opened(pilot)
        await settle(pilot)
        table = screen.query_one("#results", ResultsTable)
        chosen = table.cursor_row
        await pilot.resize_terminal(80, 24)
        await wait_for(lambda: table.size.width < 60, pilot)
        await settle(pilot)
        said = rows_not_whole(table)
        assert not said, "\n".join(said)
        assert table.cursor_row == chosen


# --- the organizer's tabs and buttons -----------------------------------------------------------
@pytest.mark.asyncio
@by_size
@by_language
async def test_the_organizers_tabs_and_buttons_are_whole(
    station: DemoStation, language: str, size: tuple[int, int]
) -> None:
    app = screen_app(station, language, "organizer")
    async with app.run_test(size=size) as pilot:
        await screen_opened(pilot, "organizer")
        screen = app.screen
        tabs = {str(tab.label): drawn(tab).strip() for tab in screen.query(ContentTab)}
        cut = {label: shown for label, shown in tabs.items() if shown != label}
        assert not cut, cut
        assert len(set(tabs.values())) == len(tabs), tabs
        said = []
        for name in TABS:
            screen.set_focus(None)  # the tab's number key is not typed into a field
            await organizer_tab(pilot, station, name)
            await settle(pilot)
            for button in screen.query(".org-buttons Button").results(Button):
                if button.region and str(button.label) not in drawn(button):
                    said.append(f"{name}: {button.label} drawn as {drawn(button)!r}")
        assert not said, "\n".join(said)


# --- names in scripts whose vowel signs take a cell ---------------------------------------------
# A Devanagari name (two spacing vowel signs and a virama), a Tamil one (vowel signs and
# pullis), a Thai one (vowels above and below its letters, a tone mark), each with a company.
SCRIPT_NAMES = ("प्रिया शर्मा", "தமிழ்செல்வி கண்ணன்", "สมชาย ใจดีมีสุข")
SCRIPT_COMPANY = "Bharat Heavy Electricals"


@pytest.fixture
def terminal_width() -> Iterator[Any]:
    """A text's width as the terminal gives it cells: the C library's wcwidth (tmux's)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.wcwidth.argtypes = [ctypes.c_wchar]
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C.UTF-8")

    def width(text: str) -> int:
        return sum(max(libc.wcwidth(character), 0) for character in text)

    yield width
    locale.setlocale(locale.LC_CTYPE, before)


def with_script_names(station: DemoStation) -> None:
    with fixed_randomness(True):  # their ticket ids, like the demo's, the same on every run
        for number, name in enumerate(SCRIPT_NAMES):
            person = add_attendee(
                station.store,
                name=name,
                email=f"script.name.{number}@example.com",
                company=SCRIPT_COMPANY,
            )
            register(station.store, station.summary.event, person.id, "Regular")


async def script_name_shown(pilot: Any, name: str) -> DeskScreen:
    """The desk with the three found (their rows in the table), ``name``'s card beside them."""
    screen = pilot.app.screen
    if not isinstance(screen, DeskScreen) or screen.shown_query != "script.name":
        screen = await desk_opened(pilot)
        screen.query_one("#search", Input).value = "script.name"
        await wait_for(lambda: screen.shown_query == "script.name", pilot)
    table = screen.query_one("#results", ResultsTable)
    await wait_for(lambda: table.row_count == len(SCRIPT_NAMES), pilot)
    attendee = next(key for key, shown in table.names.items() if shown == name)
    table.move_cursor(row=table.get_row_index(str(attendee)), animate=False)
    await wait_for(lambda: screen.card is not None and screen.card.attendee.name == name, pilot)
    await settle(pilot)
    return screen


@pytest.mark.asyncio
@by_size
async def test_names_in_devanagari_tamil_and_thai_keep_every_line_as_wide_as_the_terminal(
    station: DemoStation, size: tuple[int, int], terminal_width: Any
) -> None:
    with_script_names(station)
    app = app_for(station, sign_in_as="Sam Desk", mode="desk")
    async with app.run_test(size=size) as pilot:
        for name in SCRIPT_NAMES:
            screen = await script_name_shown(pilot, name)
            lines = [strip.text for strip in compositor_of(screen).render_strips()]
            wrong = [
                f"{terminal_width(line)} cells: {line}"
                for line in lines
                if terminal_width(line) != size[0]
            ]
            assert not wrong, "\n".join(wrong)
            card = drawn(screen.query_one("#card"), 1)
            assert name in card, card


@by_size
def test_desk_names_in_devanagari_tamil_and_thai(
    snap_compare: Any, station: DemoStation, size: tuple[int, int]
) -> None:
    """The three names in the table, the Devanagari one's card beside it."""
    with_script_names(station)

    async def ready(pilot: Any) -> None:
        await script_name_shown(pilot, SCRIPT_NAMES[0])

    app = app_for(station, sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=size, run_before=ready)

"""The wall screen: `eventdesk serve --mode stats` on a big screen, in a real browser.

It says what it is (no sign-in title, no keys), fetches nothing from another host (its font and
scripts come from the server), and draws the database's figures with every session's name in
full at 1920x1080. The browser is Debian's Chromium, driven by Playwright; the tests that need it
skip where it is not installed.
"""

from __future__ import annotations

import os
import re
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from rich.style import Style
from textual.geometry import Region
from textual.renderables.digits import Digits as DigitsFont
from textual.widget import Widget
from textual.widgets import Header

from eventdesk.services.catalogue import events, program
from eventdesk.services.stats.reports import Stats, stats
from screens.app import make_app
from screens.cli import WALL_FONT_SIZE
from screens.stats.screen import StatsScreen, percent
from tests.apptools import DemoStation, wait_for
from tests.e2e.test_serve import index_page, serving

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason="needs Debian's chromium package (/usr/bin/chromium): apt-get install chromium",
)
SCREEN = {"width": 1920, "height": 1080}
# What Chromium's 1920x1080 page holds at the wall's text size in its font (Roboto Mono, 22 px):
# the browser test measures it on the page itself.
WALL_TERMINAL = (147, 37)
LONG_SESSION = "Panel: a conference door that works with no network"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SIGN_IN_WORDS = re.compile(r"\b(?:signed in|sign in|sign out|pin)\b", re.IGNORECASE)
WAIT_MS = 60_000
KEY_BARS = {"Footer", "KeyBar"}

# textual.js keeps its xterm.js terminal to itself (`this.terminal = new Terminal(...)`): the first
# `terminal` assigned that holds a screen buffer is also kept where the test can read it.
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && value.buffer.active && !window.wallTerminal) {
      window.wallTerminal = value;
    }
  },
});
"""
# The lines the terminal shows now, as text (xterm.js's own screen buffer).
READ_TERMINAL = """
() => {
  const terminal = window.wallTerminal;
  if (!terminal) return null;
  const buffer = terminal.buffer.active;
  const lines = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return {columns: terminal.cols, rows: terminal.rows, lines};
}
"""

# The screen once it shows the figures and has stopped changing (a frame reaches xterm.js in
# parts: two reads alike, 200 ms apart, are a whole frame).
WAIT_FOR_FIGURES = f"""
([caption, session]) => {{
  const screen = ({READ_TERMINAL})();
  const text = screen ? screen.lines.join("\\n") : "";
  const same = text === window.lastWallText;
  window.lastWallText = text;
  const drawn = [caption, session, "─ Checked in ─", "─ Sessions ─"].every(
    (part) => text.includes(part),
  );
  return drawn && same ? screen : null;
}}
"""


def add_long_session(station: DemoStation) -> None:
    """A session whose name is longer than any of the demo's, on the event's day."""
    event = events.show_event(station.store, station.summary.event)
    program.add_session(
        station.store,
        event.slug,
        name=LONG_SESSION,
        starts=event.starts_at + timedelta(hours=2),
        ends=event.starts_at + timedelta(hours=3),
        capacity=12,
        room="Room 4",
    )


def figures_of(station: DemoStation) -> Stats:
    return stats(station.store, station.summary.event, now=station.now())


def big_digits(value: int) -> list[str]:
    """The three lines Textual's bold ``Digits`` draws ``value`` with (as BigNumber does)."""
    drawn = "".join(segment.text for segment in DigitsFont(str(value)).render(Style(bold=True)))
    return [line.rstrip() for line in drawn.splitlines()]


def box(lines: list[str], title: str) -> list[str]:
    """The inside of the box whose top border carries ``title``: its lines between the
    borders, without the one column of padding on each side."""
    for top, line in enumerate(lines):
        at = line.find(f"─ {title} ─")
        if at < 0:
            continue
        left, right = line.rfind("╭", 0, at), line.find("╮", at)
        inside = []
        for row in lines[top + 1 :]:
            if row[left : left + 1] == "╰":
                return inside
            inside.append(row[left + 2 : right - 1].rstrip())
    raise AssertionError(f"no box titled {title!r} in:\n" + "\n".join(lines))


def session_rows(figures: Stats) -> list[tuple[str, str]]:
    """Each session's name and the figures the stats screen draws beside it."""
    rows = []
    for row in figures.sessions:
        registered, capacity, attended = int(row["registered"]), row["capacity"], row["attended"]
        shown = f"{registered} / {capacity}" if capacity else str(registered)
        rows.append((str(row["name"]), shown + (f" · {attended} in" if attended else "")))
    return rows


def key_bars(screen: Widget) -> list[Widget]:
    """The screen's line of keys (Textual's Footer, or the app's own KeyBar)."""
    return [bar for bar in screen.walk_children(Widget) if type(bar).__name__ in KEY_BARS]


def drawn(widget: Widget) -> str:
    """The text a widget and the widgets inside it draw."""
    parts = [widget, *(child for child in widget.walk_children(Widget) if child.display)]
    return "\n".join(
        strip.text
        for part in parts
        for strip in part.render_lines(Region(0, 0, part.size.width, part.size.height))
    )


# --- the wall screen in the app ------------------------------------------------------------------
@pytest.mark.asyncio
async def test_the_wall_screen_says_what_it_is_and_shows_no_keys(station: DemoStation) -> None:
    add_long_session(station)
    expected = figures_of(station)
    app = make_app(config=station.config, store=station.store, mode="stats", wall=True)
    async with app.run_test(size=WALL_TERMINAL) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        sessions_list = screen.query_one("#sessions")
        await wait_for(lambda: sessions_list.size.height == len(expected.sessions), pilot)
        title = drawn(screen.query_one(Header))
        assert "wall screen" in title
        assert not SIGN_IN_WORDS.search(title), title
        assert key_bars(screen) and not [bar for bar in key_bars(screen) if bar.display]
        sessions = drawn(sessions_list)
        for name, shown in session_rows(expected):
            assert re.search(rf"{re.escape(name)} .* {re.escape(shown)}", sessions), sessions


@pytest.mark.asyncio
async def test_the_organizers_stats_screen_keeps_its_keys_and_grid(station: DemoStation) -> None:
    """What the wall hides stays on the stats screen of a signed-in organizer (F4)."""
    add_long_session(station)
    organizer = next(name for name, role, _pin in station.summary.staff if role == "organizer")
    app = make_app(config=station.config, store=station.store, mode="stats", sign_in_as=organizer)
    async with app.run_test(size=WALL_TERMINAL) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_for(lambda: screen.figures is not None, pilot)
        assert not screen.has_class("-wall")
        assert [bar for bar in key_bars(screen) if bar.display]
        assert "wall screen" not in drawn(screen.query_one(Header))
        panel = screen.query_one("#sessions-panel")
        assert panel.parent is screen.query_one("#stats-grid")


# --- the served page -----------------------------------------------------------------------------
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_the_page_loads_everything_from_this_server(station: DemoStation) -> None:
    with serving(station) as (port, _server):
        page = index_page(port)
        server = f"http://127.0.0.1:{port}/"
        addresses = re.findall(r'(?:src|href)="([^"]+)"|url\("([^"]+)"\)', page)
        fetched = [one or other for one, other in addresses]
        assert any(address.endswith(".ttf") for address in fetched), page  # its own font
        assert any(address.endswith("textual.js") for address in fetched), page
        for address in fetched:
            assert address.startswith(server), address
            with urllib.request.urlopen(address, timeout=10) as response:
                assert response.status == 200, address
        assert "googleapis" not in page and "<title>eventdesk wall screen</title>" in page
        assert f'data-font-size="{WALL_FONT_SIZE}"' in page  # large text on the wall
        assert 'data-font-size="30"' in index_page(port, "?fontsize=30")  # the browser's choice


@needs_chromium
@pytest.mark.slow  # a real browser
def test_the_wall_screen_in_chromium(station: DemoStation, tmp_path: Path) -> None:
    """The page in headless Chromium at 1920x1080: the database's figures, drawn by xterm.js
    in the served font, every name in full, and nothing asked of another host."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

    add_long_session(station)
    expected = figures_of(station)
    caption = f"{percent(expected.checked_in, expected.registered)} of {expected.registered}"
    requested: list[str] = []
    failed: list[str] = []
    with (
        serving(station, "--event", station.summary.event) as (port, _server),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport=SCREEN)
            page.on("request", lambda request: requested.append(request.url))
            page.on("websocket", lambda websocket: requested.append(websocket.url))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.add_init_script(KEEP_TERMINAL)
            page.goto(f"http://127.0.0.1:{port}/")
            drawing = page.wait_for_function(
                WAIT_FOR_FIGURES,
                arg=[caption, LONG_SESSION[:12]],  # drawn, in full or not
                polling=200,
                timeout=WAIT_MS,
            )
            screen: dict[str, Any] = drawing.json_value()
            font_used = page.evaluate(f"document.fonts.check('{WALL_FONT_SIZE}px \"Roboto Mono\"')")
            page.screenshot(path=str(tmp_path / "wall.png"))
        finally:
            browser.close()

    lines: list[str] = screen["lines"]
    size = f"{screen['columns']}x{screen['rows']} at 1920x1080"
    everything = "\n".join(lines)
    assert not failed, failed
    assert [url for url in requested if urlsplit(url).hostname not in LOCAL_HOSTS] == []
    assert any(url.endswith(".ttf") for url in requested) and font_used  # the served font

    assert "wall screen" in lines[0], lines[0]
    assert not SIGN_IN_WORDS.search(everything), everything
    assert "Refresh" not in everything and "f4" not in everything.lower()  # no keys shown

    checked_in = box(lines, "Checked in")
    assert checked_in[:3] == big_digits(expected.checked_in), size + "\n" + everything
    assert checked_in[3] == caption
    waitlisted = box(lines, "Waitlisted")
    assert waitlisted[:3] == big_digits(expected.waitlisted), size + "\n" + everything
    capacity = f"capacity {expected.capacity}" if expected.capacity else "no capacity limit"
    assert box(lines, "Registered")[3] == capacity

    sessions = box(lines, "Sessions")
    for (name, shown), line in zip(session_rows(expected), sessions, strict=False):
        assert line.startswith(name + " ") and line.endswith(" " + shown), f"{size}\n{line}"
    assert len(sessions) == len(expected.sessions)
    types = box(lines, "By ticket type")
    for row, line in zip(expected.by_ticket_type, types, strict=False):
        assert line.startswith(str(row["name"])), line
        assert line.endswith(f"{row['checked_in']} / {row['registered']}"), line

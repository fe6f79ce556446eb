"""The stats screen at 80x24 and 120x40 in English, German, French and Spanish, read back as
drawn (issue 60): every figure's title and caption, every panel's title and subtitle is whole,
none cut with "…", and so is the "Per station" table's every heading and station name; for the
organizer signed in and on the wall (`--wall`).

German at 80 columns cut "0 hinausgegangen" and "auf Wartelisten" under their figures and the
title "Auf Warteliste"; French and Spanish cut "en listes d'attente", "en listas de espera".
A caption too long for its figure's box takes a second line. Each figure is also given its
longest caption (nobody registered yet, no capacity limit, a three-digit count gone out): those
are whole too.

On the fixed demo of test_snapshots_screens.py, in each language as test_snapshots_languages.py
opens it."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import Static

from eventdesk.i18n import _, ngettext, speaking
from screens.app import EventdeskApp
from screens.stats.number import BigNumber
from screens.stats.screen import StatsScreen
from tests.apptools import DemoStation, compositor_of, wait_for
from tests.snapshots.test_snapshots import SIZES, settle
from tests.snapshots.test_snapshots import utc_clock as utc_clock  # autouse: local times in UTC
from tests.snapshots.test_snapshots_languages import LANGUAGES, SIZE_IDS, app_in, screen_opened
from tests.snapshots.test_snapshots_screens import station as station  # the fixed demo station
from tests.snapshots.test_snapshots_screens import still_template as still_template


def drawn(widget: Widget, line: int) -> str:
    """The text drawn on line ``line`` of ``widget``'s region (a negative one from its end)."""
    region = widget.region
    strips = compositor_of(widget.screen).render_strips()
    return strips[region.y + line % region.height].crop(region.x, region.right).text


def words(text: str) -> str:
    return " ".join(text.split())


def stats_app(station: DemoStation, language: str, wall: bool) -> EventdeskApp:
    if wall:  # nobody signs in at the wall
        return app_in(station, language, mode="stats", wall=True, event=station.summary.event)
    return app_in(
        station, language, sign_in_as="Sam Desk", mode="stats", event=station.summary.event
    )


def figures_not_whole(screen: StatsScreen) -> list[str]:
    """Each figure in sight whose title is not whole in its top border, or whose caption is
    not whole on the lines under its digits."""
    said = []
    for number in screen.query(BigNumber).results(BigNumber):
        if not number.display:
            continue
        title = str(number.border_title)
        if title not in drawn(number, 0):
            said.append(f"{number.id}: title {title!r} drawn as {drawn(number, 0)!r}")
        caption = number.query_one(".big-number--caption", Static)
        lines = [drawn(caption, line) for line in range(caption.region.height)]
        if words(" ".join(lines)) != words(number.caption):
            said.append(f"{number.id}: caption {number.caption!r} drawn as {lines!r}")
    return said


async def panels_not_whole(pilot: Any, screen: StatsScreen) -> list[str]:
    """Each panel whose title or subtitle is not whole in its border, each scrolled into sight."""
    said = []
    for panel in screen.query(".panel"):
        if not panel.display:
            continue
        panels = screen.query_one("#stats-panels")
        # Its top line, then its bottom line scrolled into sight (a panel may be taller than
        # the room the figures leave at 80x24)
        for line, text in ((0, panel.border_title), (-1, panel.border_subtitle)):
            panels.scroll_to_widget(panel, animate=False)
            await settle(pilot)
            below = panel.region.bottom - panels.content_region.bottom
            if line == -1 and below > 0:
                panels.scroll_relative(y=below, animate=False)
                await settle(pilot)
            if text and str(text) not in drawn(panel, line):
                said.append(f"{panel.id}: {text!r} drawn as {drawn(panel, line)!r}")
    return said


async def stations_not_whole(pilot: Any, screen: StatsScreen, language: str) -> list[str]:
    """The "Per station" table's headings and station names not whole (a heading may take two
    lines: each of its words is drawn whole, none cut with "…")."""
    figures = screen.figures
    if figures is None or not figures.stations:
        return ["no stations drawn"]
    table = screen.query_one("#stations", Static)
    if screen.query_one("#stats-panels").scroll_to_widget(table, animate=False):
        await settle(pilot)
    lines = [drawn(table, line) for line in range(table.region.height)]
    shown = " ".join(lines).split()
    with speaking(language):
        headings = [_("Station"), _("Scans"), _("Issues"), _("Last scan")]
    names = [str(row["station"]) for row in figures.stations]
    said = [
        f"stations: {word!r} of {text!r} not whole in {lines!r}"
        for text in (*headings, *names)
        for word in text.split()
        if word not in shown
    ]
    return said


def longest_captions(screen: StatsScreen, language: str) -> dict[str, str]:
    """Each figure's longest caption in ``language``: what a new event, an event with no
    capacity, a busy door show."""
    with speaking(language):
        return {
            "num-checked-in": _("nobody registered yet"),
            "num-registered": _("no capacity limit"),
            "num-inside": ngettext("{count} went out", "{count} went out", 888).format(count=888),
            "num-recent": _("last {time}").format(time="23:59:59"),
            "num-waitlisted": _("on waitlists"),
        }


@pytest.mark.asyncio
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("wall", [False, True], ids=["organizer", "wall"])
async def test_every_caption_of_the_stats_screen_is_whole(
    station: DemoStation, language: str, size: tuple[int, int], wall: bool
) -> None:
    app = stats_app(station, language, wall)
    async with app.run_test(size=size) as pilot:
        await screen_opened(pilot, "stats")
        screen = app.screen
        assert isinstance(screen, StatsScreen) and screen.has_class("-wall") == wall
        said = figures_not_whole(screen)
        said += await panels_not_whole(pilot, screen)
        said += await stations_not_whole(pilot, screen, language)
        # Each figure with its longest caption.
        for number_id, caption in longest_captions(screen, language).items():
            number = screen.query_one(f"#{number_id}", BigNumber)
            number.show(number.value, caption)
        await wait_for(lambda: screen.query_one("#num-registered", BigNumber).caption, pilot)
        await settle(pilot)
        said += figures_not_whole(screen)
        assert not said, "\n".join(said)

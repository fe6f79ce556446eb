"""Every language on screen: the sign-in, the desk, the kiosk, the organizer and the stats in
English, German, French and Spanish at 120x40 and 80x24 as SVG snapshots, each read back as
drawn: it fits and speaks the language (tests/screen_fit.py; test_screens_fit.py checks their
dialogs); the kiosk's answers and the desk at 80x24 in
German (the longest of the four); and in French and Spanish read back from the screen: every
text the kiosk and the desk show comes from the language's catalogue, none is left in English.

The fixed demo of test_snapshots_screens.py, with the station set to the language."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.widgets import Input, Select, Static

from eventdesk.i18n import _, speaking
from screens.app import EventdeskApp
from screens.kiosk.answer import KioskAnswer
from screens.kiosk.screen import KioskScreen
from screens.widgets.key_bar import KeyBar
from tests.apptools import DemoStation, app_on, click, options_of, wait_for
from tests.screen_fit import left_in_english, misfits
from tests.snapshots.test_snapshots import NOW, SIZES, settle
from tests.snapshots.test_snapshots import utc_clock as utc_clock  # autouse: local times in UTC
from tests.snapshots.test_snapshots_desk import desk_opened
from tests.snapshots.test_snapshots_screens import KIOSK_ANSWERS, kiosk_opened
from tests.snapshots.test_snapshots_screens import station as station  # the fixed demo station
from tests.snapshots.test_snapshots_screens import still_template as still_template

SMALL = (80, 24)
LANGUAGES = ["en", "de", "fr", "es"]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]


def app_in(station: DemoStation, language: str, **options: Any) -> EventdeskApp:
    config = dataclasses.replace(station.config, language=language)
    app = app_on(config, store=station.store, **options)
    app.backend.clock = lambda: NOW
    return app


def kiosk_app(station: DemoStation, language: str) -> EventdeskApp:
    return app_in(
        station, language, sign_in_as="Kiosk Door 1", mode="kiosk", event=station.summary.event
    )


async def answer(pilot: Any, payload: str) -> KioskAnswer:
    screen = await kiosk_opened(pilot)
    screen.answer_seconds = 3600  # keep the answer up for the picture
    screen.query_one("#wedge", Input).value = payload
    await pilot.press("enter")
    panel = screen.query_one("#answer", KioskAnswer)
    await wait_for(lambda: bool(panel.display) and panel.verdict is not None, pilot)
    return panel


# --- every screen in every language, at both sizes --------------------------------------------
async def _sign_in_shown(pilot: Any) -> None:
    await wait_for(
        lambda: len(options_of(pilot.app.screen.query_one("#staff-name", Select))) > 1, pilot
    )


async def _desk_shown(pilot: Any) -> None:
    await desk_opened(pilot)


async def _kiosk_shown(pilot: Any) -> None:
    await kiosk_opened(pilot)


async def _organizer_shown(pilot: Any) -> None:
    from tests.snapshots.test_snapshots_screens import filled

    await wait_for(lambda: pilot.app.current_mode == "organizer", pilot)
    await wait_for(lambda: filled(pilot, "events-table"), pilot)


async def _stats_shown(pilot: Any) -> None:
    await wait_for(lambda: pilot.app.current_mode == "stats", pilot)
    await wait_for(lambda: pilot.app.screen.updated_at is not None, pilot)


# screen -> (who signs in, in which mode; how to tell it is up)
SCREENS: dict[str, tuple[dict[str, str], Callable[[Any], Awaitable[None]]]] = {
    "sign-in": ({}, _sign_in_shown),
    "desk": ({"sign_in_as": "Sam Desk", "mode": "desk"}, _desk_shown),
    "kiosk": ({"sign_in_as": "Kiosk Door 1", "mode": "kiosk"}, _kiosk_shown),
    "organizer": ({"sign_in_as": "Olivia Organizer", "mode": "organizer"}, _organizer_shown),
    "stats": ({"sign_in_as": "Sam Desk", "mode": "stats"}, _stats_shown),
}


def screen_app(station: DemoStation, language: str, screen: str) -> EventdeskApp:
    """The app that opens on ``screen`` in ``language`` (the door's event named)."""
    options, _shown = SCREENS[screen]
    return app_in(station, language, event=station.summary.event, **options)


async def screen_opened(pilot: Any, screen: str) -> None:
    """``screen`` is up, its lists read, every worker done."""
    _options, shown = SCREENS[screen]
    await shown(pilot)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_in_every_language(
    snap_compare: Any, station: DemoStation, language: str, screen: str, size: tuple[int, int]
) -> None:
    """Each screen's picture, and the screen as drawn read back: every widget inside what holds
    it, every text whole or cut with "…" and none left in English (tests/screen_fit.py)."""
    said: list[str] = []
    checked: list[bool] = []

    async def ready(pilot: Any) -> None:
        await screen_opened(pilot, screen)
        said.extend(misfits(pilot.app.screen) + left_in_english(pilot.app.screen, language))
        checked.append(True)

    app = screen_app(station, language, screen)
    assert snap_compare(app, terminal_size=size, run_before=ready)
    assert checked and not said, "\n".join(said)


# --- German, as pictures ------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", ["green-welcome", "yellow-already-in", "red-not-a-ticket"])
def test_german_kiosk_answer(snap_compare: Any, station: DemoStation, scenario: str) -> None:
    read, verdict = KIOSK_ANSWERS[scenario]
    payload = read(station)

    async def ready(pilot: Any) -> None:
        panel = await answer(pilot, payload)
        assert panel.verdict == verdict
        await settle(pilot)

    assert snap_compare(kiosk_app(station, "de"), terminal_size=SMALL, run_before=ready)


def test_german_kiosk_waiting(snap_compare: Any, station: DemoStation) -> None:
    async def ready(pilot: Any) -> None:
        await kiosk_opened(pilot)
        await settle(pilot)

    assert snap_compare(kiosk_app(station, "de"), terminal_size=SMALL, run_before=ready)


def test_german_desk(snap_compare: Any, station: DemoStation) -> None:
    async def ready(pilot: Any) -> None:
        await desk_opened(pilot)
        await settle(pilot)

    app = app_in(station, "de", sign_in_as="Sam Desk", mode="desk")
    assert snap_compare(app, terminal_size=SMALL, run_before=ready)


# --- every language, read back ------------------------------------------------------------------
def key_texts(screen: Any) -> list[str]:
    return [entry.description for line in screen.query_one(KeyBar).lines for entry in line]


@pytest.mark.asyncio
@pytest.mark.parametrize("language", ["de", "fr", "es"])
async def test_the_kiosk_answers_in_the_stations_language(
    station: DemoStation, language: str
) -> None:
    payload = KIOSK_ANSWERS["green-welcome"][0](station)
    app = kiosk_app(station, language)
    async with app.run_test(size=SMALL) as pilot:
        screen = await kiosk_opened(pilot)
        with speaking(language):
            title, welcome, go_in = _("Scan your ticket"), _("Welcome"), _("Please go in")
            keys = [_("No QR? Email + PIN"), _("Language"), _("Staff")]
        assert title != "Scan your ticket" and welcome != "Welcome"
        assert str(screen.query_one("#attract-title", Static).render()) == title
        await wait_for(lambda: key_texts(screen)[:3] == keys, pilot)
        panel = await answer(pilot, payload)
        assert panel.text is not None
        assert panel.text.word == welcome and panel.text.instruction == go_in


@pytest.mark.asyncio
async def test_an_attendee_chooses_a_language_and_the_kiosk_goes_back_to_its_own(
    station: DemoStation,
) -> None:
    payload = KIOSK_ANSWERS["green-welcome"][0](station)
    app = kiosk_app(station, "en")
    async with app.run_test(size=SMALL) as pilot:
        screen: KioskScreen = await kiosk_opened(pilot)
        screen.language_seconds = 3600
        with speaking("fr"):
            french_title, french_welcome = _("Scan your ticket"), _("Welcome")
        await click(pilot, "#language-fr")
        title = screen.query_one("#attract-title", Static)
        await wait_for(lambda: str(title.render()) == french_title, pilot)
        assert screen.query_one("#language-fr").has_class("-chosen")
        panel = await answer(pilot, payload)
        assert panel.text is not None and panel.text.word == french_welcome
        screen.show_attract()
        await pilot.press("f6")  # the next language offered, in their order: back to English
        await wait_for(lambda: str(title.render()) == "Scan your ticket", pilot)
        await pilot.press("f6")  # then German
        with speaking("de"):
            german_title = _("Scan your ticket")
        await wait_for(lambda: str(title.render()) == german_title, pilot)
        assert screen.query_one("#language-de").has_class("-chosen")
        screen._idle_language()  # noqa: SLF001 - as its timer does when nobody scanned a while
        await wait_for(lambda: str(title.render()) == "Scan your ticket", pilot)
        assert screen.query_one("#language-en").has_class("-chosen")


@pytest.mark.asyncio
async def test_a_chosen_language_stays_while_someone_reads_and_staff_leave_in_the_stations(
    station: DemoStation,
) -> None:
    from eventdesk.i18n import current

    payload = KIOSK_ANSWERS["green-welcome"][0](station)
    app = kiosk_app(station, "en")
    async with app.run_test(size=SMALL) as pilot:
        screen: KioskScreen = await kiosk_opened(pilot)
        screen.language_seconds = 3600
        await click(pilot, "#language-es")
        await wait_for(lambda: current() == "es", pilot)
        await answer(pilot, payload)
        # The kiosk's language timer is its own (private): the test ends its minute now.
        screen._idle_language()  # noqa: SLF001 - up while the answer is read: Spanish stays
        assert current() == "es" and screen._language_timer is not None  # noqa: SLF001
        screen.show_attract()
        screen._idle_language()  # noqa: SLF001
        assert current() == "en"
        await click(pilot, "#language-de")
        await wait_for(lambda: current() == "de", pilot)
        await pilot.press("f12")  # staff leave: the PIN is asked in the station's language
        await wait_for(lambda: current() == "en", pilot)

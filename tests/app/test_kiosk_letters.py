"""The kiosk's answer read from two metres: large letters (a word with its icon, the name, one
instruction) at least five text rows tall at 120x40 and fitted at 80x24, in any script the
machine has a font for; a sound per answer (yes, see the desk, no) where the station wants one;
the high-contrast theme from the station settings."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from PIL import Image

from badges.fonts import has_font_for
from screens.app import EventdeskApp, make_app
from screens.kiosk.answer import HIGH_CONTRAST, KioskAnswer, Sign, SignText, describe, draw_sign
from screens.kiosk.picture import pixels_per_cell
from screens.messages import ScanDecided
from tests.app.test_app_kiosk import (
    admissible,
    answered,
    event_tickets,
    hook,
    kiosk_app,
    scan_with_wedge,
    started,
)
from tests.apptools import DemoStation, wait_for

WHITE, GREEN = (255, 255, 255), (20, 120, 40)


def ink_runs(image: Image.Image, ink: tuple[int, int, int]) -> list[tuple[int, int]]:
    """The bands of pixel rows that hold letters (pixels close to ``ink``), top to bottom."""
    width, height = image.size
    pixels = image.convert("RGB").load()
    assert pixels is not None

    def inked(y: int) -> bool:
        return any(
            sum(abs(a - b) for a, b in zip(pixels[x, y], ink, strict=True)) < 120  # type: ignore[arg-type]
            for x in range(width)
        )

    bands: list[tuple[int, int]] = []
    start: int | None = None
    for y in range(height):
        if inked(y) and start is None:
            start = y
        elif not inked(y) and start is not None:
            bands.append((start, y))
            start = None
    if start is not None:
        bands.append((start, height))
    return bands


def sign_of(app: EventdeskApp) -> Sign:
    return app.screen.query_one("#answer-sign", Sign)


# --- the letters ----------------------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_the_name_and_the_instruction_are_large_and_fit(
    station: DemoStation, size: tuple[int, int]
) -> None:
    fresh = admissible(station.store, event_tickets(station.store, station.summary.event))[0]
    assert fresh.qr_payload
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=size, message_hook=hook((ScanDecided,), decisions)) as pilot:
        await started(app, pilot)
        await scan_with_wedge(pilot, fresh.qr_payload)
        panel = await answered(pilot, decisions, 1)
        sign = sign_of(app)
        await wait_for(lambda: sign.drawn is not None, pilot)
        assert sign.drawn is not None and sign.text is not None
        assert sign.text.name == fresh.attendee and sign.text.instruction == "Please go in"
        _, ink = panel.colours("ok")
        bands = ink_runs(sign.drawn, ink)
        # The word with its icon, the name, the instruction: three bands of letters.
        assert len(bands) == 3, bands
        rows_per_pixel = 1 / pixels_per_cell()[1]
        tallest = [(bottom - top) * rows_per_pixel for top, bottom in bands]
        cells_w, cells_h = sign.content_size
        assert sign.drawn.size == (cells_w * pixels_per_cell()[0], cells_h * pixels_per_cell()[1])
        if size == (120, 40):
            assert min(tallest) >= 5, tallest  # every line at least five text rows tall
        else:
            # Scaled down to fit, still two to four times the height of the text around it.
            assert min(tallest) >= 2 and max(tallest) >= 3, tallest
        # Nothing is cut: no letter touches the picture's left or right edge.
        pixels = sign.drawn.load()
        assert pixels is not None
        for x in (0, sign.drawn.size[0] - 1):
            column = [pixels[x, y] for y in range(sign.drawn.size[1])]
            assert all(pixel != ink for pixel in column)
        assert app.screen.size == size


def test_a_long_name_wraps_onto_two_lines_rather_than_shrinking_to_nothing() -> None:
    sign = SignText("ok", "Welcome", "Maximiliane Alexandra von Hohenzollern-Sigmaringen", "Go")
    _, lines = draw_sign(sign, 116, 60, background=GREEN, ink=WHITE)
    names = lines[1:-1]
    assert len(names) == 2 and " ".join(names) == sign.name


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("Jakub Þórsdóttir Łęcka", "no font on this machine has these letters (DejaVu or Noto)"),
        (
            "山田 花子",
            "no CJK font installed (e.g. Debian's fonts-noto-cjk): CJK names show as boxes",
        ),
    ],
    ids=["accents", "cjk"],
)
def test_names_are_drawn_in_a_font_that_has_their_letters(name: str, missing: str) -> None:
    if not has_font_for(name):
        pytest.skip(missing)
    image, lines = draw_sign(
        SignText("ok", "Welcome", name, "Go"), 300, 120, background=GREEN, ink=WHITE
    )
    assert name in lines
    assert len(ink_runs(image, WHITE)) >= 3


def test_one_instruction_and_no_staff_note_on_the_attendees_screen() -> None:
    from eventdesk.services.door.scan_result import ScanResult, worded
    from eventdesk.values import utcnow

    moment = utcnow()
    answers = [
        ScanResult(
            "needs_staff",
            worded("Staff checks this ticket"),
            moment,
            attendee="Kim",
            attention="Check ID",
        ),
        ScanResult(
            "unpaid",
            worded("Not paid: €40.00 due."),
            moment,
            attendee="Kim",
            due=4000,
            currency="EUR",
            see_desk=True,
        ),
        ScanResult(
            "already_checked_in", worded("Already"), moment, attendee="Kim", first_station="Door 2"
        ),
        ScanResult("ok", worded("Welcome"), moment, attendee="Kim", attention="VIP: gold lanyard"),
    ]
    for result in answers:
        text = describe(result)
        said = " ".join((text.word, text.name, text.instruction, *text.details)).casefold()
        assert said.count("see the desk") <= 1, said
        assert "check id" not in said and "vip" not in said
    assert "€40.00" in " ".join(describe(answers[1]).details)


# --- sound ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_the_kiosk_sounds_yes_wait_and_no(station: DemoStation) -> None:
    tickets = admissible(station.store, event_tickets(station.store, station.summary.event))
    fresh = tickets[0]
    assert fresh.qr_payload
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await started(app, pilot)
        cues = []
        for count, payload in enumerate((fresh.qr_payload, "NOT-A-TICKET"), start=1):
            await scan_with_wedge(pilot, payload)
            await answered(pilot, decisions, count)
            cues.append(app.devices.last_cue)
        # The same ticket again, after the debounce: already checked in, see the desk.
        screen.repeat_seconds = 0  # the debounce over: the same ticket is decided again
        await scan_with_wedge(pilot, fresh.qr_payload)
        await answered(pilot, decisions, 3)
        cues.append(app.devices.last_cue)
        assert cues == ["yes", "no", "desk"]
        sound = app.devices.sound
        assert sound is not None
        await wait_for(lambda: sound.frames_played > 0, pilot)  # really played (no device here)


@pytest.mark.asyncio
async def test_the_desk_is_quiet_unless_its_station_wants_sound(station: DemoStation) -> None:
    fresh, other = admissible(station.store, event_tickets(station.store, station.summary.event))[
        :2
    ]
    assert fresh.qr_payload and other.qr_payload
    for setting, expected in (("auto", None), ("on", "yes")):
        ticket = fresh if setting == "auto" else other
        assert await desk_cue(station, setting, ticket.qr_payload or "") == expected


async def desk_cue(station: DemoStation, setting: str, payload: str) -> str | None:
    """The sound the desk made for one admitted scan, with ``sound = setting``."""
    config = dataclasses.replace(station.config, sound=setting)
    app = make_app(config=config, store=station.store, sign_in_as="Sam Desk", mode="desk")
    decisions: list[ScanDecided] = []
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await wait_for(lambda: app.current_mode == "desk", pilot)
        await scan_at_desk(app, pilot, payload)
        await wait_for(lambda: len(decisions) >= 1, pilot)
        await pilot.pause()
        assert decisions[0].result.result == "ok"
        return app.devices.last_cue


@pytest.mark.asyncio
async def scan_at_desk(app: EventdeskApp, pilot: Any, payload: str) -> None:
    """A wedge scanner's line into the desk's search field."""
    from textual.widgets import Input

    search = app.screen.query_one("#search", Input)
    await wait_for(lambda: app.focused is search, pilot)
    search.value = payload
    await pilot.press("enter")


# --- the high-contrast theme ------------------------------------------------------------------
@pytest.mark.asyncio
async def test_the_high_contrast_theme_comes_from_the_station_settings(
    station: DemoStation,
) -> None:
    config = dataclasses.replace(station.config, kiosk_theme="high-contrast")
    app = make_app(config=config, store=station.store, sign_in_as="Kiosk Door 1", mode="kiosk")
    decisions: list[ScanDecided] = []
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await started(app, pilot)
        await scan_with_wedge(pilot, "NOT-A-TICKET")
        panel: KioskAnswer = await answered(pilot, decisions, 1)
        assert panel.has_class("-high-contrast") and panel.verdict == "bad"
        sign = sign_of(app)
        assert sign.colours == HIGH_CONTRAST["bad"]
        assert panel.styles.background.rgb == HIGH_CONTRAST["bad"][0]


@pytest.mark.asyncio
async def test_without_a_sound_device_the_bell_rings_once_twice_or_three_times(
    station: DemoStation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sound device: the terminal's bell still tells yes (one), see the desk (two), no
    (three) apart."""
    monkeypatch.setenv("EVENTDESK_SOUND_BACKEND", "none")  # as a machine with no sound device
    fresh = admissible(station.store, event_tickets(station.store, station.summary.event))[0]
    assert fresh.qr_payload
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    rung: list[float] = []
    app.bell = lambda: rung.append(0.0)  # type: ignore[method-assign]  # the bell, counted
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await started(app, pilot)
        sound = app.devices.sound
        await wait_for(lambda: sound is not None and sound.available is False, pilot)
        heard = []
        for count, payload in enumerate((fresh.qr_payload, "NOT-A-TICKET"), start=1):
            before = len(rung)
            await scan_with_wedge(pilot, payload)
            await answered(pilot, decisions, count)
            expected = 1 if count == 1 else 3
            await wait_for(lambda b=before, e=expected: len(rung) - b >= e, pilot)
            heard.append(len(rung) - before)
        screen.repeat_seconds = 0  # the debounce over: the same ticket is decided again
        before = len(rung)
        await scan_with_wedge(pilot, fresh.qr_payload)
        await answered(pilot, decisions, 3)
        await wait_for(lambda: len(rung) - before >= 2, pilot)
        heard.append(len(rung) - before)
        assert heard == [1, 3, 2]

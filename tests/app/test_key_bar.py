"""The key bar: every key in sight at 80x24 and 120x40, each once, refused keys saying why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.notifications import Notify
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from screens.app import EventdeskApp, make_app
from screens.organizer import FormScreen
from screens.widgets.key_bar import KeyBar, KeyEntry, KeyHint, key_label, pack_lines
from tests.apptools import DemoStation, click, compositor_of, sign_in_with_pin, wait_for

SIZES = [(80, 24), (120, 40)]
# F7, the station's checks, is in every key bar but the locked kiosk's (issue 60: it was in none).
GLOBAL_HINTS = (
    "F1 Desk",
    "F2 Kiosk",
    "F3 Organizer",
    "F4 Stats",
    "F7 Checks",
    "F9 Sign out",
    "Ctrl+Q Quit",
)
DESK_HINTS = (
    "Ctrl+K Check in",
    "Ctrl+U Undo",
    "Ctrl+R Reprint",
    "Ctrl+P Pay",
    "Ctrl+N Walk-in",
    "Ctrl+X Cancel ticket",
    "Ctrl+W Promote",
    "Ctrl+T Sessions",
    "Ctrl+G Badge name",
    "Ctrl+L Note",
    "Ctrl+B Paper ticks",
    "Ctrl+S Scan field",
    "Ctrl+E Exit mode",
)


# --- what is shown, worked out without a screen ---------------------------------------------------
@pytest.mark.parametrize(
    ("key", "shown"),
    [("f1", "F1"), ("ctrl+q", "Ctrl+Q"), ("escape", "Esc"), ("n", "n"), ("ctrl+k", "Ctrl+K")],
)
def test_keys_are_written_as_on_the_keyboard(key: str, shown: str) -> None:
    assert key_label(Binding(key, "x")) == shown


def entry(label: str, *, is_global: bool) -> KeyEntry:
    return KeyEntry(label, label, "x" * 8, "noop", True, "", is_global, Widget())


@pytest.mark.parametrize("width", [30, 40, 78, 160])
def test_lines_fit_and_keep_the_app_keys_together(width: int) -> None:
    own = [entry(f"Ctrl+{n}", is_global=False) for n in "ABCDEFG"]  # 15 cells each
    shared = [entry(f"F{n}", is_global=True) for n in range(1, 4)]  # 11 cells each
    lines = pack_lines([*shared[:1], *own, *shared[1:]], width)
    assert all(sum(e.width for e in line) + 2 * (len(line) - 1) <= width for line in lines)
    assert [e for line in lines for e in line] == [*own, *shared]  # each once, own keys first
    if width >= 37:  # room for the app's keys on one line: together, on the last line
        assert [e for e in lines[-1] if e.is_global] == shared
    else:  # on the last lines, with none of the screen's keys between them
        assert not any(e.is_global for e in lines[-3]) and all(e.is_global for e in lines[-1])
    if width >= 160:
        assert len(lines) == 1
    elif width >= 40:
        assert len(lines) >= 2 and not any(e.is_global for e in lines[-2])


# --- on the running app -----------------------------------------------------------------------
def bar_text(screen: Screen[Any]) -> list[str]:
    """The lines of the screen the key bar covers, as drawn."""
    bar: KeyBar = screen.query_one(KeyBar)
    strips = compositor_of(screen).render_strips()
    return [strips[y].text for y in range(bar.region.y, bar.region.bottom)]


async def with_key_bar(pilot: Any) -> KeyBar:
    """The screen's key bar; a screen still on Textual's Footer gets one in its place."""
    screen = pilot.app.screen
    if not screen.query(KeyBar):
        await screen.query(Footer).remove()
        await screen.mount(KeyBar())
    bar: KeyBar = screen.query_one(KeyBar)

    def drawn() -> bool:  # every hint on the screen as drawn (a busy machine draws later)
        hints = bar.query(KeyHint).results(KeyHint)
        text = "\n".join(bar_text(screen))
        return bool(bar.query(KeyHint)) and all(h.entry.description in text for h in hints)

    await wait_for(drawn, pilot)
    return bar


def all_in_sight(bar: KeyBar, size: tuple[int, int]) -> bool:
    width, height = size
    return all(
        hint.region.right <= width - 1
        and hint.region.bottom <= height
        and hint.region.width == hint.entry.width
        for hint in bar.query(KeyHint).results(KeyHint)
    )


def app_as(station: DemoStation, who: str | None, mode: str) -> EventdeskApp:
    return make_app(config=station.config, store=station.store, sign_in_as=who, mode=mode)


CASES = [
    ("Olivia Organizer", "organizer", ("n New", "e Edit")),
    ("Olivia Organizer", "desk", DESK_HINTS),
    ("Sam Desk", "desk", DESK_HINTS),
    ("Sam Desk", "stats", ("r Refresh", "i Who is inside")),
    (None, "login", ()),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("who", "mode", "own"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
@pytest.mark.asyncio
async def test_every_key_is_in_sight_once(
    station: DemoStation, who: str | None, mode: str, own: tuple[str, ...], size: tuple[int, int]
) -> None:
    app = app_as(station, who, mode if who else "desk")
    async with app.run_test(size=size) as pilot:
        await wait_for(lambda: app.current_mode == mode, pilot)
        bar = await with_key_bar(pilot)
        lines = bar_text(app.screen)
        text = "\n".join(lines)
        for hint in (*own, *GLOBAL_HINTS):
            assert text.count(hint) == 1, (hint, lines)
        assert all(hint in lines[-1] for hint in GLOBAL_HINTS), lines  # together, last
        assert all_in_sight(bar, size)
        shown = [hint.entry.description for hint in bar.query(KeyHint).results(KeyHint)]
        assert len(shown) == len(set(shown)) == len(own) + len(GLOBAL_HINTS)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.asyncio
async def test_the_locked_kiosk_shows_only_its_own_keys(
    station: DemoStation, size: tuple[int, int]
) -> None:
    app = app_as(station, "Kiosk Door 1", "kiosk")
    async with app.run_test(size=size) as pilot:
        await wait_for(lambda: app.current_mode == "kiosk", pilot)
        bar = await with_key_bar(pilot)
        text = "\n".join(bar_text(app.screen))
        assert "F5 No QR? Email + PIN" in text and "F12 Staff" in text
        assert not any(hint in text for hint in GLOBAL_HINTS)
        assert all_in_sight(bar, size)


def hint_for(bar: KeyBar, description: str) -> KeyHint:
    found = [h for h in bar.query(KeyHint).results(KeyHint) if h.entry.description == description]
    assert len(found) == 1, description
    return found[0]


def hint_now(bar: KeyBar, description: str) -> Callable[[], KeyHint | None]:
    """The hint for ``description`` as the bar shows it when asked (None while it is built
    again: the bar recomposes when its keys change, and an older hint is off the screen)."""

    def now() -> KeyHint | None:
        hints = bar.query(KeyHint).results(KeyHint)
        return next((h for h in hints if h.entry.description == description), None)

    return now


def dimmed(bar: KeyBar, description: str) -> bool | None:
    """Whether the key is shown dimmed (None while the bar is being built again)."""
    for hint in bar.query(KeyHint).results(KeyHint):
        if hint.entry.description == description:
            return hint.has_class("-disabled")
    return None


def notified(messages: list[Any], text: str) -> bool:
    return any(
        isinstance(m, Notify) and text.casefold() in m.notification.message.casefold()
        for m in messages
    )


@pytest.mark.asyncio
async def test_a_refused_f_key_is_dimmed_and_says_why(station: DemoStation) -> None:
    messages: list[Any] = []
    app = app_as(station, None, "desk")
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await sign_in_with_pin(pilot, "Sam Desk", "2345")
        await wait_for(lambda: app.current_mode == "desk", pilot)
        bar = await with_key_bar(pilot)
        for key, name, said in (("f3", "Organizer", "for organizers"), ("f2", "Kiosk", "kiosk")):
            hint = hint_for(bar, name)
            assert hint.has_class("-disabled") and said in str(hint.tooltip)
            await pilot.press(key)
            await wait_for(lambda said=said: notified(messages, said), pilot)  # type: ignore[misc]
            assert app.current_mode == "desk"
        assert not hint_for(bar, "Stats").has_class("-disabled")
        await pilot.press("f9")
        await wait_for(lambda: app.current_mode == "login", pilot)
        await pilot.press("f1")
        await wait_for(lambda: notified(messages, "sign in first"), pilot)
        assert app.current_mode == "login"


@pytest.mark.asyncio
async def test_clicking_a_key_runs_it(station: DemoStation) -> None:
    messages: list[Any] = []
    app = app_as(station, "Sam Desk", "stats")
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await wait_for(lambda: app.current_mode == "stats", pilot)
        bar = await with_key_bar(pilot)
        await click(pilot, hint_now(bar, "Organizer"))  # refused: says why
        await wait_for(lambda: notified(messages, "for organizers"), pilot)
        assert app.current_mode == "stats"
        await click(pilot, hint_now(bar, "Sign out"))
        await wait_for(lambda: app.current_mode == "login", pilot)
        await pilot.pause()  # the headers' titles follow the sign-out before the app closes
    organizer = app_as(station, "Olivia Organizer", "organizer")
    async with organizer.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: organizer.current_mode == "organizer", pilot)
        bar = await with_key_bar(pilot)
        await click(pilot, hint_now(bar, "New"))  # the screen's own key
        await wait_for(lambda: isinstance(organizer.screen, FormScreen), pilot)
        organizer.screen.dismiss(None)
        await wait_for(lambda: organizer.screen.query(KeyBar).first() is bar, pilot)
        await click(pilot, hint_now(bar, "Stats"))
        await wait_for(lambda: organizer.current_mode == "stats", pilot)


@pytest.mark.asyncio
async def test_the_bar_follows_the_tab_shown(station: DemoStation) -> None:
    app = app_as(station, "Olivia Organizer", "organizer")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.current_mode == "organizer", pilot)
        bar = await with_key_bar(pilot)
        assert dimmed(bar, "New") is False
        await pilot.press("6")  # the Waitlist tab: nothing to add or edit with n and e
        await wait_for(lambda: dimmed(bar, "New") is True, pilot)
        await wait_for(lambda: dimmed(bar, "Edit") is True, pilot)
        assert "Waitlist tab" in str(hint_for(bar, "Edit").tooltip)
        await pilot.press("1")
        await wait_for(lambda: dimmed(bar, "Edit") is False, pilot)
        await pilot.press("0")  # the Data tab's file field has the focus: n and e type there
        await wait_for(lambda: dimmed(bar, "New") is None and dimmed(bar, "Edit") is None, pilot)
        assert "F1 Desk" in bar_text(app.screen)[-1]


class ManyKeys(Screen[None]):
    """A screen with more keys than one line holds, as the desk's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(f"ctrl+{letter}", f"noop('{letter}')", f"Action {letter}", priority=True)
        for letter in "abdeghijl"
    ]

    def compose(self) -> ComposeResult:
        yield Static("many keys")
        yield KeyBar()

    def action_noop(self, letter: str) -> None:
        """Nothing."""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.asyncio
async def test_many_keys_wrap_onto_more_lines(station: DemoStation, size: tuple[int, int]) -> None:
    app = app_as(station, "Olivia Organizer", "organizer")
    async with app.run_test(size=size) as pilot:
        await wait_for(lambda: app.current_mode == "organizer", pilot)
        await app.push_screen(ManyKeys())
        bar = await with_key_bar(pilot)
        lines = bar_text(app.screen)
        text = "\n".join(lines)
        own = [f"Ctrl+{letter.upper()} Action {letter}" for letter in "abdeghijl"]
        for hint in (*own, *GLOBAL_HINTS):
            assert text.count(hint) == 1, (hint, lines)
        assert len(lines) == (4 if size[0] == 80 else 2)  # at 80: 4 keys a line
        assert all_in_sight(bar, size)
        await pilot.resize_terminal(60, 24)  # narrower still: more lines, nothing lost
        await wait_for(lambda: len(bar_text(app.screen)) > len(lines), pilot)
        assert all(hint in "\n".join(bar_text(app.screen)) for hint in (*own, *GLOBAL_HINTS))

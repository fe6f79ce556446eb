"""Helpers for the app's Pilot tests: a demo station on a copied SQLite file, and waiting."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from textual.events import Key
from textual.widget import Widget
from textual.widgets import Input, Select
from textual.worker import WorkerCancelled

from eventdesk import variables
from eventdesk.config import Config, load_config, sqlite_url
from eventdesk.db import Store
from eventdesk.event_time import DAY_CHANGE_HOURS
from eventdesk.opening import open_store
from eventdesk.services.catalogue import events
from eventdesk.services.data.demo import DEMO_ZONE, DemoSummary, build_demo
from eventdesk.services.people import registration
from eventdesk.text import ID_ALPHABET
from eventdesk.tickets import ensure_keys, load_signer
from eventdesk.values import utcnow
from screens.backend import Backend
from tests.scanner_bursts import SCANNER_KEY_GAP, key_of

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual._compositor import Compositor
    from textual.app import App
    from textual.driver import Driver
    from textual.notifications import Notifications
    from textual.screen import Screen

    from screens.app import EventdeskApp

STATION = "Door 1"

# EVENTDESK_TEST_DEMO_DAY runs the tests as if on another day: the tests' demo event is built for
# that day, and apps made on a demo station run on a clock that shows it (DemoStation.now). An
# ISO date (2031-03-09) or a signed number of days from today (+1500, -700), optionally with a
# time of day in the demo's zone (2031-03-09T10:30, +0T23:55). Unset: today.
DEMO_DAY = "EVENTDESK_TEST_DEMO_DAY"
_DAY = re.compile(r"(?:(?P<offset>[+-]\d+)|(?P<date>\d{4}-\d{2}-\d{2}))(?:T(?P<time>[\d:.]+))?")
# The demo's door closes at midnight (its event ends at 18:00): a run started late in the evening
# gets clocks set back this much, so that it does not cross the end of the demo's day.
LATE = time(21, 0)
SET_BACK = timedelta(hours=3)
# Before 05:00 it is still the day before (an event's day runs 05:00 to 05:00, event_time): a
# run started then gets clocks set back to that day's evening (17:00 to 22:00), the demo built
# for it, so that a time of the demo's day can be both on its days and not later than now.
EARLY = time(DAY_CHANGE_HOURS, 0)
EARLY_SET_BACK = timedelta(hours=7)


@cache
def demo_shift() -> timedelta:
    """How far the tests' demo clock is from the real one: read once per process from
    EVENTDESK_TEST_DEMO_DAY; zero when it is unset, except late in the evening and
    before 05:00."""
    return clock_shift(variables.read_text(DEMO_DAY) or "", datetime.now(DEMO_ZONE))


def clock_shift(setting: str, real: datetime) -> timedelta:
    """The demo clock's distance from ``real`` for a value of EVENTDESK_TEST_DEMO_DAY."""
    found = _DAY.fullmatch(setting.strip() or "+0")
    real = real.astimezone(DEMO_ZONE)
    try:
        if found is None:
            raise ValueError("not a day")
        if found["date"]:
            day = date.fromisoformat(found["date"])
        else:
            day = real.date() + timedelta(days=int(found["offset"]))
        if found["time"]:
            at = datetime.combine(day, time.fromisoformat(found["time"]), DEMO_ZONE)
        else:
            at = datetime.combine(day, real.time(), DEMO_ZONE)
            if real.time() >= LATE:
                at -= SET_BACK
            elif real.time() < EARLY:
                at -= EARLY_SET_BACK
    except (ValueError, OverflowError) as exc:
        raise pytest.UsageError(
            f"{DEMO_DAY}={setting!r} ({exc}): give an ISO date (2031-03-09) or a signed number "
            "of days (+1500, -700), optionally with a time of day (2031-03-09T10:30, +0T23:55)"
        ) from None
    return at - real


def demo_now() -> datetime:
    """Now on the tests' demo clock (the real now unless EVENTDESK_TEST_DEMO_DAY is set or it
    is late in the evening)."""
    return utcnow() + demo_shift()


_DEMO_DIRS: set[Path] = set()  # the data folders of this process's demo stations


@contextmanager
def demo_clocks() -> Iterator[None]:
    """While active, an app made on a demo station's data folder runs on the demo's clock (as
    the snapshot tests set a fixed one); every other app keeps the real clock."""
    if not demo_shift():
        yield
        return
    import screens.app

    class OnDemoClock(Backend):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if self.config.data_dir.resolve() in _DEMO_DIRS:
                self.clock = demo_now

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens.app, "Backend", OnDemoClock)
        yield


@dataclass
class DemoStation:
    """A data folder holding a demo database and its signing key, ready for make_app."""

    data_dir: Path
    summary: DemoSummary
    config: Config
    store: Store

    def __post_init__(self) -> None:
        _DEMO_DIRS.add(self.data_dir.resolve())  # its apps run on the demo's clock

    def command(self, *args: str, station: str = STATION) -> list[str]:
        """The real `eventdesk` command line of another station on this database."""
        database = ["--db", self.config.database_url, "--data-dir", str(self.data_dir)]
        return [sys.executable, "-m", "eventdesk", *database, "--station", station, *args]

    def open_store(self) -> Store:
        """Another connection pool on the same database (as another station would have)."""
        return open_store(self.config)

    def now(self) -> datetime:
        """This station's clock: on the demo's day (see EVENTDESK_TEST_DEMO_DAY), running."""
        return demo_now()

    def open_door_for_processes(self) -> None:
        """Another station run as a real process (``command``) checks in on the real clock: the
        demo's door is opened around both the real now and the demo's, whatever its day."""
        real, demo = utcnow(), self.now()
        events.update_event(
            self.store,
            self.summary.event,
            checkin_opens=(min(real, demo) - timedelta(days=1)).isoformat(),
            checkin_closes=(max(real, demo) + timedelta(days=1)).isoformat(),
        )


def build_template(
    folder: Path, attendees: int = 40, *, now: datetime | None = None
) -> tuple[Path, DemoSummary]:
    """The demo in ``folder``, for the tests' demo day (see EVENTDESK_TEST_DEMO_DAY). With
    ``now``, everything is the same on every run: the day, the arrival times, the ticket ids and
    the signing key (for snapshot tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    fixed = now is not None
    now = now or (demo_now() if demo_shift() else None)
    config = load_config(
        data_dir=folder, database_url=sqlite_url(folder / "eventdesk.db"), station=STATION
    )
    store = open_store(config)
    with fixed_randomness(fixed):
        ensure_keys(store, folder, STATION)
        store.signer = load_signer(folder)
        summary = build_demo(store, attendee_count=attendees, seed=7, station=STATION, now=now)
    store.dispose()
    return folder, summary


@contextmanager
def fixed_randomness(active: bool) -> Iterator[None]:
    """Ticket ids and the signing key from a seeded generator instead of the system's."""
    if not active:
        yield
        return
    rng = random.Random(20261121)

    def seeded_id(length: int = 8) -> str:
        return "".join(rng.choice(ID_ALPHABET) for _ in range(length))

    def seeded_key() -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registration, "new_id", seeded_id)
        patch.setattr(Ed25519PrivateKey, "generate", staticmethod(seeded_key))
        yield


def copy_station(
    template: Path, summary: DemoSummary, target: Path, **settings: Any
) -> DemoStation:
    shutil.copytree(template, target)
    if settings:
        lines = []
        for section, values in settings.items():
            lines.append(f"[{section}]")
            lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
        (target / "eventdesk.toml").write_text("\n".join(lines) + "\n")
    config = load_config(
        data_dir=target, database_url=sqlite_url(target / "eventdesk.db"), station=STATION
    )
    store = open_store(config)
    store.signer = load_signer(target)
    return DemoStation(target, summary, config, store)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- Textual's own members, read where a test must: one place each ------------------------------
def options_of(select: Select[Any]) -> list[tuple[RenderableType, Any]]:
    """A Select's (prompt, value) choices: Textual's private member, as it has no public name."""
    return select._options  # noqa: SLF001


def driver_of(app: App[Any]) -> Driver | None:
    """The app's terminal driver: Textual's private member, as Textual has no public name."""
    return app._driver  # noqa: SLF001


def compositor_of(screen: Screen[Any]) -> Compositor:
    """The screen's compositor (its drawing): Textual's private member, as it has no public name."""
    return screen._compositor  # noqa: SLF001


def notifications_of(app: App[Any]) -> Notifications:
    """The app's notifications on show: Textual's private member, as it has no public name."""
    return app._notifications  # noqa: SLF001


async def sign_in_with_pin(pilot: Any, name: str, pin: str) -> None:
    """Pick a name in the staff form on screen (or type it, at the kiosk's unlock) and type the
    PIN, as a person would."""
    screen = pilot.app.screen
    await wait_for(lambda: bool(screen.query("#staff-name")), pilot)
    field = screen.query_one("#staff-name")
    if isinstance(field, Input):  # the kiosk's unlock lists no names: the name is typed
        field.value = ""
        field.focus()
        await pilot.press(*name, "enter")
        await wait_for(lambda: pilot.app.focused is screen.query_one("#staff-pin", Input), pilot)
        await pilot.press(*pin, "enter")
        return
    select = screen.query_one("#staff-name", Select)
    await wait_for(lambda: len(options_of(select)) > 1, pilot)
    select.value = name
    screen.query_one("#staff-pin", Input).focus()
    await pilot.press(*pin, "enter")


async def wait_for(condition: Callable[[], bool], pilot: Any, timeout: float = 30.0) -> None:
    """Let the app work until ``condition()`` holds (workers finish, messages land)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.05)


async def click(pilot: Any, target: Any) -> None:
    """Click ``target`` where it is drawn once the screen has settled: a selector, a widget, or
    a function that finds the widget now (None while there is none: a bar built again).
    Textual's pilot takes the widget's place before it lets the app run: right after a change
    that moves things (an error line shown above a button), it would click where the widget
    was, on whatever is there now; a widget no longer on the screen it clicks at (0, 0). A
    button pressed a moment ago ignores a click while it shows the press (Textual's active
    effect, 0.2 s): a second click comes once that is over. The click must land on the widget
    (or a part of it)."""
    app = pilot.app
    found: list[Widget] = []

    def drawn_there() -> bool:
        if isinstance(target, str):
            widget = app.screen.query_one(target)
        else:
            widget = target() if callable(target) and not isinstance(target, Widget) else target
        if widget is None or not widget.is_attached or not widget.region:
            return False
        if widget.has_class("-active"):
            return False  # a button just pressed ignores clicks until its press effect ends
        at, _region = app.get_widget_at(*widget.region.offset)
        found[:] = [widget]
        return bool(at is widget or widget in at.ancestors)

    await pilot.pause()
    await wait_for(drawn_there, pilot)
    await pilot.click(found[0])


async def workers_done(app: Any) -> None:
    """Every worker the app has started has ended. One that a newer worker of its exclusive
    group replaced (the desk reads again on a timer) ends cancelled, which is no failure."""
    for worker in list(app.workers):
        with suppress(WorkerCancelled):
            await worker.wait()


def scanner_keys(text: str) -> list[Key]:
    """A scanner's keys for ``text``, stamped at a scanner's pace (SCANNER_KEY_GAP apart) from
    now on. Made in a loop on a busy machine, their own times could lie tens of milliseconds
    apart (the process waited for a core between two of them), which is a person's pace, not a
    scanner's: a terminal reads a scanner's keys from its buffer together."""
    now = monotonic()  # (not earlier: a key made before a person's typing ended is theirs)
    keys = []
    for position, named in enumerate(map(key_of, text)):
        key = Key(named.key, named.character)
        key.time = now + position * SCANNER_KEY_GAP
        keys.append(key)
    return keys


APP_SETTINGS = ("event", "camera", "decoder", "printer", "auto_print")


def app_on(config: Config, **options: Any) -> EventdeskApp:
    """``make_app`` on ``config``, with the station's settings among ``options`` (the event, the
    camera, ...) put over it, as ``eventdesk app``'s options are."""
    from screens.app import make_app

    settings = {name: options.pop(name) for name in APP_SETTINGS if name in options}
    return make_app(config.with_options(**settings), **options)

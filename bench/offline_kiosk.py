"""Part (4) of bench/offline.py: the kiosk's first offline answer in the app (see that file's
docstring; run it with `python bench/offline.py --only kiosk`)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from textual.widgets import Input, Select

from bench.offline import (
    KIOSK_LINKS,
    KIOSK_TRIES,
    ORGANIZER,
    STALL,
    ms,
    verdict,
)
from devices.wedge import Line
from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.opening import open_store
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.services.people.auth import add_staff
from screens.app import EventdeskApp, make_app
from screens.kiosk.screen import KioskScreen
from screens.login import LoginScreen
from screens.messages import ScanDecided
from screens.scanner_keys import ScannedLine
from testkit.proxy import TcpProxy

GOAL_KIOSK = 1.5  # s: the kiosk's first answer after the server went away
KIOSK_DOOR = "Kiosk 1"  # the kiosk's station
KIOSK_ACCOUNT, KIOSK_PIN = "Bench Kiosk", "3456"  # the kiosk account signed in at it
KIOSK_WAIT = 120.0  # s: at most, for the app to get ready, and for an answer
KIOSK_IDLE = 1.0  # s: the kiosk stands ready this long before the line comes


# --- (4) the kiosk ------------------------------------------------------------------------------
@dataclass(frozen=True)
class KioskTry:
    """One fresh kiosk app's first scan after its server went away (``link``: cut or stalled).
    The times are None when no answer came within KIOSK_WAIT."""

    link: str
    ready_s: float  # from building the app to signed in, its copy downloaded
    answer_s: float | None  # from the line's arrival to the kiosk's answer (ScanDecided taken)
    since_s: float | None  # from the start of losing the server to that answer
    decided_ms: float | None  # the kiosk's queue: from the line's end to the decision
    result: ScanResult | None
    shown: bool  # the answer panel was up once the answer was taken


def make_kiosk_account(url: str, data: Path) -> None:
    """A kiosk account on the server (its PIN hash reaches the stations' copies)."""
    config = load_config(data_dir=data, database_url=url, station=ORGANIZER, environ={})
    store = open_store(config)
    try:
        add_staff(store, name=KIOSK_ACCOUNT, role="kiosk", pin=KIOSK_PIN)
    finally:
        store.dispose()


async def until(condition: Callable[[], bool], pilot: Any, what: str) -> None:
    """Let the app work until ``condition()`` holds; SystemExit after KIOSK_WAIT."""
    deadline = time.monotonic() + KIOSK_WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"(4) kiosk: {what}: not within {KIOSK_WAIT:g} s")
        await pilot.pause(0.02)


def names_offered(app: EventdeskApp) -> bool:
    if not isinstance(app.screen, LoginScreen):
        return False
    select = app.screen.query_one("#staff-name", Select)
    # A Select's choices are Textual's private member: Textual has no public name for them.
    return any(value == KIOSK_ACCOUNT for _label, value in select._options)  # noqa: SLF001


async def sign_in_kiosk(pilot: Any) -> None:
    """Choose the kiosk account and type its PIN, as a person at the sign-in screen."""
    app = pilot.app
    app.screen.query_one("#staff-name", Select).value = KIOSK_ACCOUNT
    field = app.screen.query_one("#staff-pin", Input)
    field.focus()
    await until(lambda: app.focused is field, pilot, "the PIN field focused")
    await pilot.press(*KIOSK_PIN, "enter")


def copy_ready(app: EventdeskApp, tickets: int) -> bool:
    """The station's sync loop has done a round and its copy holds every ticket."""
    station, sync = app.backend.door_station, app.devices.sync
    if station is None or sync is None or sync.rounds < 1:
        return False
    return station.mirror_status().tickets >= tickets


def kiosk_idle(app: EventdeskApp) -> bool:
    """The kiosk screen is up and its own workers (title, letters) are done."""
    screen = app.screen
    return isinstance(screen, KioskScreen) and all(
        worker.is_finished for worker in list(app.workers) if worker.node is screen
    )


async def kiosk_try(
    url: str, folder: Path, slug: str, payload: str, tickets: int, link: str
) -> KioskTry:
    """A fresh kiosk app (data folder ``folder``) whose server is reached through a TcpProxy:
    signed in, its copy downloaded; then the server is lost (``link``) and one scanner line
    comes, as the terminal driver gives it (ScannedLine). Timed to the kiosk's answer."""
    target = make_url(url)
    answers: list[tuple[float, ScanDecided]] = []

    def hook(message: Any) -> None:  # on the UI thread, as the screen takes the message
        if isinstance(message, ScanDecided):
            answers.append((time.monotonic(), message))

    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        through = target.set(host="127.0.0.1", port=proxy.port)
        config = load_config(
            data_dir=folder,
            database_url=through.render_as_string(hide_password=False),
            station=KIOSK_DOOR,
            environ={},
        )
        began = time.monotonic()
        app = make_app(
            config=config.with_options(event=slug),
            opens=lambda: Store.from_config(config),
            mode="kiosk",
        )
        try:
            async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
                await until(lambda: names_offered(app), pilot, "the sign-in screen's names")
                await sign_in_kiosk(pilot)
                await until(lambda: isinstance(app.screen, KioskScreen), pilot, "the kiosk")
                await until(lambda: copy_ready(app, tickets), pilot, "the station's copy")
                await until(lambda: kiosk_idle(app), pilot, "the kiosk's warm-up")
                await pilot.pause(KIOSK_IDLE)
                ready_s = time.monotonic() - began
                screen = app.screen
                assert isinstance(screen, KioskScreen) and not answers
                lost = time.monotonic()
                if link == "cut":
                    proxy.cut()
                else:
                    proxy.delay = STALL
                arrived = time.monotonic()
                app.post_message(ScannedLine(Line(payload), arrived))
                deadline = arrived + KIOSK_WAIT
                while not answers and time.monotonic() < deadline:
                    await pilot.pause(0.005)
                shown = bool(answers) and screen.answering
                proxy.delay = 0.0  # what waits on the server ends before the app does
                proxy.restore()
        finally:
            proxy.delay = 0.0
            proxy.restore()
            if app.backend.door_station is not None:
                app.backend.door_station.close()
            if app.backend.is_open:
                app.backend.store.dispose()
    if not answers:
        return KioskTry(link, ready_s, None, None, None, None, False)
    at, message = answers[0]
    return KioskTry(
        link, ready_s, at - arrived, at - lost, message.latency_ms, message.result, shown
    )


def measure_kiosk(
    url: str, folder: Path, slug: str, payloads: list[str], tickets: int
) -> list[KioskTry]:
    fresh = iter(payloads)
    tries: list[KioskTry] = []
    for link in KIOSK_LINKS:
        for n in range(KIOSK_TRIES):
            made = asyncio.run(
                kiosk_try(url, folder / f"{link}-{n}", slug, next(fresh), tickets, link)
            )
            tries.append(made)
    return tries


def kiosk_goal(tries: list[KioskTry]) -> bool:
    """Every try answered (offline, admitted), the median within GOAL_KIOSK."""
    answered = [t.answer_s for t in tries if t.answer_s is not None]
    return (
        bool(answered)
        and len(answered) == len(tries)
        and all(
            t.result is not None and t.result.result == "ok" and t.result.offline for t in tries
        )
        and statistics.median(answered) <= GOAL_KIOSK
    )


def print_kiosk(tries: list[KioskTry], tickets: int) -> bool:
    print(
        f"(4) kiosk: the app (mode kiosk, headless) at station {KIOSK_DOOR!r} through a "
        f"TcpProxy, offline_after 1 s; a kiosk account signed in, its copy of {tickets:,} "
        f"tickets downloaded, then the server lost and one scanner line (ScannedLine), "
        f"a fresh app each time"
    )
    met = True
    for link in KIOSK_LINKS:
        mine = [t for t in tries if t.link == link]
        shown = []
        for t in mine:
            if t.answer_s is None or t.result is None:
                shown.append(f"none within {KIOSK_WAIT:g} s")
                continue
            how = "offline" if t.result.offline else "ONLINE"
            shown.append(f"{ms(t.answer_s)} ({how} {t.result.result})")
        print(f"    {link + ':':<9}first answer from the line's arrival: {', '.join(shown)}")
        answered = [t for t in mine if t.answer_s is not None]
        times = [t.answer_s for t in mine if t.answer_s is not None]
        if answered:
            since = ", ".join(ms(t.since_s or 0.0) for t in answered)
            queue = ", ".join(ms((t.decided_ms or 0.0) / 1000) for t in answered)
            print(
                f"    {'':<9}from losing the server: {since}; decided in the kiosk's queue: {queue}"
            )
            if not all(t.shown for t in answered):
                print(f"    {'':<9}the answer panel was NOT up after the answer in every try")
        ready = ", ".join(f"{t.ready_s:.1f} s" for t in mine)
        print(f"    {'':<9}ready (app built to signed in, copy downloaded): {ready}")
        good = kiosk_goal(mine)
        median = ms(statistics.median(times)) if len(times) == len(mine) else "-"
        print(
            f"    goal ({link}): median {median}, the kiosk's first answer within "
            f"{GOAL_KIOSK:g} s: {verdict(good)}"
        )
        met = met and good
    return met

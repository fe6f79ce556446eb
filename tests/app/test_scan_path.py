"""The path of one kiosk scan, as docs/architecture.md draws it, held both ways: every product
file that runs from a scanner's line reaching the app to the answer on the screen, its sound
and its badge is on the map, in the thread the map says and in the map's order; every file the
map names is there and runs where it says (bar those it marks as a real station's only); and
the path stays short."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from screens.kiosk.answer import Sign
from screens.messages import BadgePrinted, ScanDecided
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

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("eventdesk", "screens", "devices", "badges")
# The product's files one kiosk scan runs, at most (issue 42's goal was 20, from 35 before the
# scan's path was shortened; the door's ledger, services/door/ledger.py, is the 21st).
MOST_FILES = 21
PRINTING = "print worker"  # the printer's thread: its time is the printer's, not the scan's
SOUNDING = "door sound"  # the sound's thread
MAP = ROOT / "docs" / "architecture.md"
# The map's threads (its right-hand column), by the names the threads are given.
THREADS = {"MainThread": "UI", "kiosk scanner": "queue", SOUNDING: "sound", PRINTING: "printer"}
# Threads whose files the map draws exactly (the printer's: the map's among many of its own).
EXACT = ("UI", "queue", "sound")


def scan_map() -> str:
    """The diagram of one scan's path in docs/architecture.md (its fenced block)."""
    text = MAP.read_text(encoding="utf-8")
    found = re.search(r"## The path of one scan\n.*?```text\n(.*?)```", text, re.S)
    assert found is not None, "docs/architecture.md has no diagram of one scan's path"
    return found[1]


def named_files(diagram: str) -> set[str]:
    """The product's files a diagram names (``screens/kiosk/answer.py``)."""
    roots = "|".join(PRODUCT)
    return set(re.findall(rf"\b((?:{roots})/[\w/]+\.py)\b", diagram))


def drawn_threads(diagram: str) -> dict[str, list[str]]:
    """Each thread's files in the order the diagram draws them (each once, where it first
    comes), bar those marked ``*`` (a real station's only): a line ending in a product file, an
    optional ``*`` and the thread's name."""
    roots = "|".join(PRODUCT)
    drawn: dict[str, list[str]] = {}
    for line in diagram.splitlines():
        found = re.search(rf"\b((?:{roots})/[\w/]+\.py)( \*)?\s+(\w+)\s*$", line)
        assert found is not None or not named_files(line), f"a file with no thread: {line!r}"
        if found is not None and not found[2]:
            files = drawn.setdefault(found[3], [])
            if found[1] not in files:
                files.append(found[1])
    return drawn


def out_of_order(drawn: list[str], run: list[str], *, exact: bool) -> list[str]:
    """How a thread's files as run (in the order each was first reached) differ from the map's:
    exactly the map's files in its order, or (not ``exact``) the map's among others."""
    shown = run if exact else [name for name in run if name in drawn]
    if shown == drawn:
        return []
    return [
        *(f"on the map, never run: {name}" for name in drawn if name not in run),
        *(f"run, not on the map: {name}" for name in shown if name not in drawn),
        f"the map's order: {drawn}",
        f"as run:          {shown}",
    ]


def test_every_file_the_map_names_is_there() -> None:
    named = named_files(scan_map())
    assert len(named) >= 10, named
    gone = sorted(name for name in named if not (ROOT / name).is_file())
    assert gone == [], f"docs/architecture.md's scan path names files that are gone: {gone}"


def test_the_order_check_fails_both_ways() -> None:
    drawn = drawn_threads(
        "keys  a line   screens/app.py   UI\n"
        "      the door eventdesk/services/door/checkin.py  queue\n"
        "      a driver screens/terminal_driver.py *  input\n"
        "      again    screens/app.py   UI\n"
    )
    assert drawn == {"UI": ["screens/app.py"], "queue": ["eventdesk/services/door/checkin.py"]}
    assert out_of_order(["a.py", "b.py"], ["a.py", "b.py"], exact=True) == []
    assert out_of_order(["a.py", "b.py"], ["b.py", "a.py"], exact=True)  # in another order
    assert "on the map, never run: b.py" in out_of_order(["a.py", "b.py"], ["a.py"], exact=True)
    assert "run, not on the map: c.py" in out_of_order(["a.py"], ["a.py", "c.py"], exact=True)
    assert out_of_order(["a.py", "b.py"], ["a.py", "c.py", "b.py"], exact=False) == []
    assert out_of_order(["a.py", "b.py"], ["b.py", "c.py", "a.py"], exact=False)


def test_the_check_fails_on_a_file_that_is_gone() -> None:
    drawn = "keys  screens/app.py\n  door  eventdesk/services/door/gone_away.py\n"
    assert named_files(drawn) == {"screens/app.py", "eventdesk/services/door/gone_away.py"}
    assert not (ROOT / "eventdesk/services/door/gone_away.py").exists()


def _starts_a_thread(frame: FrameType) -> bool:
    """``frame`` is a thread's own run, or the target threading's run calls."""
    back = frame.f_back
    if back is None or back.f_code.co_filename != threading.__file__:
        return False
    return back.f_code.co_name in ("_bootstrap_inner", "run")


def _thread_keeping(frame: FrameType) -> bool:
    """``frame`` is a thread's own run, or what that run calls in its own file (the thread's
    bookkeeping as it starts and ends), not the work it is given."""
    if _starts_a_thread(frame):
        return True
    back = frame.f_back
    return (
        back is not None
        and _starts_a_thread(back)
        and back.f_code.co_filename == frame.f_code.co_filename
    )


class FilesRun:
    """The product's files whose functions are called while ``recording``, on every thread
    started once it is installed (the scanner's queue, the sound, the printer's worker) and on
    this one, each thread's in the order it first reached them; the threads in ``tail`` still
    recorded once ``recording`` is off (the sound and the printer finish later)."""

    def __init__(self, *, started_apart: frozenset[str] = frozenset()) -> None:
        self.run: dict[str, list[str]] = {}  # each thread's files, in the order first reached
        self.recording = False
        self.tail: set[str] = set()
        self._roots = tuple(str(ROOT / part) + "/" for part in PRODUCT)
        # Threads (by name) whose own start is not a step of the path: one such thread is kept
        # for the next call, or started afresh when the last one was given up (a busy machine),
        # and its start is recorded only in the second case.
        self.started_apart = started_apart

    @property
    def seen(self) -> set[str]:
        """The scan's files: every thread's, bar the printer's worker's."""
        return {name for thread, files in self.run.items() if thread != PRINTING for name in files}

    def _profile(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call":
            return
        thread = threading.current_thread().name
        if thread in self.started_apart and _thread_keeping(frame):
            return
        if self.recording or thread in self.tail:
            name = frame.f_code.co_filename
            if name.startswith(self._roots):
                files = self.run.setdefault(thread, [])
                relative = str(Path(name).relative_to(ROOT))
                if relative not in files:
                    files.append(relative)

    @contextmanager
    def installed(self) -> Iterator[FilesRun]:
        threading.setprofile(self._profile)  # type: ignore[arg-type]
        sys.setprofile(self._profile)  # type: ignore[arg-type]
        try:
            yield self
        finally:
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_a_kiosk_scan_runs_the_files_on_the_map_and_few_of_them(
    station: DemoStation,
) -> None:
    tickets = admissible(station.store, event_tickets(station.store, station.summary.event))
    first, second = tickets[0], tickets[1]
    assert first.qr_payload and second.qr_payload
    decisions: list[ScanDecided] = []
    printed: list[BadgePrinted] = []
    files = FilesRun()
    with files.installed():
        app = kiosk_app(station, printer="badges", auto_print=True)
        async with app.run_test(
            size=(120, 40),
            message_hook=lambda message: (
                hook((ScanDecided,), decisions)(message),
                hook((BadgePrinted,), printed)(message),
            ),
        ) as pilot:
            await started(app, pilot)
            # The first scan starts the queue's thread and loads what a door needs once; its
            # badge is printed before the scan measured (a print worker writing the job's state
            # meanwhile makes the scan wait for the write lock, another path).
            await scan_with_wedge(pilot, first.qr_payload, type_it=True)
            await answered(pilot, decisions, 1)
            await wait_for(lambda: len(printed) >= 1, pilot)
            # A warm station's pool: a connection idle for each thread that may want one at
            # once (the scanner's, the printer's, a worker's), as a station has after its first
            # minutes; opening one (eventdesk/readonly.py mends the file's companions first) is
            # the station's start, not the scan's.
            engine = app.backend.store.engine
            for held in [engine.connect() for _ in range(4)]:
                held.close()
            # The first answer's sign drawn at the size its layout gave it: on a busy machine
            # its resize may come late, and draw it again (the sign's files) while recording.
            await pilot.pause()
            await wait_for(lambda: all(s.is_drawn for s in app.screen.query(Sign)), pilot)
            sound = app.devices.sound
            assert sound is not None
            cues = sound.cues_finished
            files.tail = {SOUNDING, PRINTING}
            files.recording = True
            await scan_with_wedge(pilot, second.qr_payload, type_it=True)
            panel = await answered(pilot, decisions, 2)
            files.recording = False
            assert panel.has_class("-ok") and decisions[1].result.badge_queued
            # The sound's and the printer's threads go on: recorded until the cue has played
            # and the badge is printed.
            await wait_for(lambda: sound.cues_finished > cues and len(printed) >= 2, pilot)
            files.tail = set()
    seen = files.seen
    on_map = named_files(scan_map())
    missing = sorted(seen - on_map)
    assert missing == [], f"files a kiosk scan runs that the map does not show: {missing}"
    assert len(seen) <= MOST_FILES, sorted(seen)
    drawn = drawn_threads(scan_map())
    strangers = sorted(set(files.run) - set(THREADS))
    assert strangers == [], f"threads the map does not draw ran the scan's files: {strangers}"
    said = []
    for thread, column in THREADS.items():
        found = out_of_order(
            drawn.get(column, []), files.run.get(thread, []), exact=column in EXACT
        )
        said += [f"{column} ({thread}): {line}" for line in found]
    assert not said, "\n".join(said)

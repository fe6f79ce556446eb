"""The path of one kiosk scan, as docs/architecture.md draws it: every product file that runs
from a scanner's line reaching the app to the answer on the screen, its sound and its badge
queued is on the map, the map names no file that is gone, and the path stays short."""

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
MAP = ROOT / "docs" / "architecture.md"


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


def test_every_file_the_map_names_is_there() -> None:
    named = named_files(scan_map())
    assert len(named) >= 10, named
    gone = sorted(name for name in named if not (ROOT / name).is_file())
    assert gone == [], f"docs/architecture.md's scan path names files that are gone: {gone}"


def test_the_check_fails_on_a_file_that_is_gone() -> None:
    drawn = "keys  screens/app.py\n  door  eventdesk/services/door/gone_away.py\n"
    assert named_files(drawn) == {"screens/app.py", "eventdesk/services/door/gone_away.py"}
    assert not (ROOT / "eventdesk/services/door/gone_away.py").exists()


class FilesRun:
    """The product's files whose functions are called while ``recording``, on every thread
    started once it is installed (the scanner's queue, the sound) and on this one, bar the
    printer's worker."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.recording = False
        self._roots = tuple(str(ROOT / part) + "/" for part in PRODUCT)

    def _profile(self, frame: FrameType, event: str, _arg: Any) -> None:
        if self.recording and event == "call":
            name = frame.f_code.co_filename
            if name.startswith(self._roots):
                thread = threading.current_thread().name
                if thread != PRINTING:
                    self.seen.add(str(Path(name).relative_to(ROOT)))

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
            files.recording = True
            await scan_with_wedge(pilot, second.qr_payload, type_it=True)
            panel = await answered(pilot, decisions, 2)
            files.recording = False
            assert panel.has_class("-ok") and decisions[1].result.badge_queued
    seen = files.seen
    on_map = named_files(scan_map())
    missing = sorted(seen - on_map)
    assert missing == [], f"files a kiosk scan runs that the map does not show: {missing}"
    assert len(seen) <= MOST_FILES, sorted(seen)

"""A device tried again and again says so once, and when it is back (issue 43): a printer that
is off, whose badges wait and are tried again with backoff, is said once (not at every try of
every badge) in `scan`, `print-queue --watch` and the app, and said back when a badge prints;
a camera that is reconnecting is said once by `scan`, not at each try. (The serial scanner:
tests/door/test_serial_scanner.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.capture import CaptureState
from devices.news import CameraNews, PrinterNews
from devices.print_worker import PrintOutcome, drain
from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from screens.backend import Backend
from screens.devices import Devices
from screens.messages import BadgePrinted
from testkit.escpos import FakeEscpos
from tests.door.test_printer_faults import next_try, printers_for, queue_badges


@pytest.fixture
def escpos() -> Iterator[FakeEscpos]:
    printer = FakeEscpos()
    yield printer
    printer.close()


def outcomes_while_off(
    store: Store, escpos: FakeEscpos, tmp_path: Path, tries: int
) -> tuple[list[PrintOutcome], list[PrintOutcome]]:
    """Two badges for a printer that is off, each tried ``tries`` times (the queue's clock moved
    to each next try: no waiting); then the printer on, and both printed."""
    printers = printers_for(escpos, tmp_path)
    jobs = queue_badges(store, 2)
    clock = utcnow()
    waited: list[PrintOutcome] = []
    for _ in range(tries):
        waited += drain(store, printers, worker="Door", now=clock)
        clock = max(next_try(job, store) for job in jobs)
    escpos.switch_on()
    printed = drain(store, printers, worker="Door", now=clock)
    return waited, printed


def test_a_printer_that_is_off_is_told_once_and_when_it_is_back(
    store: Store, signer: Signer, escpos: FakeEscpos, tmp_path: Path
) -> None:
    waited, printed = outcomes_while_off(store, escpos, tmp_path, tries=5)
    assert [o.state for o in waited] == ["queued"] * 10
    assert [o.state for o in printed] == ["done", "done"]

    news = PrinterNews()
    told = [news.told(outcome) for outcome in waited]
    assert told == ["trouble"] + [None] * 9
    assert [news.told(outcome) for outcome in printed] == ["back", "printed"]
    assert news.told(waited[0]) == "trouble"  # off again later: said again


class Sink:
    """Stands for the app or a screen: keeps what is posted to it."""

    def __init__(self) -> None:
        self.posted: list[Any] = []

    def post_message(self, message: Any) -> bool:
        self.posted.append(message)
        return True


def test_the_app_is_told_of_a_printer_off_once_and_the_screen_of_every_badge(
    store: Store, signer: Signer, escpos: FakeEscpos, tmp_path: Path, db_url: str
) -> None:
    """The app notifies what it is told of the print queue: a printer off once; the desk's
    device line and the kiosk's badge answer still hear of every badge."""
    waited, printed = outcomes_while_off(store, escpos, tmp_path, tries=4)
    config = load_config(data_dir=tmp_path / "station", database_url=db_url, station="Door")
    app, screen = Sink(), Sink()
    devices = Devices(Backend(config=config), app)  # type: ignore[arg-type]
    devices.sink = screen  # type: ignore[assignment]
    for outcome in [*waited, *printed]:
        devices._on_outcome(outcome)  # noqa: SLF001 - as the print worker calls it back
    told = [m.outcome.state for m in app.posted if isinstance(m, BadgePrinted)]
    assert told == ["queued", "done", "done"]
    news = [m.news for m in app.posted if isinstance(m, BadgePrinted)]
    assert news == ["trouble", "back", "printed"]  # the app says "back" (screens/app.py)
    assert len([m for m in screen.posted if isinstance(m, BadgePrinted)]) == 10


def test_a_reconnecting_camera_is_said_once_and_when_it_runs_again() -> None:
    """The states a live camera that stalls goes through (devices.capture.CaptureWorker: each
    try again is "reconnecting" with its wait), as `scan` says them."""
    news = CameraNews()
    states = [
        (CaptureState.RUNNING, ""),
        (CaptureState.NO_FRAMES, ""),
        *((CaptureState.RECONNECTING, f"retry in {delay:g} s") for delay in (0.5, 1, 2, 4, 8, 8)),
        (CaptureState.RUNNING, ""),
        (CaptureState.RUNNING, "skipped x.png: not an image OpenCV can read"),
        (CaptureState.STOPPED, ""),
    ]
    said = [state for state, detail in states if news.tells(state, detail)]
    assert said == [
        CaptureState.RUNNING,
        CaptureState.NO_FRAMES,
        CaptureState.RECONNECTING,
        CaptureState.RUNNING,
        CaptureState.RUNNING,  # a folder's skipped image is news of its own
        CaptureState.STOPPED,
    ]

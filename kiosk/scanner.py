"""The scan pipeline: frames to decoder to debounce to check-in, off the UI thread.

A ScanWorker thread takes frames from a CaptureWorker, decodes them, lets each payload through
once while it stays in view (and for ``debounce`` seconds after), checks it in with its own
Checkin (its own database sessions) and hands a plain Decision to ``on_decision``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from eventdesk.db import Store
from eventdesk.services.checkin import Checkin, ScanResult
from eventdesk.values import utcnow
from kiosk.capture import CaptureWorker, Frame
from kiosk.decoders import Decoder
from kiosk.wedge import Line

DEFAULT_DEBOUNCE = 3.0


@dataclass(frozen=True)
class Decision:
    result: ScanResult
    payload: str
    latency_ms: float  # from frame capture (or the end of a scanned line) to the decision
    frame_index: int | None = None


class Debouncer:
    """A payload gives one decision, then is ignored while it stays in view and for ``hold``
    seconds after it was last seen (on the source's own clock)."""

    def __init__(self, hold: float = DEFAULT_DEBOUNCE) -> None:
        self.hold = hold
        self._last_seen: dict[str, float] = {}

    def forget(self, payload: str) -> None:
        """Decide this payload again at its next sighting (its decision could not be made)."""
        self._last_seen.pop(payload, None)

    def fresh(self, payload: str, at: float) -> bool:
        last = self._last_seen.get(payload)
        self._last_seen[payload] = at
        if len(self._last_seen) > 1000:
            self._last_seen = {p: t for p, t in self._last_seen.items() if at - t <= self.hold}
        return last is None or at - last > self.hold


DecisionCallback = Callable[[Decision], None]


class ScanWorker(threading.Thread):
    def __init__(
        self,
        store: Store,
        capture: CaptureWorker,
        decoder: Decoder,
        *,
        station: str,
        on_decision: DecisionCallback,
        debounce: float = DEFAULT_DEBOUNCE,
        session_id: int | None = None,
        event: str | int | None = None,
        operator: str | None = None,
        print_to: str | None = None,
        self_service: bool = False,
        clock: Callable[[], datetime] = utcnow,
        on_failure: Callable[[BaseException], None] | None = None,
        on_frame: Callable[[Frame], None] | None = None,
    ) -> None:
        super().__init__(name="scan worker", daemon=True)
        self.clock = clock  # the station's "now" for each check-in
        # A self-service kiosk: a ticket that needs staff (an ID check) is sent to the desk.
        self.self_service = self_service
        self.on_failure = on_failure
        # Sees each frame before it is decoded (a preview); must be quick and never raise.
        self.on_frame = on_frame
        self.failures = 0
        self.last_failure: BaseException | None = None
        self.print_to = print_to
        self.store, self.capture, self.decoder = store, capture, decoder
        self.station, self.operator, self.event, self.session_id = (
            station,
            operator,
            event,
            session_id,
        )
        self.debouncer = Debouncer(debounce)
        self.on_decision = on_decision
        self.frames_decoded = 0
        self.error: BaseException | None = None
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        try:
            desk = Checkin(
                self.store,
                station=self.station,
                operator=self.operator,
                event=self.event,
                print_to=self.print_to,
                self_service=self.self_service,
            )
            while not self._halt.is_set():
                frame = self.capture.next_frame(timeout=0.2)
                if frame is None:
                    if self.capture.exhausted:
                        return
                    continue
                self.frames_decoded += 1
                if self.on_frame is not None:
                    self.on_frame(frame)
                for payload in dict.fromkeys(self.decoder.decode(frame.image)):
                    if not self.debouncer.fresh(payload, frame.media_time):
                        continue
                    try:
                        result = desk.scan(payload, session_id=self.session_id, now=self.clock())
                    except Exception as exc:  # the database busy or away: the next frame retries
                        self.debouncer.forget(payload)
                        self.failures += 1
                        self.last_failure = exc
                        if self.on_failure is not None:
                            self.on_failure(exc)
                        self._halt.wait(min(5.0, 0.2 * self.failures))
                        continue
                    self.failures = 0
                    latency = (time.monotonic() - frame.captured_at) * 1000
                    self.on_decision(Decision(result, payload, latency, frame.index))
        except BaseException as exc:  # reported to whoever runs the worker
            self.error = exc


def check_lines(
    desk: Checkin, lines: Iterable[Line], *, session_id: int | None = None
) -> Iterable[Decision]:
    """Keyboard-wedge lines to decisions, one per non-empty line."""
    for line in lines:
        start = time.monotonic()
        result = desk.scan(line.text, session_id=session_id)
        if line.problem is not None and result.result == "invalid":
            result = _with_message(result, f"Not a valid ticket: {line.problem}")
        yield Decision(result, line.text, (time.monotonic() - start) * 1000)


def _with_message(result: ScanResult, message: str) -> ScanResult:
    from dataclasses import replace

    return replace(result, message=message)

"""The scan pipeline: frames to decoder to debounce to check-in, off the UI thread.

A ScanWorker thread takes frames from a CaptureWorker, decodes them, lets each payload through
once while it stays in view (and for ``debounce`` seconds after), checks it in at the door its
station made for it (the station's one Door, built where the station is assembled) and hands a
plain Decision to ``on_decision``. A payload
whose decision meets a database that does not answer is kept, with its nonce, and tried again
with capped backoff until it is decided (devices.outage); frames go on being read meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from devices.capture import CaptureWorker, Frame
from devices.decoders import Decoder
from devices.outage import Backoff, DatabaseState, Outage, is_outage
from devices.wedge import Decision as Decision
from eventdesk.services.door.door import Door
from eventdesk.services.door.scan_result import new_nonce
from eventdesk.values import utcnow

DEFAULT_DEBOUNCE = 3.0


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


@dataclass(frozen=True)
class _Seen:
    """A payload read from a frame, waiting for its decision: which frame and when it was
    read, never the frame's pixels (a database away for a while keeps many of these)."""

    payload: str
    nonce: str
    frame_index: int
    captured_at: float  # time.monotonic() when the frame was read


class ScanWorker(threading.Thread):
    def __init__(
        self,
        door: Callable[[], Door],
        capture: CaptureWorker,
        decoder: Decoder,
        *,
        on_decision: DecisionCallback,
        debounce: float = DEFAULT_DEBOUNCE,
        session_id: int | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_failure: Callable[[BaseException], None] | None = None,
        on_database: Callable[[DatabaseState], None] | None = None,
        on_frame: Callable[[Frame], None] | None = None,
        backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        super().__init__(name="scan worker", daemon=True)
        # Makes this worker's door, the station's one (set as the station is: its event, list,
        # exit gate, badge station; a station on a server passes its StationDoor, which decides
        # from the copy while the server does not answer), when the first code is decided.
        self._make_door = door
        self.clock = clock  # the station's "now" for each check-in
        # Hears of every try that failed: the database not answering (the payload is kept and
        # tried again) or anything else (the payload is decided again at its next sighting).
        self.on_failure = on_failure
        # Hears once that the database stopped answering, and once that it is back.
        self.on_database = on_database
        # Sees each frame before it is decoded (a preview); must be quick and never raise.
        self.on_frame = on_frame
        self.failures = 0
        self.last_failure: BaseException | None = None
        self.capture, self.decoder = capture, decoder
        self.session_id = session_id
        self.debouncer = Debouncer(debounce)
        self.on_decision = on_decision
        self.frames_decoded = 0
        self.error: BaseException | None = None
        self.outage = Outage()
        self._backoff = backoff
        self._pending: deque[_Seen] = deque()  # read, not decided yet, in the order seen
        self._door: Door | None = None
        self._halt = threading.Event()

    @property
    def waiting(self) -> int:
        """Payloads read and kept for a database that does not answer."""
        return len(self._pending)

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        try:
            backoff = self._backoff()
            retry_at = 0.0  # time.monotonic() of the next try while the database is away
            while not self._halt.is_set():
                wait = 0.2 if not self._pending else min(0.2, max(0.0, retry_at - time.monotonic()))
                frame = self.capture.next_frame(timeout=wait)
                if frame is not None:
                    self._read(frame)
                elif self.capture.exhausted:  # the source ended: only what waits is left
                    if not self._pending:
                        return
                    self._halt.wait(max(0.0, retry_at - time.monotonic()))
                if self._pending and time.monotonic() >= retry_at:
                    if self._decide_pending():
                        backoff.reset()
                    else:
                        retry_at = time.monotonic() + backoff.next()
        except BaseException as exc:  # reported to whoever runs the worker
            self.error = exc

    def _read(self, frame: Frame) -> None:
        self.frames_decoded += 1
        if self.on_frame is not None:
            self.on_frame(frame)
        for payload in dict.fromkeys(self.decoder.decode(frame.image)):
            if not self.debouncer.fresh(payload, frame.media_time):
                continue
            if any(seen.payload == payload for seen in self._pending):
                continue  # kept already: one decision for it
            self._pending.append(_Seen(payload, new_nonce(), frame.index, frame.captured_at))

    def _decide_pending(self) -> bool:
        """Decide what was read, in order; False when the database did not answer (what is
        left is kept for the next try)."""
        while self._pending and not self._halt.is_set():
            seen = self._pending[0]
            try:
                if self._door is None:
                    self._door = self._make_door()
                result = self._door.scan(
                    seen.payload, session_id=self.session_id, now=self.clock(), nonce=seen.nonce
                )
            except Exception as exc:
                self.failures += 1
                self.last_failure = exc
                if self.on_failure is not None:
                    self.on_failure(exc)
                if is_outage(exc):
                    if self.outage.failed(exc) and self.on_database is not None:
                        self.on_database(DatabaseState(False, self.outage.reason, self.waiting))
                    return False
                # Not the database: this payload is decided again at its next sighting.
                self._pending.popleft()
                self.debouncer.forget(seen.payload)
                return False
            self.failures = 0
            if self.outage.answered() and self.on_database is not None:
                self.on_database(DatabaseState(True, waiting=self.waiting))
            self._pending.popleft()
            latency = (time.monotonic() - seen.captured_at) * 1000
            self.on_decision(Decision(result, seen.payload, latency, seen.frame_index))
        return True

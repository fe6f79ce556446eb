"""Keyboard-wedge scanners: a USB scanner types the payload and Enter. Lines in, decisions out.

The same splitter serves ``eventdesk scan --source -`` and the screens' scan field: CR, LF or
CR LF end a line; a line longer than any ticket, or one that is not text, is reported as such
and never buffered without bound. A LineQueue decides the lines in the order they were read,
and keeps every one of them while the database does not answer (devices.outage). A line is
kept as typed (only trimmed): one that a scanner typed through a QWERTZ or AZERTY layout, or with
Caps Lock on, reaches the check-in as it came, and the check-in repairs it (eventdesk.keymaps).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING, BinaryIO

from devices.outage import Backoff, DatabaseState, Outage, is_outage
from eventdesk.i18n import N_, _
from eventdesk.services.door.door import Door
from eventdesk.services.door.scan_result import new_nonce, said, worded

if TYPE_CHECKING:
    from eventdesk.services.door.scan_result import ScanResult

GROUP_MOST = 128  # lines that waited, decided together in one commit
MAX_LINE = 512  # a ticket payload is 125 characters; anything far longer is not one
CHUNK = 4096


@dataclass(frozen=True)
class Line:
    text: str
    problem: str | None = None  # why this line cannot be a ticket, when that is known already


class LineSplitter:
    def __init__(self, max_length: int = MAX_LINE) -> None:
        self.max_length = max_length
        self._buffer: list[str] = []
        self._size = 0
        self._overflow = 0
        self._after_cr = False

    def feed(self, data: str) -> list[Line]:
        lines: list[Line] = []
        for ch in data:
            if ch == "\n" and self._after_cr:
                self._after_cr = False
                continue
            self._after_cr = ch == "\r"
            if ch in "\r\n":
                line = self._finish()
                if line is not None:
                    lines.append(line)
            elif self._overflow:
                self._overflow += 1
            elif self._size >= self.max_length:
                self._overflow = self._size + 1
            else:
                self._buffer.append(ch)
                self._size += 1
        return lines

    def flush(self) -> list[Line]:
        """The last line when the input ends without a line break."""
        line = self._finish()
        return [line] if line is not None else []

    def _finish(self) -> Line | None:
        text = "".join(self._buffer)
        overflow = self._overflow
        self._buffer, self._size, self._overflow = [], 0, 0
        if overflow:
            return Line(
                text,
                _("line of {count} characters is too long to be a ticket").format(count=overflow),
            )
        if not text.strip():
            return None
        if "\ufffd" in text or any(not ch.isprintable() and ch != "\t" for ch in text):
            return Line(text, _("line contains binary data, not a ticket"))
        return Line(text.strip())


def read_lines(stream: BinaryIO, max_length: int = MAX_LINE) -> Iterator[Line]:
    """Lines from a byte stream (stdin of a wedge scanner), as they arrive."""
    import codecs

    splitter = LineSplitter(max_length)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    read = getattr(stream, "read1", stream.read)
    while True:
        chunk = read(CHUNK)
        if not chunk:
            yield from splitter.feed(decoder.decode(b"", final=True))
            yield from splitter.flush()
            return
        yield from splitter.feed(decoder.decode(chunk))


# --- deciding lines ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """A scan's decision, from the camera (devices.scanner) or a keyboard-wedge scanner."""

    result: ScanResult
    payload: str
    latency_ms: float  # from frame capture (or the end of a scanned line) to the decision
    frame_index: int | None = None


@dataclass(frozen=True)
class PendingScan:
    """A line read and not decided yet. It keeps its nonce across tries: a try that committed
    before its answer was lost gets that answer again, never a second decision."""

    line: Line
    nonce: str
    read_at: float  # time.monotonic() when the line ended
    source: str = "scanner"  # who read it (the screens tell a scanner from a search box)


def decide(door: Door, scan: PendingScan, *, session_id: int | None = None) -> Decision:
    """One try at a line's decision (raises whatever the database does)."""
    return _decision(scan, door.scan(scan.line.text, session_id=session_id, nonce=scan.nonce))


def decide_many(
    door: Door, scans: list[PendingScan], *, session_id: int | None = None
) -> list[Decision]:
    """One try at the decisions of lines waiting together, in one commit (Checkin.scan_many);
    raises whatever the database does, and then none of them was decided."""
    if len(scans) == 1:
        return [decide(door, scans[0], session_id=session_id)]
    results = door.scan_many(
        [scan.line.text for scan in scans],
        nonces=[scan.nonce for scan in scans],
        session_id=session_id,
    )
    return [_decision(scan, result) for scan, result in zip(scans, results, strict=True)]


def _decision(scan: PendingScan, result: ScanResult) -> Decision:
    if scan.line.problem is not None and result.result == "invalid":
        result = replace(
            result,
            said=said(N_("Not a valid ticket: {problem}"), problem=worded(scan.line.problem)),
            problem=worded(scan.line.problem),
        )
    return Decision(result, scan.line.text, (time.monotonic() - scan.read_at) * 1000)


class LineQueue(threading.Thread):
    """Decides keyboard-wedge lines in the order they were read: one at a time as they come,
    and those that waited (a burst, a database that was away) up to GROUP_MOST together, in
    one commit, each answered as if alone.

    While the database does not answer (devices.outage.is_outage) the first line is tried again
    with capped backoff and every line read meanwhile waits behind it; ``on_database`` hears
    once that it stopped answering and once that it is back. Another error fails that line:
    ``on_error`` hears of it and the next line goes on (without ``on_error`` the queue ends and
    keeps the error in ``error``). ``door`` gives the door that decides, in this thread.
    """

    def __init__(
        self,
        door: Callable[[], Door],
        *,
        on_decision: Callable[[Decision, PendingScan], None],
        on_database: Callable[[DatabaseState], None] | None = None,
        on_error: Callable[[PendingScan, Exception], None] | None = None,
        session_id: int | None = None,
        backoff: Callable[[], Backoff] = Backoff,
        name: str = "wedge scans",
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.door, self.session_id, self.backoff = door, session_id, backoff
        self.on_decision, self.on_database, self.on_error = on_decision, on_database, on_error
        self.outage = Outage()
        self.error: BaseException | None = None
        self._pending: deque[PendingScan] = deque()
        self._changed = threading.Condition()
        self._closed = False
        self._halt = threading.Event()
        self._failed: Exception | None = None  # a line's error, raised once those before it

    def put(self, line: Line, source: str = "scanner", read_at: float | None = None) -> PendingScan:
        """Keep ``line`` (with a fresh nonce) for its decision after those read before it;
        ``read_at``: when its last key came (time.monotonic; default now)."""
        scan = PendingScan(line, new_nonce(), read_at or time.monotonic(), source)
        with self._changed:
            self._pending.append(scan)
            self._changed.notify_all()
        return scan

    def close(self) -> None:
        """No more lines: the queue ends once every line read is decided."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def stop(self) -> None:
        """End now: lines not decided yet stay undecided."""
        self._halt.set()
        with self._changed:
            self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """Lines read and not decided yet (the one being decided included)."""
        with self._changed:
            return len(self._pending)

    def run(self) -> None:
        try:
            while True:
                with self._changed:
                    while not (self._pending or self._closed or self._halt.is_set()):
                        self._changed.wait()
                    if self._halt.is_set() or not self._pending:
                        return
                    group = list(islice(self._pending, GROUP_MOST))
                decided = self._decide(group)
                with self._changed:
                    for _done in decided:
                        self._pending.popleft()
                for scan, decision in zip(group, decided, strict=False):
                    if decision is not None:
                        self.on_decision(decision, scan)
                if self._failed is not None:
                    raise self._failed
                if len(decided) < len(group):  # stopped
                    return
        except BaseException as exc:  # kept for whoever runs the queue
            self.error = exc

    def _decide(self, group: list[PendingScan]) -> list[Decision | None]:
        """The decisions of the group's first lines, in order: all of them, or fewer when the
        queue was stopped; None for a line that failed for good."""
        backoff: Backoff | None = None  # made at the first try that fails
        while not self._halt.is_set():
            try:
                decisions = decide_many(self.door(), group, session_id=self.session_id)
            except Exception as exc:
                if not is_outage(exc):
                    if len(group) > 1:  # one line's trouble: each alone, so only it fails
                        return self._one_at_a_time(group)
                    if self.on_error is None:
                        raise
                    self.on_error(group[0], exc)
                    return [None]
                if self.outage.failed(exc) and self.on_database is not None:
                    self.on_database(DatabaseState(False, self.outage.reason, self.waiting))
                backoff = backoff or self.backoff()
                self._halt.wait(backoff.next())
                continue
            # The database is back only after tries that failed (each group is tried until
            # it is decided, so an outage begins and ends within one call of this).
            if backoff is not None and self.outage.answered() and self.on_database is not None:
                self.on_database(DatabaseState(True, waiting=self.waiting))
            return list(decisions)
        return []

    def _one_at_a_time(self, group: list[PendingScan]) -> list[Decision | None]:
        """The group's lines decided alone; a line's error ends the queue (without on_error)
        once the lines before it are answered."""
        decided: list[Decision | None] = []
        for scan in group:
            try:
                alone = self._decide([scan])
            except Exception as exc:
                self._failed = exc
                break
            if not alone:
                break
            decided.extend(alone)
        return decided

"""A screen's keyboard-wedge scans, decided in order off the UI thread (devices.wedge.LineQueue).

The queue's thread only posts messages to the screen (ScanDecided, DatabaseStatus): the
screen's handlers own the widgets. While the database does not answer, every scan is kept and
decided, in order, when it is back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.content import Content
from textual.message_pump import MessagePump

from devices.outage import DatabaseState
from devices.wedge import Decision, Line, LineQueue, LineSplitter, PendingScan
from eventdesk.i18n import _, ngettext
from eventdesk.services.door.door import Door
from screens.messages import DatabaseStatus, ScanDecided

if TYPE_CHECKING:  # OpenCV loads when the camera is first used (start-up time)
    from devices.scanner import ScanWorker

SCAN_SOURCES = ("camera", "scanner")


def key_time(app: object) -> float:
    """When the key being handled was read from the terminal (EventdeskApp.key_time, on
    time.monotonic's clock): a scanner's keys came together, however late they are handled."""
    return float(getattr(app, "key_time", 0.0) or time.monotonic())


class WedgeScans:
    """The scanner's lines of one screen; the queue's thread starts with the first line. It
    also keeps, for the screen, whose scans (the camera's, the scanner's) wait for the
    database: ``note`` each DatabaseStatus the screen gets."""

    def __init__(
        self,
        screen: MessagePump,
        door: Callable[[], Door],
        *,
        failed: Callable[[PendingScan, Exception], None],
        decided: Callable[[Decision], None] | None = None,
        name: str = "wedge scans",  # not for translation: the queue thread's name
    ) -> None:
        self.screen, self.door, self.name = screen, door, name
        self.failed, self.decided = failed, decided  # called in the queue's thread
        self._queue: LineQueue | None = None
        self._posted = 0  # decisions posted to the screen (by the queue's thread)
        self._handled = 0  # of those, the ones the screen has taken (on the UI thread)
        # Those not taken yet, by id (held here, so that no other object takes their id).
        self._mine: dict[int, ScanDecided] = {}
        self.away: dict[str, DatabaseState] = {}  # source -> why its scans wait

    def note(self, message: DatabaseStatus) -> bool | None:
        """Take in what ``message`` says: True while some scans wait for the database, False
        once none does; None for a message about something else than scans (the printer)."""
        if message.source not in SCAN_SOURCES:
            return None
        message.stop()
        self.away.pop(message.source, None)
        if not message.state.answering:
            self.away[message.source] = message.state
        return bool(self.away)

    def banner(self, camera: ScanWorker | None = None) -> tuple[Content, str]:
        """What the desk's banner says of the database (the scans ``camera`` keeps counted
        too), and its class."""
        if not self.away:
            return Content(_("Database back: the scans that waited are being decided…")), "-info"
        reasons = sorted({state.reason for state in self.away.values() if state.reason})
        waiting = self.waiting + (camera.waiting if camera is not None else 0)
        if reasons:
            said = ngettext(
                "Database not answering ({why}): {count} scan kept, decided as soon as it answers.",
                "Database not answering ({why}): {count} scans kept, decided as soon as it "
                "answers.",
                waiting,
            ).format(why="; ".join(reasons), count=waiting)
        else:
            said = ngettext(
                "Database not answering: {count} scan kept, decided as soon as it answers.",
                "Database not answering: {count} scans kept, decided as soon as it answers.",
                waiting,
            ).format(count=waiting)
        return Content(said), "-warn"

    def put(self, line: Line, source: str = "scanner", read_at: float | None = None) -> None:
        if self._queue is None:
            self._queue = LineQueue(
                self.door,
                on_decision=self._decided,
                on_database=self._database,
                on_error=self.failed,
                name=self.name,
            )
            self._queue.start()
        self._queue.put(line, source, read_at)

    def put_text(self, text: str, source: str = "scanner") -> None:
        """Each line of ``text`` (what a scanner typed into a field)."""
        splitter = LineSplitter()
        for line in [*splitter.feed(text), *splitter.flush()]:
            self.put(line, source)

    @property
    def waiting(self) -> int:
        """Scans read and not decided yet."""
        return self._queue.waiting if self._queue is not None else 0

    def stop(self) -> None:
        if self._queue is not None:
            self._queue.stop()

    def later_decisions(self, message: ScanDecided) -> int:
        """Called by the screen for each decision it handles: how many later decisions of these
        scans are posted to it already (a burst decided together: only the last one's answer
        is worth drawing); 0 for a decision that is not one of these scans'."""
        if self._mine.pop(id(message), None) is not message:
            return 0
        self._handled += 1
        return self._posted - self._handled

    def _decided(self, decision: Decision, scan: PendingScan) -> None:
        message = ScanDecided.of(decision, scan.source)
        self._mine[id(message)] = message
        self._posted += 1  # before the message goes, so the screen never counts it ahead
        self.screen.post_message(message)
        if self.decided is not None:
            self.decided(decision)

    def _database(self, state: DatabaseState) -> None:
        self.screen.post_message(DatabaseStatus(state, "scanner"))

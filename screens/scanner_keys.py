"""A scanner's keys, from the terminal to the door's queue: one scanner path for every screen.

**Keys told apart** (``KeyBurst``). A scanner types a whole line in a few milliseconds: its keys
come closer together than any person's (``ScannerKeys.gap``, 30 ms by default), then its suffix
(Enter, Tab, or only a pause). Every printable key is held while the keys keep coming that
fast; a run that ends as a scanner's line does (its suffix at scanner speed, at least
``min_length`` characters, the prefix when one is set) is taken whole as one line, and every
other held key is handed on, in the order it came, to whatever has the focus. A person's typing
is never taken: at worst a key of theirs waits ``gap`` before it reaches the field. Pure logic
on (key, character, time): the app feeds it the terminal's keys, the tests any timing they like.

**The gate** (``ScannerGate``). The app hands every key the terminal delivers (before any
widget sees it) to the gate. A scanner's line is taken whole and given to the screen that
decides scans (the desk or the kiosk: a screen with ``take_scan``, the topmost one in the
stack, a dialog over the desk included); a person's keys are handed on, in order, as if nothing
stood in between. A scanner that is not a keyboard (serial) gives its lines to the same place
(``take_line``). In a real terminal on Linux the driver does the telling apart itself, in its
input thread, as it reads the keys (screens/terminal_driver.py): a scanner's line reaches the
app as one ``ScannedLine``, and its keys never queue on the UI thread one by one. The gate then
hands every key straight on. Pilot's ``press`` types as a person (each key waits for the one
before to be handled): its keys go straight on. A test that plays a scanner posts key events
with the times a terminal would give them (tests/scanner_bursts.py).

**A screen's scans** (``WedgeScans``), decided in order off the UI thread by the screen's line
queue (devices.wedge.LineQueue, the queue of ``scan --source -``). The queue's thread only
posts messages to the screen (ScanDecided, DatabaseStatus): the screen's handlers own the
widgets. While the database does not answer, every scan is kept and decided, in order, when it
is back. The queue, its line splitter and the tickets' start load with the first scan: the
sign-in screen comes up before the database layer (bench/startup.py).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, cast, runtime_checkable

from textual import events
from textual.content import Content
from textual.message import Message
from textual.message_pump import MessagePump

from eventdesk.config import ScannerKeys
from eventdesk.i18n import _, ngettext
from screens.messages import DatabaseStatus, ScanDecided

if TYPE_CHECKING:
    from textual.app import App

    from devices.outage import DatabaseState
    from devices.scanner import ScanWorker
    from devices.wedge import Decision, Line, LineQueue, PendingScan
    from eventdesk.services.door.door import Door
    from screens.app import EventdeskApp


# --- a scanner's keys told from a person's -----------------------------------------------------
T = TypeVar("T")

ENTER_KEYS = frozenset({"enter", "ctrl+j"})  # CR, or LF from a scanner set to send it
SUFFIX_KEYS = {"enter": ENTER_KEYS, "tab": frozenset({"tab"}), "none": frozenset[str]()}
# A scanner may send two keys to end a line (CR LF, Tab Enter): the second is swallowed.
SECOND_SUFFIX = ENTER_KEYS | {"tab"}
# A person's key held just before a scanner's burst began is no part of its line: the burst's
# first key came after a longer gap than its keys have between them (this many times their
# median, and at least TYPED_BEFORE_GAP), or the line's known start (the prefix set, or a
# ticket's ``ED1.``) comes a few keys in. Those first keys are handed on as typing.
TYPED_BEFORE_KEYS = 4
TYPED_BEFORE_GAP = 0.008
TYPED_BEFORE_RATIO = 4


@dataclass(frozen=True)
class Press(Generic[T]):
    """One key from the terminal: Textual's name for it, the character it types (None for a
    key that types none), when the terminal delivered it (time.monotonic), and what to hand on
    (the key event)."""

    key: str
    character: str | None
    time: float
    item: T

    @property
    def printable(self) -> bool:
        return (
            self.character is not None
            and len(self.character) == 1
            and (self.character.isprintable())
        )


@dataclass(frozen=True)
class HandOn(Generic[T]):
    """Keys a person typed (or that end nothing), to be handled as usual, in this order."""

    items: tuple[T, ...]


@dataclass(frozen=True)
class Scanned:
    """A scanner's line, whole; ``ended_at`` is when its last key came (time.monotonic)."""

    line: Line
    ended_at: float


Out = HandOn[T] | Scanned


class KeyBurst(Generic[T]):
    """Feed it every key in the order the terminal gave them; hand on or decide what it gives
    back, in that order. While it holds keys, call ``expire`` once ``due`` has passed."""

    def __init__(self, keys: ScannerKeys | None = None) -> None:
        self.keys = keys or ScannerKeys()
        self.held: list[Press[T]] = []
        self._last: float | None = None  # when the last key came
        self._second_suffix_until = float("-inf")

    @property
    def due(self) -> float | None:
        """When the held keys are known not to be followed by more of a burst."""
        if not self.held or self._last is None:
            return None
        return self._last + self.keys.gap

    def feed(self, press: Press[T]) -> list[Out[T]]:
        out: list[Out[T]] = []
        fast = self._last is not None and press.time - self._last <= self.keys.gap
        self._last = press.time
        if self.held and not fast:
            out.extend(self._paused())
        if press.key in SECOND_SUFFIX and not self.held and press.time <= self._second_suffix_until:
            self._second_suffix_until = float("-inf")
            return out  # the second key of the scanner's suffix (CR LF, Tab Enter)
        self._second_suffix_until = float("-inf")
        if press.key in SUFFIX_KEYS[self.keys.suffix] and self.held:
            taken = self._take(press.time)
            if taken:
                self._second_suffix_until = press.time + self.keys.gap
                out.extend(taken)
                return out
            out.append(self._hand_on())
        elif press.printable:
            self.held.append(press)
            return out
        elif self.held:
            out.append(self._hand_on())
        out.append(HandOn((press.item,)))
        return out

    def expire(self, now: float) -> list[Out[T]]:
        """What the held keys were, once no key came for ``gap`` (nothing before that)."""
        due = self.due
        if due is None or now < due:
            return []
        return self._paused()

    def _paused(self) -> list[Out[T]]:
        """The held keys after a pause: a line of a scanner that sends no suffix, or typing."""
        if self.keys.suffix == "none":
            taken = self._take(self.held[-1].time)
            if taken:
                return taken
        return [self._hand_on()]

    def _hand_on(self) -> HandOn[T]:
        held, self.held = self.held, []
        return HandOn(tuple(press.item for press in held))

    def _take(self, ended: float) -> list[Out[T]]:
        """The held keys as a scanner's line (after the keys a person typed just before it),
        taken; nothing, and they stay held, if they cannot be one."""
        from devices.wedge import LineSplitter
        from eventdesk.tickets import payload_start

        held = self.held
        text = "".join(press.character or "" for press in held)
        prefix = self.keys.prefix
        # Where the line starts: its known start when there is one, else after the first keys
        # that came before the burst began.
        start = text.find(prefix) if prefix else payload_start(text)
        if 0 <= start <= TYPED_BEFORE_KEYS:
            lead = start
        elif prefix:
            return []  # a scanner set to send a prefix always does
        else:
            lead = self._typed_before(held)
        text = text[lead + len(prefix) :]
        if len(text.strip()) < self.keys.min_length:
            return []
        splitter = LineSplitter()
        lines = [*splitter.feed(text), *splitter.flush()]
        if len(lines) != 1:
            return []
        self.held = []
        typed = [HandOn(tuple(press.item for press in held[:lead]))] if lead else []
        return [*typed, Scanned(lines[0], ended)]

    @staticmethod
    def _typed_before(held: list[Press[T]]) -> int:
        """How many of the first keys came before the burst, after a longer gap than its own."""
        gaps = [after.time - before.time for before, after in pairwise(held)]
        if len(gaps) < 2:
            return 0
        median = sorted(gaps)[len(gaps) // 2]
        limit = max(TYPED_BEFORE_RATIO * median, TYPED_BEFORE_GAP)
        lead = 0
        for index, gap in enumerate(gaps[:TYPED_BEFORE_KEYS]):
            if gap > limit:
                lead = index + 1
        return lead


# --- the gate: every key of the app -----------------------------------------------------------


@runtime_checkable
class TakesScans(Protocol):
    """A screen that decides the scanner's lines (the desk, the kiosk)."""

    def take_scan(self, line: Line, ended_at: float) -> None: ...


class KeysPaused(Message):
    """The keys held for a possible scan may be due: see whether more came meanwhile (posted
    behind the keys already queued, so those are fed first)."""


class ScannedLine(Message):
    """A scanner's line, whole, from a terminal driver that tells scanner keys apart itself
    (screens/terminal_driver.py)."""

    def __init__(self, line: Line, ended_at: float) -> None:
        super().__init__()
        self.line, self.ended_at = line, ended_at


class SerialScannerState(Message):
    """A serial scanner's port changed: connected, not answering, disconnected (codes, said
    in the reader's words where shown), and why; ``port`` is its path."""

    def __init__(self, state: str, why: str | None, *, port: str = "") -> None:
        super().__init__()
        self.state, self.why, self.port = state, why, port


class ScannerGate:
    """The app's keys, told apart: a scanner's lines to the screen that decides scans, a
    person's keys on to the focus. ``hand_on`` is the app's usual handling of a key."""

    def __init__(
        self,
        app: App[None],
        keys: ScannerKeys,
        hand_on: Callable[[events.Key], Awaitable[None]],
    ) -> None:
        self.app, self.hand_on = app, hand_on
        self.burst: KeyBurst[events.Key] = KeyBurst(keys)
        # When Pilot's press was typing (its keys, made then, go straight on): (start, end)
        self._by_hand: list[tuple[float, float | None]] = []
        self._armed = False  # a look at the held keys is on its way
        self.lines_taken = 0  # scanner lines taken from the keyboard (for tests and stats)

    async def key(self, event: events.Key) -> None:
        """A key from the terminal, before anything else sees it."""
        # The driver is Textual's own (no public name): ours says whether it classifies keys.
        driver = self.app._driver  # noqa: SLF001
        if getattr(driver, "classifies_keys", False) or (
            self._typed_by_hand(event.time) and not self.burst.held
        ):
            await self.hand_on(event)  # told apart already, or Pilot's typing
            return
        press = Press(event.key, event.character, event.time, event)
        await self._act(self.burst.feed(press))
        self._arm()

    def typing_by_hand(self) -> Callable[[], None]:
        """Pilot's press begins: the keys it makes until the returned call are a person's."""
        start = time.monotonic()
        self._by_hand = [*self._by_hand[-3:], (start, None)]

        def done() -> None:
            self._by_hand = [
                (begun, time.monotonic() if begun == start else end) for begun, end in self._by_hand
            ]

        return done

    def _typed_by_hand(self, when: float) -> bool:
        return any(start <= when and (end is None or when <= end) for start, end in self._by_hand)

    async def paused(self) -> None:
        """A pause may have ended what is held (keys that came meanwhile were fed first)."""
        outs = self.burst.expire(time.monotonic())
        await self._act(outs)
        self._arm()

    def take_line(self, line: Line, ended_at: float) -> None:
        """A line from any scanner (a keyboard's, a serial one's): to the screen deciding."""
        self.lines_taken += 1
        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, TakesScans):
                screen.take_scan(line, ended_at)
                return
        from screens.base import hold_scan

        hold_scan(cast("EventdeskApp", self.app), line, ended_at)  # said on the screen

    async def _act(self, outs: list[Out[events.Key]]) -> None:
        for out in outs:
            if isinstance(out, Scanned):
                self.take_line(out.line, out.ended_at)
            elif isinstance(out, HandOn):
                for item in out.items:
                    await self.hand_on(item)

    def _arm(self) -> None:
        """While keys are held, look again once they are due (one look on its way at a time:
        one that finds more keys came arms the next)."""
        due = self.burst.due
        if due is None or self._armed:
            return
        self._armed = True
        self.app.set_timer(max(0.0, due - time.monotonic()) + 0.002, self._look)

    def _look(self) -> None:
        self._armed = False
        self.app.post_message(KeysPaused())


# --- a screen's scans, decided in order -------------------------------------------------------
SCAN_SOURCES = ("camera", "scanner")


def scan_decided(decision: Decision, source: str) -> ScanDecided:
    """A queue's decision (devices know no Textual) as the one message a screen takes, for the
    keyboard-wedge scanner's queue and the camera's alike."""
    return ScanDecided(
        decision.result, decision.payload, decision.latency_ms, source, decision.frame_index
    )


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
            from devices.wedge import LineQueue

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
        from devices.wedge import LineSplitter

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
        message = scan_decided(decision, scan.source)
        self._mine[id(message)] = message
        self._posted += 1  # before the message goes, so the screen never counts it ahead
        self.screen.post_message(message)
        if self.decided is not None:
            self.decided(decision)

    def _database(self, state: DatabaseState) -> None:
        self.screen.post_message(DatabaseStatus(state, "scanner"))

"""A keyboard-wedge scanner's keys told from a person's typing, wherever the focus is.

A scanner types a whole line in a few milliseconds: its keys come closer together than any
person's (``ScannerKeys.gap``, 30 ms by default), then its suffix (Enter, Tab, or only a pause).
Every printable key is held while the keys keep coming that fast; a run that ends as a
scanner's line does (its suffix at scanner speed, at least ``min_length`` characters, the
prefix when one is set) is taken whole as one line, and every other held key is handed on, in
the order it came, to whatever has the focus. A person's typing is never taken: at worst a key
of theirs waits ``gap`` before it reaches the field.

Pure logic on (key, character, time): the app feeds it the terminal's keys
(screens/scanner_keys.py), the tests any timing they like.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Generic, TypeVar

from eventdesk.config import ScannerKeys

if TYPE_CHECKING:  # the line splitter, and the tickets' start, load with the first scan: the
    # sign-in screen comes up before the database layer (bench/startup.py)
    from devices.wedge import Line

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

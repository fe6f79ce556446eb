"""One scanner path for every screen: the app's keys pass through devices.keyburst first.

The app hands every key the terminal delivers (before any widget sees it) to ``ScannerGate``.
A scanner's line is taken whole and given to the screen that decides scans (the desk or the
kiosk: a screen with ``take_scan``, the topmost one in the stack, a dialog over the desk
included), whose line queue decides it in order (devices.wedge.LineQueue, the queue of ``scan
--source -``); a person's keys are handed on, in order, as if nothing stood in between. A
scanner that is not a keyboard (serial) gives its lines to the same place (``take_line``).

In a real terminal on Linux the driver does the telling apart itself, in its input thread, as
it reads the keys (screens/terminal_driver.py): a scanner's line reaches the app as one
``ScannedLine``, and its keys never queue on the UI thread one by one. The gate then hands
every key straight on.

Pilot's ``press`` types as a person (each key waits for the one before to be handled): its keys
go straight on. A test that plays a scanner posts key events with the times a terminal would
give them (tests/scanner_bursts.py).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual import events
from textual.message import Message

from devices.keyburst import HandOn, KeyBurst, Out, Press, Scanned
from eventdesk.config import ScannerKeys
from eventdesk.i18n import N_, _

if TYPE_CHECKING:
    from textual.app import App

    from devices.wedge import Line

NO_DOOR_HERE = N_(
    "A ticket was scanned, but this screen checks nobody in: open the desk (F1) or the kiosk "
    "(F2) to admit it."
)


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
        if getattr(self.app._driver, "classifies_keys", False) or (
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
        self.app.notify(_(NO_DOOR_HERE), title=_("Scanner"), severity="warning")

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

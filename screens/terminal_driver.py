"""Textual's Linux terminal driver, telling a scanner's keys from a person's as it reads them.

Textual stamps a key when its event is made, while the input thread parses what it read: on a
busy station that thread waits for the interpreter between two keys of one read, and a
scanner's line, written to the terminal in one piece, came out with gaps of tens of
milliseconds inside it. Here every key of one read gets the read's time, and the keys go
through the scanner's key burst (screens.scanner_keys.KeyBurst) right here, in the thread that
reads them: a scanner's line reaches the app as one ``ScannedLine`` message, not as sixty keys
to queue and handle one by one on a busy UI thread; a person's keys go on as Textual sends them.
The pause that ends what is held is seen here too, after every key read before it. The loop is
Textual's own (textual 8.2 ``LinuxDriver.run_input_thread``), with those changes.
"""

from __future__ import annotations

import os
import selectors
import time
from codecs import getincrementaldecoder

from textual import events
from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from eventdesk.config import ScannerKeys
from screens.scanner_keys import KeyBurst, Out, Press, Scanned, ScannedLine

IDLE_WAIT = 0.1  # Textual's own wait for input, when no keys are held


def read_available(fileno: int) -> bytes | None:
    """What the terminal has for the app now: b"" when its input ended, None when there was
    nothing after all. A terminal shared with another program that made it non-blocking can be
    reported readable and then have nothing to read (EAGAIN): that is a wait, not a crash."""
    try:
        return os.read(fileno, 1024 * 4)
    except (BlockingIOError, InterruptedError):
        return None


class ReadTimeDriver(LinuxDriver):
    """LinuxDriver whose keys carry the time their bytes were read (time.monotonic), and
    whose scanner lines reach the app whole (``ScannedLine``)."""

    classifies_keys = True  # the app's own scanner gate hands these keys straight on

    def run_input_thread(self) -> None:
        keys = getattr(self._app, "scanner_keys", None)
        burst: KeyBurst[events.Key] = KeyBurst(keys if isinstance(keys, ScannerKeys) else None)
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def emit(outs: list[Out[events.Key]]) -> None:
            for out in outs:
                if isinstance(out, Scanned):
                    self.send_message(ScannedLine(out.line, out.ended_at))
                else:
                    for key in out.items:
                        self.process_message(key)

        def process(selected: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (_key, mask) in loop_last(selected):
                if mask & selectors.EVENT_READ:
                    raw = read_available(fileno)
                    if raw is None:
                        continue  # nothing to read after all: the next select waits
                    data = decode(raw, final=final and last)
                    read_at = time.monotonic()
                    if not data:
                        break  # stdin is a pipe that ended
                    for event in parser.feed(data):
                        if isinstance(event, events.Key):
                            event.time = read_at
                            emit(burst.feed(Press(event.key, event.character, read_at, event)))
                        else:
                            self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                due = burst.due
                process(selector.select(IDLE_WAIT if due is None else due - time.monotonic()))
                emit(burst.expire(time.monotonic()))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
            emit(burst.expire(float("inf")))
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass

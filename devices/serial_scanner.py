"""A barcode scanner in serial mode (USB CDC, a virtual COM port such as /dev/ttyACM0): the mode
scanner makers recommend for kiosks. It types nothing: it sends each code and its line end
over the port, so no keyboard layout, no focus and no person's typing come between.

Its lines are split as a keyboard-wedge scanner's are (devices.wedge.LineSplitter: CR, LF or CR
LF end a line; a line far longer than a ticket, or binary data, is reported as such) and go
to the same line queue. A port that cannot be opened, or that goes away (the scanner
unplugged), is tried again with capped backoff until the scanner is back; what it said is
told to ``on_state``. Read through pyserial, which works on any tty (tests drive it through a
real pseudo-terminal).
"""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from devices.outage import Backoff
from devices.wedge import Line, LineSplitter
from eventdesk.i18n import _

if TYPE_CHECKING:  # pyserial loads with the first serial scanner
    import serial

PREFIX = "serial:"
DEFAULT_BAUD = 9600
READ_WAIT = 0.2  # seconds a read waits for bytes before looking whether to stop


def serial_source(text: str) -> tuple[str, int] | None:
    """``serial:/dev/ttyACM0`` (or ``serial:/dev/ttyACM0@115200``) as (path, baud); None for a
    source that is not a serial port. A bad speed is a ValueError that says so."""
    if not text.startswith(PREFIX):
        return None
    path, _at, baud = text[len(PREFIX) :].partition("@")
    if not path:
        raise ValueError(_("a serial scanner needs its port: serial:/dev/ttyACM0"))
    if not baud:
        return path, DEFAULT_BAUD
    if not baud.isdigit() or not 50 <= int(baud) <= 4_000_000:
        raise ValueError(
            _("serial speed must be a number of baud, e.g. @9600, not {speed!r}").format(speed=baud)
        )
    return path, int(baud)


class SerialScanner(threading.Thread):
    """Reads a serial scanner's lines until ``stop``: each to ``on_line`` with the time its
    end was read (time.monotonic). ``on_state`` hears "connected", "not answering" (with why)
    and "disconnected" (with why) when the port's state changes: once each, not at every try
    again (devices.outage.Backoff's waits, doubling to 5 s)."""

    def __init__(
        self,
        path: str,
        baud: int,
        on_line: Callable[[Line, float], None],
        on_state: Callable[[str, str | None], None] | None = None,
        *,
        backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        super().__init__(name=f"serial scanner {path}", daemon=True)
        self.path, self.baud = path, baud
        self.on_line, self.on_state = on_line, on_state
        self.backoff = backoff
        self._halt = threading.Event()
        self.state = "starting"

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        import serial

        waits = self.backoff()
        while not self._halt.is_set():
            try:
                port = serial.Serial(self.path, self.baud, timeout=READ_WAIT)
            except (OSError, serial.SerialException) as exc:
                self._say("not answering", _why(exc))
                self._halt.wait(waits.next())
                continue
            waits.reset()
            self._say("connected", None)
            try:
                self._read(port)
            except (OSError, serial.SerialException) as exc:
                self._say("disconnected", _why(exc))
            finally:
                port.close()

    def _read(self, port: serial.Serial) -> None:
        splitter = LineSplitter()
        decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        while not self._halt.is_set():
            chunk = port.read(max(1, port.in_waiting))
            if not chunk:
                continue
            for line in splitter.feed(decode(chunk)):
                self.on_line(line, time.monotonic())

    def _say(self, state: str, why: str | None) -> None:
        """Tell ``on_state`` what changed: each state once, however often the port is tried
        again meanwhile (a port that cannot be opened after the scanner went away is the same
        outage: "disconnected" said it). The next "connected" says it is back."""
        if state == self.state or (state == "not answering" and self.state == "disconnected"):
            return
        self.state = state
        if self.on_state is not None:
            self.on_state(state, why)


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]

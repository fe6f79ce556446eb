"""The terminal's input, read by the app's driver (screens/terminal_driver.py): a terminal another
program made non-blocking, reported readable with nothing in it, is a wait, not a crash (a
kiosk once ended on it with a traceback, EAGAIN, while it started in a shared terminal)."""

from __future__ import annotations

import fcntl
import os

from screens.terminal_driver import read_available


def test_a_non_blocking_terminal_with_nothing_to_read_is_a_wait() -> None:
    reading, writing = os.pipe()
    try:
        flags = fcntl.fcntl(reading, fcntl.F_GETFL)
        fcntl.fcntl(reading, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        assert read_available(reading) is None  # EAGAIN: nothing yet
        os.write(writing, "ED1.é".encode())
        assert read_available(reading) == "ED1.é".encode()
        assert read_available(reading) is None
        os.close(writing)
        writing = -1
        assert read_available(reading) == b""  # the input ended
    finally:
        os.close(reading)
        if writing >= 0:
            os.close(writing)

"""The app in a real pseudo-terminal, as a station's screen runs it: for tests and benchmarks
that start `eventdesk app` in a process of its own and wait for its ready signal."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

_READERS: dict[int, threading.Thread] = {}  # a terminal's reading thread, by its master side


def in_terminal(
    argv: list[str],
    env: dict[str, str],
    size: tuple[int, int] = (120, 40),
    *,
    output: bytearray | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """Start argv on a fresh pseudo-terminal of ``size`` (columns, rows); its output is read
    as it comes (so the app never blocks on a full terminal) and kept in ``output``, if given,
    else thrown away."""
    master, slave = pty.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)

    def drain() -> None:
        try:
            while chunk := os.read(master, 65536):
                if output is not None:
                    output.extend(chunk)
        except OSError:
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    _READERS[master] = reader
    return process, master


def stop(process: subprocess.Popen[bytes], master: int) -> None:
    """The process ended (killed if it still runs), and all it wrote read before the terminal
    closes (its last line, written as it exits, is read by then even on a busy machine)."""
    process.kill()
    process.wait()
    reader = _READERS.pop(master, None)
    if reader is not None:
        reader.join(10)  # the terminal's end: read as soon as no process holds it open
    os.close(master)


def wait_file(path: Path, timeout: float = 30.0, *, line: int = 1) -> float:
    """The time the app wrote into its ``--ready-file`` (polled until it is there): on its
    first line when its first screen was drawn, on its second when its database was open."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        written = path.read_text().splitlines() if path.exists() else []
        if len(written) > line or (len(written) == line and path.read_text().endswith("\n")):
            return float(written[line - 1])
        time.sleep(0.005)
    raise TimeoutError(f"no ready signal in {timeout:.0f} s")

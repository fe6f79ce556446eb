"""One process of a station's data folder uploads and refreshes its mirror at a time."""

from __future__ import annotations

import os
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import IO, ClassVar


class FolderLock:
    """``DATA_DIR/mirror.lock``, held (not waited for) by the process that uploads and
    refreshes the mirror now: the app and a `sync --watch` beside it never interleave two
    refreshes (which could leave an older copy of a row last) or two uploads. The holder
    writes its process id and what it is into the file (``purpose``: set once by the app,
    ``scan``, ``sync --watch``), so that another process can say who syncs (``holder``)."""

    purpose: ClassVar[str] = "eventdesk"  # what this process is, as another one names it

    def __init__(self, data_dir: Path, *, wait: float = 0.0) -> None:
        """``wait``: seconds to ask again (every tenth of a second) while another holds it."""
        self.wait = wait
        self.path = Path(data_dir) / "mirror.lock"
        self.held = False
        self.holder: str | None = None  # not held: "PID PURPOSE" of the process that holds it
        self._file: IO[bytes] | None = None

    def __enter__(self) -> FolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+b")
        deadline = time.monotonic() + self.wait
        while not self._take() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not self.held:
            self.holder = self._read_holder()
            return self
        with suppress(OSError):
            self._file.seek(0)
            self._file.truncate()
            self._file.write(f"{os.getpid()} {self.purpose}".encode())
            self._file.flush()
        return self

    def _take(self) -> bool:
        assert self._file is not None
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(self._file.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.held = True
        except OSError:
            self.held = False  # another process of this station is syncing
        return self.held

    def _read_holder(self) -> str | None:
        try:
            said = self.path.read_bytes()[:200].decode("utf-8", "replace").strip()
        except OSError:
            return None
        return said or None

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            self._file.close()  # releases the lock
            self._file = None
        self.held = False

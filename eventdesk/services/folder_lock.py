"""One process of a station's data folder uploads and refreshes its mirror at a time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO


class FolderLock:
    """``DATA_DIR/mirror.lock``, held (not waited for) by the process that uploads and
    refreshes the mirror now: the app and a `sync --watch` beside it never interleave two
    refreshes (which could leave an older copy of a row last) or two uploads."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "mirror.lock"
        self.held = False
        self._file: IO[bytes] | None = None

    def __enter__(self) -> FolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+b")
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
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            self._file.close()  # releases the lock
            self._file = None
        self.held = False

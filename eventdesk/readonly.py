"""An SQLite database that cannot be written: which file stops it, in a sentence, and the
station's own companions (-wal, -shm) made writable again once the database is, so that a
station recovers by itself after its files' modes are fixed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from eventdesk.i18n import _
from eventdesk.outage import unavailable
from eventdesk.sqlite_driver import ERROR

SQLITE_READONLY = 8  # SQLite's primary result code; its extended codes keep it in the low byte
OPENED_FILE = "eventdesk_file"  # a connection's info: (path, device, inode) of the file it opened


def is_readonly(exc: BaseException) -> bool:
    """SQLite could not write because a file (the database, its -wal or -shm) or its folder
    is read-only for this user, or the disk is mounted read-only."""
    if not isinstance(exc, ERROR):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == SQLITE_READONLY
    return "readonly database" in str(exc)


def readonly_reason(path: str | None) -> str:
    """Which file stops a station writing, in a sentence (exit 3), and that it goes on once
    that is fixed."""
    if path is None:
        where = _("the database is read-only for this user")
    else:
        folder = Path(path).parent
        shown = [Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")]
        locked = [p for p in shown if p.exists() and not os.access(p, os.W_OK)]
        if not os.access(folder, os.W_OK | os.X_OK):
            where = _("its folder {folder} is read-only for this user").format(folder=folder)
        elif locked:
            where = _("{file} is read-only for this user").format(file=locked[0])
        else:
            where = _("{file} is on a disk mounted read-only").format(file=path)
    return unavailable(
        # TRANSLATORS: {where} says which file cannot be written: "its folder /data is read-only
        # for this user"
        _(
            "nothing can be written, {where}; this station writes again by itself once it is "
            "writable (e.g. chmod u+w)"
        ).format(where=where)
    )


def writable_companions(path: str) -> None:
    """Before SQLite opens a database: its -wal and -shm files take the mode the main file had
    when they were made, so a database that was read-only a while keeps a read-only -shm after
    its own mode is fixed (every later write then fails). This station's own companions of a
    file it may write are made writable again."""
    try:
        if not os.access(path, os.W_OK):
            return
        for suffix in ("-wal", "-shm"):
            companion = Path(f"{path}{suffix}")
            info = companion.lstat() if companion.exists() else None
            if info is None or stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
                continue
            if not info.st_mode & stat.S_IWUSR:
                os.chmod(companion, stat.S_IMODE(info.st_mode) | stat.S_IRUSR | stat.S_IWUSR)
    except OSError:
        return  # not ours to mend: the write that fails says which file

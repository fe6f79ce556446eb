"""Badge files that nobody took: a folder's or a file printer's, deleted once they are old.

A folder printer (the built-in ``badges`` one: text badges in DATA_DIR/badges/) and a file
printer hand each badge over as a file: the file is the job, given to whoever prints the folder
(a label program watching a "hot folder" takes each file and removes it; a person opens one).
The station cannot see a badge come out of such a printer, so it does not wait for that: the
job is done once the file is whole (devices.printers.send), and a file still there the
printer's ``keep_minutes`` (default 10) after it was written was not taken and is deleted, as
the station keeps no personal data it no longer needs (a badge holds a name, a ticket id and a
QR of the whole signed ticket). Such files are looked for before each badge written to that
folder, when a print worker starts (the app, ``scan``, ``print-queue --run``), every
``SWEEP_EVERY`` seconds while it runs and when it stops, and after each ``drain`` (``print``,
``checkin --print``, ``print-queue --retry``). A reprint makes the file again: the print queue
keeps the job (its ticket id), never the badge.

Only the files a station names are deleted (``TICKET-JOB.txt``, ``.zpl``, ``.bin``, ``.png``,
and a ``.part`` a crash left): anything else in a folder someone chose stays. A printer that
takes its badges itself (TCP port 9100, a device file, CUPS ``lp`` reading its standard input)
leaves no file on the station at all.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devices.printers import PrinterSpec

SWEEP_EVERY = 30.0  # seconds between two looks of a running print worker
# TICKET-JOB.SUFFIX (devices.print_worker names them), or the half-written file beside it.
BADGE_FILE = re.compile(r"[0-9A-Z]{1,16}-[0-9]{1,12}\.(txt|zpl|bin|png)(\.part)?")


def keeps_files(spec: PrinterSpec) -> bool:
    """The printer hands badges over as files on this machine."""
    return spec.kind in ("folder", "file") and spec.path is not None


def _old(path: Path, now: float, keep: float) -> bool:
    """A regular file of ours written ``keep`` seconds ago or more."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and now - info.st_mtime >= keep


def _delete(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False  # taken meanwhile
    except OSError:
        return False  # not ours to delete: tried again at the next look
    return True


def sweep(spec: PrinterSpec, *, now: float | None = None) -> int:
    """Delete the badge files ``spec``'s printer kept longer than its ``keep_seconds``; how
    many. Never raises: a folder that cannot be read is looked at again later."""
    if not keeps_files(spec):
        return 0
    moment = time.time() if now is None else now
    where = Path(str(spec.path))
    if spec.kind == "file":
        candidates: Iterable[Path] = (where, where.with_name(where.name + ".part"))
    else:
        try:
            names = os.listdir(where)
        except OSError:
            return 0
        candidates = (where / name for name in names if BADGE_FILE.fullmatch(name))
    return sum(1 for path in candidates if _old(path, moment, spec.keep_seconds) and _delete(path))


def sweep_all(printers: Iterable[PrinterSpec], *, now: float | None = None) -> int:
    """``sweep`` for each printer (a folder two printers share, once each: harmless)."""
    return sum(sweep(spec, now=now) for spec in printers)

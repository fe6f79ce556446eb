"""A station's files hold personal data and PIN hashes: only the station's own user reads them.

Every file the station makes is 0600 in 0700 folders (the process's umask), and a data folder
made before that rule (or copied with looser modes) is tightened when a station starts on it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077  # new files 0600, new folders 0700
FOLDER_MODE = stat.S_IRWXU  # 0700
FILE_MODE = stat.S_IRUSR | stat.S_IWUSR  # 0600


def keep_private(data_dir: Path | None = None) -> None:
    """Set the umask for everything this process writes, and tighten ``data_dir`` (its folders
    and files, as deep as they go) where it is looser. A path this user does not own is left
    as it is: the station still runs, and its own new files are private."""
    if os.name == "nt":
        return  # Windows keeps a user's files private by their folder's access list
    os.umask(PRIVATE_UMASK)
    if data_dir is None or not data_dir.is_dir():
        return
    try:
        if stat.S_IMODE(data_dir.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO) == 0:
            return  # nobody else can enter the folder, so nothing in it is readable to them
    except OSError:
        return
    _tighten(data_dir, FOLDER_MODE)
    for root, folders, files in os.walk(data_dir):
        for name in folders:
            _tighten(Path(root, name), FOLDER_MODE)
        for name in files:
            _tighten(Path(root, name), FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
            return
        if stat.S_IMODE(info.st_mode) & (stat.S_IRWXG | stat.S_IRWXO):
            os.chmod(path, stat.S_IMODE(info.st_mode) & mode)
    except OSError:
        return  # gone meanwhile, or not ours to change


def private_file(path: Path) -> Path:
    """Make ready a file that will hold personal data where a person chose to write it: the
    folders it needs made 0700 (one that exists is left as it is: it is that person's), and
    the file itself made, or an existing one set, 0600 before anything is written into it
    (writing over a file keeps the file's mode). Raises OSError."""
    missing = []
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(mode=FOLDER_MODE, exist_ok=True)
        if os.name != "nt":
            os.chmod(made, FOLDER_MODE)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        if os.name != "nt" and stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path

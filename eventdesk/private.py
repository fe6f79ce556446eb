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

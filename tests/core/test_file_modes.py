"""Personal data files are 0600 in 0700 folders: the database and its journal, the signing key,
backups, exports, badges. Real `eventdesk` processes started with a permissive umask, as a
service manager or a shell might start them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

EVENTDESK = str(Path(sys.executable).with_name("eventdesk"))

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def run(data: Path, *args: str) -> str:
    done = subprocess.run(
        [EVENTDESK, "--data-dir", str(data), "--station", "Door 1", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.umask(0o022),  # what a shell usually gives
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def loose(found: dict[str, int], root: Path) -> dict[str, str]:
    """Every path that someone other than the station's user could read."""
    return {
        name: oct(mode)
        for name, mode in found.items()
        if mode & (stat.S_IRWXG | stat.S_IRWXO)
        or mode != (0o700 if (root / name).is_dir() else 0o600)
    }


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_station_writes_only_private_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run(data, "demo", "--no-ui", "--attendees", "20")
    run(data, "--db", str(data / "demo.db"), "backup")
    export = data / "exports" / "attendees.csv"
    export.parent.mkdir(mode=0o700)
    listed = run(data, "--db", str(data / "demo.db"), "--json", "event", "list")
    first = listed.split('"slug": "')[1].split('"')[0]
    run(data, "--db", str(data / "demo.db"), "export", "attendees", first, "--output", str(export))
    found = modes(data)
    assert "demo.db" in found and any(name.startswith("backups/") for name in found)
    assert "keys/ticket-signing-key.pem" in found and "exports/attendees.csv" in found
    assert loose(found, data) == {}


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_data_folder_with_loose_modes_is_tightened_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run(data, "init")
    os.chmod(data, 0o755)
    for path in data.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    assert loose(modes(data), data) != {}  # as an older version left it
    run(data, "staff", "list")
    assert loose(modes(data), data) == {}

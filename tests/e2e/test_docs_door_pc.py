"""The page for a door PC (docs/door-pc.md) runs as written: its ``<!-- door-pc -->`` blocks, in
the page's order, as one bash script, with the machine's folders (``/opt/eventdesk``,
``/var/lib/eventdesk``, ``/etc/systemd/system``) moved into a temporary one. What needs root or
the machine itself is done by the test instead: ``apt-get`` is left out (the packages the page
names are looked up with apt-cache), ``useradd`` makes the user's home, ``runuser -u door --``
runs its command as the test's user, and ``systemctl`` gives way to ``systemd-analyze
verify`` of the unit. The wheel is the one the suite builds (tests/e2e/test_installed.py),
named as the page names it, installed by the page's own pip command with the lock file; the
event is a backup of the installed program's demo, as the office machine makes it. Then the
unit's own command starts on a terminal of the console's kind (its TERM, 80x25) and draws the
kiosk's sign-in, headed with the station's name from the page's settings."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from testkit.terminal import in_terminal, stop
from tests.e2e.test_installed import LOCK, ROOT, SECONDS, Built, Installed
from tests.e2e.test_installed import built as built  # the fixtures
from tests.e2e.test_installed import demo as demo
from tests.e2e.test_installed import installed as installed

pytestmark = [
    pytest.mark.slow,  # the wheel installed again, as the page says, and the kiosk started
    pytest.mark.timeout(900),
]

PAGE = ROOT / "docs" / "door-pc.md"
MARK = "<!-- door-pc -->"
MOVED = ("/opt/eventdesk", "/var/lib/eventdesk", "/etc/systemd/system")
UNIT = "/etc/systemd/system/eventdesk-kiosk.service"
SCRIPT_SECONDS = 600  # a fresh virtual environment and pip's install of the lock's versions


def blocks(text: str) -> list[str]:
    """The lines of the page's door-pc blocks, in order."""
    lines = text.splitlines()
    found: list[str] = []
    for at, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        assert lines[at + 1].strip() == "```sh", f"door-pc.md:{at + 1}: {MARK} before a ```sh"
        end = next(n for n in range(at + 2, len(lines)) if lines[n].startswith("```"))
        found += lines[at + 2 : end]
    return found


def moved(line: str, root: Path) -> str:
    for folder in MOVED:
        line = line.replace(folder, f"{root}{folder}")
    return line


def as_the_test_runs_it(lines: list[str], root: Path) -> tuple[list[str], dict[str, list[str]]]:
    """The page's lines as this test runs them (see the module's docstring), and what it left
    to the test: the packages apt-get installs, the homes useradd makes, what systemctl does."""
    # What a Debian machine has already.
    script: list[str] = ["set -euo pipefail", f"mkdir -p {root}/opt {root}/etc/systemd/system"]
    left: dict[str, list[str]] = {"packages": [], "homes": [], "systemctl": []}
    in_heredoc: str | None = None
    for line in lines:
        if in_heredoc is not None:
            script.append(moved(line, root))
            if line.strip() == in_heredoc:
                in_heredoc = None
            continue
        words = shlex.split(line) if line.strip() else []
        if words[:1] == ["apt-get"]:
            left["packages"] += [w for w in words[2:] if not w.startswith("-")]
            continue
        if words[:1] == ["useradd"]:
            home = words[words.index("--home-dir") + 1]
            left["homes"].append(home)
            script.append(f"mkdir -p {shlex.quote(moved(home, root))}")
            continue
        if words[:1] == ["systemctl"]:
            left["systemctl"].append(line)
            continue
        if words[:4] == ["runuser", "-u", "door", "--"]:
            line = line.split("--", 1)[1].strip()
        heredoc = re.search(r"<<'(\w+)'", line)
        if heredoc:
            in_heredoc = heredoc.group(1)
        script.append(moved(line, root))
    return script, left


def the_reader_s_shell(folder: Path) -> dict[str, str]:
    """A root shell on the door PC: the system's python3 (none of the checkout's virtual
    environment on the path), none of the test run's settings."""
    venv_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p != venv_bin]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EVENTDESK_", "PYTEST_", "PYTHON", "VIRTUAL_ENV"))
    }
    return {**env, "PATH": os.pathsep.join(path), "HOME": str(folder), "LANG": "C.UTF-8"}


def unit_settings(unit: Path) -> dict[str, str]:
    """The unit's [Service] settings, by name (the last of each)."""
    settings: dict[str, str] = {}
    section = ""
    for line in unit.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[] ")
        elif "=" in line and section == "Service":
            name, _eq, value = line.partition("=")
            settings[name.strip()] = value.strip()
    return settings


def test_a_door_pc_set_up_as_the_page_says_starts_the_kiosk_at_its_sign_in(
    built: Built, installed: Installed, demo: dict[str, Any], tmp_path: Path
) -> None:
    text = PAGE.read_text(encoding="utf-8")
    # The office machine's part: the wheel the page names, the lock file, the event's backup.
    named = re.search(r"\./(eventdesk-[^ ]+\.whl)", text)
    assert named is not None, "the page names the wheel it installs"
    assert named.group(1) == built.wheel.name, (named.group(1), built.wheel.name)
    assert ".venv/bin/python -m build --wheel --outdir dist ." in text
    stick = tmp_path / "stick"
    stick.mkdir()
    shutil.copy2(built.wheel, stick / built.wheel.name)
    shutil.copy2(LOCK, stick / "requirements.lock")
    office = tmp_path / "office"
    office.mkdir()
    installed.run(
        "--data-dir", demo["data"], "backup", "--output", str(stick / "door-1.db"), cwd=office
    )

    root = tmp_path / "root"
    script, left = as_the_test_runs_it(blocks(text), root)
    assert left["homes"] == ["/var/lib/eventdesk"] and "python3-venv" in left["packages"]
    for package in left["packages"]:  # each a package of the door PC's Debian
        shown = subprocess.run(["apt-cache", "show", package], capture_output=True, text=True)
        assert shown.returncode == 0 and f"Package: {package}" in shown.stdout, package
    assert any("enable --now eventdesk-kiosk.service" in line for line in left["systemctl"])
    ran = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=stick,
        env=the_reader_s_shell(tmp_path),
        capture_output=True,
        text=True,
        timeout=SCRIPT_SECONDS,
    )
    assert ran.returncode == 0, f"{ran.stdout[-3000:]}\n{ran.stderr[-3000:]}"
    program = root / "opt/eventdesk/bin/eventdesk"
    data = root / "var/lib/eventdesk"
    assert program.exists() and (data / "eventdesk.db").exists() and (data / "eventdesk.toml")

    unit = Path(moved(UNIT, root))
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True
    )
    # Read as systemd reads it: every setting known, its program there to run (no user "door"
    # here is no fault of the unit's: systemd checks it when it starts).
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr
    settings = unit_settings(unit)
    assert settings["TTYPath"] == "/dev/tty1" and settings["StandardInput"] == "tty"
    environment = dict(
        part.split("=", 1) for part in shlex.split(settings.get("Environment", "")) if "=" in part
    )
    argv = shlex.split(settings["ExecStart"])
    assert argv[0] == str(program), argv
    assert Path(settings["WorkingDirectory"]) == data

    ready = tmp_path / "ready"
    output = bytearray()
    env = {**the_reader_s_shell(data), **environment, "EVENTDESK_SOUND_BACKEND": "null"}
    process, terminal = in_terminal(
        [*argv, "--ready-file", str(ready)], env, size=(80, 25), output=output
    )
    try:
        deadline = time.monotonic() + SECONDS
        while not (ready.exists() and ready.read_text().endswith("\n")):
            shown = output.decode(errors="replace")[-3000:]
            assert process.poll() is None, f"the kiosk ended with {process.returncode}:\n{shown}"
            assert time.monotonic() < deadline, f"no kiosk in {SECONDS} s:\n{shown}"
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
        wait_for = time.monotonic() + SECONDS
        # The sign-in, headed with the station the page named.
        while not all(w in output.decode(errors="replace") for w in ("Sign in", "Door 1")):
            assert process.poll() is None, output.decode(errors="replace")[-3000:]
            assert time.monotonic() < wait_for, output.decode(errors="replace")[-3000:]
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
    finally:
        stop(process, terminal)

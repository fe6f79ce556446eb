"""Who may do what from a station's command line: a desk or kiosk station (``[station] role``)
refuses the organizer's commands, and the hidden ``app --sign-in-as`` opens an account only with
its PIN. Real `eventdesk` processes on a demo database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.terminal import in_terminal, stop, wait_file

EVENTDESK = str(Path(sys.executable).with_name("eventdesk"))
ORGANIZER_ONLY = [
    ["staff", "add", "--name", "Mallory", "--role", "organizer", "--pin", "4444"],
    ["staff", "reset-pin", "Olivia Organizer", "--pin", "4444"],
    ["staff", "disable", "Sam Desk"],
    ["staff", "clear-kiosk-lock", "Kiosk 1"],
    ["event", "cancel", "EVENT"],
    ["event", "update", "EVENT", "--capacity", "5000"],
    ["venue", "add", "--name", "Backroom"],
    ["ticket-type", "add", "EVENT", "--name", "Free", "--price", "0"],
    ["restore", "BACKUP"],
]


def station(data: Path) -> list[str]:
    return [EVENTDESK, "--data-dir", str(data), "--db", str(data / "demo.db")]


def run(
    data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*station(data), *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """A demo database: its folder, event and staff PINs (the settings are written per test)."""
    data = tmp_path_factory.mktemp("access") / "data"
    done = run(data, "--json", "demo", "--no-ui", "--attendees", "20")
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    return data, made["event"], {s["name"]: s["pin"] for s in made["staff"]}


def staff_state(data: Path) -> list[tuple[str, str, bool]]:
    listed = json.loads(run(data, "--json", "staff", "list").stdout)
    return sorted((s["name"], s["role"], s["active"]) for s in listed)


@pytest.mark.parametrize("role", ["desk", "kiosk"])
def test_a_door_station_refuses_the_organizers_commands(
    demo: tuple[Path, str, dict[str, str]], role: str
) -> None:
    data, event, _pins = demo
    (data / "eventdesk.toml").write_text(f'[station]\nrole = "{role}"\n')
    try:
        before = staff_state(data)
        shown_before = run(data, "--json", "event", "show", event).stdout
        for command in ORGANIZER_ONLY:
            named = {"EVENT": event, "BACKUP": str(data / "any-backup.db")}
            args = [named.get(word, word) for word in command]
            done = run(data, *args)
            assert done.returncode == 1, (args, done.stdout, done.stderr)
            assert f"this one is a {role} station" in done.stderr, args
            assert "Traceback" not in done.stderr
        assert staff_state(data) == before  # nothing was changed
        assert run(data, "--json", "event", "show", event).stdout == shown_before
        # The door's own work goes on.
        assert run(data, "event", "list").returncode == 0
        assert run(data, "staff", "list").returncode == 0
    finally:
        (data / "eventdesk.toml").unlink()


def test_an_organizers_station_may(demo: tuple[Path, str, dict[str, str]]) -> None:
    data, _event, _pins = demo
    (data / "eventdesk.toml").write_text('[station]\nrole = "organizer"\n')
    try:
        done = run(data, "venue", "add", "--name", "Annex")
        assert done.returncode == 0, done.stderr
    finally:
        (data / "eventdesk.toml").unlink()


def test_sign_in_as_needs_the_accounts_pin(demo: tuple[Path, str, dict[str, str]]) -> None:
    data, _event, pins = demo
    bare = {k: v for k, v in os.environ.items() if k != "EVENTDESK_SIGN_IN_PIN"}
    done = subprocess.run(
        [*station(data), "app", "--sign-in-as", "Olivia Organizer"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=bare,
    )
    assert done.returncode == 2
    assert "--sign-in-as needs the account's PIN" in done.stderr
    wrong = "1111" if pins["Sam Desk"] != "1111" else "2222"
    done = run(data, "app", "--sign-in-as", "Sam Desk", env={"EVENTDESK_SIGN_IN_PIN": wrong})
    assert done.returncode == 1 and "name or PIN is wrong" in done.stderr
    assert "Traceback" not in done.stderr


def test_sign_in_as_with_the_pin_opens_the_app(
    demo: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    data, _event, pins = demo
    ready = tmp_path / "ready"
    env = {**os.environ, "TERM": "xterm-256color", "EVENTDESK_SIGN_IN_PIN": pins["Sam Desk"]}
    process, master = in_terminal(
        [*station(data), "app", "--sign-in-as", "Sam Desk", "--ready-file", str(ready)],
        env,
    )
    try:
        assert wait_file(ready, timeout=60) > 0
        assert process.poll() is None  # signed in and running
    finally:
        stop(process, master)

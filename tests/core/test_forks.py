"""A forked `eventdesk` command (tests/forks.py) answers as one started afresh: the same output,
exit code and files; its own process, that a signal ends; a script's `eventdesk` too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import forks

pytestmark = pytest.mark.slow  # runs eventdesk as processes of its own


def both(*args: str, env: dict[str, str] | None = None) -> tuple[object, object]:
    """(forked, started afresh): each command's exit code, output and error."""
    command = [forks.EVENTDESK, *args]
    kept = {"capture_output": True, "text": True, "timeout": 120, "env": env}
    forked = forks.run(command, **kept)  # type: ignore[arg-type]
    fresh = subprocess.run(command, **kept)  # type: ignore[call-overload]
    return (
        (forked.returncode, forked.stdout, forked.stderr),
        (fresh.returncode, fresh.stdout, fresh.stderr),
    )


def test_a_forked_command_answers_as_one_started_afresh(tmp_path: Path) -> None:
    data = tmp_path / "data"
    forks.run([forks.EVENTDESK, "--data-dir", str(data), "init"], check=True, capture_output=True)
    assert (data / "eventdesk.db").exists()
    forked, fresh = both("--data-dir", str(data), "--json", "event", "list")
    assert forked == fresh and forked[0] == 0
    forked, fresh = both("--data-dir", str(data), "no-such-command")
    assert forked == fresh and forked[0] == 2
    german = {**os.environ, "LANG": "de_DE.UTF-8", "EVENTDESK_LANG": "de"}
    forked, fresh = both("--data-dir", str(data), "--json", "ticket", "show", "nope", env=german)
    assert forked == fresh and forked[0] != 0


def test_a_forked_command_is_a_process_of_its_own(tmp_path: Path) -> None:
    data = tmp_path / "data"
    forks.run([forks.EVENTDESK, "--data-dir", str(data), "init"], check=True, capture_output=True)
    command = [forks.EVENTDESK, "--data-dir", str(data), "scan", "--source", "-"]
    process = forks.start(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert isinstance(process, forks.Forked) and process.pid not in (os.getpid(), os.getppid())
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=0.2)  # it reads its input, which stays open
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL


def test_a_scripts_eventdesk_is_forked_with_its_exit_code(tmp_path: Path) -> None:
    line = forks.command_line(os.environ)
    done = subprocess.run(
        ["bash", "-c", '"$@" no-such-command; echo "exit $?"', "bash", *line],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.stdout == "exit 2\n" and "No such command" in done.stderr
    assert line[:3] == [sys.executable, "-I", "-S"]

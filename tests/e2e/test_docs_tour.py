"""The tour of the command line (docs/cli.md) runs as written.

A command block of the page is part of the tour when the line before its ```sh fence is
``<!-- tour -->`` (an HTML comment: GitHub shows nothing). Every tour block runs, in the page's
order, as one bash script in an empty folder of its own, the way a reader pastes it into a
terminal at the checkout's root: the tour's ``alias ed=...`` is made to name the
``eventdesk`` of the environment under test, everything else runs as written (it builds its own
demo in ``data/`` and keeps the ids it needs in shell variables). Each command is checked:

- its exit code: 0, or the one its trailing comment names (``# exit 1: already checked in``);
- its output (stdout and stderr): every ``#> TEXT`` line under the command must appear in it,
  runs of spaces counting as one.

A command that fails says where it is on the page, what it printed and what was expected, so
a tour that no longer runs fails here rather than in a reader's terminal."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import forks
from tests.apptools import demo_shift

pytestmark = pytest.mark.slow  # the docs' commands run as a user types them

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "cli.md"
MARK = "<!-- tour -->"
ALIAS = re.compile(r"^alias ed=\S+$")
EXPECTED_EXIT = re.compile(r"\s#\s*exit (\d+)\b")
SHOWS = "#>"
SCRIPT_SECONDS = 900  # the whole tour: a command takes a second or two, more on a busy machine
# What the tour must show a reader, each at least once: (what, words of the command, its exit).
MUST_SHOW = [
    ("the demo it runs on", "ed demo --no-ui", 0),
    ("an event of its own", "ed event create", 0),
    ("ticket types", "ed ticket-type add", 0),
    ("a session", "session add", 0),
    ("an attendee", "ed attendee add", 0),
    ("a registration", "register", 0),
    ("an admission", "ed checkin", 0),
    ("a refusal", "ed checkin", 1),
    ("a badge", "ed badge", 0),
    ("an export", "ed export", 0),
    ("a report", "ed report attendance", 0),
]


@dataclass
class Step:
    """One command of the tour: where it is on the page, as bash reads it, what it must do."""

    line: int
    command: str
    exit_code: int = 0
    shows: list[str] = field(default_factory=list)


def tour_blocks(text: str, page: Path = PAGE) -> list[tuple[int, list[str]]]:
    """Each tour block's first line number on the page and its lines, in the page's order."""
    lines = text.splitlines()
    blocks = []
    for at, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        fence = lines[at + 1] if at + 1 < len(lines) else ""
        assert fence.strip() == "```sh", f"{page.name}:{at + 1}: {MARK} stands before a ```sh fence"
        end = next(n for n in range(at + 2, len(lines)) if lines[n].lstrip().startswith("```"))
        blocks.append((at + 3, lines[at + 2 : end]))
    return blocks


def steps_of(blocks: list[tuple[int, list[str]]], page: Path = PAGE) -> list[Step]:
    """The blocks' commands: a command's lines joined where they end with a backslash, comments
    left to bash, and each ``#> TEXT`` line kept as what the command before it shows."""
    steps: list[Step] = []
    for first, lines in blocks:
        pending: list[str] = []
        start = first
        for number, raw in enumerate(lines, first):
            line = raw.rstrip()
            if not pending:
                bare = line.strip()
                if bare.startswith(SHOWS):
                    assert steps, f"{page.name}:{number}: {SHOWS} with no command before it"
                    steps[-1].shows.append(bare[len(SHOWS) :].strip())
                    continue
                if not bare or bare.startswith("#"):
                    continue
                start = number
            pending.append(line)
            if line.endswith("\\"):
                continue
            expected = EXPECTED_EXIT.search(pending[-1])
            exit_code = int(expected.group(1)) if expected else 0
            steps.append(Step(start, "\n".join(pending), exit_code))
            pending = []
        assert not pending, f"{page.name}:{start}: a command's last line ends with a backslash"
    return steps


def tour() -> list[Step]:
    steps = steps_of(tour_blocks(PAGE.read_text(encoding="utf-8")))
    assert steps, f"{PAGE.name} marks no command block as the tour ({MARK} before ```sh)"
    assert ALIAS.match(steps[0].command), f"the tour starts with `alias ed=...`: {steps[0]}"
    return steps


def script(steps: list[Step], eventdesk: list[str], out: Path) -> str:
    """The tour as one bash script: each command's output and exit code kept in ``out``."""
    lines = ["set -o pipefail", "shopt -s expand_aliases"]
    for n, step in enumerate(steps):
        command = step.command
        if ALIAS.match(command):
            command = f"alias ed={shlex.quote(shlex.join(eventdesk))}"
        lines += [
            "{",
            command,
            f"}} >{shlex.quote(str(out / f'{n}.out'))} 2>&1 </dev/null",
            f"echo $? >{shlex.quote(str(out / f'{n}.rc'))}",
        ]
    return "\n".join(lines) + "\n"


def squeezed(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text)


def verdict(step: Step, exit_code: int | None, output: str, page: Path = PAGE) -> str | None:
    """What is wrong with how a step ran, or None."""
    problems = []
    if exit_code is None:
        problems.append("it never ran (the script stopped before it)")
    elif exit_code != step.exit_code:
        problems.append(f"exit {exit_code}, the page says {step.exit_code}")
    missing = [text for text in step.shows if squeezed(text) not in squeezed(output)]
    problems += [f"no {text!r} in its output" for text in missing]
    if not problems:
        return None
    shown = "\n".join(f"      | {line}" for line in output.splitlines()[:20])
    where = page.relative_to(ROOT)
    return f"{where}:{step.line}: {step.command}\n    " + "; ".join(problems) + "\n" + shown


def plain_environment(folder: Path) -> dict[str, str]:
    """A reader's shell: none of the test run's EVENTDESK_ settings, UTF-8, and `python3` (the
    tour reads --json with it) from the environment under test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTDESK_")}
    path = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    return {**env, "PATH": path, "HOME": str(folder), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def on_the_demos_day(env: dict[str, str]) -> dict[str, str]:
    """``env`` with its processes' clock on the tests' demo clock (libfaketime), where that is
    not the real one: before 05:00 the event's day is still the day before, and a tour run then
    would find the demo's list of days 1 and 2 closed."""
    shift = demo_shift()
    if not shift:
        return env
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    if not found:
        pytest.skip(f"the demo's day is {shift} away at this hour: needs libfaketime (.ci/run)")
    return {**env, "LD_PRELOAD": str(found[0]), "FAKETIME": f"{int(shift.total_seconds()):+d}"}


def test_the_tour_shows_what_a_reader_needs() -> None:
    """The tour keeps its parts: an event of its own, what it sells, a person, an admission and a
    refusal, a badge, an export and a report; and it types no id the database hands out."""
    steps = tour()
    for what, start, exit_code in MUST_SHOW:
        found = [s for s in steps if start in s.command and s.exit_code == exit_code]
        assert found, f"the tour does not show {what} (`{start} ...`, exit {exit_code})"
    typed = [
        s.command for s in steps if re.search(r"--(session|ticket)\s+\d|\bundo\s+\d", s.command)
    ]
    assert not typed, f"ids the database hands out are read from --json, not typed: {typed}"


@pytest.mark.timeout(SCRIPT_SECONDS + 60)
def test_the_tour_runs_as_written(tmp_path: Path) -> None:
    steps = tour()
    folder, out = tmp_path / "checkout", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    tour_script = tmp_path / "tour.sh"
    # The tour's `ed`: the environment's eventdesk, each command forked from one that has loaded
    # it (tests/forks.py), where starting it afresh each time costs a minute of CPU.
    env = on_the_demos_day(plain_environment(tmp_path))
    tour_script.write_text(script(steps, forks.command_line(env), out), encoding="utf-8")
    ran = subprocess.run(
        ["bash", str(tour_script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=SCRIPT_SECONDS,
    )
    problems = []
    for n, step in enumerate(steps):
        rc_file, out_file = out / f"{n}.rc", out / f"{n}.out"
        exit_code = int(rc_file.read_text()) if rc_file.exists() else None
        output = out_file.read_text(encoding="utf-8", errors="replace") if out_file.exists() else ""
        why = verdict(step, exit_code, output)
        if why is not None:
            problems.append(why)
    assert not problems, (
        f"{len(problems)} of the tour's {len(steps)} commands do not do what docs/cli.md says "
        f"(bash said: {ran.stderr.strip() or 'nothing'}):\n" + "\n".join(problems)
    )
    data = folder / "data"
    assert (data / "demo.db").is_file(), "the tour runs on the demo it builds in data/"
    assert not (data / "eventdesk.db").exists(), "the tour leaves the demo's folder on the demo"

"""`--cpu-report N` (tests/cpu_report.py) puts the CPU a test's processes take on that test,
through xdist's workers as `python3 dev.py test` runs them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # pytest in a process of its own

ROOT = Path(__file__).resolve().parents[2]

BURNING = """
import subprocess
import sys


def test_burns_in_a_process_it_starts():
    subprocess.run([sys.executable, "-c", "n = 0\\nwhile n < 4_000_000: n += 1"], check=True)


def test_burns_little():
    assert sum(range(10)) == 45
"""


def test_the_cpu_a_test_s_processes_take_is_that_test_s(tmp_path: Path) -> None:
    (tmp_path / "test_burning.py").write_text(BURNING)
    report = ["-p", "tests.cpu_report", "--cpu-report", "2"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *report,
            "-n",
            "2",
            "-p",
            "no:cacheprovider",
            "test_burning.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.split("CPU of the tests: the 2 that took most", 1)[1].splitlines()
    costs = [
        (float(m[1]), float(m[2]), m[3])
        for line in lines
        if (m := re.match(r"\s*([\d.]+) s  \(\s*[\d.]+ own,\s*([\d.]+) started\)  (\S+)", line))
    ]
    assert [name for _, _, name in costs] == [
        "test_burning.py::test_burns_in_a_process_it_starts",
        "test_burning.py::test_burns_little",
    ], done.stdout
    (burnt, started, _), (little, none_started, _) = costs
    assert started > 0.05 and none_started == 0.0 and burnt > little, done.stdout
    assert re.search(r"2 tests: [\d,]+ s of CPU", done.stdout), done.stdout

#!/usr/bin/env python3
"""Set up a virtual environment and run eventdesk from it.

    python3 dev.py demo [options]   build a demo event under data/ and open the app on it
    python3 dev.py test [pytest options]   lint, type-check and run the whole test suite
    python3 dev.py test --fast [options]   the rules without the slow tests (the inner loop)
    python3 dev.py test --screens [options]   the screens' tests without the slow ones
    python3 dev.py run ARGS...      run any eventdesk command
    python3 dev.py lock             refresh requirements.lock to the newest allowed versions
    python3 dev.py i18n update|check|typeset|add CODE   keep the language catalogues in step

Needs only Python 3.11+ and the package index: the first run creates .venv/ and installs the
project into it at the exact versions of requirements.lock; later runs reinstall only when
pyproject.toml or the lock file has changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".eventdesk-installed"
LOCK = ROOT / "requirements.lock"


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes()).hexdigest()
    if not _python().exists():
        print("creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("installing eventdesk and its dependencies into .venv ...", file=sys.stderr)
    pip = [str(_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    # The lock pins every package; what a platform needs beyond it is still resolved.
    subprocess.run([*pip, "install", "-c", str(LOCK), "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(argv: list[str]) -> int:
    return subprocess.call(argv, cwd=ROOT)


def test(extra: list[str]) -> int:
    fast, screens = "--fast" in extra, "--screens" in extra
    extra = [a for a in extra if a not in {"--fast", "--screens"}]
    # ruff first (a fraction of a second); the type check and the import contracts run beside
    # the tests, each on one core, and say what they found when the tests are done.
    for step in ([str(BIN / "ruff"), "check", "."], [str(BIN / "ruff"), "format", "--check", "."]):
        print("+ ruff", " ".join(step[1:]), flush=True)
        code = run(step)
        if code:
            return code
    # lint-imports: the one-way import contracts of pyproject.toml
    beside = [[str(BIN / "mypy")], [str(BIN / "lint-imports")]]
    checks = [
        subprocess.Popen(step, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for step in beside
    ]
    # Three workers a core for the whole suite: its tests wait on timeouts, links held slow,
    # processes, disks and PostgreSQL (3 workers kept a 2-core machine busy 58% of the time, 15
    # min 27 s; 6 kept it busy 79%, 13 min 32 s, median of three). Two more than the cores for
    # the inner loops.
    # Work stealing: a worker that ran out of tests takes some of a busy one's, so one long
    # test near the end does not leave the other workers idle.
    # The suite starts eventdesk as a process of its own many times: its modules compiled once
    # here (an environment may forbid Python to keep what it compiles, PYTHONDONTWRITEBYTECODE).
    packages = ["eventdesk", "screens", "devices", "badges", "testkit"]
    run([str(_python()), "-m", "compileall", "-q", *packages])
    cores = os.cpu_count() or 1
    count = str(cores + 2 if fast or screens else 3 * cores)
    workers = (
        ["-n", count, "--dist", "worksteal"] if not any(a.startswith("-n") for a in extra) else []
    )
    # The inner loops: no real processes, terminals, browsers or scale, and each test that runs
    # on both databases once, on SQLite (its PostgreSQL twin runs in the full suite); the rules
    # (--fast) apart from the screens' tests (--screens), whose folders are the screens'.
    screens_tests = ["tests/app", "tests/snapshots"]
    selection = ["-m", "not slow and not pg_twin"] if fast or screens else []
    if fast:
        selection += [f"--ignore={folder}" for folder in screens_tests]
    elif screens:
        selection += screens_tests
    code = run([str(_python()), "-m", "pytest", *workers, *selection, *extra])
    for step, check in zip(beside, checks, strict=True):
        said, _ = check.communicate()
        print("+", Path(step[0]).name)
        print(said.decode(errors="replace").rstrip())
        code = code or check.returncode
    return code


def lock() -> int:
    """Resolve pyproject.toml's dependencies afresh and pin them in requirements.lock."""
    pip = [str(_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "pip-tools>=7.4"], check=True)
    compile_ = [str(BIN / "pip-compile"), "--quiet", "--upgrade", "--extra", "dev"]
    options = ["--strip-extras", "--allow-unsafe", "--no-emit-index-url", "--no-emit-find-links"]
    return run([*compile_, *options, "--output-file", str(LOCK), "pyproject.toml"])


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "run", "lock", "i18n"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, extra = sys.argv[1], sys.argv[2:]
    ensure_venv()
    if command == "test":
        return test(extra)
    if command == "lock":
        return lock()
    if command == "i18n":
        return run([str(_python()), "-m", "testkit.catalogues", *extra])
    eventdesk = str(BIN / "eventdesk")
    if command == "demo":
        return run([eventdesk, "demo", *extra])
    return run([eventdesk, *extra])


if __name__ == "__main__":
    sys.exit(main())

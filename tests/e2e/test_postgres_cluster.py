"""The README's test command runs the PostgreSQL tests on a machine that names no server: on a
throwaway cluster it starts with the machine's PostgreSQL programs (tests/postgres_cluster.py);
only without those programs, or when that cluster does not start, do they skip, saying why and
what to install or set.

Each test runs pytest in a process of its own on one small PostgreSQL test, without
EVENTDESK_TEST_POSTGRES_URL, in one xdist worker as `python3 dev.py test` runs them."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_ENV

pytestmark = pytest.mark.slow  # a throwaway PostgreSQL cluster

ROOT = Path(__file__).resolve().parents[2]
# A quick test that runs on PostgreSQL: a migrated database, one write, one read.
ONE_POSTGRES_TEST = "tests/core/test_store.py::test_times_are_utc_aware_both_ways[postgresql]"
# pytest in a process of its own; when a folder is given, the search for PostgreSQL's programs
# looks there instead of Debian's /usr/lib/postgresql (the machine's own programs out of sight).
RUN_PYTEST = """
import sys
from pathlib import Path

import pytest


class LookElsewhere:
    def pytest_configure(self) -> None:
        import testkit.postgres

        testkit.postgres.DEBIAN_PROGRAMS = Path(sys.argv[1])


plugins = [LookElsewhere()] if sys.argv[1] != "-" else []
sys.exit(pytest.main(sys.argv[2:], plugins=plugins))
"""
HEADER = re.compile(r"^postgresql: (.*)$", re.M)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder the run's cluster is made in (its TMPDIR): under the system's, so
    another user (PostgreSQL's, when the tests run as root) can reach into it."""
    made = Path(tempfile.mkdtemp(prefix="eventdesk-test-tmp-", dir="/tmp"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made, ignore_errors=True)


def run_pytest(
    *args: str, tmp: Path, path: str | None = None, debian: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name != PG_ENV and not name.startswith(("PYTEST_", "PG"))
    }
    env["TMPDIR"] = str(tmp)
    if path is not None:
        env["PATH"] = path
    hidden = str(debian) if debian is not None else "-"
    command = [sys.executable, "-c", RUN_PYTEST, hidden, "-p", "no:cacheprovider", *args]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )


def said(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def header(done: subprocess.CompletedProcess[str]) -> str:
    found = HEADER.search(done.stdout)
    assert found is not None, f"no 'postgresql:' line in the report's header:\n{said(done)}"
    return found.group(1)


def test_without_a_server_url_the_postgresql_tests_run_on_a_throwaway_cluster(
    shared_tmp: Path,
) -> None:
    done = run_pytest("-n", "1", "-rA", ONE_POSTGRES_TEST, tmp=shared_tmp)
    assert done.returncode == 0, said(done)
    assert re.search(r"\b1 passed\b", done.stdout), said(done)
    assert "skipped" not in done.stdout, said(done)
    where = header(done)
    assert where.startswith("a throwaway cluster on 127.0.0.1:"), where
    assert "PostgreSQL " in where and " from /" in where, where
    # Stopped when the run ended, and its folder gone.
    port = int(re.findall(r"127\.0\.0\.1:(\d+)", where)[0])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    assert [p.name for p in shared_tmp.iterdir() if p.name.startswith("eventdesk-postgres")] == []


def test_without_postgresql_programs_the_postgresql_tests_skip_saying_what_to_install(
    shared_tmp: Path,
) -> None:
    nothing = shared_tmp / "nothing"
    nothing.mkdir()
    done = run_pytest(
        "-n", "1", "-rA", ONE_POSTGRES_TEST, tmp=shared_tmp, path=str(nothing), debian=nothing
    )  # fmt: skip
    assert done.returncode == 0, said(done)
    assert re.search(r"\b1 skipped\b", done.stdout), said(done)
    skipped = re.findall(r"^SKIPPED \[\d+\] [^:]+:\d+: (.*)$", done.stdout, re.M)
    assert len(skipped) == 1, said(done)
    reason = skipped[0]
    assert "no PostgreSQL programs" in reason, reason
    assert "install" in reason and PG_ENV in reason, reason
    assert header(done).startswith("none, the PostgreSQL tests skip: no PostgreSQL programs")


# A pg_ctl whose server never starts, and says why in its log as PostgreSQL does.
FAILING_PG_CTL = """#!/bin/sh
case "$1" in
  --version) echo "pg_ctl (PostgreSQL) 15.0" ;;
  initdb) mkdir -p "$3" && echo 15 > "$3/PG_VERSION" ;;
  start)
    while [ "$#" -gt 0 ]; do [ "$1" = -l ] && log="$2"; shift; done
    echo "FATAL:  could not map anonymous shared memory (planted)" >> "$log"
    exit 1 ;;
  *) exit 3 ;;
esac
"""


def test_a_cluster_that_does_not_start_skips_the_postgresql_tests_saying_what_failed(
    shared_tmp: Path,
) -> None:
    programs = shared_tmp / "bin"
    programs.mkdir()
    programs.chmod(0o755)
    pg_ctl = programs / "pg_ctl"
    pg_ctl.write_text(FAILING_PG_CTL)
    pg_ctl.chmod(0o755)
    done = run_pytest(
        "-n", "1", "-rA", f"--postgresql-exec={pg_ctl}", ONE_POSTGRES_TEST, tmp=shared_tmp
    )  # fmt: skip
    assert done.returncode == 0, said(done)
    assert re.search(r"\b1 skipped\b", done.stdout), said(done)
    skipped = re.findall(r"^SKIPPED \[\d+\] [^:]+:\d+: (.*)$", done.stdout, re.M)
    assert len(skipped) == 1, said(done)
    reason = skipped[0]
    assert f"the throwaway PostgreSQL cluster ({programs}) did not start" in reason, reason
    assert "pg_ctl start failed (exit 1)" in reason, reason
    assert "could not map anonymous shared memory (planted)" in reason, reason
    assert PG_ENV in reason, reason
    assert header(done) == f"none, the PostgreSQL tests skip: {reason}"
    assert [p.name for p in shared_tmp.iterdir() if p.name.startswith("eventdesk-postgres")] == []

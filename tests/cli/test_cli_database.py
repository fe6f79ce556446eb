"""The right database, or a clear error: a command pointed at no eventdesk database creates
nothing (no folder, no file), exits 3 and says where it looked and that `eventdesk init` makes
one. Only `init`, `demo` and `restore` create a database. A blank station name is refused."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests import forks
from tests.conftest import PG_ENV, PG_SKIP

pytestmark = pytest.mark.slow  # which database each command opens, as the console script

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = forks.run(
        [EVENTDESK, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EVENTDESK_STATION": "Door 1", **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in done.stderr + done.stdout
    return done


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def refused_for_no_database(done: subprocess.CompletedProcess[str], where: Path | str) -> None:
    assert done.returncode == 3, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(where) in lines[0] and "eventdesk init" in lines[0], lines[0]


COMMANDS = [
    ["event", "list"],
    ["event", "show", "fest"],
    ["attendee", "find", "ann"],
    ["checkin", "--ticket", "ABCDEF12"],
    ["checkin", "ED1.NOT.A.TICKET"],
    ["scan-log"],
    ["stats", "fest"],
    ["backup"],
    ["app", "--mode", "stats", "--wall"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a))
def test_a_mistyped_data_dir_creates_nothing(tmp_path: Path, args: list[str]) -> None:
    real = tmp_path / "data"
    assert run_cli("--data-dir", str(real), "init").returncode == 0
    before = files_under(tmp_path)
    typo = tmp_path / "dta"
    done = run_cli("--data-dir", str(typo), *args)
    refused_for_no_database(done, typo / "eventdesk.db")
    assert not typo.exists()
    assert files_under(tmp_path) == before


def test_a_sqlite_url_to_nowhere_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    target = tmp_path / "elsewhere" / "events.db"
    done = run_cli("--data-dir", str(data), "--db", f"sqlite:///{target}", "event", "list")
    refused_for_no_database(done, target)
    assert not target.parent.exists() and files_under(tmp_path) == [data]
    # A folder that exists, a file that does not.
    target = data / "evnets.db"
    done = run_cli(
        "--data-dir", str(data), "--db", f"sqlite:///{target}", "--json", "event", "list"
    )
    refused_for_no_database(done, target)
    assert json.loads(done.stdout)["exit_code"] == 3
    assert files_under(tmp_path) == [data]


def test_a_file_that_is_not_an_eventdesk_database_is_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    empty = data / "empty.db"
    empty.write_bytes(b"")
    notes = data / "notes.db"
    notes.write_text("not a database at all\n")
    other = data / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    before = {p: p.read_bytes() for p in (empty, notes, other)}
    for path in (empty, notes, other):
        done = run_cli("--data-dir", str(data), "--db", f"sqlite:///{path}", "attendee", "find")
        refused_for_no_database(done, path)
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in data.iterdir()) == ["empty.db", "notes.db", "other.db"]


def test_init_demo_and_restore_still_create(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh" / "data"
    done = run_cli("--data-dir", str(fresh), "--json", "init")
    assert done.returncode == 0, done.stderr
    assert (fresh / "eventdesk.db").is_file()
    assert run_cli("--data-dir", str(fresh), "event", "list").returncode == 0
    demo = tmp_path / "demo" / "data"
    done = run_cli("--data-dir", str(demo), "--json", "demo", "--no-ui", "--attendees", "20")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["database"] == f"sqlite:///{demo.resolve() / 'demo.db'}"
    assert (demo / "demo.db").is_file()
    backup = run_cli("--data-dir", str(fresh), "--json", "backup")
    assert backup.returncode == 0, backup.stderr
    restored = tmp_path / "restored" / "data"
    done = run_cli("--data-dir", str(restored), "restore", json.loads(backup.stdout)["path"])
    assert done.returncode == 0, done.stderr
    assert run_cli("--data-dir", str(restored), "event", "list").returncode == 0


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A PostgreSQL database that exists but holds no eventdesk schema (a wrong --db)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    url = make_url(base)
    name = f"eventdesk_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_an_empty_postgres_database_is_not_filled_by_a_stray_command(
    empty_postgres: str, tmp_path: Path
) -> None:
    done = run_cli("--data-dir", str(tmp_path), "--db", empty_postgres, "event", "list")
    refused_for_no_database(done, make_url(empty_postgres).database or "")
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        ).scalar()
    engine.dispose()
    assert tables == 0
    done = run_cli("--data-dir", str(tmp_path), "--db", empty_postgres, "init")
    assert done.returncode == 0, done.stderr
    assert (
        run_cli("--data-dir", str(tmp_path), "--db", empty_postgres, "event", "list").returncode
        == 0
    )


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_a_blank_station_name_is_refused(tmp_path: Path, name: str) -> None:
    assert run_cli("--data-dir", str(tmp_path), "init").returncode == 0
    for args, env in (
        (["--station", name], None),
        ([], {"EVENTDESK_STATION": name}),
    ):
        if env and not name:
            continue  # an empty variable is an unset one
        done = run_cli("--data-dir", str(tmp_path), *args, "event", "list", env=env)
        assert done.returncode == 2, (name, done.stderr)
        assert "station" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_data_dir_copy_is_used_as_is(tmp_path: Path) -> None:
    """A station's folder copied elsewhere works from there (the check reads, never writes)."""
    data = tmp_path / "data"
    assert run_cli("--data-dir", str(data), "init").returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    done = run_cli("--data-dir", str(copy), "--json", "event", "list")
    assert done.returncode == 0 and json.loads(done.stdout) == []


def test_the_demos_database_is_named_and_a_plain_path_opens_it(tmp_path: Path) -> None:
    """`eventdesk demo` keeps its own DATA_DIR/demo.db: a later command on that folder, which
    has no database of its own, works on it (the README's tour after the demo), creating
    nothing; and `--db` takes the path as it is."""
    data = tmp_path / "data"
    made = run_cli("--data-dir", str(data), "--json", "demo", "--no-ui", "--attendees", "12")
    assert made.returncode == 0, made.stderr
    slug = json.loads(made.stdout)["event"]
    before = files_under(data)
    listed = run_cli("--data-dir", str(data), "--json", "event", "list")
    assert listed.returncode == 0, listed.stderr
    assert slug in {e["slug"] for e in json.loads(listed.stdout)}
    assert files_under(data) == before  # nothing was created
    found = run_cli(
        "--data-dir", str(data), "--db", str(data / "demo.db"), "--json", "event", "list"
    )
    assert found.returncode == 0, found.stderr
    assert slug in {e["slug"] for e in json.loads(found.stdout)}

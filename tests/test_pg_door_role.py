"""PostgreSQL roles for many stations (README.md, "Roles for many stations"): the SQL is taken
from the README as written, run on a database of its own, and real `eventdesk` processes then
work as a door station's and a desk station's role. A door checks in, undoes, reads the scan log
and stats and counts wrong PINs; changing staff, events or venues is refused in one line (exit
1) and changes nothing. A desk adds walk-ins and takes payments, and is refused the organizer's
work the same way."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from tests.conftest import PG_ENV, PG_SKIP, _database_name

EVENTDESK = str(Path(sys.executable).with_name("eventdesk"))
README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Roles for many stations (PostgreSQL)"
# The names the README's SQL uses, each replaced by one unique to this test run (roles belong
# to the whole server, so two runs must not share one).
ORGANIZER, DOOR_GROUP, DESK_GROUP, DOOR, DESK, DATABASE = (
    "eventdesk_organizer",
    "eventdesk_door",
    "eventdesk_desk",
    "door1",
    "desk1",
    "eventdesk",
)
PLACEHOLDERS = re.compile(
    r"\b(eventdesk_organizer|eventdesk_door|eventdesk_desk|door1|desk1|eventdesk)\b"
)
REFUSED = "this station's database role may not do that (permission denied for table"


def readme_blocks() -> list[str]:
    """The ```sql blocks of the README's roles section, in order."""
    readme = README.read_text(encoding="utf-8")
    start = readme.index(f"\n{SECTION}\n")
    end = readme.index("\n## ", start + 1)
    return re.findall(r"```sql\n(.*?)```", readme[start:end], flags=re.S)


def statements(block: str, names: dict[str, str]) -> list[str]:
    """One block's statements, comments dropped, with this run's names."""
    sql = PLACEHOLDERS.sub(lambda found: names[found.group(0)], re.sub(r"--[^\n]*", "", block))
    return [part.strip() for part in sql.split(";") if part.strip()]


def run_cli(
    url: str, data_dir: Path, *args: str, code: int, station: str = "Door 1"
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [EVENTDESK, "--db", url, "--data-dir", str(data_dir), "--station", station, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EVENTDESK_DATABASE_URL": ""},
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    return done


def refused(url: str, data_dir: Path, *args: str, table: str) -> None:
    """Refused by the database role: exit 1 and one line that says so. The station says it is
    an organizer's (its own setting lets the command through to the server), as a station
    changed by someone at its shell would."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "eventdesk.toml").write_text('[station]\nrole = "organizer"\n')
    try:
        done = run_cli(url, data_dir, *args, code=1)
    finally:
        (data_dir / "eventdesk.toml").unlink()
    assert done.stderr == f"eventdesk: {REFUSED} {table})\n", (args, done.stderr)


@dataclass
class Site:
    """One database with the README's roles: the owner's engine and each role's URL."""

    owner: Engine
    organizer_url: str
    door_url: str
    desk_url: str
    event: str
    organizer_dir: Path

    def value(self, sql: str, **params: Any) -> Any:
        with self.owner.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, as the owner sees it."""
        with self.owner.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ).scalars()
            return {
                name: sorted(
                    (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr
                )
                for name in list(tables)
            }


def _role_url(base: URL, role: str, password: str, database: str) -> str:
    return base.set(username=role, password=password, database=database).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base_url = os.environ.get(PG_ENV)
    if not base_url:
        pytest.skip(PG_SKIP)
    base = make_url(base_url)
    database = f"{_database_name()}_roles"
    tail = database.removeprefix("eventdesk_test_")
    names = {
        ORGANIZER: f"{ORGANIZER}_{tail}",
        DOOR_GROUP: f"{DOOR_GROUP}_{tail}",
        DESK_GROUP: f"{DESK_GROUP}_{tail}",
        DOOR: f"{DOOR}_{tail}",
        DESK: f"{DESK}_{tail}",
        DATABASE: database,
    }
    blocks = readme_blocks()
    assert len(blocks) == 3, "the README shows the organizer's, the door's and the desk's SQL"
    organizer_sql, door_sql, desk_sql = blocks
    for block, role in ((organizer_sql, ORGANIZER), (door_sql, DOOR), (desk_sql, DESK)):
        assert re.search(rf"CREATE ROLE {role} LOGIN PASSWORD '[^']*'", block), role
    password = re.findall(r"PASSWORD '([^']*)'", organizer_sql)[0]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    here = create_engine(base.set(database=database), isolation_level="AUTOCOMMIT")
    owner = create_engine(base.set(database=database))
    try:
        with admin.connect() as conn:
            for statement in statements(organizer_sql, names):
                conn.exec_driver_sql(statement)
        organizer_url = _role_url(base, names[ORGANIZER], password, database)
        organizer_dir = tmp_path_factory.mktemp("organizer")
        run_cli(organizer_url, organizer_dir, "init", code=0, station="Organizer")
        made = json.loads(
            run_cli(
                organizer_url,
                organizer_dir,
                "--json",
                "demo",
                "--no-ui",
                "--attendees",
                "20",
                code=0,
                station="Organizer",
            ).stdout
        )
        with here.connect() as conn:  # as a superuser, in the database, as the README says
            for statement in statements(door_sql, names) + statements(desk_sql, names):
                conn.exec_driver_sql(statement)
        yield Site(
            owner,
            organizer_url,
            _role_url(base, names[DOOR], password, database),
            _role_url(base, names[DESK], password, database),
            made["event"],
            organizer_dir,
        )
    finally:
        owner.dispose()
        here.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for role in (DOOR, DESK, DESK_GROUP, DOOR_GROUP, ORGANIZER):
                conn.execute(text(f'DROP ROLE IF EXISTS "{names[role]}"'))
        admin.dispose()


ADMISSIBLE = """
SELECT t.id FROM ticket t JOIN ticket_type tt ON tt.id = t.ticket_type_id
WHERE t.status = 'registered' AND t.checked_in_at IS NULL AND NOT tt.needs_staff
AND t.price_cents <= (
    SELECT COALESCE(SUM(CASE WHEN p.kind = 'payment' THEN p.amount_cents
                             ELSE -p.amount_cents END), 0)
    FROM payment p WHERE p.ticket_id = t.id AND p.status = 'completed')
ORDER BY t.id LIMIT 1
"""


def test_a_door_role_checks_in_but_cannot_change_staff_or_events(
    site: Site, tmp_path: Path
) -> None:
    door, url = tmp_path / "door", site.door_url
    ticket = site.value(ADMISSIBLE)
    assert ticket is not None

    admitted = json.loads(
        run_cli(url, door, "--json", "checkin", "--ticket", ticket, code=0).stdout
    )
    assert admitted["result"] == "ok"
    assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=ticket) == "Door 1"
    run_cli(url, door, "checkin", "undo", ticket, code=0)
    assert site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=ticket) is None
    assert ticket in run_cli(url, door, "scan-log", site.event, code=0).stdout
    run_cli(url, door, "stats", site.event, code=0)

    # Offline and back, with the door's role: copy the mirror, admit while the server is away,
    # another door admits the same ticket meanwhile, the upload keeps the conflict.
    copied = json.loads(run_cli(url, door, "--json", "sync", code=0).stdout)
    assert copied["online"] and copied["downloaded"] > 0
    away = make_url(url).set(port=1).render_as_string(hide_password=False)  # nothing listens
    offline = json.loads(
        run_cli(away, door, "--json", "checkin", "--ticket", ticket, code=0).stdout
    )
    assert (offline["result"], offline["offline"]) == ("ok", True)
    run_cli(url, tmp_path / "door2", "checkin", "--ticket", ticket, code=0, station="Door 2")
    synced = json.loads(run_cli(url, door, "--json", "sync", code=0).stdout)
    assert (synced["uploaded"], synced["conflicts"], synced["pending"]) == (1, 1, 0)
    assert site.value("SELECT other_station FROM scan_conflict WHERE ticket_id = :t", t=ticket) == (
        "Door 2"
    )
    # A ticket cancelled on the server while the door admitted it offline: a conflict that names
    # who cancelled it (the columns of the transaction log the door's role may read).
    other = site.value(ADMISSIBLE)
    offline = json.loads(run_cli(away, door, "--json", "checkin", "--ticket", other, code=0).stdout)
    assert (offline["result"], offline["offline"]) == ("ok", True)
    run_cli(site.organizer_url, site.organizer_dir, "cancel", other, code=0, station="Office")
    synced = json.loads(run_cli(url, door, "--json", "sync", code=0).stdout)
    assert (synced["uploaded"], synced["conflicts"], synced["refused"]) == (1, 1, 0)
    assert (
        site.value(
            "SELECT reason || ' ' || other_station FROM scan_conflict WHERE ticket_id = :t", t=other
        )
        == "revoked Office"
    )

    staff = "Sam Desk"
    tries = "SELECT failed_pin_attempts FROM staff WHERE name = :n"
    before = site.value(tries, n=staff)
    wrong = run_cli(url, door, "staff", "login", staff, "--pin", "000000", code=1)
    assert "name or PIN is wrong" in wrong.stderr
    assert site.value(tries, n=staff) == before + 1  # the lockout counter, by the door's role

    unchanged = site.snapshot()
    refused(url, door, "staff", "add", "--name", "Mallory", "--role", "organizer",
            "--pin", "123456", table="staff")  # fmt: skip
    refused(url, door, "staff", "reset-pin", "Olivia Organizer", "--pin", "654321", table="staff")
    refused(url, door, "staff", "disable", "Olivia Organizer", table="staff")
    refused(url, door, "event", "cancel", site.event, table="event")
    refused(url, door, "event", "update", site.event, "--capacity", "999", table="event")
    refused(url, door, "venue", "add", "--name", "Back Door", table="venue")
    refused(url, door, "attendee", "add", "--name", "Walk In", "--email", "w@example.org",
            table="attendee")  # fmt: skip
    as_json = run_cli(url, door, "--json", "event", "cancel", site.event, code=1)
    assert json.loads(as_json.stdout)["exit_code"] == 1
    assert site.snapshot() == unchanged


def test_a_desk_role_takes_walk_ins_and_payments_but_not_the_organizers_work(
    site: Site, tmp_path: Path
) -> None:
    desk, url = tmp_path / "desk", site.desk_url
    email = "walk.in@example.org"
    run_cli(url, desk, "attendee", "add", "--name", "Walk In", "--email", email, code=0)
    ticket_type = site.value(
        "SELECT tt.name FROM ticket_type tt JOIN event e ON e.id = tt.event_id "
        "WHERE e.slug = :e AND tt.price_cents > 0 AND NOT tt.needs_staff "
        "ORDER BY tt.priority_tier, tt.id LIMIT 1",
        e=site.event,
    )
    run_cli(url, desk, "register", site.event, "--attendee", email, "--ticket-type", ticket_type,
            code=0)  # fmt: skip
    ticket = site.value(
        "SELECT t.id FROM ticket t JOIN attendee a ON a.id = t.attendee_id WHERE a.email = :m",
        m=email,
    )
    run_cli(url, desk, "pay", ticket, "--method", "cash", code=0)
    assert site.value("SELECT count(*) FROM payment WHERE ticket_id = :t", t=ticket) == 1

    unchanged = site.snapshot()
    refused(url, desk, "staff", "add", "--name", "Mallory", "--role", "organizer",
            "--pin", "123456", table="staff")  # fmt: skip
    refused(url, desk, "event", "update", site.event, "--capacity", "999", table="event")
    # A goodwill refund lowers the price: the organizer's call, not the desk's.
    refused(url, desk, "refund", ticket, "--amount", "1.00", table="ticket")
    assert site.snapshot() == unchanged

"""Who may do what from a station's command line: a desk or kiosk station (``[station] role``)
refuses the organizer's commands, and the hidden ``app --sign-in-as`` opens an account only with
its PIN. Real `eventdesk` processes on a demo database."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from testkit.terminal import in_terminal, stop, wait_file
from tests import forks
from tests.conftest import PG_ENV, PG_SKIP, _database_name
from tests.helpers import wait_until

pytestmark = pytest.mark.slow  # a station's commands on a server it does not own, as processes

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks
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
    return forks.run(
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
    done = forks.run(
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


# --- least privilege (issue: a kiosk's shell could cancel tickets and export everyone) --------
DESK_ONLY = [
    ["cancel", "TICKET"],
    ["pay", "TICKET", "--method", "cash"],
    ["register", "EVENT", "--attendee", "EMAIL", "--ticket-type", "Regular"],
    ["attendee", "find", ""],
    ["attendee", "show", "EMAIL"],
    ["badge", "TICKET", "--format", "text"],
]
ORGANIZER_TOO = [
    ["export", "attendees", "EVENT", "--output", "OUT"],
    ["report", "attendance", "EVENT"],
    ["log"],
    ["refund", "TICKET", "--amount", "1.00"],
    ["attendee", "update", "EMAIL", "--company", "Mallory Ltd"],
    ["backup", "--output", "OUT"],
]


def a_ticket(data: Path, event: str) -> tuple[str, str]:
    """A registered ticket of the demo event and its holder's e-mail."""
    found = json.loads(run(data, "--json", "attendee", "find", "").stdout)
    for person in found:
        shown = json.loads(run(data, "--json", "attendee", "show", person["email"]).stdout)
        for ticket in shown.get("tickets", []):
            if ticket["event"] == event and ticket["status"] == "registered":
                return ticket["id"], person["email"]
    raise AssertionError("the demo has a registered ticket")


def test_a_kiosk_station_refuses_the_desks_commands_too(
    demo: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    data, event, _pins = demo
    ticket, email = a_ticket(data, event)
    (data / "eventdesk.toml").write_text('[station]\nrole = "kiosk"\n')
    try:
        output = tmp_path / "out.csv"
        named = {"EVENT": event, "TICKET": ticket, "EMAIL": email, "OUT": str(output)}
        for command in DESK_ONLY + ORGANIZER_TOO:
            args = [named.get(word, word) for word in command]
            done = run(data, *args)
            assert done.returncode == 1, (args, done.stdout, done.stderr)
            assert "this one is a kiosk station" in done.stderr, (args, done.stderr)
            assert done.stdout == "" and "Traceback" not in done.stderr
        assert not output.exists()
        # What a kiosk does goes on: a check-in, the stats.
        assert run(data, "stats", event).returncode == 0
        assert run(data, "checkin", "--ticket", ticket).returncode in (0, 1)
    finally:
        (data / "eventdesk.toml").unlink()
    shown = json.loads(run(data, "--json", "attendee", "show", email).stdout)
    assert any(t["id"] == ticket and t["status"] == "registered" for t in shown["tickets"])


def test_a_desk_station_asks_an_organizers_pin_on_its_terminal(
    demo: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    data, event, pins = demo
    (data / "eventdesk.toml").write_text('[station]\nrole = "desk"\n')
    try:
        before = json.loads(run(data, "--json", "event", "show", event).stdout)
        wrong = "1111" if pins["Olivia Organizer"] != "1111" else "2222"
        said = typed_at_terminal(
            data, ["event", "update", event, "--capacity", "4321"], ["Olivia Organizer", wrong]
        )
        assert "Organizer's name" in said and "name or PIN is wrong" in said, said
        said = typed_at_terminal(
            data, ["event", "update", event, "--capacity", "4321"], ["Sam Desk", pins["Sam Desk"]]
        )
        assert "Sam Desk is not an organizer" in said, said
        assert json.loads(run(data, "--json", "event", "show", event).stdout) == before
        said = typed_at_terminal(
            data,
            ["event", "update", event, "--capacity", "4321"],
            ["Olivia Organizer", pins["Olivia Organizer"]],
        )
        assert json.loads(run(data, "--json", "event", "show", event).stdout)["capacity"] == 4321
        assert pins["Olivia Organizer"] not in said  # the PIN is not echoed
        # Without a terminal (a script) it is refused, as before.
        done = run(data, "event", "update", event, "--capacity", "99")
        assert done.returncode == 1 and "this one is a desk station" in done.stderr
        assert "asks for an organizer's name and PIN" in done.stderr
    finally:
        (data / "eventdesk.toml").unlink()
        run(data, "event", "update", event, "--capacity", str(before["capacity"]))


def typed_at_terminal(data: Path, args: list[str], answers: list[str]) -> str:
    """``args`` run on a terminal, each of ``answers`` typed when a prompt asks; what it
    printed (prompts, echo and output) once it ended."""
    output = bytearray()
    process, master = in_terminal(
        [*station(data), *args], {**os.environ, "TERM": "dumb"}, output=output
    )
    try:
        for at, answer in enumerate(answers):
            prompt = ("Organizer's name", "PIN")[at]
            wait_until(lambda p=prompt: p in output.decode("utf-8", "replace"), what=prompt)
            os.write(master, f"{answer}\r".encode())
        process.wait(timeout=120)
    finally:
        stop(process, master)
    return output.decode("utf-8", "replace")


def test_a_station_with_no_role_on_a_server_it_does_not_own_is_a_desk(
    tmp_path: Path,
) -> None:
    """No [station] role, a PostgreSQL login granted every table but not owning them: the
    organizer's commands are refused by the station itself (least privilege by default)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    url = make_url(base)
    database = f"{_database_name()}_norole"
    login = f"norole_{database.removeprefix('eventdesk_test_')}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{login}"')
        conn.exec_driver_sql(f"CREATE ROLE \"{login}\" LOGIN PASSWORD 'pw'")
    owner_url = url.set(database=database).render_as_string(hide_password=False)
    login_url = url.set(database=database, username=login, password="pw").render_as_string(
        hide_password=False
    )
    owner_dir, login_dir = tmp_path / "owner", tmp_path / "login"
    try:
        pg = [EVENTDESK, "--db", owner_url, "--data-dir", str(owner_dir)]
        made = forks.run(
            [*pg, "--json", "demo", "--no-ui", "--attendees", "5"],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        event = json.loads(made.stdout)["event"]
        here = create_engine(url.set(database=database), isolation_level="AUTOCOMMIT")
        with here.connect() as conn:  # every table, as a careless grant would give
            conn.exec_driver_sql(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{login}"')
            conn.exec_driver_sql(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{login}"')
        here.dispose()
        as_login = [EVENTDESK, "--db", login_url, "--data-dir", str(login_dir)]
        done = forks.run(
            [*as_login, "event", "cancel", event],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert "this one is a desk station (no [station] role is set" in done.stderr
        shown = forks.run(
            [*pg, "--json", "event", "show", event],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert json.loads(shown.stdout)["status"] != "cancelled"
        # The owner's own station (no role either) is the organizer's.
        owner = forks.run(
            [*pg, "venue", "add", "--name", "Annex"],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert owner.returncode == 0, owner.stderr
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{login}"')
        admin.dispose()

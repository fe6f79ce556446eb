"""Start-up: what the first screen loads, and what waits until it is drawn.

The sign-in screen is what every station shows first. It needs Textual, the store, the staff
list and the door's event; the check-in and door services, the badge renderers, Pillow and
OpenCV load later (the first check-in, the print queue, the camera). What is loaded is looked
at in a fresh interpreter: this one has imported everything already.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import click
import pytest

from eventdesk.cli import cli
from eventdesk.db import Store
from eventdesk.errors import DatabaseUnavailable
from eventdesk.services.data.demo import build_demo
from eventdesk.tickets import ensure_keys, load_signer
from screens.app import make_app
from testkit.terminal import in_terminal, stop
from tests.apptools import DemoStation, wait_for

pytestmark = pytest.mark.slow  # how soon a process shows its first screen

ROOT = Path(__file__).resolve().parents[2]

LATER = (
    "eventdesk.services.door.checkin",
    "eventdesk.services.stations.offline",
    "eventdesk.services.people.registration",
    "devices.print_worker",
    "badges.render",
    "PIL",
    "cv2",
    "numpy",
)


def loaded_after(code: str) -> list[str]:
    """Which of ``LATER`` a fresh interpreter has loaded once ``code`` ran."""
    probe = f"{code}\nimport sys\nprint(json.dumps([m for m in {LATER!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", f"import json\n{probe}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_app_module_loads_none_of_what_the_first_screen_does_not_show() -> None:
    assert loaded_after("import screens.app, screens.login") == []


def test_a_stations_printer_settings_load_without_the_badge_services() -> None:
    """make_app reads the station's printers before the first screen: their label sizes come
    without the ticket services and the renderers (those load with the first badge)."""
    assert loaded_after("import devices.printers") == []


def test_the_sign_in_screen_is_drawn_before_the_print_queue_loads(
    station: DemoStation, tmp_path: Path
) -> None:
    """The app on a real database, until its first screen is drawn: the print queue's stack is
    not loaded by then (it would take turns with the first screen for the interpreter), and it
    starts once the screen is up."""
    report = tmp_path / "report.json"
    code = f"""
import asyncio, json, sys
from pathlib import Path
from eventdesk.config import load_config, sqlite_url
from screens.app import EventdeskApp, make_app

seen = {{}}
drawn = EventdeskApp.on_ready

def on_ready(self) -> None:
    seen["at_ready"] = [m for m in {LATER!r} if m in sys.modules]
    drawn(self)

EventdeskApp.on_ready = on_ready
data = Path({str(station.data_dir)!r})
config = load_config(data_dir=data, database_url=sqlite_url(data / "eventdesk.db"))
app = make_app(config=config)

async def main() -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):
            if app.devices.printer is not None:
                break
            await pilot.pause(0.05)
        seen["printing"] = app.devices.printer is not None and app.devices.printer.is_alive()
        seen["screen"] = type(app.screen).__name__

asyncio.run(main())
Path({str(report)!r}).write_text(json.dumps(seen))
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=240)
    seen = json.loads(report.read_text())
    assert seen["screen"] == "LoginScreen"
    assert seen["at_ready"] == []
    assert seen["printing"] is True


# `eventdesk app` in a real terminal, with a hook noting what the app had loaded when its first
# screen was drawn; it then watches the sign-in screen until the staff names are listed and the
# station's event is shown, notes them, and closes the app. The report says how the command ended.
SIGN_IN_PROBE = """
import json, sys
from pathlib import Path
from eventdesk.cli import main
from screens.app import EventdeskApp
from screens.login import StaffForm

report, seen = Path(sys.argv[1]), {}
drawn = EventdeskApp.on_ready

def on_ready(self):
    seen["at_ready"] = [m for m in ("sqlalchemy", "eventdesk.models", "argon2") if m in sys.modules]
    where = self.screen.query_one("#login-where")
    seen["where_at_ready"] = str(where.render())
    drawn(self)

    def look():
        names = self.screen.query_one(StaffForm).names
        if names is not None and "opening" not in str(where.render()):
            seen["names"], seen["where"] = names, str(where.render())
            self.exit()

    self.set_interval(0.02, look)

EventdeskApp.on_ready = on_ready
seen["exit"] = main(sys.argv[2:])
report.write_text(json.dumps(seen))
"""


def station_data(store: Store, data: Path) -> tuple[str, list[str]]:
    """A demo event in ``store``, its signing key in ``data``: the event and the names the
    sign-in screen lists."""
    data.mkdir()
    ensure_keys(store, data, "door-1")
    store.signer = load_signer(data)
    made = build_demo(store, attendee_count=20, seed=7, station="door-1")
    return made.event, sorted(name for name, _role, _pin in made.staff)


def test_the_sign_in_screen_is_drawn_before_the_database_is_opened(
    db_url: str, store: Store, tmp_path: Path
) -> None:
    """`eventdesk app` draws the sign-in screen first, SQLAlchemy and the models not loaded
    yet, then opens the database: the staff names fill the list, the station's event shows,
    and the app works on (it is closed normally here)."""
    event, names = station_data(store, tmp_path / "data")
    report = tmp_path / "report.json"
    command = [sys.executable, "-c", SIGN_IN_PROBE, str(report), "--db", db_url]
    command += ["--data-dir", str(tmp_path / "data"), "--station", "door-1", "app"]
    process, master = in_terminal([*command, "--event", event], {**os.environ, "TERM": "xterm"})
    try:
        assert process.wait(timeout=120) == 0
    finally:
        stop(process, master)
    seen = json.loads(report.read_text())
    assert seen["at_ready"] == []
    assert seen["where_at_ready"] == "Station door-1  ·  opening the database…"
    assert sorted(seen["names"]) == names
    assert seen["where"] == f"Station door-1  ·  event {event}"
    assert seen["exit"] == 0


def run_to_its_end(command: list[str]) -> tuple[int, str]:
    """``command`` in a real terminal until it ends: its exit code and all it wrote."""
    output = bytearray()
    process, master = in_terminal(command, {**os.environ, "TERM": "xterm"}, output=output)
    try:
        code = process.wait(timeout=120)
    finally:
        stop(process, master)
    return code, output.decode(errors="replace")


def test_a_station_that_cannot_open_says_why_as_the_command_always_did(
    db_url: str, store: Store, tmp_path: Path
) -> None:
    """The database is opened after the first screen: when that fails (here: the event asked
    for is not there), the app closes and the command says why in one line, with the exit code
    of that failure (2: bad input), as it did when it opened the database first."""
    station_data(store, tmp_path / "data")
    command = [sys.executable, "-m", "eventdesk", "--db", db_url, "--data-dir"]
    command += [str(tmp_path / "data"), "app", "--event", "no-such-event"]
    code, said = run_to_its_end(command)
    assert code == 2, said
    assert "eventdesk: no event 'no-such-event'" in said
    assert "Traceback" not in said


def test_a_station_whose_server_does_not_answer_says_so_after_its_first_screen(
    tmp_path: Path,
) -> None:
    """A station on a PostgreSQL server that refuses connections: the sign-in screen comes
    up, the open fails behind it, and the command says the database is unavailable with the
    environment's exit code (3), as it did when it opened the database first."""
    with socket.socket() as unused:  # bound, never listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/eventdesk"
        command = [sys.executable, "-m", "eventdesk", "--db", url, "--data-dir", str(tmp_path)]
        code, said = run_to_its_end([*command, "app"])
    assert code == 3, said
    assert "eventdesk: database unavailable" in said
    assert "Traceback" not in said


@pytest.mark.asyncio
async def test_a_station_closed_while_its_database_opens_gives_it_back(
    station: DemoStation,
) -> None:
    """Ctrl+Q on the sign-in screen while the database is still being opened (a server slow
    to answer): the open that ends after the app gives its connections back, and anything
    that would wait for the store is told it will not come."""
    go_on, given_back = threading.Event(), threading.Event()

    def opens() -> Store:
        go_on.wait(timeout=60)
        store = station.open_store()
        dispose = store.dispose
        store.dispose = lambda: (dispose(), given_back.set())  # type: ignore[method-assign]
        return store

    app = make_app(config=station.config, opens=opens)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: any(w.name == "_open_station" for w in app.workers), pilot)
            await pilot.press("ctrl+q")
        go_on.set()
        assert given_back.wait(timeout=30)
        assert not app.backend.is_open
        with pytest.raises(DatabaseUnavailable):
            app.backend.store  # noqa: B018 - told at once, not waited for
    finally:
        go_on.set()


@pytest.mark.parametrize("command", ["app", "scan", "badge"])
def test_each_layers_command_is_found(command: str) -> None:
    """The commands of the layers above the core are found by their names (eventdesk's own
    entry points are read without reading every installed distribution's)."""
    found = cli.get_command(click.Context(cli), command)
    assert found is not None and found.name is not None


def test_a_command_another_distribution_registers_is_still_found(tmp_path: Path) -> None:
    """A command registered by another installed distribution (an ``eventdesk.commands`` entry
    point of its own) still joins the group."""
    (tmp_path / "hello_plugin.py").write_text(
        "import click\n\n"
        "@click.command('hello')\n"
        "def hello() -> None:\n"
        "    click.echo('hello from a plugin')\n"
    )
    info = tmp_path / "hello_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hello-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[eventdesk.commands]\nhello = hello_plugin:hello\n")
    code = "from eventdesk.cli import main\nraise SystemExit(main(['hello']))\n"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        check=True,
    )
    assert done.stdout.strip() == "hello from a plugin"


def test_an_app_closed_before_its_print_queue_started_starts_none(station: DemoStation) -> None:
    """The print queue starts in a thread once the first screen is up; an app closed before
    that thread got going leaves no print worker behind (polling a database nobody uses)."""
    app = make_app(config=station.config, store=station.store)
    assert app.backend.printers  # the station's text badges at least
    app.devices.stop()
    app.devices.start_printing()
    assert app.devices.printer is None

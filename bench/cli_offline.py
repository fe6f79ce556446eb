"""The command line offline like the app: a one-shot command at a station whose server is away,
side by side in one run with the same command where nothing waits for a server.

    python -m bench.cli_offline [--runs 7] [--tickets 300]
                                [--db postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

One database made for the run on the server --db names (dropped after it): an event running now
with --tickets free tickets. A station's data folder reaches it through a TcpProxy
(testkit.proxy), its copy downloaded first (`eventdesk sync`), [station] offline_after = 1 s.
Each figure is the wall time of a whole `eventdesk` process (start to exit, as a script or an
operator waits for it), the median of --runs rounds, each round running every way below once in
turn (a machine slowed for a while slows them alike), after one round that is not counted (it
warms the caches), for `checkin --ticket` (a new ticket each run), `attendee find`, `ticket show
--payload` and `print`:

- floor: the same command at an SQLite station (its own file, the same event): what a one-shot
  command costs with no server to wait for (the competitor: nothing can answer sooner);
- online: the station through the proxy, the server answering;
- silent, first: the proxy holding every byte (a server that takes connections and never
  answers), on a fresh copy of the station's folder (it has not met the silent server before);
- silent, later: the same folder again (it met the silent server a moment ago);
- refused, first / later: the proxy cut (connections refused).

Goals (issue 40): from the station's copy within 1.5 s the first time, and at once later (within
the floor plus the sync loop's 0.2 s probe and 0.15 s of slack); every answer from the copy says
OFFLINE once."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eventdesk.config import load_config
from eventdesk.opening import open_store
from eventdesk.services.catalogue import events, program
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import ensure_keys, load_signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy

EVENTDESK = str(Path(sys.executable).with_name("eventdesk"))
FIRST_GOAL = 1.5  # seconds: the first answer from the copy
# The station's own threshold, not the environment's; modules compiled once and kept, as an
# installed program has them (a checkout run with PYTHONDONTWRITEBYTECODE compiles each time).
ENVIRON = {
    k: v
    for k, v in os.environ.items()
    if k not in ("EVENTDESK_OFFLINE_AFTER", "PYTHONDONTWRITEBYTECODE")
}
LATER_SLACK = 0.2 + 0.15  # seconds over the floor: the probe, and slack


@contextmanager
def database(base: str) -> Iterator[str]:
    url = make_url(base)
    name = f"bench_cli_offline_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(url: str, data: Path, count: int) -> tuple[str, list[str]]:
    """An event running now, ``count`` free tickets (signed): its slug and the ticket ids."""
    store = open_store(load_config(data_dir=data, database_url=url, station="Office"))
    try:
        ensure_keys(store, data, "Office")
        store.signer = load_signer(data)
        now = utcnow().replace(microsecond=0)
        slug = events.create_event(
            store,
            name="Bench Day",
            starts=(now - timedelta(hours=1)).isoformat(),
            ends=(now + timedelta(hours=8)).isoformat(),
        ).slug
        program.add_ticket_type(store, slug, name="Regular", price_cents=0)
        people = [{"name": f"Guest Number{n}", "email": f"g{n}@example.org"} for n in range(count)]
        attendees.add_attendees_bulk(store, people)
        ids = [register(store, slug, p["email"], "Regular").tickets[0].ticket_id for p in people]
        return slug, ids
    finally:
        store.dispose()


def run(folder: Path, url: str, *args: str) -> tuple[float, str, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [EVENTDESK, "--db", url, "--data-dir", str(folder), "--station", "Door 1", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=ENVIRON,
    )
    seconds = time.perf_counter() - started
    assert "Traceback" not in done.stderr, done.stderr
    return seconds, done.stderr, done.returncode


def station_folder(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "eventdesk.toml").write_text("[station]\noffline_after = 1.0\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    options = parser.parse_args()
    runs = options.runs
    with tempfile.TemporaryDirectory() as tmp, database(options.db) as url:
        root = Path(tmp)
        office = station_folder(root, "office")
        slug, tickets = fill(url, office, options.tickets)
        sqlite = station_folder(root, "sqlite")
        sqlite_url = f"sqlite:///{sqlite / 'eventdesk.db'}"
        local_slug, local_tickets = fill(sqlite_url, sqlite, options.tickets)
        proxy = TcpProxy(*_host_port(url)).start()
        through = make_url(url).set(host="127.0.0.1", port=proxy.port)
        door_url = through.render_as_string(hide_password=False)
        synced = station_folder(root, "door")
        assert run(synced, door_url, "sync")[2] == 0
        unused = iter(tickets)
        unused_local = iter(local_tickets)

        def commands(
            event: str, next_ticket: Callable[[], str], shown: str
        ) -> dict[str, list[str]]:
            return {
                "checkin": ["checkin", "--event", event, "--ticket", next_ticket()],
                "attendee find": ["attendee", "find", "Number1"],
                "ticket show": ["ticket", "show", shown, "--payload"],
                "print": ["print", shown],
            }

        def timed(folder: Path, url_: str, local: bool, name: str) -> float:
            """One run of ``name`` at ``folder``: its wall time (checked: exit 0, and OFFLINE
            said once exactly when the server is away)."""
            wanted = commands(
                local_slug if local else slug,
                (lambda: next(unused_local)) if local else (lambda: next(unused)),
                (local_tickets if local else tickets)[-1],
            )[name]
            seconds, err, code = run(folder, url_, *wanted)
            assert code == 0, (name, err)
            offline = [line for line in err.splitlines() if "OFFLINE" in line]
            assert local or len(offline) == int(proxy.is_cut or proxy.is_stalled), err
            return seconds

        def fresh(label: str) -> Path:
            made = root / f"{label}-{uuid.uuid4().hex[:6]}"
            shutil.copytree(synced, made)
            return made

        # Round after round, every way once (a machine that slows down for a while slows them
        # all alike); the first round only warms the caches.
        names = ("checkin", "attendee find", "ticket show", "print")
        times: dict[str, dict[str, list[float]]] = {name: {} for name in names}
        for name in names:
            for n in range(-1, runs):
                said: dict[str, float] = {
                    "floor": timed(sqlite, sqlite_url, True, name),
                    "online": timed(synced, door_url, False, name),
                }
                for mode, lose, back in (
                    ("silent", proxy.stall, proxy.unstall),
                    ("refused", proxy.cut, proxy.restore),
                ):
                    lose()
                    folder = fresh(mode)  # it has not met the away server
                    said[f"{mode}, first"] = timed(folder, door_url, False, name)
                    said[f"{mode}, later"] = timed(folder, door_url, False, name)  # it has now
                    back()
                if n >= 0:
                    for way, seconds in said.items():
                        times[name].setdefault(way, []).append(seconds)
        proxy.close()
        rows = {
            name: {way: statistics.median(found) for way, found in ways.items()}
            for name, ways in times.items()
        }

    print(f"one-shot commands at a station, wall time of the process, median of {runs} runs")
    columns = list(next(iter(rows.values())))
    print(f"{'':15}" + "".join(f"{c:>16}" for c in columns))
    met = True
    for name, figures in rows.items():
        print(f"{name:15}" + "".join(f"{figures[c] * 1000:>13,.0f} ms" for c in columns))
        floor = figures["floor"]
        for mode in ("silent", "refused"):
            first, later = figures[f"{mode}, first"], figures[f"{mode}, later"]
            met &= first <= FIRST_GOAL and later <= floor + LATER_SLACK
    for name, figures in rows.items():
        floor = figures["floor"]
        said = ", ".join(f"{c} {figures[c] / floor:.2f}x" for c in columns if c != "floor")
        print(f"  {name} against the floor: {said}")
    print(
        f"goal: from the copy within {FIRST_GOAL} s the first time, within the floor + "
        f"{LATER_SLACK:.2f} s later: {'met' if met else 'NOT met'}"
    )


def _host_port(url: str) -> tuple[str, int]:
    parsed = make_url(url)
    return parsed.host or "127.0.0.1", parsed.port or 5432


if __name__ == "__main__":
    main()

"""Start-up time of the app on a small and on a festival-sized database, and memory of the kiosk
with its camera worker running.

    python -m bench.startup [--runs 5] [--attendees 1000000]

Side by side in one run, each round in turn (so a busy machine slows every contender alike):
(a) `python -c "import textual.app"`, the floor any Textual app pays; (b) `eventdesk app` from
process start to its first screen drawn (the app's own ready signal, written by `--ready-file`
when Textual reports the screen ready), in a pseudo-terminal of 120x40, on the demo database
(300 attendees), and on to its database open (the sign-in screen is drawn first; the app then
loads SQLAlchemy, opens the database and chooses the event, and the names fill the list: the
ready file's second line); (c) the same on a database of ``--attendees`` attendees (the demo's
event, the rest of its people written in bulk: attendees with their search words, orders,
tickets, a third checked in, a tenth waitlisted; the database's own triggers run for every
row); then (d) the resident memory (VmRSS) of a kiosk signed in on the demo database, with the
camera worker decoding a 1280x720 video at 30 fps.

Every process runs compiled bytecode, as an installed station does: the children write it into
a folder of this run (never into the checkout, whatever PYTHONDONTWRITEBYTECODE says), and a
first round of each, not counted, compiles what it imports and reads the databases into the
page cache.
Everything the benchmark makes is in a temporary folder, removed at the end.

Goals (issue 15): first screen at most 2x the bare import on both databases; kiosk at most
150 MB.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventdesk.config import load_config, sqlite_url
from eventdesk.opening import open_store
from eventdesk.services.data.demo import COMPANIES, FIRST_NAMES, LAST_NAMES, DemoSummary, build_demo
from eventdesk.services.people.attendees import search_tokens
from eventdesk.tickets import ensure_keys, load_signer
from testkit.media import Shot, render_frames, write_video
from testkit.terminal import in_terminal, stop, wait_file

PYTHON = sys.executable
GOAL_RATIO = 2.0  # first screen / bare `import textual.app`
GOAL_RSS_MB = 150.0
CHUNK = 50_000
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how UTCDateTime stores a time on SQLite


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def demo_data(folder: Path) -> DemoSummary:
    """A data folder with the demo event (300 attendees) in DATA_DIR/eventdesk.db."""
    folder.mkdir(mode=0o700)
    config = load_config(data_dir=folder, database_url=sqlite_url(folder / "eventdesk.db"))
    store = open_store(config)
    try:
        ensure_keys(store, folder, "bench")
        store.signer = load_signer(folder)
        return build_demo(store, attendee_count=300, seed=7, station="bench")
    finally:
        store.dispose()


def _chunks(first: int, count: int) -> Iterator[range]:
    for start in range(first, first + count, CHUNK):
        yield range(start, min(first + count, start + CHUNK))


def add_crowd(path: Path, event_slug: str, count: int) -> None:
    """``count`` more attendees with a ticket each for the event, written in bulk into the
    migrated SQLite file; the indexes are dropped first and made again after (what CREATE
    INDEX does in one sort, row by row inserts would do by random writes)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # One big transaction: a rollback journal holds only the few pages that were there; a
        # WAL would hold every new one (the app turns WAL on again as it connects).
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")  # KiB: the unique indexes stay in memory
        conn.execute("PRAGMA temp_store = MEMORY")  # and CREATE INDEX sorts there
        (event_id,) = conn.execute("SELECT id FROM event WHERE slug = ?", (event_slug,)).fetchone()
        types = conn.execute(
            "SELECT id, price_cents, currency FROM ticket_type WHERE event_id = ? ORDER BY id",
            (event_id,),
        ).fetchall()
        (first_attendee,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM attendee").fetchone()
        (first_order,) = conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM ticket_order"
        ).fetchone()
        first_wait = conn.execute(
            "SELECT coalesce(max(waitlist_seq), 0) + 1 FROM ticket WHERE event_id = ?", (event_id,)
        ).fetchone()[0]
        now = datetime.now(UTC)  # written as UTCDateTime stores it: UTC, without the offset
        created = (now - timedelta(days=30)).strftime(TIME_FORMAT)
        conn.execute("BEGIN")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('attendee', 'search_token', 'ticket_order', 'ticket')"
        ).fetchall()
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        arrivals = [  # check-in times over the last three hours
            (now - timedelta(seconds=second)).strftime(TIME_FORMAT) for second in range(10_800)
        ]
        # A person's search words: those of their name, company and email (the name's part of
        # the email and its domain are the same for everybody of that name: kept, not refolded).
        words: dict[tuple[int, int], frozenset[str]] = {}
        companies = [frozenset(search_tokens("", "", company)) for company in COMPANIES]
        for numbers in _chunks(0, count):
            people, tokens, orders, tickets = [], [], [], []
            for n in numbers:
                attendee, order = first_attendee + n, first_order + n
                who = (n % len(FIRST_NAMES), (n // len(FIRST_NAMES)) % len(LAST_NAMES))
                first, last = FIRST_NAMES[who[0]], LAST_NAMES[who[1]]
                company = COMPANIES[n % len(COMPANIES)]
                local = f"{first}.{last}".casefold().replace(" ", "")
                email = f"{local}.{n}@festival.example"
                if who not in words:
                    words[who] = frozenset(
                        search_tokens(f"{first} {last}", f"{local}@festival.example", None)
                    )
                found_by = words[who] | companies[n % len(COMPANIES)] | {str(n)}
                people.append((attendee, f"{first} {last}", email, email, company, created))
                tokens.extend((token, attendee) for token in found_by)
                orders.append((order, event_id, attendee, created))
                type_id, price, currency = types[n % len(types)]
                waiting = n % 10 == 9
                arrived = not waiting and n % 3 == 0
                tickets.append(
                    (
                        f"Z{n:07d}",  # Crockford base32 like the random ids; theirs have letters
                        order,
                        event_id,
                        type_id,
                        attendee,
                        "waitlisted" if waiting else "registered",
                        price,
                        currency,
                        first_wait + n if waiting else None,
                        created,
                        None if waiting else created,
                        arrivals[n % len(arrivals)] if arrived else None,
                        "Door 1" if arrived else None,
                        1 if arrived and n % 10 else 0,
                    )
                )
            conn.executemany(
                "INSERT INTO attendee (id, name, email, email_key, company, failed_pin_attempts,"
                " created_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                people,
            )
            conn.executemany("INSERT INTO search_token (token, attendee_id) VALUES (?, ?)", tokens)
            conn.executemany(
                "INSERT INTO ticket_order (id, event_id, buyer_id, created_at) VALUES (?, ?, ?, ?)",
                orders,
            )
            conn.executemany(
                "INSERT INTO ticket (id, order_id, event_id, ticket_type_id, attendee_id, status,"
                " price_cents, currency, waitlist_seq, created_at, registered_at, checked_in_at,"
                " checked_in_station, inside) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tickets,
            )
        for _name, sql in indexes:
            conn.execute(sql)
        # The counts the services keep on the event and its ticket types, and room for all.
        conn.execute(
            "UPDATE ticket_type SET registered_count = (SELECT count(*) FROM ticket WHERE "
            "ticket_type_id = ticket_type.id AND status = 'registered'), quantity = NULL "
            "WHERE event_id = ?",
            (event_id,),
        )
        conn.execute(
            "UPDATE event SET registered_count = (SELECT count(*) FROM ticket WHERE event_id = "
            "event.id AND status = 'registered'), capacity = NULL WHERE id = ?",
            (event_id,),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def first_screen(command: list[str], env: dict[str, str], ready: Path) -> tuple[float, float]:
    """Seconds from starting ``command`` to the app's first screen drawn, and to its database
    open (the two lines of its ready file)."""
    ready.unlink(missing_ok=True)
    start = time.time()
    process, master = in_terminal([*command, "--ready-file", str(ready)], env)
    try:
        drawn = wait_file(ready, timeout=120) - start
        return drawn, wait_file(ready, timeout=120, line=2) - start
    finally:
        stop(process, master)


def bare_import(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", "import textual.app"], check=True, env=env)
    return time.perf_counter() - start


def kiosk_rss(
    work: Path, data: Path, pin: str, env: dict[str, str], *, samples: int
) -> list[float]:
    """VmRSS of a kiosk with its camera running, every half second after its first screen."""
    video = work / "door.avi"
    if not video.exists():
        write_video(
            video,
            render_frames([Shot(None, 2.0), *(Shot(None, 1.0) for _ in range(20))], seed=1),
        )
    ready = work / "ready-kiosk"
    ready.unlink(missing_ok=True)
    process, master = in_terminal(
        [
            *app_command(data),
            "--mode",
            "kiosk",
            "--sign-in-as",
            "Kiosk Door 1",
            "--camera",
            str(video),
            "--ready-file",
            str(ready),
        ],
        {**env, "EVENTDESK_SIGN_IN_PIN": pin},
    )
    try:
        wait_file(ready, timeout=120)
        found = []
        for _ in range(samples):
            time.sleep(0.5)
            found.append(rss_mb(process.pid))
        return found
    finally:
        stop(process, master)


def app_command(data: Path) -> list[str]:
    return [PYTHON, "-m", "eventdesk", "--data-dir", str(data), "--station", "bench", "app"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--attendees",
        type=int,
        default=1_000_000,
        help="attendees of the big database (default: 1,000,000)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventdesk-startup-") as folder:
        work = Path(folder)
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": "120",
            "LINES": "40",
            "PYTHONPYCACHEPREFIX": str(work / "bytecode"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)

        made = demo_data(work / "demo")
        kiosk_pin = next(pin for name, _role, pin in made.staff if name == "Kiosk Door 1")
        start = time.perf_counter()
        big_demo = demo_data(work / "big")
        add_crowd(
            work / "big" / "eventdesk.db", big_demo.event, args.attendees - big_demo.attendees
        )
        built = time.perf_counter() - start
        size_mb = (work / "big" / "eventdesk.db").stat().st_size / 2**20
        print(
            f"big database: {args.attendees:,} attendees, {size_mb:,.0f} MB, built in "
            f"{built:.1f} s (not counted)",
            flush=True,
        )

        times: dict[str, list[float]] = {k: [] for k in ("bare", "demo", "big", "demo+", "big+")}
        for run in range(args.runs + 1):  # the first round compiles and warms up: not counted
            bare = bare_import(env)
            demo = first_screen(app_command(work / "demo"), env, work / f"ready-demo-{run}")
            big = first_screen(app_command(work / "big"), env, work / f"ready-big-{run}")
            if run:
                times["bare"].append(bare)
                times["demo"].append(demo[0])
                times["big"].append(big[0])
                times["demo+"].append(demo[1])
                times["big+"].append(big[1])
        for _round in range(2):  # the first compiles what only a kiosk imports: not counted
            samples = kiosk_rss(work, work / "demo", kiosk_pin, env, samples=10)

    imp, demo, big, demo_open, big_open = (
        statistics.median(times[k]) for k in ("bare", "demo", "big", "demo+", "big+")
    )
    peak = max(samples)
    print(f"{args.runs} runs each, medians")
    print(f"{'python -c import textual.app':<44}{imp * 1000:8.0f} ms")
    for label, value, opened in (
        (f"first screen, demo ({made.attendees} attendees)", demo, demo_open),
        (f"first screen, {args.attendees:,} attendees", big, big_open),
    ):
        print(f"{label:<44}{value * 1000:8.0f} ms  {value / imp:5.2f}x bare import")
        print(f"{'  and its database open':<44}{opened * 1000:8.0f} ms  {opened / imp:5.2f}x")
    print(f"{'kiosk with camera worker, RSS':<44}{peak:8.0f} MB (peak of 10 samples)")
    fast = demo <= GOAL_RATIO * imp and big <= GOAL_RATIO * imp
    for goal, met in (
        (f"first screen <= {GOAL_RATIO:g}x bare import on both databases", fast),
        (f"kiosk <= {GOAL_RSS_MB:g} MB", peak <= GOAL_RSS_MB),
    ):
        print(f"goal: {goal}: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()

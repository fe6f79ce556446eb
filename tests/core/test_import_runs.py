"""An import never freezes the door: it writes in short transactions, so a check-in goes in
between two of them; its tickets are not admitted until it is done; a refusal half-way or a
process that stopped leaves nothing behind. On SQLite and PostgreSQL.

Before, an import was one transaction: on SQLite a check-in waited for all of it (the door
froze for seconds, and at 100,000 rows gave up with "database is locked")."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from eventdesk.db import Store
from eventdesk.errors import Conflict, SoldOut
from eventdesk.import_liveness import stopped_places
from eventdesk.models import Attendee, Event, ImportRun, Order, Ticket, TransactionLog
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.common import get_event
from eventdesk.services.data import import_runs
from eventdesk.services.data.csvio import ImportResult, import_attendees
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.rules import IMPORTING_MESSAGE
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stats.reports import sales as sales_report
from eventdesk.services.stats.reports import stats
from eventdesk.tickets import ensure_keys
from eventdesk.values import utcnow
from tests import forks
from tests.helpers import add_type, make_event, wait_until

pytestmark = pytest.mark.slow  # imports killed and run again

ROWS = 3 * import_runs.CHUNK_ROWS  # several of the import's transactions


def open_now(store: Store, **options: object) -> str:
    """An event whose door is open now (times derived from the clock, never typed)."""
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    event = make_event(
        store, starts=start.isoformat(), ends=(start + timedelta(hours=9)).isoformat(), **options
    )
    add_type(store, event, "Regular", price_cents=0)
    return event


def csv_file(tmp_path: Path, rows: int, prefix: str = "guest") -> Path:
    path = tmp_path / f"{prefix}.csv"
    lines = ["Name,Email"] + [
        f"{prefix.title()} Number{i},{prefix}{i}@example.com" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def at_door(store: Store, event: str) -> str:
    """A ticket of someone registered before the import, waiting at the door."""
    person = attendees.add_attendee(store, name="Early Bird", email="early.bird@example.com")
    order = register(store, event, person.id, "Regular")
    return order.tickets[0].ticket_id


def counts(store: Store) -> tuple[int, int, int, int]:
    with store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Attendee)) or 0,
            session.scalar(select(func.count()).select_from(Ticket)) or 0,
            session.scalar(select(func.count()).select_from(Order)) or 0,
            session.scalar(select(func.count()).select_from(TransactionLog)) or 0,
        )


def test_a_check_in_goes_in_while_an_import_is_half_way(store: Store, tmp_path: Path) -> None:
    event = open_now(store)
    waiting = at_door(store, event)
    door = Checkin(store, station="Door 1", event=event)
    half_way = threading.Event()
    door_done = threading.Event()
    answers: list[tuple[str, str]] = []

    def progress(_rows: int) -> None:
        if not half_way.is_set():  # after the import's first batch of tickets
            half_way.set()
            # The import waits here until the door had its say; had the import still held
            # the write lock, the door would wait for it and this would time out.
            assert door_done.wait(timeout=60), "the door's check-in never got in"

    made: list[ImportResult] = []
    failed: list[BaseException] = []

    def run_import() -> None:
        try:
            made.append(import_attendees(store, csv_file(tmp_path, ROWS), event, progress=progress))
        except BaseException as exc:
            failed.append(exc)
            half_way.set()

    importer = threading.Thread(target=run_import)
    importer.start()
    try:
        assert half_way.wait(timeout=120)
        assert not failed, failed
        with store.read() as session:
            staged = session.scalars(
                select(Ticket.id).where(Ticket.import_run_id.is_not(None)).limit(1)
            ).first()
        assert staged is not None  # the import's first tickets are written, the rest are not
        first = door.checkin_ticket(waiting)
        early = door.checkin_ticket(staged)
        answers.append((first.result, first.message))
        answers.append((early.result, early.message))
    finally:
        door_done.set()
        importer.join(timeout=300)
    assert not failed, failed
    assert answers[0][0] == "ok"
    assert answers[1] == ("not_yet_valid", IMPORTING_MESSAGE)  # not before its import is done
    assert made[0].imported == ROWS
    assert door.checkin_ticket(staged).result == "ok"  # done now: admitted
    assert show_event(store, event).registered == ROWS + 1
    with store.read() as session:
        assert session.scalar(select(ImportRun.state)) == "done"


def test_a_refusal_half_way_leaves_nothing_behind(store: Store, tmp_path: Path) -> None:
    """Sold out in the import's second batch, no waitlist: the first batch is taken back."""
    event = open_now(store, capacity=import_runs.CHUNK_ROWS + 10, waitlist=False)
    at_door(store, event)
    before, registered = counts(store), show_event(store, event).registered
    with pytest.raises(SoldOut, match="nothing imported"):
        import_attendees(store, csv_file(tmp_path, ROWS), event)
    assert counts(store) == before
    assert show_event(store, event).registered == registered
    assert attendees.find_attendees(store, "guest") == []
    with store.read() as session:
        assert session.scalar(select(ImportRun.state)) == "undone"
    # Room again: the same file imports whole.
    made = import_attendees(store, csv_file(tmp_path, 5, "late"), event)
    assert made.imported == 5 and show_event(store, event).registered == registered + 5


EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


def kill_half_way(store: Store, importing: list[str]) -> None:
    """A real `eventdesk import` process, killed once its first rows are written."""
    importer = subprocess.Popen(
        importing, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    try:

        def some_written() -> bool:
            with store.read() as session:
                return bool(
                    session.scalar(
                        select(func.count())
                        .select_from(Ticket)
                        .where(Ticket.import_run_id.is_not(None))
                    )
                )

        wait_until(some_written, timeout=120, what="the import's first tickets")
    finally:
        importer.kill()
        importer.wait()
    # PostgreSQL frees the dead writer's lock once its server process has seen the connection
    # close, a moment after the kill: until then the run is, rightly, still being written.
    wait_until(lambda: writer_gone(store), timeout=60, what="the server to see the writer gone")


def writer_gone(store: Store) -> bool:
    """Every import run still open has lost its writer (its lock is free)."""
    with store.read() as session:
        open_runs = session.execute(
            select(ImportRun.id, ImportRun.event_id).where(
                ImportRun.state.in_(import_runs.OPEN_STATES)
            )
        ).all()
        events = {event for _run, event in open_runs}
        stopped = {run for event in events for run in stopped_places(session, event).runs}
        return {run for run, _event in open_runs} <= stopped


def test_an_import_killed_half_way_is_undone_by_the_next(store: Store, tmp_path: Path) -> None:
    """A real `eventdesk import` process killed between two of its transactions: its rows are
    not admitted, and the next import (once the run is stale) takes them back and then
    imports the file whole, once."""
    event = open_now(store)
    path = csv_file(tmp_path, 20 * import_runs.CHUNK_ROWS)
    before = counts(store)
    command = [EVENTDESK, "--data-dir", str(tmp_path / "data"), "--db", store.url]
    kill_half_way(store, [*command, "import", "attendees", str(path), "--event", event])
    assert counts(store) != before
    with store.write() as session:
        # The run's process is gone; its heartbeat stops. Here: it stopped long ago.
        session.execute(update(ImportRun).values(heartbeat_at=utcnow() - 2 * import_runs.STALE_RUN))
    again = forks.run(
        [*command, "import", "attendees", str(path), "--event", event],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert "an earlier import of" in again.stdout and "undone" in again.stdout
    assert f"imported {20 * import_runs.CHUNK_ROWS} registration(s)" in again.stdout
    assert show_event(store, event).registered == 20 * import_runs.CHUNK_ROWS
    with store.read() as session:
        states = list(session.scalars(select(ImportRun.state).order_by(ImportRun.id)))
    assert states == ["undone", "done"]


def children_of(pid: int) -> list[int]:
    """The processes ``pid`` started (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """``pid`` is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_a_killed_import_run_again_at_once_imports_everyone_and_its_signer_ends(
    store: Store, tmp_path: Path
) -> None:
    """A real `eventdesk import` killed half-way, and the same import run again at once (the
    killed run's heartbeat is fresh): the killed run is undone first, because its process is
    gone (its lock is free), and the file is imported whole; nobody is skipped as registered
    already, nobody deleted later. The killed import's signing process ends with it."""
    event = open_now(store)
    rows = 12_000  # signed apart (import_runs.SIGN_APART), and long enough to be killed
    path = csv_file(tmp_path, rows)
    data = tmp_path / "data"
    data.mkdir()
    ensure_keys(store, data, "importer")
    command = [EVENTDESK, "--data-dir", str(data), "--db", store.url, "--json"]
    importer = subprocess.Popen(
        [*command, "import", "attendees", str(path), "--event", event],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    signers: list[int] = []
    try:

        def some_written() -> bool:
            signers[:] = signers or children_of(importer.pid)
            with store.read() as session:
                return bool(
                    session.scalar(
                        select(func.count())
                        .select_from(Ticket)
                        .where(Ticket.import_run_id.is_not(None))
                    )
                )

        wait_until(some_written, timeout=120, what="the import's first tickets")
        signers[:] = signers or children_of(importer.pid)
    finally:
        importer.kill()
        importer.wait()
    with store.read() as session:
        assert session.scalar(select(ImportRun.state)) == "staging"  # killed half-way
    assert signers, "a big import signs in a process of its own"
    wait_until(
        lambda: not any(running(pid) for pid in signers),
        timeout=60,
        what="the signing process to end with its import",
    )
    again = forks.run(
        [*command, "import", "attendees", str(path), "--event", event],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    made = json.loads(again.stdout)
    assert (made["imported"], made["skipped"]) == (rows, 0), made
    assert any("stopped half-way: undone" in note for note in made["notes"]), made
    assert show_event(store, event).registered == rows
    with store.read() as session:
        states = list(session.scalars(select(ImportRun.state).order_by(ImportRun.id)))
        imported = session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.import_run_id.is_not(None))
        )
    assert states == ["undone", "done"] and imported == rows
    # Later imports find nothing left to undo: nobody of the file is taken away.
    assert import_runs.recover(store) == []
    assert show_event(store, event).registered == rows


def test_an_import_of_the_event_being_written_elsewhere_is_waited_for_not_undone(
    store: Store,
) -> None:
    """A run whose writer is alive (it holds the run's lock) and beats: another import of the
    same event waits for it, saying so once, and undoes nothing; a run of another event is
    not waited for."""
    event = open_now(store)
    with store.read() as session:
        event_id = session.scalar(select(Event.id).where(Event.slug == event))
    assert event_id is not None
    run_id, owner = import_runs.start(store, event_id, "elsewhere.csv", 10, "Desk 2")
    said: list[str] = []
    done: list[list[str]] = []
    waiter = threading.Thread(
        target=lambda: done.append(import_runs.recover(store, event_id, say=said.append, poll=0.01))
    )
    try:
        assert import_runs.recover(store, event_id + 1) == []  # another event's import: no wait
        waiter.start()
        wait_until(lambda: bool(said), timeout=60, what="the import to say it waits")
        assert said == [
            "an import of 10 rows into this event is running at station Desk 2: "
            "waiting for it to end"
        ]
        assert waiter.is_alive() and not done
        import_runs.finish(store, run_id)
    finally:
        owner.close()
        waiter.join(60)
    assert done == [[]]  # nothing undone
    with store.read() as session:
        assert session.scalar(select(ImportRun.state).where(ImportRun.id == run_id)) == "done"


def test_an_import_called_from_a_script_without_a_main_guard_runs_the_script_once(
    store: Store, tmp_path: Path
) -> None:
    """A plain script (no ``if __name__ == "__main__"``) calling a big import: the signing
    process it starts does not run the script a second time."""
    event = open_now(store)
    rows = import_runs.SIGN_APART + import_runs.BLOCK  # signed in a process of its own
    path = csv_file(tmp_path, rows)
    data = tmp_path / "data"
    data.mkdir()
    ensure_keys(store, data, "script")
    marks = tmp_path / "runs.txt"
    script = tmp_path / "plain_import.py"
    script.write_text(
        "from pathlib import Path\n"
        "from eventdesk.db import Store\n"
        "from eventdesk.services.data.csvio import import_attendees\n"
        "from eventdesk.tickets import load_signer\n"
        f"with open({str(marks)!r}, 'a') as out:\n"
        "    out.write('run\\n')\n"
        f"store = Store({store.url!r})\n"
        f"store.signer = load_signer(Path({str(data)!r}))\n"
        f"made = import_attendees(store, {str(path)!r}, {event!r})\n"
        "print(made.imported)\n"
    )
    done = forks.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(rows)]
    assert marks.read_text() == "run\n"  # once: the signing process did not run it again


def test_a_run_finished_meanwhile_is_not_undone_and_an_undone_run_never_finishes(
    store: Store,
) -> None:
    """Another import may find a run's writer gone just as it finishes: the finished run stays
    done (nothing said undone); and a run another import took back cannot be finished after."""
    event = open_now(store)
    with store.read() as session:
        event_id = session.scalar(select(Event.id).where(Event.slug == event))
    assert event_id is not None
    done_id, owner = import_runs.start(store, event_id, "done.csv", 1, None)
    import_runs.finish(store, done_id)
    owner.close()
    assert import_runs.undo(store, done_id) is False
    taken_id, other = import_runs.start(store, event_id, "taken.csv", 1, None)
    assert import_runs.undo(store, taken_id) is True
    with pytest.raises(Conflict, match="taken back meanwhile"):
        import_runs.finish(store, taken_id)
    other.close()
    with store.read() as session:
        states = {
            run: state for run, state in session.execute(select(ImportRun.id, ImportRun.state))
        }
    assert states == {done_id: "done", taken_id: "undone"}


def test_a_killed_imports_rows_never_count_as_registered(store: Store, tmp_path: Path) -> None:
    """A real `eventdesk import` killed half-way: until the next import undoes its rows, they
    are counted by no one. The event shows none of them registered (it showed every row
    written), the stats and the sales report agree, and a registration is not refused as sold
    out for places only they held."""
    event = open_now(store)
    path = csv_file(tmp_path, 20 * import_runs.CHUNK_ROWS)
    command = [EVENTDESK, "--data-dir", str(tmp_path / "data"), "--db", store.url]
    kill_half_way(store, [*command, "import", "attendees", str(path), "--event", event])
    assert show_event(store, event).registered == 0
    assert stats(store, event).registered == 0
    with store.read() as session:
        sales = sales_report(session, get_event(session, event))
    assert [row[3] for row in sales.rows] == [0]  # sold
    with store.write() as session:  # the organizer makes the event smaller meanwhile
        session.execute(update(Event).where(Event.slug == event).values(capacity=1))
    person = attendees.add_attendee(store, name="Late Walk-in", email="late@example.com")
    order = register(store, event, person.id, "Regular")
    assert order.tickets[0].status == "registered"
    assert show_event(store, event).registered == 1

"""An import killed half-way (a real `eventdesk import attendees` process, SIGKILL) counts for no
one, at once, and its rows are taken away without waiting for the next import: by the next
command of the office that reads people or counts, once it has answered, and by the app's start
(issue 57, item 8). On SQLite and PostgreSQL.

Before, its tickets still counted as registered for their ticket type (`event show`, `ticket-type
list`), stood on the no-shows report, the paper door list and the attendee export, and stayed
in the database until the next import."""

from __future__ import annotations

import csv
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from textual.notifications import Notify

from eventdesk.db import Store
from eventdesk.models import ImportRun, Ticket
from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.common import get_event
from eventdesk.services.data import import_runs
from eventdesk.services.data.csvexport import export
from eventdesk.services.data.import_owner import owner_gone
from eventdesk.services.stats.door_list import door_list
from eventdesk.services.stats.reports import no_shows
from tests.apptools import DemoStation, wait_for
from tests.clitools import Cli
from tests.core.test_import_runs import EVENTDESK, at_door, csv_file, open_now
from tests.helpers import wait_until

pytestmark = pytest.mark.slow  # a real import process, killed

ROWS = 20 * import_runs.CHUNK_ROWS


def kill_half_way(store: Store, importing: list[str]) -> int:
    """A real `eventdesk import` process, sent SIGKILL once its first rows are written; its
    run's id, once the database has seen its writer go (PostgreSQL ends the dead session)."""
    importer = subprocess.Popen(
        importing, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    try:
        wait_until(
            lambda: staged(store) > 0, timeout=120, what="the import's first tickets written"
        )
    finally:
        importer.send_signal(signal.SIGKILL)
        importer.wait()
    with store.read() as session:
        run_id = int(
            session.scalars(select(ImportRun.id).where(ImportRun.state == "staging")).one()
        )
    wait_until(lambda: owner_gone(store, run_id), timeout=30, what="the killed writer's lock freed")
    return run_id


def staged(store: Store) -> int:
    with store.read() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.import_run_id.is_not(None))
            )
            or 0
        )


def state_of(store: Store, run_id: int) -> str:
    with store.read() as session:
        return str(session.scalar(select(ImportRun.state).where(ImportRun.id == run_id)))


def test_a_killed_import_counts_nowhere_and_the_next_office_command_takes_it_away(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    event = open_now(store)
    early = at_door(store, event)  # registered before the import
    path = csv_file(tmp_path, ROWS)
    command = [EVENTDESK, "--data-dir", str(tmp_path / "data"), "--db", store.url]
    run_id = kill_half_way(store, [*command, "import", "attendees", str(path), "--event", event])
    assert staged(store) > 0 and state_of(store, run_id) == "staging"
    # Read as they are (no command has run since): nobody counts or lists them.
    assert [t.registered for t in list_ticket_types(store, event)] == [1]
    with store.read() as session:
        report = no_shows(session, get_event(session, event))
    assert [row[0] for row in report.rows] == [early]
    assert [h.ticket_id for h in door_list(store, event).holders] == [early]
    exported = tmp_path / "attendees.csv"
    export(store, "attendees", event, exported)
    with exported.open(encoding="utf-8-sig", newline="") as file:
        assert [row["Ticket ID"] for row in csv.DictReader(file)] == [early]
    # The next command of the office answers, then takes the rows away, and says so.
    code, out, err = cli.call("--json", "ticket-type", "list", event)
    assert code == 0 and '"registered": 1' in out, (out, err)
    assert "an earlier import of" in err and "stopped half-way: undone" in err, err
    assert staged(store) == 0 and state_of(store, run_id) == "undone"
    # A door's command never does (it does not wait for thousands of rows to go): shown by a
    # second kill, left in place by `checkin`.
    run_id = kill_half_way(store, [*command, "import", "attendees", str(path), "--event", event])
    code, out, err = cli.call("checkin", "--ticket", early)
    assert code == 0 and "undone" not in err, (out, err)
    assert staged(store) > 0 and state_of(store, run_id) == "staging"
    cli.call("report", "attendance", event)
    assert staged(store) == 0 and state_of(store, run_id) == "undone"


@pytest.mark.asyncio
async def test_the_app_s_start_takes_a_killed_import_away(
    station: DemoStation, tmp_path: Path
) -> None:
    from tests.app.test_app_desk import desk_app

    store = station.store
    event = open_now(store)
    path = csv_file(tmp_path, ROWS)
    run_id = kill_half_way(
        store, station.command("import", "attendees", str(path), "--event", event)
    )
    told: list[Notify] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            told.append(message)

    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await wait_for(lambda: state_of(store, run_id) == "undone", pilot, timeout=120)
        await wait_for(
            lambda: any("stopped half-way: undone" in m.notification.message for m in told), pilot
        )
    assert staged(store) == 0

"""Whether an import run's writer is still alive, and the places a stopped run's rows hold.

An import writes its rows a batch at a time (services.data.import_runs), and each batch takes
its places in the event's counters at once, so that no one else is sold them meanwhile. Its
writer holds a lock while it writes (a PostgreSQL session's advisory lock, or a lock on a file
beside an SQLite database) that goes when the writer dies: a kill, a crash, a power cut. The
rows of a run whose writer died are undone by the first of: the next import, the next command
of the office that reads people or counts (``import_runs.undo_stopped``, once it has answered),
the app's start, ``eventdesk init``. Until then they are counted by no one: ``stopped_places``
says how many places they hold (and which runs), and every reading of the counters that decides
or shows room takes them off (a registration refused as sold out, the registered count of the
event or a ticket type), and every list of who is registered leaves their tickets out (the
no-shows, the paper door list, the attendee export, a badge sheet).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, text, true
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute, Session

from eventdesk.models import ImportRun, Ticket

LOCK_CLASS = 0x4544_4952  # PostgreSQL advisory locks of import runs: (this, the run's id)
OPEN_STATES = ("staging", "undoing")

try:  # POSIX; elsewhere a run's liveness is its heartbeat alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_file(url: str, run_id: int) -> Path | None:
    """The file an SQLite run's writer locks (None: a database in memory)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.name}.import-{run_id}.lock")


def file_lock_free(path: Path | None) -> bool:
    """The writer of this lock file holds it no more (False: held, or not to be told)."""
    if path is None or fcntl is None or not path.exists():
        return False
    try:
        with path.open("rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except OSError:
        return False  # held: its writer is alive
    return True


def advisory_lock_free(session: Session, run_id: int) -> bool:
    """No PostgreSQL session holds this run's lock: its writer is gone."""
    taken = bool(
        session.execute(
            text("SELECT pg_try_advisory_lock(:c, :r)"), {"c": LOCK_CLASS, "r": run_id}
        ).scalar()
    )
    if taken:
        session.execute(text("SELECT pg_advisory_unlock(:c, :r)"), {"c": LOCK_CLASS, "r": run_id})
    return taken


@dataclass(frozen=True)
class Stopped:
    """The places the rows of an event's stopped runs still hold in its counters, and the
    runs."""

    total: int = 0
    by_type: dict[int, int] = field(default_factory=dict)
    runs: tuple[int, ...] = ()

    def of_type(self, type_id: int) -> int:
        return self.by_type.get(type_id, 0)

    def keeps(self, run: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[bool]:
        """A condition on a row's ``import_run_id`` column: not one of a stopped run's."""
        if not self.runs:
            return true()
        return or_(run.is_(None), run.not_in(self.runs))


def stopped_places(session: Session, event_id: int) -> Stopped:
    """What the stopped import runs of ``event_id`` hold (none at all, nearly always: one
    indexed read). A login that may not read the runs (a door's) is told none."""
    try:
        with session.begin_nested():
            runs = session.execute(
                select(ImportRun.id, ImportRun.state).where(
                    ImportRun.event_id == event_id, ImportRun.state.in_(OPEN_STATES)
                )
            ).all()
    except SQLAlchemyError:
        return Stopped()
    if not runs:
        return Stopped()
    bind = session.get_bind()
    url = bind.engine.url.render_as_string(hide_password=False)
    stopped = []
    for run_id, state in runs:
        if state == "undoing":
            stopped.append(run_id)
        elif bind.dialect.name == "sqlite":
            if file_lock_free(lock_file(url, run_id)):
                stopped.append(run_id)
        else:
            with contextlib.suppress(SQLAlchemyError), session.begin_nested():
                if advisory_lock_free(session, run_id):
                    stopped.append(run_id)
    if not stopped:
        return Stopped()
    counted = session.execute(
        select(Ticket.ticket_type_id, func.count())
        .where(Ticket.import_run_id.in_(stopped), Ticket.status == "registered")
        .group_by(Ticket.ticket_type_id)
    ).all()
    by_type = {type_id: int(n) for type_id, n in counted}
    return Stopped(sum(by_type.values()), by_type, tuple(stopped))


NONE_STOPPED = Stopped()

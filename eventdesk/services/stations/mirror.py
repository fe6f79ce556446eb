"""A station's mirror: what a door needs, copied from the server into ``DATA_DIR/mirror.db``.

The mirror's tables carry the names and columns of the server's, so that an offline decision is
the same ``Checkin`` running on another store: the same rules in the same order, nothing
written twice. It holds tickets (status, type, holder, seat, price, what was paid, check-ins,
the QR payload a badge prints), events, sessions and who is registered for them, ticket
types, whether a ticket's import is done, and the public signing keys; of each attendee the
name, company and badge name, which the desk searches and shows and a badge prints offline
(``services.stations.mirror_read``), the staff's notes on each person and order, which the door
shows with its answers (never printed), the events' registration questions and the answers
given to them (the desk's card shows them, a badge prints them), and at a desk only
(``refresh(emails=)``) the e-mail its search reads; no attendee PINs or phones, no payment
methods or references. It is encrypted at rest (SQLCipher) with a key that is not on the
station's disk (``services.stations.copy_key``).
It also keeps the staff accounts a station signs in while its server is away
(``services.stations.mirror_staff``): the argon2 PIN hashes and lockout state of the desk and kiosk
accounts, and of an organizer only the name and role (never a hash: an organizer signs in on
the server).

Beside the copy it keeps this station's own scans: the scan log (a nonce retried offline gets
its first answer), the badges queued by offline check-ins (``print_job``, printed from this
copy and their outcome uploaded) and the outbox, every scan decided offline in order, uploaded by
``services.stations.sync``. The outbox is written in the decision's own transaction with
``synchronous=FULL``: a scan shown as decided survives a crash or a power cut.

A refresh reads only what changed on the server since the last one (PostgreSQL keeps the
transaction that last wrote each row, migration 0009), except the registration questions and
their answers, small tables read whole at each refresh (a forgotten person's answers leave the
copy with it), and puts this station's scans that are
not uploaded yet back over what it copied: a refresh never makes the door forget an admission.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from eventdesk.db import Store
from eventdesk.services.door.effects import Effect
from eventdesk.services.stations.mirror_quota import QUOTA, SALES
from eventdesk.services.stations.mirror_schema import (
    CHECKIN_LIST,
    EVENT,
    LIST_ENTRY,
    MIRROR,
    MIRROR_FILE,
    MIRROR_VERSION,
    NOTICE_KEY,
    OUTBOX,
    PRIVATE,
    SCAN_LOG,
    SCAN_LOG_VIEW,
    SESSION_CHECKIN,
    STATE,
    TICKET,
    WAITING_FROM,
    waiting,
)


class Mirror:
    """The mirror of one station (``DATA_DIR/mirror.db``), made on first use: encrypted with
    ``key`` (services.stations.copy_key); None only for a file read as it is (the plain copy of
    an earlier version, and the benchmark's side without encryption)."""

    def __init__(self, data_dir: Path, key: bytes | None) -> None:
        self.path = Path(data_dir) / MIRROR_FILE
        private_file(self.path)
        self.encrypted = key is not None
        self.store = Store(f"sqlite:///{self.path}", key=key)
        if self._current():
            return  # the usual case: opened as it is, nothing written
        with self.store.write() as session:  # made once: no need to wait for the disk
            conn = session.connection()
            found = set(
                conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
            )
            version = (
                conn.execute(select(STATE.c.value).where(STATE.c.key == "version")).scalar()
                if STATE.name in found
                else None
            )
            if version != MIRROR_VERSION:  # new, or of another version: copied again
                for table in (*reversed(MIRROR.sorted_tables), QUOTA):
                    if table is not OUTBOX and table.name in found:
                        table.drop(conn)
                if SCAN_LOG.name in found:  # a table before version 17: its rows are the outbox's
                    conn.execute(text(f"DROP TABLE {SCAN_LOG.name}"))
                # before version 17, and version 17's (version 18 reads what waits from a mark)
                for index in ("ix_outbox_state", "ix_outbox_ticket", "ix_outbox_waiting"):
                    conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
            MIRROR.create_all(conn)
            if not conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = :name"),
                {"name": SCAN_LOG.name},
            ).first():
                conn.execute(text(SCAN_LOG_VIEW))
            SALES.create_all(conn)  # the quotas and the sales made offline from them
            if version != MIRROR_VERSION:
                conn.execute(insert(STATE), {"key": "version", "value": MIRROR_VERSION})

    def _current(self) -> bool:
        """The file is a mirror of this version already."""
        if not self.path.exists():
            return False
        with self.store.read() as session:
            conn = session.connection()
            if not conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mirror_state'")
            ).first():
                return False
            return self.get(conn, "version") == MIRROR_VERSION

    def close(self) -> None:
        self.store.dispose()

    # --- what it holds --------------------------------------------------------------------
    def get(self, conn: Connection, key: str) -> str | None:
        return conn.execute(select(STATE.c.value).where(STATE.c.key == key)).scalar()

    @staticmethod
    def put(conn: Connection, key: str, value: str | None) -> None:
        statement = sqlite_insert(STATE).values(key=key, value=value)
        conn.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    def status(self) -> MirrorStatus:
        with self.store.read() as session:
            conn = session.connection()
            values: dict[str, str | None] = {
                key: value for key, value in conn.execute(select(STATE.c.key, STATE.c.value))
            }
            states: dict[str, int] = {
                state: count
                for state, count in conn.execute(
                    select(OUTBOX.c.state, func.count()).where(waiting()).group_by(OUTBOX.c.state)
                )
            }
            tickets = conn.execute(select(func.count()).select_from(TICKET)).scalar() or 0
        updated = values.get("refreshed_at")
        return MirrorStatus(
            updated_at=datetime.fromisoformat(updated) if updated else None,
            tickets=int(tickets),
            pending=int(states.get("pending", 0)),
            refused=int(states.get("refused", 0)),
            server=values.get("server"),
            notice=values.get(NOTICE_KEY),
        )

    def refreshed_at(self) -> datetime | None:
        """When the copy was last refreshed from the server (None: never)."""
        with self.store.read() as session:
            found = self.get(session.connection(), "refreshed_at")
        return datetime.fromisoformat(found) if found else None

    def pending(self) -> int:
        with self.store.read() as session:
            found = session.execute(
                select(func.count())
                .select_from(OUTBOX)
                .where(waiting(), OUTBOX.c.state == "pending")
            ).scalar()
        return int(found or 0)

    def has_copy(self) -> bool:
        with self.store.read() as session:
            return (
                session.execute(select(STATE.c.value).where(STATE.c.key == "mark")).scalar()
                is not None
            )

    # --- what this station did --------------------------------------------------------------
    def remember(self, effect: Effect, ticket_id: str | None, **row: Any) -> None:
        """An admission (or exit, undo) decided online: kept here too, so that the door still
        knows it when the server goes away before the next refresh. Not a durable write: the
        server has it, and the next refresh brings it back after a crash."""
        if ticket_id is None or effect is Effect.NONE:
            return
        with self.store.write() as session:
            apply_local(session.connection(), effect, ticket_id, **row)


def private_file(path: Path) -> None:
    """``path`` is 0600 whatever the process's umask (it holds names and PIN hashes): made so
    when new (SQLite gives its WAL and shared-memory files the same mode), tightened when
    looser."""
    if os.name == "nt":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    with contextlib.suppress(OSError):  # not ours to change: the station still runs
        for each in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
            if each.exists() and stat.S_IMODE(each.stat().st_mode) & ~PRIVATE:
                os.chmod(each, PRIVATE)


@dataclass(frozen=True)
class MirrorStatus:
    updated_at: datetime | None
    tickets: int
    pending: int
    refused: int
    server: str | None
    notice: str | None = None  # the last time a mirror here was moved aside, and why


def apply_local(
    conn: Connection,
    effect: Effect | str,
    ticket_id: str,
    *,
    at: datetime,
    station: str,
    session_id: int | None = None,
    **row: Any,
) -> None:
    """What a decision did to a ticket, done to the mirror's copy of it."""
    t, sc = TICKET, SESSION_CHECKIN
    done = Effect(effect)
    match done:
        case Effect.ADMIT:
            conn.execute(
                update(t)
                .where(t.c.id == ticket_id, t.c.checked_in_at.is_(None))
                .values(checked_in_at=at, checked_in_station=station)
            )
            conn.execute(update(t).where(t.c.id == ticket_id).values(inside=True))
        case Effect.READMIT:
            conn.execute(update(t).where(t.c.id == ticket_id).values(inside=True))
        case Effect.LEAVE:
            conn.execute(update(t).where(t.c.id == ticket_id).values(inside=False))
        case Effect.SESSION if session_id is not None:
            conn.execute(
                sqlite_insert(sc)
                .values(
                    ticket_id=ticket_id, session_id=session_id, checked_in_at=at, station=station
                )
                .on_conflict_do_nothing()
            )
        case Effect.LIST | Effect.LIST_IN | Effect.LIST_OUT:
            apply_list(conn, done, ticket_id, at=at, station=station, **row)
        case Effect.UNDO if session_id is None:
            conn.execute(
                update(t)
                .where(t.c.id == ticket_id)
                .values(checked_in_at=None, checked_in_station=None, inside=False)
            )
        case Effect.UNDO:
            conn.execute(
                delete(sc).where(sc.c.ticket_id == ticket_id, sc.c.session_id == session_id)
            )


def list_of_answer(conn: Connection, answer: str | None) -> tuple[int, str] | None:
    """The list and day a decision's answer (its JSON) names, as the mirror knows them."""
    if not answer:
        return None
    data = json.loads(answer)
    if data.get("list_day") is None or not data.get("list"):
        return None
    found = conn.execute(
        select(CHECKIN_LIST.c.id)
        .select_from(CHECKIN_LIST.join(EVENT, EVENT.c.id == CHECKIN_LIST.c.event_id))
        .where(EVENT.c.slug == data.get("event"), CHECKIN_LIST.c.slug == data["list"])
    ).scalar()
    return None if found is None else (int(found), str(data["list_day"]))


def apply_list(
    conn: Connection, effect: Effect, ticket_id: str, *, at: datetime, station: str, **row: Any
) -> None:
    """A list's admission, re-entry or exit, done to the mirror's copy of its entries."""
    found = list_of_answer(conn, row.get("answer"))
    if found is None:
        return
    list_id, day = found
    e = LIST_ENTRY
    key = (e.c.list_id == list_id, e.c.ticket_id == ticket_id, e.c.day == day)
    if effect is Effect.LIST:
        conn.execute(
            sqlite_insert(e)
            .values(
                list_id=list_id,
                ticket_id=ticket_id,
                day=day,
                first_at=at,
                station=station,
                last_at=at,
                entries=1,
                inside=True,
            )
            .on_conflict_do_nothing()
        )
    elif effect is Effect.LIST_IN:
        decided = datetime.fromisoformat(json.loads(row["answer"])["at"])
        conn.execute(
            update(e).where(*key).values(inside=True, entries=e.c.entries + 1, last_at=decided)
        )
    else:
        conn.execute(update(e).where(*key).values(inside=False))


def reapply(conn: Connection, ticket_ids: Sequence[str] | None) -> None:
    """This station's scans not uploaded yet, done again over a copy just refreshed (of
    ``ticket_ids``, or of every ticket)."""
    query = (
        select(OUTBOX)
        .where(waiting(), OUTBOX.c.state == "pending", OUTBOX.c.effect != Effect.NONE.value)
        .order_by(OUTBOX.c.seq)
    )
    if ticket_ids is not None:
        query = query.where(OUTBOX.c.ticket_id.in_(ticket_ids))
    for row in conn.execute(query).mappings():
        apply_local(conn, row["effect"], row["ticket_id"], **row)


def settle_outbox(conn: Connection) -> None:
    """The outbox's mark moved to its first row not done (waiting, refused or set apart), or
    past its last row when every row is done: in the transaction that finished rows (an upload)
    or removed some (a refused row cleared). A row written later is numbered after every row
    there, so it is never before the mark."""
    first = conn.execute(
        select(func.min(OUTBOX.c.seq)).where(waiting(), OUTBOX.c.state != "done")
    ).scalar()
    if first is None:
        first = (conn.execute(select(func.max(OUTBOX.c.seq))).scalar() or 0) + 1
    conn.execute(
        sqlite_insert(STATE)
        .values(key=WAITING_FROM, value=str(first))
        .on_conflict_do_update(index_elements=[STATE.c.key], set_={"value": str(first)})
    )

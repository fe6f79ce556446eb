"""Uploading a station's offline scans: in order, idempotent, nothing dropped.

Each batch of the outbox is one server transaction. A scan whose nonce the server already has
(an upload that was cut off after its commit, or an online try that committed after the
station gave up waiting) is not applied again; the rest go into the scan log with their own
time, station and operator, marked ``offline``, and do to the ticket what they did at the door.
An admission the server cannot apply as it was decided (another station admitted the ticket
meanwhile, or it was cancelled) is kept as decided in the scan log and stored as a conflict
naming both stations and times. A row the server refuses for any other reason is kept in the
outbox as ``refused`` with the reason, and reported by ``sync`` and ``station status``.
Wrong staff PINs counted offline go up with the outbox (``mirror_staff.upload_locks``): a
lockout made offline reaches the server, never lowering the server's own.

Admissions are applied many at a time (one pipelined statement per batch, then one read of
who holds each ticket), so that ten thousand queued scans upload in about the time of
inserting them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from eventdesk.db import Store
from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, _
from eventdesk.models import (
    ScanConflict,
    ScanLog,
    SyncReceipt,
    Ticket,
    TransactionLog,
)
from eventdesk.outage import describe, is_outage, over_upload_bound
from eventdesk.services.door.checkin_sql import ADMIT_STATEMENT
from eventdesk.services.door.effects import Effect
from eventdesk.services.door.ledger import StoreLedger
from eventdesk.services.stations.mirror import Mirror, settle_outbox
from eventdesk.services.stations.mirror_schema import OUTBOX, waiting
from eventdesk.services.stations.mirror_staff import upload_locks
from eventdesk.services.stations.refusals import record_refusals
from eventdesk.services.stations.replay import replay, replay_late
from eventdesk.services.stations.sync_api import apply_on_server
from eventdesk.services.stations.sync_rows import (
    HOLDER,
    already,
    conflict_row,
)
from eventdesk.station_api import UPLOAD_BOUND
from eventdesk.values import utcnow

BATCH = 1000

_t = cast(Table, Ticket.__table__)
_log = cast(Table, ScanLog.__table__)
_conflict = cast(Table, ScanConflict.__table__)
_receipt = cast(Table, SyncReceipt.__table__)
_tx = cast(Table, TransactionLog.__table__)


# TRANSLATORS: said after a sync; {count} is how many rows a minute the server takes
UPLOAD_BOUND_SAID = N_(
    "the server takes at most {count} uploaded rows a minute from a station: the rest waits "
    "for the next minute"
)


@dataclass
class Uploaded:
    """One upload: rows the server took, the conflicts among them, rows it refused."""

    uploaded: int = 0
    conflicts: int = 0
    refused: int = 0
    problems: list[str] = field(default_factory=list)
    locks: int = 0  # accounts whose wrong PINs counted offline reached the server
    later: bool = False  # the server's bound a minute was reached: the rest waits


def upload(
    server: Store,
    mirror: Mirror,
    *,
    batch: int = BATCH,
    lock: AbstractContextManager[Any] | None = None,
    only: Sequence[int] | None = None,
    into: Uploaded | None = None,
    acting: Acting | None = None,
) -> Uploaded:
    """Send every pending outbox row to the server, oldest first (``only``: just those rows,
    a scan's own ticket's, before the scan is decided online). A server that stops answering
    raises (what was sent and committed is marked, and counted ``into`` a report the caller
    holds; the rest stays pending). ``lock`` is held for each batch: one upload at a time in a
    process, a scan's own between two batches. ``acting``: an organizer's login uploading as
    that station (its name and kind), through that station's own checks on the server."""
    report = into if into is not None else Uploaded()
    if only is None:
        try:
            report.locks += upload_locks(server, mirror)
        except Exception as exc:
            if is_outage(exc):
                raise
            if not isinstance(exc, DBAPIError | EventdeskError):
                raise
            report.problems.append(
                _("wrong PINs counted offline not uploaded: {problem}").format(
                    problem=describe(exc)
                )
            )
    while True:
        with lock or nullcontext():
            if not _upload_batch(server, mirror, report, batch, only, acting):
                return report


def _upload_batch(
    server: Store,
    mirror: Mirror,
    report: Uploaded,
    batch: int,
    only: Sequence[int] | None,
    acting: Acting | None = None,
) -> bool:
    """One batch of pending rows sent, and marked: False when there was none left."""
    wanted = select(OUTBOX).where(waiting(), OUTBOX.c.state == "pending")
    if only is not None:
        wanted = wanted.where(OUTBOX.c.seq.in_(only))
    with mirror.store.read() as session:
        rows = [
            dict(row)
            for row in session.connection()
            .execute(wanted.order_by(OUTBOX.c.seq).limit(batch))
            .mappings()
        ]
    if not rows:
        return False
    try:
        with _upload_conn(server, acting) as conn:
            conflicts = _apply(conn, rows, server, acting)
        refused: dict[int, str] = {}
        sent = len(rows)
    except Exception as exc:
        if is_outage(exc):
            raise
        # Something in the batch is refused: one row at a time, to keep the rest (up to the
        # server's bound a minute: the rest waits).
        conflicts, refused, sent = _one_by_one(server, rows, acting)
        record_refusals(server, rows, refused)  # named by `report conflicts` anywhere
        if sent < len(rows):
            report.problems.append(_(UPLOAD_BOUND_SAID).format(count=UPLOAD_BOUND))
            report.later = True
    now = utcnow()
    rows = rows[:sent]
    with mirror.store.write_conn() as conn:
        done = [row["seq"] for row in rows if row["seq"] not in refused]
        if done:
            conn.execute(
                update(OUTBOX).where(OUTBOX.c.seq.in_(done)).values(state="done", uploaded_at=now)
            )
        for seq, why in refused.items():
            conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.seq == seq)
                .values(state="refused", problem=why[:400], uploaded_at=now)
            )
        settle_outbox(conn)
    report.uploaded += len(done)
    report.conflicts += conflicts
    report.refused += len(refused)
    report.problems.extend(refused.values())
    return not report.later


@dataclass(frozen=True)
class Applied:
    """Rows applied by ``apply_rows``: the conflicts among them, and the rows the server
    refused (by seq, with why)."""

    conflicts: int
    refused: dict[int, str]


def apply_rows(server: Store, rows: Sequence[dict[str, Any]]) -> Applied:
    """Rows of an outbox's shape made elsewhere (ticks from a paper door list,
    services.stations.paper_ticks) applied as an upload applies a station's: idempotent by
    their nonces, conflicts stored. A row the server refuses (a station's own login: its
    functions check each) is refused alone, the rest applied; rows past the server's bound a
    minute are refused, saying so (sent again later, they are taken then)."""
    try:
        with _upload_conn(server) as conn:
            return Applied(_apply(conn, rows, server), {})
    except Exception as exc:
        if is_outage(exc):
            raise
    conflicts, refused, sent = _one_by_one(server, list(rows))
    later = _(UPLOAD_BOUND_SAID).format(count=UPLOAD_BOUND)
    refused.update({row["seq"]: later for row in rows[sent:]})
    return Applied(conflicts, refused)


Acting = tuple[str, str]  # an organizer's login uploading as this station, of this kind


def _upload_conn(server: Store, acting: Acting | None = None) -> AbstractContextManager[Connection]:
    """Where a batch is applied: the organizer's login in one transaction; a station's own
    login statement by statement, each committed by the server alone
    (services.stations.sync_api); an organizer's acting as a station, as that station's."""
    if acting is not None:
        return acting_as(server, *acting)
    return server.each_statement() if server.station_login() is not None else server.write_conn()


ACTING = text(
    "SELECT set_config('eventdesk.acting_station', :station, false), "
    "set_config('eventdesk.acting_kind', :kind, false)"
)


@contextmanager
def acting_as(server: Store, station: str, kind: str) -> Iterator[Connection]:
    """A connection of the organizer's login on which the server's functions take it for
    ``station`` (a login of ``kind``), statement by statement (migration 0029: honoured for
    the database's owners alone), given back as the organizer's."""
    with server.each_statement() as conn:
        conn.execute(ACTING, {"station": station, "kind": kind})
        try:
            yield conn
        finally:
            try:
                conn.execute(ACTING, {"station": "", "kind": ""})
            except DBAPIError:
                conn.invalidate()  # never back in the pool as another station


def _one_by_one(
    server: Store, rows: list[dict[str, Any]], acting: Acting | None = None
) -> tuple[int, dict[int, str], int]:
    """Each row alone: the conflicts, the rows refused (by seq, with why), and how many rows
    were sent before the server's bound a minute stopped the rest."""
    conflicts = 0
    refused: dict[int, str] = {}
    for index, row in enumerate(rows):
        try:
            with _upload_conn(server, acting) as conn:
                conflicts += _apply(conn, [row], server, acting)
        except Exception as exc:
            if is_outage(exc):
                raise
            if over_upload_bound(exc):
                return conflicts, refused, index
            if not isinstance(exc, DBAPIError | EventdeskError | ValueError):
                raise
            refused[row["seq"]] = _("refused by the server: {problem}").format(
                problem=describe(exc)
            )
    return conflicts, refused, len(rows)


def _apply(
    conn: Connection, rows: Sequence[dict[str, Any]], server: Store, acting: Acting | None = None
) -> int:
    """Apply outbox rows in order within one transaction; the number of conflicts. A station's
    own login (or an organizer's acting as a station) applies them through the server's
    functions (services.stations.sync_api)."""
    if server.station_login() is not None or acting is not None:
        return apply_on_server(conn, rows)
    ledger = StoreLedger(server.dialect)  # the organizer's login writes the tables
    there = already(conn, rows)
    known = there.known
    conflicts: list[dict[str, Any]] = []
    for row, answer in there.late:
        found = replay_late(conn, row, answer, ledger)
        if found is not None:
            conflicts.append(found)
    fresh = [row for row in rows if row["nonce"] not in known]
    if not fresh:
        if conflicts:
            now = utcnow()
            conn.execute(insert(_conflict), [{**c, "recorded_at": now} for c in conflicts])
        return len(conflicts)
    admits: dict[str, dict[str, Any]] = {}  # a run of first admissions, one per ticket

    def flush() -> None:
        if admits:
            conflicts.extend(_admit_many(conn, list(admits.values())))
            admits.clear()

    for row in fresh:
        effect, ticket = Effect(row["effect"]), row["ticket_id"]
        if effect is Effect.NONE or ticket is None:
            continue
        if effect is Effect.ADMIT and ticket not in admits:
            admits[ticket] = row
            continue
        flush()
        if effect is Effect.ADMIT:
            admits[ticket] = row
        else:
            found = replay(conn, row, ledger)
            if found is not None:
                conflicts.append(found)
    flush()
    scans = [row for row in fresh if row["kind"] == "scan"]
    if scans:
        conn.execute(insert(_log), [_log_row(row) for row in scans])
    overrides = [row for row in scans if _override_of(row) is not None]
    if overrides:  # each its transaction-log row, as the server's own functions write it
        conn.execute(insert(_tx), [_override_row(conn, row) for row in overrides])
    undos = [row for row in fresh if row["kind"] == "undo"]
    if undos:
        now = utcnow()
        conn.execute(
            insert(_receipt),
            [
                {"nonce": r["nonce"], "station": r["station"], "at": r["at"], "recorded_at": now}
                for r in undos
            ],
        )
    if conflicts:
        now = utcnow()
        conn.execute(insert(_conflict), [{**c, "recorded_at": now} for c in conflicts])
    return len(conflicts)


def _override_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """The override an admission decided offline carries in its answer (who, why, what was
    refused), or None."""
    if row["result"] != "ok" or not row["answer"]:
        return None
    try:
        said = json.loads(row["answer"])
    except ValueError:
        return None
    found = said.get("override") if isinstance(said, dict) else None
    return found if isinstance(found, dict) else None


def _override_row(conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
    """An override decided offline in the transaction log: checked by the station against its
    copy, not by the server (``verified`` false)."""
    mark = _override_of(row) or {}
    event = conn.execute(select(_t.c.event_id).where(_t.c.id == row["ticket_id"])).scalar()
    return {
        "at": row["at"],
        "kind": "override",
        "event_id": event if event is not None else row["event_id"],
        "ticket_id": row["ticket_id"],
        "station": row["station"],
        "detail": json.dumps(
            {
                "by": mark.get("by"),
                "reason": mark.get("reason"),
                "refused": mark.get("refused"),
                "rule": mark.get("rule"),
                "operator": row["operator"],
                "offline": True,
                "verified": False,
                "nonce": row["nonce"],
            },
            sort_keys=True,
        ),
    }


def _log_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": row["at"],
        "station": row["station"],
        "operator": row["operator"],
        "event_id": row["event_id"],
        "session_id": row["session_id"],
        "ticket_id": row["ticket_id"],
        "direction": row["direction"],
        "payload": row["payload"],
        "result": row["result"],
        "nonce": row["nonce"],
        "answer": row["answer"],
        "offline": True,
    }


def _admit_many(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """First admissions, all at once (each as the door's compare-and-set), then who holds each
    ticket now: this station at its time, or a conflict."""
    conn.execute(
        ADMIT_STATEMENT,
        [{"b_id": r["ticket_id"], "b_now": r["at"], "b_station": r["station"]} for r in rows],
    )
    holders = {
        row.id: row
        for row in conn.execute(HOLDER.where(_t.c.id.in_([r["ticket_id"] for r in rows])))
    }
    conflicts = []
    for row in rows:
        held = holders.get(row["ticket_id"])
        if held is None:
            continue  # a ticket the server no longer has: the scan log keeps the scan
        if held.checked_in_station == row["station"] and held.checked_in_at == row["at"]:
            continue
        conflicts.append(conflict_row(conn, row, held))
    return conflicts

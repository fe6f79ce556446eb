"""Badges printed while the server was away: the station's own print queue in its mirror.

A check-in decided offline (``services.stations.station_door.MirrorCheckin``) queues its badge in
the mirror's ``print_job`` table, in the decision's own transaction, as an online check-in queues it
on the server. The station's printer worker prints it from the copy (``badges.badge_from_copy``)
with the same claim, retry and finish as the server's queue (``services.door.printing`` runs on
either store). Once a job is done or has failed, its row goes to the server's print log, once: the
server's ``print-queue`` then lists it beside the jobs it queued itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, exists, insert, literal, select, text, update

from eventdesk.db import Store
from eventdesk.errors import NotAllowed, NotFound
from eventdesk.i18n import _
from eventdesk.models import PrintJob, Ticket, UTCDateTime
from eventdesk.services.door.printing import enqueue_in
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_schema import PRINT_JOB, TICKET
from eventdesk.values import utcnow

FINISHED = ("done", "failed")
_SERVER_JOBS = cast(Table, PrintJob.__table__)
_SERVER_TICKETS = cast(Table, Ticket.__table__)
_UPLOADED = (
    "ticket_id",
    "printer",
    "reason",
    "state",
    "attempts",
    "last_error",
    "station",
    "created_at",
    "updated_at",
    "claimed_by",
)


@dataclass(frozen=True)
class PrintsUploaded:
    uploaded: int  # rows the server's print log has now
    skipped: int  # rows of tickets the server no longer has (kept here, not sent again)


def queue_in_copy(
    mirror: Mirror, ticket_id: str, printer: str, *, station: str, reason: str = "reprint"
) -> int:
    """Queue a badge in the station's own queue (a reprint at the desk while the server is
    away); returns the job's id there."""
    wanted = ticket_id.strip().upper()
    with mirror.store.write_conn() as conn:
        status = conn.execute(select(TICKET.c.status).where(TICKET.c.id == wanted)).scalar()
        if status is None:
            raise NotFound(
                _("ticket {ticket} is not in this station's copy").format(ticket=ticket_id),
                field="ticket",
            )
        if status != "registered":
            raise NotAllowed(
                _("ticket {ticket} is {status}: no badge to print").format(
                    ticket=wanted, status=status
                )
            )
        return enqueue_in(conn, wanted, printer, reason=reason, station=station, now=utcnow())


def waiting_prints(mirror: Mirror) -> int:
    """Badges queued offline and not printed yet."""
    with mirror.store.read() as session:
        return len(
            session.execute(select(PRINT_JOB.c.id).where(PRINT_JOB.c.state.not_in(FINISHED))).all()
        )


def upload_prints(server: Store, mirror: Mirror) -> PrintsUploaded:
    """Send the finished offline print jobs to the server's print log. A job already there (the
    same ticket, station and queue time: a round cut off after the server's commit) is not
    written twice."""
    with mirror.store.read() as session:
        rows = [
            dict(row)
            for row in session.execute(
                select(PRINT_JOB).where(
                    PRINT_JOB.c.state.in_(FINISHED), PRINT_JOB.c.uploaded_at.is_(None)
                )
            ).mappings()
        ]
    if not rows:
        return PrintsUploaded(0, 0)
    uploaded = skipped = 0
    jobs, tickets = _SERVER_JOBS, _SERVER_TICKETS
    # Each job a statement the server completes alone (taken once: the same job again changes
    # nothing), so that no row is held while an answer crosses the link.
    if server.station_login() is not None:  # its own login: the server's function writes it
        with server.each_statement() as conn:
            for row in rows:
                done = conn.execute(_PRINTED_OFFLINE, {k: row[k] for k in _PRINTED_KEYS})
                if done.scalar_one() == 1:
                    uploaded += 1
                elif not conn.execute(
                    select(exists().where(tickets.c.id == row["ticket_id"]))
                ).scalar():
                    skipped += 1
        _mark_uploaded(mirror, rows)
        return PrintsUploaded(uploaded, skipped)
    with server.each_statement() as conn:
        for row in rows:
            there = exists().where(
                jobs.c.ticket_id == row["ticket_id"],
                jobs.c.station == row["station"],
                jobs.c.created_at == row["created_at"],
            )
            ticket_known = exists().where(tickets.c.id == row["ticket_id"])
            values: list[Any] = [literal(row[name], jobs.c[name].type) for name in _UPLOADED]
            done = conn.execute(
                insert(jobs).from_select(
                    list(_UPLOADED), select(*values).where(and_(ticket_known, ~there))
                )
            )
            if done.rowcount == 1:
                uploaded += 1
            elif not conn.execute(select(ticket_known)).scalar():
                skipped += 1
    _mark_uploaded(mirror, rows)
    return PrintsUploaded(uploaded, skipped)


def _mark_uploaded(mirror: Mirror, rows: list[dict[str, Any]]) -> None:
    now = utcnow()
    with mirror.store.write_conn() as conn:
        conn.execute(
            update(PRINT_JOB)
            .where(PRINT_JOB.c.id.in_([row["id"] for row in rows]))
            .values(uploaded_at=now)
        )


_PRINTED_KEYS = (
    "station",
    "ticket_id",
    "printer",
    "reason",
    "state",
    "attempts",
    "last_error",
    "created_at",
    "updated_at",
)
_PRINTED_OFFLINE = text(
    "SELECT station_api.printed_offline(:station, :ticket_id, :printer, :reason, :state, "
    ":attempts, :last_error, :created_at, :updated_at)"
).bindparams(
    bindparam("created_at", type_=UTCDateTime()), bindparam("updated_at", type_=UTCDateTime())
)

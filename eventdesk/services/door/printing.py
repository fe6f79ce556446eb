"""The print queue, kept in the database. Check-in only adds a row; a printer worker (devices/)
takes jobs one at a time with a compare-and-set, so two workers never print the same badge, and
a job whose worker died goes back to the queue.

Times that stations compare are the database's: a claim is stamped with the database's clock
and judged stale by it, so a station whose own clock is wrong neither takes over a job another
station is printing nor has its own taken. A job that cannot print now (printer off, paper out)
waits and is tried again with capped backoff, for as long as it takes; only a job that cannot
get better (no such printer, a badge that cannot be made) fails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed, NotFound
from eventdesk.i18n import _
from eventdesk.models import JobState, PrintJob
from eventdesk.services.common import get_ticket, log
from eventdesk.values import utcnow

STATES = ("queued", "printing", "done", "failed")
# A worker that held a job this long (by the database's clock) is gone: far longer than a
# printer's timeouts can make one try last.
STALE_CLAIM = timedelta(minutes=10)
# Between tries while a printer is offline or needs a person: 2 s, doubling, at most 60 s; never
# a last try. A printer back on, or with paper loaded, prints within a minute.
FIRST_RETRY = timedelta(seconds=2)
LONGEST_RETRY = timedelta(seconds=60)


def retry_delay(attempts: int) -> timedelta:
    """The wait after a job's ``attempts``-th try could not print."""
    return min(LONGEST_RETRY, FIRST_RETRY * (1 << min(max(attempts - 1, 0), 10)))


def database_now(session: Session) -> datetime:
    """The database's clock (UTC): the one every station of a shared queue agrees on."""
    if session.get_bind().dialect.name == "sqlite":  # in this process: the machine's clock
        text = session.execute(select(func.strftime("%Y-%m-%d %H:%M:%f", "now"))).scalar_one()
        return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)
    moment: datetime = session.execute(select(func.statement_timestamp())).scalar_one()
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class PrintJobInfo:
    id: int
    ticket_id: str
    printer: str
    reason: str
    state: JobState
    attempts: int
    last_error: str | None
    station: str | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None


def _info(row: PrintJob) -> PrintJobInfo:
    return PrintJobInfo(
        row.id,
        row.ticket_id,
        row.printer,
        row.reason,
        row.state,
        row.attempts,
        row.last_error,
        row.station,
        row.created_at,
        row.updated_at,
        row.next_attempt_at,
    )


_jobs = cast(Table, PrintJob.__table__)


def enqueue_in(
    conn: Connection | Session,
    ticket_id: str,
    printer: str,
    *,
    reason: str,
    station: str | None,
    now: datetime,
) -> int:
    """Add a job inside the caller's transaction (a check-in's own); returns its id."""
    return int(
        conn.execute(
            insert(_jobs)
            .values(
                ticket_id=ticket_id,
                printer=printer,
                reason=reason,
                state="queued",
                attempts=0,
                station=station,
                created_at=now,
                updated_at=now,
            )
            .returning(_jobs.c.id)
        ).scalar_one()
    )


def enqueue(
    store: Store,
    ticket_id: str,
    printer: str,
    *,
    reason: str = "reprint",
    station: str | None = None,
) -> PrintJobInfo:
    """Queue a badge (a reprint is always an explicit call of this)."""
    if not printer.strip():
        raise InvalidInput(_("printer is required"), field="printer")
    now = utcnow()
    with store.write() as session:
        ticket = get_ticket(session, ticket_id)
        if ticket.status != "registered":
            raise NotAllowed(
                # TRANSLATORS: {status} is the ticket's status: cancelled, waitlisted...
                _("ticket {ticket} is {status}: no badge to print").format(
                    ticket=ticket.id, status=ticket.status
                )
            )
        job_id = enqueue_in(session, ticket.id, printer, reason=reason, station=station, now=now)
        log(
            session,
            "badge_queued",
            at=now,
            event_id=ticket.event_id,
            ticket_id=ticket.id,
            attendee_id=ticket.attendee_id,
            station=station,
            printer=printer,
            reason=reason,
            job=job_id,
        )
        job = session.get(PrintJob, job_id)
        assert job is not None
        return _info(job)


def claim_next(
    store: Store,
    *,
    worker: str,
    shared: tuple[str, ...] = (),
    local: tuple[str, ...] = (),
    now: datetime | None = None,
    job_id: int | None = None,
    exclude: frozenset[int] = frozenset(),
) -> PrintJobInfo | None:
    """Take the oldest due job for a shared printer, or for one of this station's own printers
    that this station queued (a folder or USB printer of the same name elsewhere is not ours).

    ``now`` is the queue's clock for which jobs are due (by default the database's); whether a
    claim is stale is always judged by the database's clock, whatever ``now`` says."""
    with store.write() as session:
        clock = database_now(session)
        moment = now or clock
        session.execute(  # jobs whose worker vanished mid-print go back to the queue
            update(PrintJob)
            .where(PrintJob.state == "printing", PrintJob.updated_at < clock - STALE_CLAIM)
            .values(state="queued", updated_at=clock, last_error="the printing station stopped")
        )
        query = (
            select(PrintJob.id)
            .where(
                PrintJob.state == "queued",
                or_(
                    PrintJob.printer.in_(shared),
                    and_(PrintJob.printer.in_(local), PrintJob.station == worker),
                ),
                or_(PrintJob.next_attempt_at.is_(None), PrintJob.next_attempt_at <= moment),
            )
            .order_by(PrintJob.id)
            .limit(5)
        )
        if job_id is not None:
            query = query.where(PrintJob.id == job_id)
        if exclude:
            query = query.where(PrintJob.id.not_in(exclude))
        for candidate in session.scalars(query).all():
            taken = session.execute(
                update(PrintJob)
                .where(PrintJob.id == candidate, PrintJob.state == "queued")
                .values(
                    state="printing",
                    attempts=PrintJob.attempts + 1,
                    claimed_by=worker,
                    updated_at=clock,  # the claim's time, by the database's clock
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) == 1:
                row = session.get(PrintJob, candidate)
                assert row is not None
                session.refresh(row)
                return _info(row)
    return None


def finish(
    store: Store,
    job_id: int,
    *,
    worker: str,
    error: str | None = None,
    retry: bool = False,
    now: datetime | None = None,
) -> PrintJobInfo:
    """Done; or failed (kept, can be retried); or back in the queue for a later try (``retry``:
    the printer is offline or needs a person; it waits as long as it takes, see retry_delay).
    Only the worker holding the job may say so: a job another station took over is left to it.
    ``now`` is the queue's clock the next try is counted from (by default the database's)."""
    with store.write() as session:
        clock = database_now(session)
        row = session.get(PrintJob, job_id, with_for_update=True)
        if row is None:
            raise NotFound(_("no print job {job}").format(job=job_id), field="job")
        if row.state != "printing" or row.claimed_by != worker:
            return _info(row)
        row.updated_at = clock
        row.last_error = error[:400] if error else None
        if error is None:
            row.state, row.next_attempt_at = "done", None
        elif retry:
            row.state = "queued"
            row.next_attempt_at = (now or clock) + retry_delay(row.attempts)
        else:
            row.state, row.next_attempt_at = "failed", None
        return _info(row)


def retry_failed(store: Store, *, printer: str | None = None) -> int:
    """Put failed jobs back in the queue, due at once. Returns how many."""
    now = utcnow()
    with store.write() as session:
        query = update(PrintJob).where(PrintJob.state == "failed")
        if printer:
            query = query.where(PrintJob.printer == printer)
        done = session.execute(
            query.values(
                state="queued", next_attempt_at=None, updated_at=now, attempts=0
            ).execution_options(synchronize_session=False)
        )
        return int(getattr(done, "rowcount", 0) or 0)


def latest_job(store: Store, ticket_id: str, station: str) -> PrintJobInfo | None:
    """The newest job this station queued for a ticket (what a check-in just added)."""
    with store.read() as session:
        row = session.scalars(
            select(PrintJob)
            .where(PrintJob.ticket_id == ticket_id, PrintJob.station == station)
            .order_by(PrintJob.id.desc())
            .limit(1)
        ).first()
        return _info(row) if row else None


def list_jobs(store: Store, *, state: str | None = None, limit: int = 50) -> list[PrintJobInfo]:
    if state is not None and state not in STATES:
        raise InvalidInput(
            _("state must be one of {choices}").format(choices=", ".join(STATES)), field="state"
        )
    with store.read() as session:
        query = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
        if state:
            query = query.where(PrintJob.state == state)
        return [_info(r) for r in session.scalars(query)]


def get_job(store: Store, job_id: int) -> PrintJobInfo:
    with store.read() as session:
        row = session.get(PrintJob, job_id)
        if row is None:
            raise NotFound(_("no print job {job}").format(job=job_id), field="job")
        return _info(row)

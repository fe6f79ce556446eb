"""The printer worker: drains the print queue, never in the way of a check-in.

It takes one due job at a time (a compare-and-set claim, so several stations may share the queue),
renders the badge and sends it. A station on a server also prints the badges its check-ins queued
offline, from its mirror's own queue and copy (services.stations.mirror_prints), first and whether
or not the server answers. A job is done only when the printer took it (see devices.printers.send).
A printer that is offline, or needs a person (paper out, cover or head open), puts the job back for
a later try with capped backoff, for as long as it takes: it prints when the printer is back. Only
what cannot get better fails a job (no printer of that name on this station, a badge that cannot be
made), kept for `eventdesk print-queue --retry`. A name no font on this station draws prints in
Latin letters, and the job's outcome says so (``PrintOutcome.latin``). A folder's or a file
printer's badge files that nobody took are deleted once old (devices.badge_files): ``drain`` looks
after printing, the worker when it starts, every SWEEP_EVERY seconds and when it stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from badges import Badge, load_badge
from badges.badge import badge_from_copy
from badges.render import rendered
from devices.badge_files import SWEEP_EVERY, sweep_all
from devices.outage import Backoff, DatabaseState, Outage, describe, is_outage
from devices.printers import PrinterProblem, PrinterSpec, send
from eventdesk.db import Store
from eventdesk.errors import EventdeskError, NotFound
from eventdesk.i18n import _
from eventdesk.services.door import printing
from eventdesk.services.door.printing import PrintJobInfo
from eventdesk.services.stations.offline import Station


@dataclass(frozen=True)
class PrintOutcome:
    job: PrintJobInfo
    state: str  # done | queued (will retry) | failed
    detail: str  # where it went, or what is wrong
    render_ms: float = 0.0
    total_ms: float = 0.0
    # Printed, with words in Latin letters: what is said of them (no font on this station
    # draws them; the font that would), for the desk to tell (also in ``detail``).
    latin: tuple[str, ...] = ()


OutcomeCallback = Callable[[PrintOutcome], None]
BadgeLoader = Callable[[str], Badge]  # a ticket id -> its badge


@dataclass(frozen=True)
class Attempt:
    """How one try at printing a claimed job went, before it is recorded."""

    state: str | None  # done | failed | None: as the queue says (queued again)
    detail: str
    error: str | None = None
    retry: bool = False
    render_ms: float = 0.0
    started: float = 0.0  # time.perf_counter() when the try began
    latin: tuple[str, ...] = ()  # what is said of the badge's words printed in Latin letters


def attempt(
    store: Store,
    job: PrintJobInfo,
    printers: Mapping[str, PrinterSpec],
    load: BadgeLoader | None = None,
) -> Attempt:
    """Render and send one claimed job; nothing is recorded yet (see ``record``). The badge is
    read from ``store`` (or by ``load``: a station's copy)."""
    start = time.perf_counter()
    render_ms = 0.0
    spec = printers.get(job.printer)

    def tried(
        state: str | None, detail: str, *, error: str | None = None, retry: bool = False
    ) -> Attempt:
        return Attempt(state, detail, error, retry, render_ms, start)

    try:
        if spec is None:
            raise NotFound(
                _("no printer named {printer!r} on this station").format(printer=job.printer),
                field="printer",
            )
        badge = load(job.ticket_id) if load is not None else load_badge(store, job.ticket_id)
        data, latin = _rendered(badge, spec)
        render_ms = (time.perf_counter() - start) * 1000
        said = ""
        if spec.language == "ql":  # the tape, its printable width and the scale, said
            from badges.brother import ql_fitting

            said = "; " + ql_fitting(badge, spec.ql_model, spec.ql_label).said
        said += "".join(f"; {words}" for words in latin)  # in Latin letters, and why
        where = send(spec, data, label=f"{job.ticket_id}-{job.id}") + said
    except PrinterProblem as exc:  # offline, or needs a person: the job waits
        return tried(None, exc.message, error=exc.message, retry=True)
    except Exception as exc:
        if is_outage(exc) or isinstance(exc, SQLAlchemyError):
            # The database busy or away while loading the badge: the job waits.
            message = _("the database: {problem}").format(problem=describe(exc))
            return tried(None, message, error=message, retry=True)
        if isinstance(exc, EventdeskError):
            return tried("failed", exc.message, error=exc.message)
        # A bug in a renderer must not kill the worker or lose the job.
        message = f"{type(exc).__name__}: {exc}"
        return tried("failed", message, error=message)
    return replace(tried("done", where), latin=tuple(latin))


def _rendered(badge: Badge, spec: PrinterSpec) -> tuple[bytes, list[str]]:
    """The badge in the printer's language, and what is said of its words printed in Latin
    letters: a name no font on this station draws is never printed as empty boxes nor refused
    (badges.typeset): it prints in Latin letters, and the job's outcome says so, naming the
    font that would print it as written."""
    done = rendered(badge, spec.language, **spec.render_options)
    return done.data, done.latin


def record(
    store: Store,
    job: PrintJobInfo,
    tried: Attempt,
    *,
    worker: str,
    now: datetime | None = None,
) -> PrintOutcome:
    """Record how a try went (``now``: the queue's clock for the next try of a job that waits;
    by default the database's). Raises what the database does: nothing is lost by trying again."""
    done = printing.finish(
        store, job.id, worker=worker, error=tried.error, retry=tried.retry, now=now
    )
    return PrintOutcome(
        done,
        tried.state or done.state,
        tried.detail,
        tried.render_ms,
        (time.perf_counter() - tried.started) * 1000,
        tried.latin,
    )


def process(
    store: Store,
    job: PrintJobInfo,
    printers: Mapping[str, PrinterSpec],
    *,
    worker: str,
    now: datetime | None = None,
    load: BadgeLoader | None = None,
) -> PrintOutcome:
    """Print one claimed job and record how it went (``now``: the queue's clock for the next
    try of a job that waits; by default the database's)."""
    return record(store, job, attempt(store, job, printers, load), worker=worker, now=now)


def copy_loader(station: Station) -> BadgeLoader:
    """Badges read from ``station``'s copy (its mirror)."""
    return lambda ticket_id: badge_from_copy(station.mirror, ticket_id)


def split(printers: Mapping[str, PrinterSpec]) -> dict[str, tuple[str, ...]]:
    """The printers as claim_next takes them: shared ones, and this station's own."""
    return {
        "shared": tuple(n for n, p in printers.items() if p.shared),
        "local": tuple(n for n, p in printers.items() if not p.shared),
    }


def drain(
    store: Store,
    printers: Mapping[str, PrinterSpec],
    *,
    worker: str,
    job_id: int | None = None,
    limit: int = 100_000,
    now: datetime | None = None,
    load: BadgeLoader | None = None,
) -> list[PrintOutcome]:
    """Print every job due now (or just one) in this thread, trying each at most once.
    ``now`` is the queue's clock (due jobs, the next try's time); by default the database's.
    ``load`` reads the badges (by default from ``store``)."""
    outcomes: list[PrintOutcome] = []
    tried: set[int] = set()
    for _try in range(limit):
        job = printing.claim_next(
            store,
            worker=worker,
            job_id=job_id,
            now=now,
            exclude=frozenset(tried),
            **split(printers),
        )
        if job is None:
            break
        tried.add(job.id)
        outcomes.append(process(store, job, printers, worker=worker, now=now, load=load))
        if job_id is not None:
            break
    sweep_all(printers.values())
    return outcomes


class PrintWorker(threading.Thread):
    """Drains the queue in the background until stopped; reports each outcome.

    A database that does not answer while a job is claimed or recorded never stops it: that is
    said once (``on_database``), tried again with capped backoff, and said once when it is back.
    A job printed (or failed by the printer) while the database was away is recorded when it
    answers again, never printed twice for it.
    """

    def __init__(
        self,
        store: Store,
        printers: Mapping[str, PrinterSpec],
        *,
        station: str,
        on_outcome: OutcomeCallback | None = None,
        on_database: Callable[[DatabaseState], None] | None = None,
        poll: float = 0.25,
        backoff: Callable[[], Backoff] = Backoff,
        door: Station | None = None,
    ) -> None:
        super().__init__(name="print worker", daemon=True)
        self.store, self.printers, self.station = store, dict(printers), station
        # A station on a server: the badges its offline check-ins queued in its mirror.
        self.door = door
        self.on_outcome, self.on_database, self.poll = on_outcome, on_database, poll
        self._backoff = backoff
        self._halt = threading.Event()
        self._wake = threading.Event()
        self.error: BaseException | None = None  # the last trouble, kept until a job goes through
        self.failures = 0
        self.outage = Outage()

    def wake(self) -> None:
        """A job was just queued: look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()

    def run(self) -> None:
        try:
            self._loop()
        finally:
            sweep_all(self.printers.values())  # what is old by now, as the station stops

    def _loop(self) -> None:
        backoff = self._backoff()
        swept = -SWEEP_EVERY
        while not self._halt.is_set():
            if time.monotonic() - swept >= SWEEP_EVERY:  # badge files nobody took
                sweep_all(self.printers.values())
                swept = time.monotonic()
            try:
                if self._print_offline_job():
                    continue
            except Exception as exc:  # the copy's file, or a bug: kept, tried at the next turn
                self.error = exc
                self.failures += 1
                self._pause(self.poll)
            if self.door is not None and not self.door.deciding_online():
                self._pause(self.poll)  # the server is away: only the copy's queue prints
                continue
            try:
                kinds = split(self.printers)
                with self._bounded():
                    job = printing.claim_next(
                        self.store,
                        worker=self.station,
                        shared=kinds["shared"],
                        local=kinds["local"],
                    )
                self._answered()
                if job is None:
                    self._pause(self.poll)
                    continue
                outcome = self._print(job)
                if outcome is None:
                    return  # stopped while the database was away: the claim goes stale
                if self.on_outcome is not None:
                    self.on_outcome(outcome)
                self.error = None
                self.failures = 0
                backoff.reset()
            except Exception as exc:  # the database busy or away, or a bug: say so, wait, go on
                self._trouble(exc)
                self._pause(backoff.next())  # a badge queued meanwhile is looked at at once

    def _pause(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _print_offline_job(self) -> bool:
        """Print one due badge of the station's own offline queue, if any (True: one was
        tried). The queue is a file of this machine: it answers whether the server does or not."""
        if self.door is None:
            return False
        mirror = self.door.mirror
        kinds = split(self.printers)
        job = printing.claim_next(
            mirror.store, worker=self.station, shared=kinds["shared"], local=kinds["local"]
        )
        if job is None:
            return False
        tried = attempt(mirror.store, job, self.printers, copy_loader(self.door))
        outcome = record(mirror.store, job, tried, worker=self.station)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return True

    def _print(self, job: PrintJobInfo) -> PrintOutcome | None:
        """Print a claimed job, then record it, trying the record again for as long as the
        database does not answer (None: stopped meanwhile)."""
        with self._bounded():
            tried = attempt(self.store, job, self.printers)
        backoff = self._backoff()
        while True:  # recorded at least once, even when stopped while it printed
            try:
                with self._bounded():
                    outcome = record(self.store, job, tried, worker=self.station)
            except Exception as exc:
                if not is_outage(exc):
                    raise
                self._trouble(exc)
                if self._halt.wait(backoff.next()):
                    return None
                continue
            self._answered()
            return outcome

    def _bounded(self) -> AbstractContextManager[object]:
        """A station's wait on its server bounded as a round of sync's is (``Link.guard``): a
        link that died half-open under a claim frees the worker (the copy's queue prints on)."""
        return self.door.link.guard() if self.door is not None else nullcontext()

    def _trouble(self, exc: Exception) -> None:
        self.error = exc
        self.failures += 1
        if is_outage(exc) and self.outage.failed(exc) and self.on_database is not None:
            self.on_database(DatabaseState(False, self.outage.reason))

    def _answered(self) -> None:
        if self.outage.answered() and self.on_database is not None:
            self.on_database(DatabaseState(True))

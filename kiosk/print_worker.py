"""The printer worker: drains the print queue, never in the way of a check-in.

It takes one due job at a time (a compare-and-set claim, so several stations may share the
queue), renders the badge and sends it. A job is done only when the printer took it (see
kiosk.printers.send). A printer that is offline, or needs a person (paper out, cover or head
open), puts the job back for a later try with capped backoff, for as long as it takes: it prints
when the printer is back. Only what cannot get better fails a job (no printer of that name on
this station, a badge that cannot be made), kept for `eventdesk print-queue --retry`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from badges import load_badge
from badges.render import render
from eventdesk.db import Store
from eventdesk.errors import EventdeskError, NotFound
from eventdesk.services import printing
from eventdesk.services.printing import PrintJobInfo
from kiosk.printers import PrinterProblem, PrinterSpec, send


@dataclass(frozen=True)
class PrintOutcome:
    job: PrintJobInfo
    state: str  # done | queued (will retry) | failed
    detail: str  # where it went, or what is wrong
    render_ms: float = 0.0
    total_ms: float = 0.0


OutcomeCallback = Callable[[PrintOutcome], None]


def process(
    store: Store,
    job: PrintJobInfo,
    printers: Mapping[str, PrinterSpec],
    *,
    worker: str,
    now: datetime | None = None,
) -> PrintOutcome:
    """Print one claimed job and record how it went (``now``: the queue's clock for the next
    try of a job that waits; by default the database's)."""
    start = time.perf_counter()
    render_ms = 0.0
    spec = printers.get(job.printer)

    def outcome(
        state: str | None, detail: str, *, error: str | None = None, retry: bool = False
    ) -> PrintOutcome:
        done = printing.finish(store, job.id, worker=worker, error=error, retry=retry, now=now)
        return PrintOutcome(
            done, state or done.state, detail, render_ms, (time.perf_counter() - start) * 1000
        )

    try:
        if spec is None:
            raise NotFound(f"no printer named {job.printer!r} on this station", field="printer")
        badge = load_badge(store, job.ticket_id)
        data = render(badge, spec.language, **spec.render_options)
        render_ms = (time.perf_counter() - start) * 1000
        where = send(spec, data, label=f"{job.ticket_id}-{job.id}")
    except PrinterProblem as exc:  # offline, or needs a person: the job waits
        return outcome(None, exc.message, error=exc.message, retry=True)
    except SQLAlchemyError as exc:  # the database busy or away while loading the badge: wait
        message = f"the database: {type(exc).__name__}"
        return outcome(None, message, error=message, retry=True)
    except EventdeskError as exc:
        return outcome("failed", exc.message, error=exc.message)
    except Exception as exc:  # a bug in a renderer must not kill the worker or lose the job
        message = f"{type(exc).__name__}: {exc}"
        return outcome("failed", message, error=message)
    return outcome("done", where)


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
) -> list[PrintOutcome]:
    """Print every job due now (or just one) in this thread, trying each at most once.
    ``now`` is the queue's clock (due jobs, the next try's time); by default the database's."""
    outcomes: list[PrintOutcome] = []
    tried: set[int] = set()
    for _ in range(limit):
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
        outcomes.append(process(store, job, printers, worker=worker, now=now))
        if job_id is not None:
            break
    return outcomes


class PrintWorker(threading.Thread):
    """Drains the queue in the background until stopped; reports each outcome."""

    def __init__(
        self,
        store: Store,
        printers: Mapping[str, PrinterSpec],
        *,
        station: str,
        on_outcome: OutcomeCallback | None = None,
        poll: float = 0.25,
    ) -> None:
        super().__init__(name="print worker", daemon=True)
        self.store, self.printers, self.station = store, dict(printers), station
        self.on_outcome, self.poll = on_outcome, poll
        self._halt = threading.Event()
        self._wake = threading.Event()
        self.error: BaseException | None = None  # the last trouble, kept until a job goes through
        self.failures = 0

    def wake(self) -> None:
        """A job was just queued: look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                kinds = split(self.printers)
                job = printing.claim_next(
                    self.store, worker=self.station, shared=kinds["shared"], local=kinds["local"]
                )
                if job is None:
                    self._wake.wait(self.poll)
                    self._wake.clear()
                    continue
                outcome = process(self.store, job, self.printers, worker=self.station)
                if self.on_outcome is not None:
                    self.on_outcome(outcome)
                self.error = None
            except Exception as exc:  # the database busy or away: say so, wait, go on
                self.error = exc
                self.failures += 1
                self._halt.wait(min(30.0, 0.5 * 2 ** min(self.failures, 6)))

"""A station's rounds of sync while it runs (the app, ``scan``, ``sync --watch``): a round every
few seconds, and while its server is away a prober that asks it with new connections, so that
the station decides online again as soon as the server answers
(docs/architecture.md#stations-and-the-offline-mirror)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from eventdesk.errors import StationRefused
from eventdesk.services.stations.link import ServerAway
from eventdesk.services.stations.offline import PROBE_SECONDS, Station, SyncReport


class SyncLoop(threading.Thread):
    """Rounds of sync every ``every`` seconds, until stopped; ``on_round`` hears each round.
    Never exits for a server that does not answer: while it is away a prober of its own asks
    it every PROBE_SECONDS with a new connection (``Station.probe``), apart from any round
    that may still wait on the dead link, so that the station decides online again as soon
    as the server answers (a round then follows at once)."""

    def __init__(
        self,
        station: Station,
        *,
        every: float | None = None,
        on_round: Callable[[SyncReport], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__(name="sync", daemon=True)
        self.station = station
        self.every = station.config.sync_every if every is None else every
        self.on_round = on_round
        self.on_error = on_error
        self.rounds = 0
        self.probes = 0  # asks of the prober while the server was away
        self.last: SyncReport | None = None
        self._halt = threading.Event()
        self._now = threading.Event()
        self._prober: threading.Thread | None = None
        self._prober_lock = threading.Lock()

    def stop(self) -> None:
        self._halt.set()
        self._now.set()
        with contextlib.suppress(ValueError):
            self.station.link.listeners.remove(self._link_changed)

    def poke(self) -> None:
        """A round now (the station just went offline, or a scan was queued)."""
        self._now.set()

    def _link_changed(self, online: bool, _reason: str) -> None:
        if online:
            self._now.set()  # back: the outbox goes up now
        else:
            self._probe_until_back()

    def _probe_until_back(self) -> None:
        with self._prober_lock:
            if self._halt.is_set() or (self._prober is not None and self._prober.is_alive()):
                return
            self._prober = threading.Thread(target=self._probing, name="probe", daemon=True)
            self._prober.start()

    def _probing(self) -> None:
        """Ask the server with a new connection every PROBE_SECONDS (each waited for at most the
        threshold) until it answers or the loop stops."""
        link = self.station.link
        while not self._halt.is_set() and not link.online:
            asked = time.monotonic()
            self.probes += 1
            with contextlib.suppress(ServerAway, StationRefused):
                link.call(self.station.probe, one_off=True, again=False)
            if link.online:
                return
            # A station whose login is refused asks at the pace of its rounds, not 5 a second.
            pace = self.every if self.station.refused() else PROBE_SECONDS
            self._halt.wait(max(0.0, pace - (time.monotonic() - asked)))

    def run(self) -> None:
        self.station.link.listeners.append(self._link_changed)
        if not self.station.link.online:
            self._probe_until_back()
        while not self._halt.is_set():
            report: SyncReport | None = None
            try:
                report = self.station.sync_round()
            except Exception as exc:  # a bug, not the server: said, and tried again later
                if self.on_error is not None:
                    self.on_error(exc)
            else:
                self.last = report
                self.rounds += 1
                if self.on_round is not None:
                    self.on_round(report)
            online = report is not None and report.online
            if online and report is not None and report.complete and report.pending:
                if report.uploaded:
                    continue  # scans came in during the upload: send them now
            elif online and report is not None and not report.complete:
                # Cut short while the server answers (a link that comes and goes): soon again.
                self._halt.wait(PROBE_SECONDS)
                continue
            # While the server is away the prober asks it, and a round follows its answer.
            self._now.wait(self.every)
            self._now.clear()

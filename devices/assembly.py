"""A station assembled once: the door its scanners decide at, the camera's scan worker, the
printer's worker and the sync with its server, made here for the app (screens.devices,
screens.backend) and for `eventdesk scan` (devices.cli) alike. Each caller says only what is its
own: how it tells what happened (a message on the screen, a line on stderr) and the door's
settings (event, list, exit gate, self-service); what a part is made of comes from the station.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from eventdesk.services.door.door import Door, DoorSettings

if TYPE_CHECKING:
    from devices.capture import CaptureWorker, Frame
    from devices.decoders import Decoder
    from devices.outage import DatabaseState
    from devices.print_worker import OutcomeCallback, PrintWorker
    from devices.printers import PrinterSpec
    from devices.scanner import DecisionCallback, ScanWorker
    from eventdesk.db import Store
    from eventdesk.services.stations.offline import Station, SyncReport
    from eventdesk.services.stations.sync_loop import SyncLoop


@dataclass(frozen=True)
class StationParts:
    """One station's parts: ``name`` as its doors log it, ``store`` the database it reaches
    (None: a station on a server that started while the server was away), ``server`` the
    station on a server (its copy and its link; None on an SQLite file), its printers by name,
    and its clock (None: the station's own, or the machine's)."""

    name: str
    store: Store | None
    server: Station | None = None
    printers: Mapping[str, PrinterSpec] = field(default_factory=dict)
    clock: Callable[[], datetime] | None = None

    def door(self, settings: DoorSettings) -> Door:
        """The door that decides, set as ``settings`` say: on a server the station's own (the
        server while it answers, the copy while it does not), else a Checkin on the file."""
        from eventdesk.services.stations.doors import open_door

        where = self.server if self.server is not None else self.store
        assert where is not None, "a station has a database or a server"
        return open_door(where, settings, station=self.name, clock=self.clock)

    def scanner(
        self,
        door: Callable[[], Door],
        capture: CaptureWorker,
        decoder: Decoder,
        *,
        on_decision: DecisionCallback,
        on_failure: Callable[[BaseException], None] | None = None,
        on_database: Callable[[DatabaseState], None] | None = None,
        on_frame: Callable[[Frame], None] | None = None,
        debounce: float | None = None,
        session_id: int | None = None,
    ) -> ScanWorker:
        """The camera's scan worker (not started), deciding at ``door`` (made at its first
        code) on the station's clock; ``debounce`` None: the scanner's own."""
        from devices.scanner import DEFAULT_DEBOUNCE, ScanWorker
        from eventdesk.values import utcnow

        return ScanWorker(
            door,
            capture,
            decoder,
            on_decision=on_decision,
            on_failure=on_failure,
            on_database=on_database,
            on_frame=on_frame,
            debounce=DEFAULT_DEBOUNCE if debounce is None else debounce,
            session_id=session_id,
            clock=self.clock or utcnow,
        )

    def printer(
        self,
        *,
        on_outcome: OutcomeCallback,
        on_database: Callable[[DatabaseState], None],
        only: str | None = None,
    ) -> PrintWorker | None:
        """The printer's worker (not started), printing the station's queue (and on a server
        the badges its offline check-ins queued in its copy) to its printers, or to ``only``;
        None when the station has no printer or no database yet."""
        printers = dict(self.printers) if only is None else {only: self.printers[only]}
        if not printers or self.store is None:
            return None
        from devices.print_worker import PrintWorker

        return PrintWorker(
            self.store,
            printers,
            station=self.name,
            on_outcome=on_outcome,
            on_database=on_database,
            door=self.server,
        )

    def sync(
        self,
        *,
        on_round: Callable[[SyncReport], None],
        on_error: Callable[[BaseException], None],
    ) -> SyncLoop | None:
        """A station on a server: its sync, started (upload what was decided offline, refresh
        the copy), woken by each offline decision. None on an SQLite file."""
        if self.server is None:
            return None
        from eventdesk.services.stations.sync_loop import SyncLoop

        loop = SyncLoop(self.server, on_round=on_round, on_error=on_error)
        loop.start()
        self.server.on_queued.append(loop.poke)  # an offline decision: try to upload it soon
        return loop

"""What the screens share: the store, this station, the event at its door, who is signed in.

Plain Python (no widgets): screens call it from thread workers, never from the UI thread, and
get plain dataclasses back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventdesk.config import Config
from eventdesk.db import Store
from eventdesk.errors import NotFound
from eventdesk.services.auth import StaffInfo
from eventdesk.services.checkin import Checkin, ScanResult
from eventdesk.services.events import EventInfo, list_events
from eventdesk.values import utcnow

MODES = ("desk", "kiosk", "organizer", "stats")
ROLE_MODES: dict[str, tuple[str, ...]] = {
    "organizer": ("desk", "kiosk", "organizer", "stats"),
    "staff": ("desk", "stats"),
    "kiosk": ("kiosk",),
}


class StationCheckin(Checkin):
    """A check-in desk on the station's clock (the real one, or a fixed one in snapshots)."""

    def __init__(self, clock: Callable[[], datetime], store: Store, **options: Any) -> None:
        super().__init__(store, **options)
        self.clock = clock

    def scan(self, payload: str, **options: Any) -> ScanResult:
        options.setdefault("now", self.clock())
        return super().scan(payload, **options)

    def checkin_ticket(self, ticket_id: str, **options: Any) -> ScanResult:
        options.setdefault("now", self.clock())
        return super().checkin_ticket(ticket_id, **options)


def pick_event(events: list[EventInfo], now: datetime) -> EventInfo | None:
    """The event this station works on: the one running now, else the next, else the last."""
    live = [e for e in events if e.status != "cancelled"] or events
    if not live:
        return None
    running = [e for e in live if e.starts_at <= now <= e.ends_at]
    if running:
        return running[0]
    upcoming = [e for e in live if e.starts_at > now]
    return upcoming[0] if upcoming else live[-1]


@dataclass
class Backend:
    """One per app. Attributes change only on the UI thread; workers read them."""

    config: Config
    store: Store
    event: str | None = None  # the slug of the event at this station's door
    staff: StaffInfo | None = None
    camera: str | None = None  # a camera source (index, file, folder, URL) or None
    decoder: str = "auto"
    printer: str | None = None  # the station's badge printer
    auto_print: bool = False
    printers: dict[str, Any] = field(default_factory=dict)
    wall: bool = False  # a stats display on the wall: no sign-in, stats only
    clock: Callable[[], datetime] = utcnow  # what "now" is for the screens (fixed in snapshots)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def now(self) -> datetime:
        return self.clock()

    @property
    def station(self) -> str:
        return self.config.station

    @property
    def operator(self) -> str | None:
        return self.staff.name if self.staff else None

    @property
    def print_to(self) -> str | None:
        """The printer a first check-in queues a badge for, or None."""
        return self.printer if self.auto_print and self.printer else None

    def modes(self) -> tuple[str, ...]:
        if self.staff is None:
            return ("stats",) if self.wall else ()
        return ROLE_MODES.get(self.staff.role, ())

    def choose_event(self) -> EventInfo | None:
        """Settle which event this station serves (the configured one, or the current one)."""
        events = list_events(self.store)
        if self.event is not None:
            for info in events:
                if self.event in (info.slug, str(info.id)):
                    self.event = info.slug
                    return info
            raise NotFound(f"no event {self.event!r}", field="event")
        chosen = pick_event(events, utcnow())
        self.event = chosen.slug if chosen else None
        return chosen

    def checkin(self) -> Checkin:
        """This thread's check-in desk for the current event, operator and printer."""
        key = (self.event, self.operator, self.print_to)
        desk: Checkin | None = getattr(self._local, "desk", None)
        if desk is None or getattr(self._local, "key", None) != key:
            desk = StationCheckin(
                self.clock,
                self.store,
                station=self.station,
                operator=self.operator,
                event=self.event,
                print_to=self.print_to,
            )
            self._local.desk, self._local.key = desk, key
        return desk

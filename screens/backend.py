"""What the screens share: the store, this station, the event at its door, who is signed in.

Plain Python (no widgets): screens call it from thread workers, never from the UI thread, and
get plain dataclasses back.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from eventdesk.config import Config, Gate
from eventdesk.errors import DatabaseUnavailable
from eventdesk.event_time import UTC_ZONE
from eventdesk.i18n import _
from eventdesk.services.door.door import Door, DoorSettings
from eventdesk.values import utcnow

if TYPE_CHECKING:
    from devices.assembly import StationParts

    # The database layer loads after the sign-in screen is drawn (``open_station``), the
    # check-in and door services with the first check-in (start-up time).
    from eventdesk.db import Store
    from eventdesk.door_event import DoorEvent
    from eventdesk.services.catalogue.events import EventInfo
    from eventdesk.services.door.undo import UndoResult
    from eventdesk.services.people.auth import StaffInfo
    from eventdesk.services.stations.mirror import Mirror
    from eventdesk.services.stations.offline import Station

MODES = ("desk", "kiosk", "organizer", "stats")
ROLE_MODES: dict[str, tuple[str, ...]] = {
    "organizer": ("desk", "kiosk", "organizer", "stats"),
    "staff": ("desk", "stats"),
    "kiosk": ("kiosk",),
}


@dataclass(frozen=True)
class OpenStation:
    """A station's database, opened (and its event chosen) off the UI thread."""

    store: Store
    door: EventInfo | None  # the event at its door
    door_station: Station | None  # on a server: its link, mirror and outbox
    # How the door's event was settled: its slug (also when the server did not answer), what
    # the door says about it (ended, nothing chosen) and what the staff may choose from.
    choice: DoorEvent | None = None

    def close(self) -> None:
        """Give its connections back (opened for an app that closed first)."""
        if self.door_station is not None:
            self.door_station.close()
        self.store.dispose()


def open_station(
    config: Config,
    store: Store | Callable[[], Store],
    *,
    event: str | None,
    clock: Callable[[], datetime],
) -> OpenStation:
    """Open the station's database (``store`` opens it, if not open yet) and settle which event
    its door serves: the station's own setting (``--event``, its kept choice, ``event =``;
    eventdesk.door_event says which wins), never a guess that changes when events are made or
    the clock moves. On a server the station gets its door, which decides from its mirror
    when the server does not answer."""
    from eventdesk.door_event import settle_door

    opened = store() if callable(store) else store
    door_station = None
    if not opened.is_sqlite:
        from eventdesk.services.stations.offline import Station

        door_station = Station(config, opened, clock=clock)
    try:
        chosen = settle_door(config, opened, given=event, now=clock())
        if chosen.info is None and chosen.slug and door_station is not None:
            # The server did not answer: the event as the station's copy has it (its zone).
            from eventdesk.services.stations.mirror_read import event_in_copy

            info = event_in_copy(door_station.mirror, chosen.slug)
            chosen = dataclasses.replace(chosen, info=info)
    except BaseException:
        if door_station is not None:
            door_station.close()
        raise
    return OpenStation(opened, chosen.info, door_station, chosen)


@dataclass
class Backend:
    """One per app. Attributes change only on the UI thread; workers read them."""

    config: Config
    # The slug of the event at this station's door: the desk and the kiosk admit its tickets
    # only. Set at start (the station's own setting: eventdesk.door_event) and changed only by an
    # explicit, confirmed action (``use_at_door``, which keeps it), never by looking at another
    # event, making one, or the clock.
    event: str | None = None
    door: EventInfo | None = None  # that event, as read when it was chosen
    # A door for several events (eventdesk.door_event): their slugs joined ("fri,sat,sun"),
    # which the door admits, and each as read; ``event`` is then the first (the one the stats
    # work on; the desk's search and walk-in take in every one). None and empty for one event.
    events: str | None = None
    door_events: tuple[EventInfo, ...] = ()
    # What the door says about its event (it ended; none chosen among several) until one is
    # chosen, and what the staff may choose from (screens.choose_event).
    door_notice: str | None = None
    door_choices: tuple[EventInfo, ...] = ()
    staff: StaffInfo | None = None
    camera: str | None = None  # a camera source (index, file, folder, URL) or None
    decoder: str = "auto"
    printer: str | None = None  # the station's badge printer
    auto_print: bool = False
    direction: Gate = "entry"  # "exit": an exit gate (the station's setting, or Ctrl+E)
    checkin_list: str | None = None  # the door's check-in list (None: the event's default)
    printers: dict[str, Any] = field(default_factory=dict)
    wall: bool = False  # a stats display on the wall: no sign-in, stats only
    clock: Callable[[], datetime] = utcnow  # what "now" is for the screens (fixed in snapshots)
    # A station on a server: its link, mirror and outbox (decides offline when the server does
    # not answer). None on SQLite: the station is its own server.
    door_station: Station | None = None
    _local: threading.local = field(default_factory=threading.local, repr=False)
    # The station's database: none until ``settle`` gives it (the app opens it in a worker once
    # the sign-in screen is drawn); a worker asking for it before waits.
    _store: Store | None = field(default=None, init=False, repr=False)
    _settled: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _unopened: str | None = field(default=None, init=False, repr=False)  # why not, if not
    # An open station a worker has handed over and the app not taken yet, and whether the app
    # has closed (then nothing is taken any more): the worker and the UI thread agree on who
    # gives an opened database back.
    _handover: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _offered: OpenStation | None = field(default=None, init=False, repr=False)
    _closed: bool = field(default=False, init=False, repr=False)

    @property
    def store(self) -> Store:
        """The station's database (a worker that asks while it is being opened waits)."""
        if self._store is None:
            self._settled.wait()
            if self._store is None:
                raise DatabaseUnavailable(self._unopened or _("the database is not open"))
        return self._store

    @property
    def parts(self) -> StationParts:
        """This station's parts (its database: a worker asking while it is being opened waits;
        its server, printers and clock), each made by devices.assembly as `eventdesk scan`
        makes them."""
        from devices.assembly import StationParts

        return StationParts(
            self.station, self.store, self.door_station, self.printers, clock=self.clock
        )

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def settle(self, opened: OpenStation) -> None:
        """The station's database is open and its event chosen (on the UI thread)."""
        self._store, self.door_station = opened.store, opened.door_station
        self.event, self.door = (opened.door.slug, opened.door) if opened.door else (None, None)
        self.events, self.door_events = None, ()
        if opened.choice is not None:
            from eventdesk.config import event_refs

            refs = event_refs(opened.choice.slug) if opened.choice.slug else ()
            self.event = refs[0] if refs else None
            self.events = opened.choice.slug if len(refs) > 1 else None
            self.door_events = opened.choice.infos
            self.door_notice = opened.choice.notice
            self.door_choices = opened.choice.choices
        self._settled.set()

    def offer(self, opened: OpenStation) -> bool:
        """From the worker that opened it: the app may take it (``take``); False when the app
        has closed meanwhile (the worker gives it back)."""
        with self._handover:
            if self._closed:
                return False
            self._offered = opened
            return True

    def take(self) -> bool:
        """On the UI thread: settle with what a worker offered, if anything."""
        with self._handover:
            opened, self._offered = self._offered, None
        if opened is None:
            return False
        self.settle(opened)
        return True

    def close(self) -> None:
        """On the UI thread, as the app closes: what was offered and not taken is given back,
        and whoever waits for the store is told it will not come."""
        with self._handover:
            self._closed = True
            left, self._offered = self._offered, None
        if left is not None:
            left.close()
        if not self.is_open:
            self.unopened(_("the station closed before its database was open"))

    def unopened(self, reason: str) -> None:
        """The database could not be opened (or the app closed first): whoever waits for it
        is told why. Any thread may say so."""
        self._unopened = reason
        self._settled.set()

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
        """The printer a first check-in queues a badge for, or None (a badge station always
        has one: its kiosk prints badges)."""
        printing = self.auto_print or self.config.print_only
        return self.printer if printing and self.printer else None

    def modes(self) -> tuple[str, ...]:
        if self.staff is None:
            return ("stats",) if self.wall else ()
        return ROLE_MODES.get(self.staff.role, ())

    @property
    def zone(self) -> ZoneInfo:
        """The time zone every time at the door is shown in: the door's event's."""
        return self.door.zone if self.door is not None else UTC_ZONE

    @property
    def admits(self) -> str | None:
        """The event(s) the door admits, as its check-in takes them ("fri,sat,sun")."""
        return self.events or self.event

    @property
    def admitted(self) -> tuple[str, ...]:
        """Each event the door admits, by the name it was given (the first is ``event``)."""
        from eventdesk.config import event_refs

        return event_refs(self.admits) if self.admits else ()

    @property
    def door_title(self) -> str | None:
        """How the door's events are named: "Fri + Sat + Sun" for several, else the event's
        slug (None: no event)."""
        if self.events and self.door_events:
            from eventdesk.door_event import door_title

            return door_title(self.door_events)
        return self.events or self.event

    @property
    def door_says(self) -> str | None:
        """What the door says of its event now: that it ended (on the screens' clock, which a
        snapshot sets after the station is opened; a door for several: when all have), or that
        none was chosen among several."""
        if self.events and self.door_events:
            from eventdesk.door_event import ended_notice

            notices = [ended_notice(e, self.now()) for e in self.door_events]
            return notices[-1] if all(notices) else None
        if self.door is not None and self.event == self.door.slug:
            from eventdesk.door_event import ended_notice

            return ended_notice(self.door, self.now())
        return self.door_notice

    @property
    def door_asks(self) -> bool:
        """The staff should choose this door's event: none is chosen, or it has ended."""
        return bool(self.door_choices) and (self.event is None or self.door_says is not None)

    def use_at_door(self, info: EventInfo) -> None:
        """The desk and the kiosk of this station admit ``info``'s tickets from now on, and
        after a restart too: kept in the station's data folder first (an error says why it
        could not be, and changes nothing)."""
        from eventdesk.door_event import keep_door

        how = "use at this door"  # not for translation: kept in the station's file
        keep_door(self.config, info.slug, how=how, now=self.now())
        self.event, self.door, self.events, self.door_events = info.slug, info, None, ()
        self.door_notice, self.door_choices = None, ()

    def also_at_door(self, info: EventInfo) -> None:
        """This station's door admits ``info``'s tickets too, beside its event(s): a door for
        several events, kept as ``use_at_door`` keeps one (eventdesk.door_event)."""
        from eventdesk.config import joined
        from eventdesk.door_event import keep_door

        admitted = self.door_events or ((self.door,) if self.door is not None else ())
        several = tuple({e.id: e for e in (*admitted, info)}.values())
        if len(several) < 2:
            self.use_at_door(info)
            return
        slugs = joined([e.slug for e in several])
        how = "also at this door"  # not for translation: kept in the station's file
        keep_door(self.config, slugs, how=how, now=self.now())
        self.event, self.door, self.events, self.door_events = (
            several[0].slug,
            several[0],
            slugs,
            several,
        )
        self.door_notice, self.door_choices = None, ()

    def checkin(self, *, self_service: bool = False) -> Door:
        """This thread's door (what decides) for the door's event, operator and printer. A
        self-service kiosk sends a ticket that needs staff (an ID check) to the desk. On a
        server it is the station's Door: it decides from the mirror while the server is away.
        A badge station's kiosk only prints badges (services.door.badge_only); its desk checks
        in."""
        # The setting read as it is (not the config's property): a scan runs no config code.
        print_only = self_service and self.config.purpose == "badges" and self.print_to is not None
        settings = DoorSettings(
            operator=self.operator,
            event=self.admits,
            print_to=self.print_to,
            self_service=self_service,
            direction=self.direction,
            checkin_list=self.checkin_list,
            print_only=print_only,
        )
        doors: dict[bool, tuple[DoorSettings, Door]] = self._local.__dict__.setdefault("doors", {})
        known = doors.get(self_service)
        if known is not None and known[0] == settings:
            return known[1]
        door = self.parts.door(settings)
        doors[self_service] = (settings, door)
        return door

    def undo(self, ticket_id: str) -> UndoResult:
        """Annul a check-in at this door (offline too, on a server), at the station's clock."""
        return self.checkin().undo(ticket_id)

    @property
    def offline(self) -> bool:
        """The door decides from its mirror now (the server does not answer, or this station's
        offline scans are still being uploaded)."""
        return self.door_station is not None and not self.door_station.deciding_online()

    def event_info(self, event: str) -> EventInfo:
        """The event ``event`` (a slug): from the server, or while it does not answer from the
        station's copy (call it from a thread worker)."""
        from eventdesk.errors import NotFound
        from eventdesk.services.catalogue.events import show_event
        from eventdesk.services.stations.mirror_read import event_in_copy

        def from_copy(copy: Mirror) -> EventInfo:
            found = event_in_copy(copy, event)
            if found is None:
                raise NotFound(
                    _("no event {event!r} in this station's copy").format(event=event),
                    field="event",
                )
            return found

        if self.door_station is None:
            return show_event(self.store, event)
        return self.door_station.read(lambda: show_event(self.store, event), from_copy)

    @property
    def copy(self) -> Mirror | None:
        """The station's copy while the door decides from it (the desk searches it and reads
        cards from it then); None while the server answers, and on SQLite."""
        return self.door_station.mirror if self.offline and self.door_station else None

    @property
    def waiting(self) -> int:
        """Scans decided offline, not uploaded yet."""
        return self.door_station.pending if self.door_station is not None else 0

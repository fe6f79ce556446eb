"""The door: what every decider of this product offers, whoever asks it (the desk's and the
kiosk's screens, the scanner's queue, the command line).

Three deciders implement it: ``services.door.checkin.Checkin`` on a database this station
reaches (an SQLite file, or a server as the organizer's login or a station's own),
``services.stations.station_door.StationDoor`` for a station on a server (the server while it
answers, the station's copy while it does not), and the copy's own decider
(``services.stations.station_door.MirrorCheckin``, a Checkin on the copy). Each is made with
the station's name and its clock; a call that names no time is decided at the clock's "now".
A badge station's door is made with ``print_only``: each of them then prints a valid ticket's
badge and checks no one in (``services.door.badge_only``: ``printed`` or ``reprinted``), on the
server, on a door's own login and from the station's copy alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from eventdesk.services.door.scan_result import Direction, ScanResult
    from eventdesk.services.door.undo import UndoResult


class Door(Protocol):
    """Decides who goes in (and out) at one door of one station."""

    station: str  # the station's name, on every row a decision writes

    def scan(
        self,
        payload: str,
        *,
        session_id: int | None = None,
        direction: Direction | None = None,
        now: datetime | None = None,
        nonce: str | None = None,
        answers: dict[str, str] | None = None,
    ) -> ScanResult:
        """One scanned line (a ticket's QR payload, or what a scanner typed) decided: admitted
        or refused, with the reason, and logged. ``direction`` "exit" lets the holder out
        (default: the door's own direction); ``session_id`` admits to one session; ``nonce``
        makes a retry safe: the same nonce again gets the first answer back, marked
        ``replayed``, never a second decision; ``answers`` to the list's questions, by key.
        Bad input (garbage, a forged or foreign signature) is a refusal, never an error."""
        ...

    def scan_many(
        self,
        payloads: Sequence[str],
        *,
        nonces: Sequence[str | None] | None = None,
        session_id: int | None = None,
        direction: Direction | None = None,
    ) -> list[ScanResult]:
        """Lines that waited (a scanner's burst, a queue), decided in the order given: the
        answers ``scan`` gives one at a time, one each, in that order."""
        ...

    def checkin_ticket(
        self,
        ticket_id: str,
        *,
        session_id: int | None = None,
        direction: Direction | None = None,
        now: datetime | None = None,
        nonce: str | None = None,
        answers: dict[str, str] | None = None,
    ) -> ScanResult:
        """A ticket checked in by hand (the desk, after a search): the same rules as a scan
        of its line, with ``nonce`` and ``answers`` as in ``scan``."""
        ...

    def override(
        self,
        ticket_id: str,
        *,
        supervisor: str,
        pin: str,
        reason: str,
        session_id: int | None = None,
        direction: Direction | None = None,
        now: datetime | None = None,
        nonce: str | None = None,
        answers: dict[str, str] | None = None,
    ) -> ScanResult:
        """A ticket checked in by hand and, when the door refuses it with a refusal a
        supervisor may override (services.door.override.OVERRIDABLE), admitted all the same
        by ``supervisor``, checked by their ``pin`` and their right, for ``reason``: the
        answer's ``override`` says who, why and what was refused. A ticket the door admits is
        admitted as usual; NotOverridable for a line that is no valid ticket of this event,
        WrongPin / NotAllowed for the supervisor; a kiosk never overrides."""
        ...

    def undo(self, ticket_id: str, *, session_id: int | None = None) -> UndoResult:
        """The ticket's check-in (or its admission to one session) annulled, explicitly and
        logged; NotAllowed when there is none to annul, NotFound for an unknown ticket."""
        ...


@dataclass(frozen=True)
class DoorSettings:
    """What a door is set to, whichever decider it is and wherever it is made (the app, `scan`,
    `checkin`): made once, handed to each (services.stations.station_door.open_door)."""

    operator: str | None = None  # who works the door, on every row it writes
    event: str | int | None = None  # the door's event(s): "fri,sat" (None: the current one)
    print_to: str | None = None  # the printer that gets a badge at each first check-in
    self_service: bool = False  # a kiosk: a ticket that needs staff is sent to the desk
    direction: Direction = "entry"  # an exit gate's scans are exits
    checkin_list: str | None = None  # the door's check-in list (None: each event's default)
    print_only: bool = False  # a badge station: prints, checks no one in

    def options(self) -> dict[str, Any]:
        """As a decider's keyword arguments."""
        return asdict(self)

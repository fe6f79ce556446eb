"""A station's door: each scan decided on the server while it answers within the station's
threshold, else from the station's mirror with the same rules (``MirrorCheckin``), said
``offline`` and kept in the mirror's outbox for the server
(docs/architecture.md#stations-and-the-offline-mirror). ``Station`` (offline.py) holds the
link, the mirror and the sync; a ``StationDoor`` (a services.door.door.Door) is what a desk, a
kiosk or ``scan`` decides with."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from eventdesk.errors import (
    DatabaseUnavailable,
    EventdeskError,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from eventdesk.i18n import N_, _
from eventdesk.outage import unavailable
from eventdesk.services.door.batch import scan_each
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.door import DoorSettings
from eventdesk.services.door.effects import Effect, effect_of
from eventdesk.services.door.ledger import StoreLedger
from eventdesk.services.door.scan_result import (
    Direction,
    Said,
    ScanResult,
    Time,
    answer_json,
    new_nonce,
    parse_nonce,
    said,
)
from eventdesk.services.door.undo import UndoResult, undo_checkin
from eventdesk.services.stations.link import ServerAway
from eventdesk.services.stations.mirror import Mirror, apply_local
from eventdesk.services.stations.mirror_schema import EVENT, OUTBOX, TICKET

if TYPE_CHECKING:
    from eventdesk.services.stations.offline import Station


def no_copy(reason: str) -> str:
    """Why a scan cannot be decided: the server is away (``reason``) and there is no copy."""
    return unavailable(
        # TRANSLATORS: {reason} is why the server is away: "no answer within 1 s"
        _(
            "{reason}. The server does not answer and this station has no copy of the tickets "
            "yet: connect it to the server once (`eventdesk sync`)."
        ).format(reason=reason)
    )


# --- deciding from the mirror ---------------------------------------------------------------
class CopyLedger(StoreLedger):
    """The station's copy: its tables written as the store's are, and each decision written
    once, as its outbox row (what an upload does again on the server), in the same
    transaction; the copy's scan log is a view of those rows (mirror_schema.SCAN_LOG_VIEW)."""

    offline = True

    def log(self, conn: Connection, row: dict[str, Any], result: ScanResult) -> None:
        conn.execute(
            insert(OUTBOX),
            {
                "nonce": row["nonce"],
                "kind": "scan",
                "effect": effect_of(result).value,
                "at": result.at,
                "station": row["station"],
                "operator": row["operator"],
                "event_id": row["event_id"],
                "session_id": result.session_id,
                "ticket_id": result.ticket_id,
                "direction": result.direction,
                "payload": row["payload"],
                "result": result.result,
                "answer": row["answer"],
                "state": "pending",
            },
        )


class MirrorCheckin(Checkin):
    """The check-in service on the mirror: the same rules in the same order. Each decision
    also goes into the outbox, in its own transaction (durable: synchronous=FULL)."""

    # One at a time: each decision and its outbox row are counted as they are written.
    decides_together = False
    answers_table = OUTBOX  # each decision's row, with its unique nonce

    def __init__(self, mirror: Mirror, **options: Any) -> None:
        # A badge is queued in the mirror's own print queue (services.stations.mirror_prints), in
        # the decision's transaction, as on the server.
        super().__init__(mirror.store, ledger=CopyLedger(mirror.store.dialect), **options)
        self.mirror = mirror

    def supervisor(self, name: str, pin: str) -> str:
        """Offline, the supervisor's PIN is checked against the copy's staff accounts (as an
        offline sign-in is), and their right as the copy has it."""
        from eventdesk.services.door import override
        from eventdesk.services.stations.mirror_staff import verify_offline

        found = verify_offline(self.mirror, name, pin, now=self.clock())
        if not override.overrides(found.role, found.can_override):
            raise override.not_allowed(found.name)
        return found.name

    def log_override(self, conn: Connection, result: ScanResult, event_id: int | None) -> None:
        """Kept in the scan log's answer, uploaded with the admission."""


# --- the door -------------------------------------------------------------------------------
class StationDoor:
    """The check-in desk of one thread of a station on a server: what ``Checkin`` offers, on
    the server while it answers, from the mirror when it does not."""

    def __init__(
        self,
        station: Station,
        *,
        operator: str | None = None,
        event: str | int | None = None,
        print_to: str | None = None,
        self_service: bool = False,
        clock: Callable[[], datetime] | None = None,
        direction: Direction = "entry",
        checkin_list: str | None = None,
        print_only: bool = False,
    ) -> None:
        self.station_ = station
        self.checkin_list = checkin_list  # the door's check-in list (None: the default)
        self.station = station.name
        self.operator = operator
        self.event = event
        self.print_to = print_to
        # A badge station (services.door.badge_only): online and from the copy alike.
        self.print_only = print_only
        if print_only and not print_to:
            raise InvalidInput(
                _("a badge station (print only) needs a printer: name one with --printer"),
                field="printer",
            )
        self.self_service = self_service
        self.direction: Direction = direction  # an exit gate's scans are exits
        self.clock = clock or station.clock
        # What both of its deciders are made with (each its own direction: see scan).
        self.settings = DoorSettings(
            operator=operator,
            event=event,
            print_to=print_to,
            self_service=self_service,
            checkin_list=checkin_list,
            print_only=print_only,
        )
        self._online: Checkin | None = None
        self._offline: MirrorCheckin | None = None

    @property
    def offline(self) -> bool:
        return not self.station_.deciding_online()

    def _online_door(self) -> Checkin:
        if self._online is None:
            self._online = Checkin(
                self.station_.server(), station=self.station, **self.settings.options()
            )
        return self._online

    def _offline_door(self) -> MirrorCheckin | None:
        if self._offline is None:
            if not self.station_.copy_exists():  # never synced: no copy, and no key yet
                return None
            mirror = self.station_.mirror
            if not mirror.has_copy():
                return None
            try:
                self._offline = MirrorCheckin(
                    mirror, station=self.station, **self.settings.options()
                )
            except NotFound as exc:  # not in the copy (a typo, or an event made since)
                raise NotFound(
                    # TRANSLATORS: {problem} is what was not found: "no event 'summit'"
                    _("{problem} in this station's copy (the server does not answer)").format(
                        problem=exc.message
                    ),
                    field=exc.field,
                ) from None
        return self._offline

    # --- entry points (as Checkin's) -------------------------------------------------------
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
        return self._decide(
            "scan", payload, session_id, direction or self.direction, now, nonce, answers
        )

    def scan_many(
        self,
        payloads: Sequence[str],
        *,
        nonces: Sequence[str | None] | None = None,
        session_id: int | None = None,
        direction: Direction | None = None,
    ) -> list[ScanResult]:
        """Scans that waited, decided in order one at a time (each may go to the server or
        the mirror on its own); the same nonces again replay what was decided."""
        return scan_each(
            self.scan,
            payloads,
            nonces,
            session_id=session_id,
            direction=direction or self.direction,
        )

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
        way = direction or self.direction
        return self._decide("checkin_ticket", ticket_id, session_id, way, now, nonce, answers)

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
        """As Checkin's (services.door.override): on the server while it answers; offline,
        decided by this station (the PIN checked against its copy) and uploaded like any
        admission."""
        way = direction or self.direction
        who = {"supervisor": supervisor, "pin": pin, "reason": reason}
        return self._decide("override", ticket_id, session_id, way, now, nonce, answers, who)

    def _decide(
        self,
        how: str,
        what: str,
        session_id: int | None,
        direction: Direction,
        now: datetime | None,
        nonce: str | None,
        answers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> ScanResult:
        # Every scan has a nonce: an online try that answers after the station gave up on it
        # and the same scan decided offline are one scan on the server.
        key = parse_nonce(nonce) or new_nonce()
        options: dict[str, Any] = {"session_id": session_id, "direction": direction, "nonce": key}
        options.update(extra or {})
        if answers:
            options["answers"] = answers
        # The moment of the scan, on the station's clock: put right by the server's (below),
        # the same for an online try and the offline decision that may follow it.
        scanned = self.clock()
        time = self.station_.time
        if self.station_.asks_server():
            try:
                if self._online is None and not self.station_.connected:
                    # Connecting is not answering: libpq's own limit. A server this process is
                    # connected to already (its sync loop's) gets the threshold, as a scan
                    # does: a stalled one is not waited for 5 s at a door's first scan.
                    self.station_.link.call(
                        self._online_door,
                        timeout=self.station_.connect_limit,
                        budget=self.station_.budget,
                    )
                if now is None and not time.measured_here:  # once in a process, before deciding
                    self.station_.link.call(self.station_.measure_clock)
                options["now"] = now or time.corrected(scanned)
                result: ScanResult = self.station_.link.call(
                    lambda: self._online_decision(how, what, options)
                )
            except ServerAway:
                pass
            else:
                self._remember(result)
                return result
        self.station_.require_accepted()  # a station its server refuses decides nothing
        with self.station_.outbox_lock:
            copy_door = self._offline_door()
            if copy_door is None:  # nothing to decide from: the scan waits for the server (kept)
                raise DatabaseUnavailable(no_copy(self.station_.link.reason))
            options["now"] = now or time.corrected(scanned)  # by what was measured last
            result = getattr(copy_door, how)(what, **options)
            if not result.replayed:
                self.station_.counted(1)
        for queued in list(self.station_.on_queued):
            queued()
        result = replace(result, offline=True)
        if result.result == "unknown" and result.ticket_id is not None:
            result = replace(result, said=self._not_in_copy())
        return result

    def _online_decision(self, how: str, what: str, options: dict[str, Any]) -> ScanResult:
        self.station_.upload_own(what)  # its ticket's offline decisions here, first
        self.station_.link.still_waited()  # given up meanwhile: decided offline, not here
        decided: ScanResult = getattr(self._online_door(), how)(what, **options)
        return decided

    def _server_now(self) -> datetime:
        """Now on the server's clock: this station's, put right by a measurement made in this
        process (made first, the first time)."""
        if not self.station_.time.measured_here:
            self.station_.measure_clock()
        return self.station_.time.corrected(self.clock())

    def _not_in_copy(self) -> Said:
        updated = self.station_.mirror.refreshed_at()
        zone = None
        if self._offline is not None and self._offline.event_id is not None:
            with self.station_.mirror.store.read() as session:
                found = session.execute(
                    select(EVENT.c.timezone).where(EVENT.c.id == self._offline.event_id)
                ).scalar()
            zone = found
        return said(
            N_("This ticket is not in this station's copy (last refreshed {time})."),
            time=Time(updated, zone, none=N_("never")),
        )

    def _remember(self, result: ScanResult) -> None:
        if result.replayed:
            return
        with contextlib.suppress(EventdeskError):  # the next refresh brings it
            self.station_.mirror.remember(
                effect_of(result),
                result.ticket_id,
                at=result.first_checked_in_at or result.at,
                station=result.first_station or self.station,
                session_id=result.session_id,
                answer=answer_json(result),
            )

    # --- undo ------------------------------------------------------------------------------
    def undo(self, ticket_id: str, *, session_id: int | None = None) -> UndoResult:
        """Annul a check-in: on the server while it answers, else in the mirror (uploaded)."""
        if self.station_.asks_server():
            try:
                if not self.station_.opened:
                    self.station_.link.call(
                        self.station_.server,
                        timeout=self.station_.connect_limit,
                        budget=self.station_.budget,
                    )
                done: UndoResult = self.station_.link.call(
                    lambda: self._undo_online(ticket_id, session_id),
                    again=False,  # an undo has no nonce: never tried twice
                )
            except ServerAway:
                pass
            else:
                self.station_.mirror.remember(
                    Effect.UNDO,
                    done.ticket_id,
                    at=done.was_checked_in_at,
                    station=self.station,
                    session_id=session_id,
                )
                return done
        return self._undo_offline(ticket_id.strip().upper(), session_id)

    def _undo_online(self, ticket_id: str, session_id: int | None) -> UndoResult:
        self.station_.upload_own(ticket_id)  # an admission decided offline here, first
        return undo_checkin(
            self.station_.server(),
            ticket_id,
            session_id=session_id,
            station=self.station,
            now=self._server_now(),
        )

    def _undo_offline(self, ticket_id: str, session_id: int | None) -> UndoResult:
        self.station_.require_accepted()
        mirror = self.station_.mirror
        if not mirror.has_copy():
            raise DatabaseUnavailable(no_copy(self.station_.link.reason))
        with mirror.store.write_conn() as conn:
            if session_id is None:
                row = conn.execute(
                    select(TICKET.c.checked_in_at, TICKET.c.checked_in_station).where(
                        TICKET.c.id == ticket_id
                    )
                ).first()
            else:
                from eventdesk.services.stations.mirror_schema import SESSION_CHECKIN as sc

                row = conn.execute(
                    select(sc.c.checked_in_at, sc.c.station).where(
                        sc.c.ticket_id == ticket_id, sc.c.session_id == session_id
                    )
                ).first()
            if row is None or row[0] is None:
                if session_id is not None:
                    refusal = _(
                        "ticket {ticket} is not checked in to session {session}: nothing to undo "
                        "(offline)"
                    )
                else:
                    refusal = _(
                        "ticket {ticket} is not checked in to the event: nothing to undo (offline)"
                    )
                raise NotAllowed(refusal.format(ticket=ticket_id, session=session_id))
            was_at, was_station = row[0], row[1]
            apply_local(
                conn, Effect.UNDO, ticket_id, at=was_at, station=self.station, session_id=session_id
            )
            conn.execute(
                insert(OUTBOX),
                {
                    "nonce": new_nonce(),
                    "kind": "undo",
                    "effect": Effect.UNDO.value,
                    "at": self.station_.time.corrected(self.clock()),
                    "station": self.station[:100],
                    "operator": self.operator[:100] if self.operator else None,
                    "session_id": session_id,
                    "ticket_id": ticket_id,
                    "direction": "entry",
                    "result": "undone",
                    "was_at": was_at,
                    "was_station": was_station,
                    "state": "pending",
                },
            )
        self.station_.counted(1)
        return UndoResult(ticket_id, session_id, was_at, was_station)

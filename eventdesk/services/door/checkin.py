"""Check-in: verify the ticket, decide it by the door's rules (rules.py), one compare-and-set,
a scan-log row for every scan.

Admission is decided by one statement, ``UPDATE ticket SET checked_in_at = :now ... WHERE
id = :id AND checked_in_at IS NULL``: of two stations scanning the same ticket at once exactly one
sees a row changed. Each scan is one write transaction (BEGIN IMMEDIATE on SQLite), so a scan that
was answered is on disk, scan log included. A desk's scans that waited are decided together in
one transaction (``scan_many``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.exc import IntegrityError

from eventdesk.config import event_refs
from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import N_, _
from eventdesk.ids import as_id
from eventdesk.models import (
    EventSession,
)
from eventdesk.services.common import current_event_id, get_event
from eventdesk.services.door import override
from eventdesk.services.door.badge_only import print_badge
from eventdesk.services.door.batch import Group, scan_many
from eventdesk.services.door.checkin_sql import (
    LIST_ROW,
    LOG_TABLE,
    LOOKUP,
    LOOKUP_ON_LIST,
    SESSION_EVENT,
)
from eventdesk.services.door.ledger import Ledger, ledger_for
from eventdesk.services.door.list_changes import find_list
from eventdesk.services.door.list_door import ListDoor
from eventdesk.services.door.lists import ListRules, default_rules, rules_of
from eventdesk.services.door.rules import DoorRules
from eventdesk.services.door.scan_result import (
    NONCE_TAKEN,
    Direction,
    ScanResult,
    answer_json,
    from_answer,
    parse_nonce,
    said,
    scanned_line,
)
from eventdesk.services.door.undo import UndoResult, undo_checkin
from eventdesk.services.people.auth import verify_staff
from eventdesk.tickets import InvalidPayload, Verified, Verifier
from eventdesk.values import utcnow

PAYLOAD_LOG_CHARS = 200


def logged_line(raw: str) -> str:
    """A scanned line as the scan log keeps it: its first PAYLOAD_LOG_CHARS characters, any
    that cannot be printed as "?"."""
    clipped = raw[:PAYLOAD_LOG_CHARS]
    if not clipped.isprintable():
        clipped = "".join(ch if ch.isprintable() else "?" for ch in clipped)
    return clipped


def _ticket_line(ticket_id: str) -> str:
    """The line a check-in by ticket id is logged with."""
    return f"ticket:{ticket_id.strip().upper() if isinstance(ticket_id, str) else ''}"


class Checkin:
    """The check-in desk of one station: holds the verifier's key cache for the process."""

    decides_together = True  # scan_many decides a group in one transaction (on SQLite)
    # Where a nonce's earlier answer is read (its nonce, line and answer): the scan log, where
    # each decision's row holds them (a station's copy: its outbox, services.stations).
    answers_table: Table = LOG_TABLE

    def __init__(
        self,
        store: Store,
        *,
        station: str,
        operator: str | None = None,
        event: str | int | None = None,
        print_to: str | None = None,
        self_service: bool = False,
        direction: Direction = "entry",
        checkin_list: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        print_only: bool = False,
        ledger: Ledger | None = None,
    ) -> None:
        self.store = store
        # What "now" is when a call names no time: the station's clock (a fixed one in the
        # app's snapshots), given when the desk is made.
        self.clock = clock
        # An exit gate: its scans are exits unless a call says otherwise.
        self.direction: Direction = direction
        self.station = station
        self.operator = operator
        # A self-service kiosk: tickets that need staff (an ID check) are sent to the desk.
        self.self_service = self_service
        # The printer that gets a badge at each first check-in (queued in the same transaction).
        self.print_to = print_to
        # A badge station: each valid ticket gets a badge and is never checked in
        # (services.door.badge_only); it needs a printer.
        self.print_only = print_only
        if print_only and not print_to:
            raise InvalidInput(
                _("a badge station (print only) needs a printer: name one with --printer"),
                field="printer",
            )
        self.verifier = Verifier(store)
        # Where its decisions are written: a station's own login on a server writes through
        # the server's functions (services.door.ledger).
        self.ledger = ledger if ledger is not None else ledger_for(store, self._scanned)
        self._lines = threading.local()  # each thread's scan: a call given up goes on in its own
        # The door's events (a door for several: ``"fri,sat,sun"``, each ticket decided by its
        # own event's rules and list); ``event_id``: the first, or the only one.
        self.event_ids: tuple[int, ...] = ()
        self.event_titles: dict[int, str] = {}
        if event is not None:
            with store.read() as session:
                read = (get_event(session, ref) for ref in event_refs(event))
                found = [(e.id, e.title) for e in read]  # read while the session is open
            self.event_ids = tuple(dict.fromkeys(event_id for event_id, _title in found))
            self.event_titles = dict(found)
        self.event_id: int | None = self.event_ids[0] if self.event_ids else None
        # The door's check-in list (None: each ticket's event's default list), and the lists'
        # rules as last read, kept until a list changes (its updated_at, read with each ticket).
        self.list: ListRules | None = None
        self._lists: dict[int, ListRules] = {}
        self._defaults: dict[int, ListRules] = {}  # the default rules of each event, made once
        self.list_id: int | None = None  # a stored list's id (the default: read per ticket)
        if checkin_list is not None:
            self.list = self._door_list(checkin_list, event)
            # The default list is read by its event's (it comes and goes as it is changed).
            self.list_id = None if self.list.is_default else self.list.id
            if self.event_id is None:
                self.event_id = self.list.event_id
                self.event_ids = (self.list.event_id,)
            elif self.list.event_id not in self.event_ids:
                raise InvalidInput(
                    _("the list {list!r} is another event's").format(list=self.list.name),
                    field="list",
                )

    def _door_list(self, ref: str, event: str | int | None) -> ListRules:
        """The door's chosen list: of its one event, or at a door for several events, of the
        first of them that has a list of that name (EVENT/SLUG names one's)."""
        if len(self.event_ids) < 2:
            return find_list(self.store, ref, event)
        for event_id in self.event_ids[:-1]:
            try:
                return find_list(self.store, ref, event_id)
            except NotFound:
                continue
        return find_list(self.store, ref, self.event_ids[-1])

    def current_list(self) -> ListRules:
        """The list this door decides on, as it is now (the default: its event's; a door for
        several events: its chosen list, else its first event's default)."""
        if self.list_id is not None:
            return find_list(self.store, str(self.list_id))
        if self.list is not None:
            return find_list(self.store, f"{self.list.event_id}/default")
        if self.event_id is None:
            raise InvalidInput(
                _("a door with no event has each ticket's event's list"), field="list"
            )
        return find_list(self.store, f"{self.event_id}/default")

    # --- entry points (services.door.door.Door) --------------------------------------------
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
        """A scanned QR payload (a camera or a keyboard-wedge scanner) to a decision. With a
        ``nonce``, the same nonce again (a retry after a crash or a lost answer) gets the first
        answer back, marked ``replayed``, instead of "already checked in". ``answers``: to the
        list's questions, by key."""
        return self.once(
            parse_nonce(nonce),
            scanned_line(payload),
            lambda key: self._scan(
                payload, session_id, direction or self.direction, now, key, answers
            ),
        )

    def scan_many(
        self,
        payloads: Sequence[str],
        *,
        nonces: Sequence[str | None] | None = None,
        session_id: int | None = None,
        direction: Direction | None = None,
        now: datetime | None = None,
    ) -> list[ScanResult]:
        """Scans waiting at this door, decided in the order given, in one transaction where
        they can be (services.door.batch): the answers ``scan`` gives one at a time (a nonce
        answered before gets its answer again), with one durable commit for them all. One
        line (a kiosk's scan, most often) is ``scan``'s."""
        if len(payloads) == 1 and (nonces is None or len(nonces) == 1):
            key = nonces[0] if nonces is not None else None
            return [
                self.scan(
                    payloads[0], session_id=session_id, direction=direction, now=now, nonce=key
                )
            ]
        return scan_many(
            self, payloads, nonces=nonces, session_id=session_id, direction=direction, now=now
        )

    def _scan(
        self,
        payload: str,
        session_id: int | None,
        direction: Direction,
        now: datetime | None,
        nonce: str | None,
        answers: dict[str, str] | None = None,
    ) -> ScanResult:
        moment = now or self.clock()
        text, verified = self.verified(payload)
        if not isinstance(verified, Verified):
            with self.store.write_conn() as conn:
                return self.invalid_in(conn, text, verified, session_id, direction, moment, nonce)
        return self._decide(
            verified.ticket_id,
            text,
            session_id=session_id,
            direction=direction,
            now=moment,
            nonce=nonce,
            repaired=verified.repaired,
            answers=answers,
        )

    def verified(self, payload: str) -> tuple[str, Verified | InvalidPayload]:
        """The scanned line (stripped) and its ticket, or why it is not one."""
        text = payload.strip() if isinstance(payload, str) else ""
        try:
            return text, self.verifier.verify_scanned(text)  # repairs a mangled line (keymaps)
        except InvalidPayload as exc:
            return text, exc

    def invalid_in(
        self,
        conn: Connection,
        text: str,
        problem: InvalidPayload,
        session_id: int | None,
        direction: Direction,
        now: datetime,
        nonce: str | None,
        logs: list[dict[str, Any]] | None = None,
    ) -> ScanResult:
        why = said(problem.text)
        result = ScanResult(
            "invalid",
            # TRANSLATORS: {problem} is why: "not an eventdesk ticket code"
            said(N_("Not a valid ticket: {problem}"), problem=why),
            now,
            problem=why,
            direction=direction,
            session_id=session_id,
        )
        self.log_scan(conn, result, text, nonce=nonce, logs=logs)
        return result

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
        """Manual check-in by ticket id, as the desk does after a search (``nonce`` and
        ``answers`` as in ``scan``)."""
        return self.once(
            parse_nonce(nonce),
            _ticket_line(ticket_id),
            lambda key: self._checkin_ticket(
                ticket_id, session_id, direction or self.direction, now, key, answers
            ),
        )

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
        """The ticket checked in by hand and, when the door refuses it, admitted all the same
        by ``supervisor`` (their ``pin``) for ``reason`` (services.door.override)."""
        return override.decide_override(
            self,
            ticket_id,
            supervisor=supervisor,
            pin=pin,
            reason=reason,
            session_id=session_id,
            direction=direction or self.direction,
            now=now,
            nonce=nonce,
            answers=answers,
        )

    def supervisor(self, name: str, pin: str) -> str:
        """The name of the account that overrides, checked by its PIN and its right."""
        found = verify_staff(self.store, name, pin, now=self.clock())
        if not override.overrides(found.role, found.can_override):
            raise override.not_allowed(found.name)
        return found.name

    def log_override(self, conn: Connection, result: ScanResult, event_id: int | None) -> None:
        """An override in the transaction log."""
        override.log_override(
            conn, result, event_id=event_id, station=self.station, operator=self.operator
        )

    def undo(self, ticket_id: str, *, session_id: int | None = None) -> UndoResult:
        """A check-in annulled at this door, at its clock's time (services.door.undo)."""
        return undo_checkin(
            self.store, ticket_id, session_id=session_id, station=self.station, now=self.clock()
        )

    def _checkin_ticket(
        self,
        ticket_id: str,
        session_id: int | None,
        direction: Direction,
        now: datetime | None,
        nonce: str | None,
        answers: dict[str, str] | None = None,
    ) -> ScanResult:
        wanted = ticket_id.strip().upper() if isinstance(ticket_id, str) else ""
        if not (0 < len(wanted) <= 16 and wanted.isascii() and wanted.isalnum()):
            moment = now or self.clock()
            result = ScanResult(
                "unknown",
                said(N_("There is no such ticket.")),
                moment,
                direction=direction,
                session_id=session_id,
            )
            with self.store.write_conn() as conn:
                self.log_scan(conn, result, _ticket_line(ticket_id), nonce=nonce)
            return result
        return self._decide(
            ticket_id.strip().upper(),
            None,
            session_id=session_id,
            direction=direction,
            now=now or self.clock(),
            nonce=nonce,
            answers=answers,
        )

    def once(
        self, nonce: str | None, line: str, decide: Callable[[str | None], ScanResult]
    ) -> ScanResult:
        """A decision, or for a nonce answered before, that answer again: only for the same
        line (a nonce names one scan; another line with it is refused, never answered with the
        first one's welcome). Two stations sending one nonce at once: the second one's insert
        breaks the nonce's unique index, its whole transaction (the check-in too) rolls back,
        and it gets the first one's answer."""
        if nonce is None:
            return decide(None)
        earlier = self.answered_many({nonce: line}).get(nonce)
        if earlier is not None:
            return earlier
        try:
            return decide(nonce)
        except IntegrityError:
            earlier = self.answered_many({nonce: line}).get(nonce)
            if earlier is None:
                raise
            return earlier

    def answered_many(self, lines: dict[str, str]) -> dict[str, ScanResult]:
        """The answers given before to any of these nonces, each for its own line (a nonce
        given before to another line raises InvalidInput)."""
        if not lines:
            return {}
        kept = self.answers_table
        with self.store.read() as session:
            found = session.execute(
                select(kept.c.nonce, kept.c.payload, kept.c.answer).where(
                    kept.c.nonce.in_(list(lines)), kept.c.answer.is_not(None)
                )
            ).all()
        for nonce, payload, _answer in found:
            if payload != logged_line(lines[nonce]):
                raise InvalidInput(_(NONCE_TAKEN).format(nonce=nonce), field="nonce")
        return {nonce: from_answer(answer) for nonce, _payload, answer in found}

    # --- the decision -----------------------------------------------------------------------
    def _decide(
        self,
        ticket_id: str,
        raw: str | None,
        *,
        session_id: int | None,
        direction: Direction,
        now: datetime,
        nonce: str | None = None,
        repaired: str | None = None,
        answers: dict[str, str] | None = None,
    ) -> ScanResult:
        session_info = self.session_for(session_id, direction)
        with self.store.write_conn() as conn:
            return self.decide_in(
                conn,
                ticket_id,
                raw,
                session_id,
                session_info,
                direction,
                now,
                nonce,
                repaired,
                answers=answers,
            )

    def session_for(
        self, session_id: int | None, direction: Direction
    ) -> tuple[int, datetime, datetime] | None:
        """The session a scan is for (its event and times), after checking the direction."""
        if direction not in ("entry", "exit"):
            raise InvalidInput(_("direction must be entry or exit"), field="direction")
        if direction == "exit" and session_id is not None:
            raise InvalidInput(
                _("exit scans belong at the event's door, not a session door"), field="direction"
            )
        return self._session(session_id) if session_id is not None else None

    def decide_in(
        self,
        conn: Connection,
        ticket_id: str,
        raw: str | None,
        session_id: int | None,
        session_info: tuple[int, datetime, datetime] | None,
        direction: Direction,
        now: datetime,
        nonce: str | None,
        repaired: str | None,
        *,
        group: Group | None = None,
        answers: dict[str, str] | None = None,
    ) -> ScanResult:
        """One ticket's decision and its scan-log row, in the caller's write transaction (in
        scan_many's, its ``group``)."""
        line = raw if raw is not None else f"ticket:{ticket_id}"
        self._lines.current = (line, repaired is not None)
        row = group.looked_up.pop(ticket_id, None) if group is not None else None
        if row is None:
            if group is not None:  # read again (scanned twice in the group): as it is now
                group.flush(conn)
            row = (
                LOOKUP.first(conn, {"b_id": ticket_id})
                if self.list_id is None
                else LOOKUP_ON_LIST.first(conn, {"b_id": ticket_id, "b_list": self.list_id})
            )
        if row is not None and self._other_events_list(row):
            if group is not None:
                group.flush(conn)
            row = LOOKUP.first(conn, {"b_id": ticket_id})  # its own event's default list
        if row is None:
            result = ScanResult(
                "unknown",
                said(N_("This ticket is not in the database.")),
                now,
                ticket_id=ticket_id,
                session_id=session_id,
                direction=direction,
            )
        elif self.print_only and self.print_to:
            result = print_badge(self._rules(), conn, row, now, self.print_to)
        else:
            admits = group.admits if group is not None else None
            result = self._rules().judge(
                conn, row, session_id, session_info, direction, now, admits, answers
            )
        if repaired is not None:  # the scanner typed through another layout: staff can fix it
            result = replace(result, repaired=repaired)
        if row is not None and len(self.event_ids) > 1:  # the answer names the ticket's event
            result = replace(result, event_title=self.event_titles.get(row["event_id"]))
        self.log_scan(
            conn,
            result,
            raw if raw is not None else f"ticket:{ticket_id}",
            event_id=row["event_id"] if row is not None else self.event_id,
            nonce=nonce,
            logs=group.logs if group is not None else None,
        )
        return result

    # --- helpers ----------------------------------------------------------------------------
    def _other_events_list(self, row: Any) -> bool:
        """A ticket of another of the door's events than its chosen list's: decided on its
        own event's default list, not the chosen one (read again for it)."""
        return (
            self.list is not None
            and row["event_id"] != self.list.event_id
            and row["event_id"] in self.event_ids
        )

    def _rules(self) -> DoorRules:
        return DoorRules(
            station=self.station,
            event_id=self.event_id,
            event_ids=self.event_ids,
            self_service=self.self_service,
            print_to=self.print_to,
            ledger=self.ledger,
            list_of=self._list_of,
            door_list=self.list.name if self.list is not None else None,
            list_door=ListDoor,
        )

    def _list_of(self, conn: Connection, row: Any) -> ListRules | None:
        """The list a ticket's row is decided on: the door's, else the ticket's event's
        default; its rules as kept, or read again when the list changed (None: the door's
        list was deleted)."""
        list_id = row["list_id"]
        if list_id is None:
            if self.list_id is not None and not self._other_events_list(row):
                return None
            event_id = row["event_id"]
            kept = self._defaults.get(event_id)
            if kept is None:
                kept = self._defaults[event_id] = default_rules(event_id)
            return kept
        kept = self._lists.get(list_id)
        if kept is None or kept.updated_at != row["list_updated"]:
            found = conn.execute(LIST_ROW, {"b_list": list_id}).first()
            if found is None:
                return None
            kept = self._lists[list_id] = rules_of(found)
        return kept

    def _session(self, session_id: int) -> tuple[int, datetime, datetime]:
        """The session's event and times, read afresh (an organizer may move a session)."""
        with self.store.read() as session:
            row = session.get(EventSession, session_id) if as_id(session_id) else None
            if row is None:
                raise NotFound(
                    _("no session {session}").format(session=session_id), field="session"
                )
            return (row.event_id, row.starts_at, row.ends_at)

    def log_scan(
        self,
        conn: Connection,
        result: ScanResult,
        raw: str,
        *,
        event_id: int | None = None,
        nonce: str | None = None,
        logs: list[dict[str, Any]] | None = None,
    ) -> None:
        """The scan's scan-log row: written now, or kept in ``logs`` for the caller to write
        with the rest of its transaction's rows."""
        clipped = logged_line(raw)
        if self.ledger.offline:  # the station's copy: its answer says so, as the upload does
            result = replace(result, offline=True)
        if event_id is None:
            event_id = self.event_id
        if event_id is None:  # a door with no event set: the session's, else the current one
            if result.session_id is not None and as_id(result.session_id) is not None:
                event_id = conn.execute(SESSION_EVENT, {"b_session": result.session_id}).scalar()
            if event_id is None:
                event_id = current_event_id(conn, result.at)
        row = {
            "at": result.at,
            "station": self.station[:100],
            "operator": self.operator[:100] if self.operator else None,
            "event_id": event_id,
            "session_id": result.session_id,
            "ticket_id": result.ticket_id,
            "direction": result.direction,
            "payload": clipped,
            "result": result.result,
            "nonce": nonce,
            "answer": answer_json(result) if nonce is not None else None,
        }
        # The copy's ledger writes each decision's outbox row with it, now, whoever asks to keep
        # the row for later (a decision made offline is never left out of the outbox).
        if logs is None or self.ledger.offline:
            self.ledger.log(conn, row, result)
        else:
            logs.append(row)

    def _scanned(self) -> dict[str, Any]:
        """The line scanned for the server's functions to check against the ticket (and that
        this decision is online)."""
        line, repaired = getattr(self._lines, "current", ("", False))
        return {"b_payload": line, "b_repaired": repaired, "b_offline": False}

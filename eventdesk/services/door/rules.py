"""The check-in rules: the answer to a ticket's row as the door looked it up, and the one
compare-and-set that admits it (docs/architecture.md#check-in-rules).

The order of the checks is one table, services/door/rule_table.py, walked here: revoked (the
event or the ticket cancelled, or refunded), waitlisted, still importing, wrong_event, a list's
own rules, wrong_session, the exit (never refused for time or money), not_yet_valid / expired,
unpaid, needs_staff at a self-service kiosk; then the compare-and-set: ok, or
already_checked_in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from eventdesk.errors import NotFound
from eventdesk.i18n import _, speaking
from eventdesk.services.door import checkin_api as api
from eventdesk.services.door.checkin_sql import (
    ADMIT,
    FIRST,
    LEAVE,
    READMIT,
    SESSION_ADMIT,
    SESSION_FIRST,
)
from eventdesk.services.door.lists import ListRules, default_rules
from eventdesk.services.door.printing import enqueue_in
from eventdesk.services.door.rule_table import (
    RULES,
    Situation,
    clock,
    first_rule,
    welcome,
    welcome_back,
)
from eventdesk.services.door.scan_result import Direction, ScanOutcome, ScanResult

Answer = Callable[..., ScanResult]
# The refusals that send the person to the desk (to pay, for an ID check, for a question).
AT_THE_DESK: frozenset[ScanOutcome] = frozenset({"unpaid", "needs_staff", "needs_answer"})


@dataclass(frozen=True)
class DoorRules:
    """The rules as one door applies them."""

    station: str
    event_id: int | None  # the door's event (None: any)
    self_service: bool  # a kiosk: tickets that need staff (an ID check) go to the desk
    print_to: str | None  # the printer that gets a badge at each first check-in
    api: bool  # a station's own login: it writes through the server's functions
    dialect: str
    scanned: Callable[[], dict[str, Any]]  # the line scanned, for the server's functions
    # The check-in list a ticket's row is decided on (None: the door's list was deleted).
    list_of: Callable[[Connection, Any], ListRules | None] = lambda _conn, row: default_rules(
        row["event_id"]
    )
    door_list: str | None = None  # the door's own list (None: each event's default)

    def judge(
        self,
        conn: Connection,
        row: Any,
        session_id: int | None,
        session_info: tuple[int, datetime, datetime] | None,
        direction: Direction,
        now: datetime,
        admits: list[dict[str, Any]] | None = None,
        answers: dict[str, str] | None = None,
    ) -> ScanResult:
        """The decision on ``row``'s ticket. A kiosk's is worded in the language its holder
        registered with (the attendee reads it there); a desk's in the station's."""
        decide = (conn, row, session_id, session_info, direction, now, admits, answers)
        if not (self.self_service and row["language"]):
            return self._judge(*decide)
        with speaking(row["language"]):
            return self._judge(*decide)

    def _judge(
        self,
        conn: Connection,
        row: Any,
        session_id: int | None,
        session_info: tuple[int, datetime, datetime] | None,
        direction: Direction,
        now: datetime,
        admits: list[dict[str, Any]] | None,
        answers: dict[str, str] | None,
    ) -> ScanResult:
        rules = self.list_of(conn, row)

        def answer(result: ScanOutcome, message: str, **extra: Any) -> ScanResult:
            extra.setdefault("see_desk", result in AT_THE_DESK)
            return ScanResult(
                result,
                message,
                now,
                ticket_id=row["id"],
                attendee=row["attendee"],
                ticket_type=row["ticket_type"],
                # Only with an admission (a person leaving needs no staff note).
                attention=row["attention"] if result == "ok" and direction == "entry" else None,
                event=row["slug"],
                session_id=session_id,
                direction=direction,
                seat=row["seat_label"],
                list=rules.slug if rules is not None and session_id is None else None,
                language=row["language"],
                **extra,
            )

        situation = Situation(
            conn,
            row,
            door_event=self.event_id,
            self_service=self.self_service,
            door_list=self.door_list,
            rules=rules,
            session_id=session_id,
            session_info=session_info,
            direction=direction,
            now=now,
        )
        rule = first_rule(RULES, situation)
        if rule is not None and rule.then == "list":
            assert rules is not None
            from eventdesk.services.door.list_door import ListDoor  # builds on this module

            return ListDoor(self, rules, conn, row, now, answer).judge(direction, answers)
        if rule is not None and rule.then == "exit":
            return self._exit_cas(conn, row, now, answer, reentry=bool(row["allow_reentry"]))
        if rule is not None and rule.result is not None:
            said = {"rule": rule.name, **rule.extra(situation)}  # the row that refused
            return answer(rule.result, rule.tells(situation), **said)
        owed = situation.owed
        if session_id is not None:
            return self._session_cas(conn, row, session_id, now, answer, owed)
        return self._entry_cas(
            conn, row, now, answer, owed, admits, reentry=bool(row["allow_reentry"])
        )

    def _entry_cas(
        self,
        conn: Connection,
        row: Any,
        now: datetime,
        answer: Answer,
        owed: dict[str, Any],
        admits: list[dict[str, Any]] | None = None,
        *,
        reentry: bool,
    ) -> ScanResult:
        admit = {"b_id": row["id"], "b_now": now, "b_station": self.station}
        if admits is not None and row["status"] == "registered" and row["checked_in_at"] is None:
            # Read in a group's transaction and not changed in it since: its compare-and-set
            # changes it, written with the group's others (checkin.py's _Group.flush).
            admits.append(admit)
            admitted = 1
        elif self.api:
            admitted = api.changed(api.ADMIT, conn, {**admit, **self.scanned()})
        else:
            admitted = ADMIT.rowcount(conn, admit)
        if admitted == 1:
            if self.print_to:
                enqueue_in(
                    conn, row["id"], self.print_to, reason="checkin", station=self.station, now=now
                )
            return answer(
                "ok",
                welcome(row),
                badge_queued=self.print_to is not None,
                first_checked_in_at=now,
                **owed,
                first_station=self.station,
            )
        if reentry:
            back_in = (
                api.changed(api.READMIT, conn, {"b_id": row["id"], "b_station": self.station})
                if self.api
                else READMIT.rowcount(conn, {"b_id": row["id"]})
            )
            if back_in == 1:
                first_at, first_station = _first(conn, row["id"])[:2]
                return answer(
                    "ok",
                    welcome_back(row),
                    reentry=True,
                    first_checked_in_at=first_at,
                    first_station=first_station,
                    **owed,
                )
        first_at, first_station, status = _first(conn, row["id"])
        if status != "registered":  # cancelled between the look-up and the update
            return answer("revoked", _("This ticket was cancelled."))
        return answer(
            "already_checked_in",
            _("Already checked in at {time} at {station}.").format(
                time=clock(first_at, row), station=first_station or _("another station")
            ),
            first_checked_in_at=first_at,
            first_station=first_station,
        )

    def _exit_cas(
        self, conn: Connection, row: Any, now: datetime, answer: Answer, *, reentry: bool
    ) -> ScanResult:
        if not reentry:
            return answer("no_reentry", _("This event has no re-entry: exit scans are off."))
        left = (
            api.changed(api.LEAVE, conn, {"b_id": row["id"], "b_station": self.station})
            if self.api
            else LEAVE.rowcount(conn, {"b_id": row["id"]})
        )
        if left == 1:
            return answer(
                "ok",
                _("Goodbye, {attendee}: see you later.").format(attendee=row["attendee"]),
                first_checked_in_at=row["checked_in_at"],
                first_station=row["checked_in_station"],
            )
        return answer("not_checked_in", _("This ticket is not checked in: nothing to check out."))

    def _session_cas(
        self,
        conn: Connection,
        row: Any,
        session_id: int,
        now: datetime,
        answer: Answer,
        owed: dict[str, Any],
    ) -> ScanResult:
        values = {
            "b_id": row["id"],
            "b_session": session_id,
            "b_now": now,
            "b_station": self.station,
        }
        # RETURNING, not rowcount: psycopg reports -1 for an upsert whose key comes back.
        if (
            api.changed(api.SESSION_ADMIT, conn, {**values, **self.scanned()})
            if self.api
            else conn.execute(SESSION_ADMIT[self.dialect], values).first() is not None
        ):
            return answer(
                "ok",
                welcome(row),
                first_checked_in_at=now,
                first_station=self.station,
                **owed,
            )
        first = conn.execute(SESSION_FIRST, {"b_id": row["id"], "b_session": session_id}).first()
        if first is None:  # not inserted and not there: cancelled a moment ago
            return answer("revoked", _("This ticket was cancelled."))
        first_at, first_station = first
        return answer(
            "already_checked_in",
            _("Already checked in to this session at {time} at {station}.").format(
                time=clock(first_at, row), station=first_station
            ),
            first_checked_in_at=first_at,
            first_station=first_station,
        )


def _first(conn: Connection, ticket_id: str) -> tuple[datetime | None, str | None, str]:
    """The ticket's first check-in (time and station) and its status now."""
    found = FIRST.first(conn, {"b_id": ticket_id})
    if found is None:
        raise NotFound(_("no ticket {ticket}").format(ticket=ticket_id), field="ticket")
    return found["checked_in_at"], found["checked_in_station"], found["status"]

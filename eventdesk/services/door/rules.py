"""The door's rules: one table, and the judge that walks it (docs/architecture.md#check-in-rules).

The table: each row a rule, the condition under which it answers, its result, what it tells the
person and how the server checks it. ``DoorRules.judge`` walks it in order, the first row that
applies being the answer: revoked (the event or the ticket cancelled, or refunded), waitlisted,
still importing, wrong_event, a list's own rules, wrong_session, the exit (never refused for time
or money), not_yet_valid / expired, unpaid, needs_staff at a self-service kiosk. A row with
``then`` hands the scan on (to a check-in list's own rules, or to the exit), and past the last
row the one compare-and-set admits: ok, or already_checked_in. A check-in list's own table
(``LIST_RULES``) is walked beside its judge, in services/door/list_door.py.
``tests/door/test_rule_table.py`` runs every row, and the situations around them, on SQLite, on
PostgreSQL as each login and on a station's copy, and checks the server's own refusal
(``station_api._refusal``, for a station's login) against the rows it checks, in the same order.

A row's ``server`` is its condition as the server's function writes it; None for what only the
door knows (its own event, that it is a kiosk) or what the server leaves to its other checks.

Here too is what both judges of a door say (this table's and a check-in list's,
services/door/list_door.py): the welcome, a time on the door's clock, the desk's message, the
money a ticket still owes, and when an event's door opens and closes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from sqlalchemy import Connection

from eventdesk.door_event import DOOR_CLOSES_AFTER, DOOR_OPENS_BEFORE
from eventdesk.errors import NotFound
from eventdesk.i18n import N_, _
from eventdesk.services.door.checkin_sql import (
    FIRST,
    IN_SESSION,
    QUEUE_BADGE,
    REFUNDED,
    SESSION_FIRST,
)
from eventdesk.services.door.lists import ListRules, default_rules
from eventdesk.services.door.scan_result import (
    Direction,
    Money,
    Said,
    ScanOutcome,
    ScanResult,
    Time,
    said,
    worded,
)

if TYPE_CHECKING:
    from eventdesk.services.door.ledger import Ledger
    from eventdesk.services.door.list_door import ListDoor

SESSION_OPENS_BEFORE = timedelta(minutes=60)  # a session door opens this long before it starts
IMPORTING_MESSAGE = N_("This ticket is still being imported: scan it again in a minute.")
Then = Literal["list", "exit"]
Seen = TypeVar("Seen")  # what a table's rows read: a Situation, or a ListDoor


# --- what the door says (both judges: this table's and a list's, services/door/list_door.py) --
NEEDS_STAFF_MESSAGE = N_("Please see the desk (ID check).")
ASK_AT_DESK = N_("Please see the desk: a question to answer first.")


def queue_badge(
    conn: Connection, ticket_id: str, printer: str, station: str, now: datetime
) -> None:
    """A badge for the ticket just admitted, queued in the admission's transaction (the print
    worker takes it from there: services/door/printing.py)."""
    QUEUE_BADGE.rowcount(
        conn,
        {
            "ticket_id": ticket_id,
            "printer": printer,
            "reason": "checkin",
            "state": "queued",
            "attempts": 0,
            "station": station,
            "created_at": now,
            "updated_at": now,
        },
    )


def door_times(row: Any) -> tuple[datetime, datetime]:
    """When the event's door opens and closes (its own times, else a while around it)."""
    return (
        row["checkin_opens_at"] or row["starts_at"] - DOOR_OPENS_BEFORE,
        row["checkin_closes_at"] or row["ends_at"] + DOOR_CLOSES_AFTER,
    )


def welcome(row: Any) -> Said:
    return said(
        N_("Welcome, {attendee} ({ticket_type})."),
        attendee=row["attendee"],
        ticket_type=row["ticket_type"],
    )


def welcome_back(row: Any) -> Said:
    """The welcome of a person let in again (an event or list with re-entry)."""
    # TRANSLATORS: a person let in again (after an exit): their ticket was shown at the first
    return said(N_("Welcome back, {attendee}."), attendee=row["attendee"])


def money_due(row: Any) -> dict[str, Any]:
    """What a ticket's row still owes, as a decision's fields (none: paid, or free)."""
    due = max(row["price_cents"] - int(row["paid"] or 0), 0)
    if due <= 0:
        return {}
    return {"due": due, "currency": row["currency"], "see_desk": True}


def clock(moment: datetime | None, row: Any) -> Time:
    """A time as the door says it: today's clock in the event's zone ("?": not known)."""
    return Time(moment, row["timezone"], "clock")


@dataclass
class Situation:
    """What the rules read of one scan: the ticket's row as the door looked it up, the door,
    the list it is decided on, the session and the time, and when its door opens and closes."""

    conn: Connection
    row: Any
    door_events: tuple[int, ...]  # the door's own events (none: any)
    self_service: bool  # a kiosk
    door_list: str | None  # the door's own list's name (None: each event's default)
    rules: ListRules | None  # the list it is decided on (None: the door's list was deleted)
    session_id: int | None
    session_info: tuple[int, datetime, datetime] | None  # the session's event, start and end
    direction: Direction
    now: datetime

    @cached_property
    def window(self) -> tuple[datetime, datetime]:
        """When the door opens and closes for it: the session's times at a session door, else
        the event's."""
        if self.session_info is not None:
            _event, start, end = self.session_info
            return start - SESSION_OPENS_BEFORE, end
        return door_times(self.row)

    @cached_property
    def owed(self) -> dict[str, Any]:
        """What the ticket still owes, as a decision's fields (``money_due``)."""
        return money_due(self.row)

    def zone_time(self, moment: datetime | None) -> Time:
        return Time(moment, self.row["timezone"])

    def refunded(self) -> bool:
        return self.conn.execute(REFUNDED, {"b_id": self.row["id"]}).first() is not None


@dataclass(frozen=True)
class Rule(Generic[Seen]):
    """One row of a table: of the event's door (``Seen``: a Situation) or of a check-in list's
    (a ListDoor). ``names_list``: a list's refusal names the list and says what would pass
    ("Lounge: VIP only."); else the answer is the door's own sentence."""

    name: str  # the rule its answer names
    result: ScanOutcome | None  # None: the row hands the scan on (``then``)
    applies: Callable[[Seen], bool]
    tells: Callable[[Seen], Said] = lambda _s: worded("")
    extra: Callable[[Seen], dict[str, Any]] = lambda _s: {}
    server: str | None = None  # the server's own condition for it, as its function writes it
    then: Then | None = None
    names_list: bool = False


def _other_event(s: Situation) -> Said:
    return said(N_("This ticket is for another event ({event})."), event=s.row["slug"])


def _on_a_list(s: Situation) -> bool:
    return s.session_id is None and s.rules is not None and not s.rules.plain


def _not_in_session(s: Situation) -> bool:
    if s.session_info is None:
        return False
    found = s.conn.execute(IN_SESSION, {"b_id": s.row["id"], "b_session": s.session_id}).first()
    return found is None


def owed_money(owed: dict[str, Any]) -> Money:
    """What a ticket still owes (``money_due``'s fields), as an amount."""
    return Money(owed["due"], owed["currency"])


# A shop's ticket valid only between two times of its own (pretix's position validity).
VALID_FROM = N_("This ticket is valid from {time}.")
VALID_UNTIL = N_("This ticket was valid until {time}.")


def ticket_too_early(s: Situation | ListDoor) -> bool:
    """Before the ticket's own first moment (the door's and a list's)."""
    return s.row["valid_from"] is not None and s.now < s.row["valid_from"]


def ticket_too_late(s: Situation | ListDoor) -> bool:
    """After the ticket's own last moment (the door's and a list's)."""
    return s.row["valid_until"] is not None and s.now > s.row["valid_until"]


def _unpaid(s: Situation) -> bool:
    """Money owed holds back whoever is not inside: someone let in owing (an override, or
    before the event refused unpaid tickets) and scanned again while inside is inside, as the
    compare-and-set says; once they have left, it holds them back again."""
    return bool(s.owed) and s.row["unpaid_policy"] != "admit" and not s.row["inside"]


# The order of the checks (docs/architecture.md#check-in-rules).
RULES: tuple[Rule[Situation], ...] = (
    Rule(
        "event_cancelled",
        "revoked",
        lambda s: s.row["event_status"] == "cancelled",
        lambda _s: said(N_("This event was cancelled.")),
        server="e.status = 'cancelled'",
    ),
    Rule(
        "ticket_cancelled",
        "revoked",
        lambda s: s.row["status"] == "cancelled",
        lambda s: (
            said(N_("This ticket was refunded."))
            if s.refunded()
            else said(N_("This ticket was cancelled."))
        ),
        server="t.status = 'cancelled'",
    ),
    Rule(
        # Looked up only for a priced ticket with nothing paid: rare at the door. (A full refund
        # cancels the ticket: the row above.)
        "refunded",
        "revoked",
        lambda s: s.row["price_cents"] > 0 and int(s.row["paid"] or 0) <= 0 and s.refunded(),
        lambda _s: said(N_("This ticket was refunded.")),
    ),
    Rule(
        "waitlisted",
        "waitlisted",
        lambda s: s.row["status"] == "waitlisted",
        lambda _s: said(N_("This ticket is on the waitlist, not admitted yet.")),
        server="t.status = 'waitlisted'",
    ),
    Rule(
        "importing",
        "not_yet_valid",
        lambda s: s.row["import_state"] not in (None, "done"),
        lambda _s: said(IMPORTING_MESSAGE),
        server="import_state IS NOT NULL AND import_state <> 'done'",
    ),
    # What the shop says of the ticket (services.data.pretix): blocked there, or its order
    # awaiting the shop's approval. Offline, as the ticket's status, no reason on the server.
    Rule(
        "shop_blocked",
        "revoked",
        lambda s: s.row["shop_hold"] == "blocked",
        lambda _s: said(N_("The shop blocked this ticket.")),
        server="t.shop_hold = 'blocked'",
    ),
    Rule(
        "awaiting_approval",
        "not_yet_valid",
        lambda s: s.row["shop_hold"] == "approval",
        lambda _s: said(N_("The shop has not approved this order yet.")),
        server="t.shop_hold = 'approval'",
    ),
    Rule(
        "other_event",
        "wrong_event",
        lambda s: bool(s.door_events) and s.row["event_id"] not in s.door_events,
        _other_event,
    ),
    Rule(
        "list_deleted",
        "closed",
        lambda s: s.rules is None,
        lambda s: said(
            N_(
                "This door's check-in list ({list}) was deleted: choose another list for this door."
            ),
            list=s.door_list or "",
        ),
        extra=lambda _s: {"rule": "list"},
    ),
    # A check-in list of its own (not the event's plain "once"): its rules decide
    # (services/door/list_door.py, checked on the server by station_api._list_refusal). A door
    # with a list admits that list's event (Checkin refuses another event's list when it is
    # made): a ticket of another event is the "other_event" row's.
    Rule("on_a_list", None, _on_a_list, then="list"),
    Rule(
        "session_of_another_event",
        "wrong_event",
        lambda s: s.session_info is not None and s.session_info[0] != s.row["event_id"],
        _other_event,
        server="s.event_id <> t.event_id",
    ),
    Rule(
        "not_in_session",
        "wrong_session",
        _not_in_session,
        lambda _s: said(N_("This ticket is not registered for this session.")),
        # A seat waiting for a full session is not in it.
        server="ticket_id = t.id AND session_id = p_session AND status = 'registered'",
    ),
    # Someone leaving is never held back for time or money.
    Rule("leaving", None, lambda s: s.direction == "exit", then="exit"),
    Rule(
        "too_early",
        "not_yet_valid",
        lambda s: s.now < s.window[0],
        lambda s: said(N_("Check-in opens at {time}."), time=s.zone_time(s.window[0])),
        server="p_at < opens",
    ),
    Rule(
        "too_late",
        "expired",
        lambda s: s.now > s.window[1],
        lambda s: said(N_("Check-in closed at {time}."), time=s.zone_time(s.window[1])),
        server="p_at > closes",
    ),
    Rule(
        "ticket_not_yet_valid",
        "not_yet_valid",
        ticket_too_early,
        lambda s: said(VALID_FROM, time=s.zone_time(s.row["valid_from"])),
        server="t.valid_from IS NOT NULL AND p_at < t.valid_from",
    ),
    Rule(
        "ticket_expired",
        "expired",
        ticket_too_late,
        lambda s: said(VALID_UNTIL, time=s.zone_time(s.row["valid_until"])),
        server="t.valid_until IS NOT NULL AND p_at > t.valid_until",
    ),
    Rule(
        "unpaid",
        "unpaid",
        _unpaid,
        lambda s: said(N_("Not paid: {amount} due."), amount=owed_money(s.owed)),
        extra=lambda s: s.owed,
        server="t.price_cents > 0 AND NOT t.inside",
    ),
    Rule(
        # Would be admitted, but its first admission is for staff (an ID check). The attention
        # note stays for the desk: it is shown only with an admission.
        "needs_staff",
        "needs_staff",
        lambda s: s.self_service and bool(s.row["needs_staff"]) and s.row["checked_in_at"] is None,
        lambda _s: said(NEEDS_STAFF_MESSAGE),
    ),
)


def first_rule(table: Sequence[Rule[Seen]], seen: Seen) -> Rule[Seen] | None:
    """The first row of ``table`` that applies to ``seen`` (None: none; admit)."""
    for rule in table:
        if rule.applies(seen):
            return rule
    return None


Answer = Callable[..., ScanResult]
# The refusals that send the person to the desk (to pay, for an ID check, for a question).
AT_THE_DESK: frozenset[ScanOutcome] = frozenset({"unpaid", "needs_staff", "needs_answer"})


@dataclass(frozen=True)
class DoorRules:
    """The rules as one door applies them."""

    station: str
    event_id: int | None  # the door's (first) event (None: any)
    self_service: bool  # a kiosk: tickets that need staff (an ID check) go to the desk
    print_to: str | None  # the printer that gets a badge at each first check-in
    ledger: Ledger  # where its decisions are written (services.door.ledger)
    # The check-in list a ticket's row is decided on (None: the door's list was deleted).
    list_of: Callable[[Connection, Any], ListRules | None] = lambda _conn, row: default_rules(
        row["event_id"]
    )
    door_list: str | None = None  # the door's own list (None: each event's default)
    # The events the door admits (a door for several events); empty: ``event_id``'s, if any.
    event_ids: tuple[int, ...] = ()
    # A check-in list's own judge (services/door/list_door.py, which builds on this module).
    list_door: type[ListDoor] | None = None

    @property
    def door_events(self) -> tuple[int, ...]:
        """The events whose tickets this door admits (none: any event's)."""
        if self.event_ids:
            return self.event_ids
        return (self.event_id,) if self.event_id is not None else ()

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
        """The decision on ``row``'s ticket. It words nothing: what it tells the person is
        worded by the reader (a kiosk in the language its holder registered with, a desk in
        the station's)."""
        return self._judge(conn, row, session_id, session_info, direction, now, admits, answers)

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
        answer = _answerer(row, rules, session_id, direction, now)
        situation = self._situation(conn, row, rules, session_id, session_info, direction, now)
        rule = first_rule(RULES, situation)
        if rule is not None and rule.then == "list":
            assert rules is not None and self.list_door is not None
            return self.list_door(self, rules, conn, row, now, answer).judge(direction, answers)
        if rule is not None and rule.then == "exit":
            return self.exit_cas(conn, row, now, answer, reentry=bool(row["allow_reentry"]))
        if rule is not None and rule.result is not None:
            said = {"rule": rule.name, **rule.extra(situation)}  # the row that refused
            return answer(rule.result, rule.tells(situation), **said)
        owed = situation.owed
        if session_id is not None:
            return self._session_cas(conn, row, session_id, now, answer, owed)
        return self.entry_cas(
            conn, row, now, answer, owed, admits, reentry=bool(row["allow_reentry"])
        )

    def refusal(
        self, conn: Connection, row: Any, now: datetime, *, skip: frozenset[str] = frozenset()
    ) -> ScanResult | None:
        """Why this door would turn ``row``'s ticket away at its entry at ``now``, on its list,
        admitting nothing (the rows named in ``skip`` left out); None where it would let it in
        (then the compare-and-set says whether it was in before). A tick on the paper door
        list is judged so (services.stations.paper_ticks)."""
        rules = self.list_of(conn, row)
        answer = _answerer(row, rules, None, "entry", now)
        situation = self._situation(conn, row, rules, None, None, "entry", now)
        rule = first_rule([r for r in RULES if r.name not in skip], situation)
        if rule is not None and rule.then == "list":
            assert rules is not None and self.list_door is not None
            return self.list_door(self, rules, conn, row, now, answer).refusal(skip)
        if rule is None or rule.result is None:
            return None
        return answer(rule.result, rule.tells(situation), rule=rule.name, **rule.extra(situation))

    def _situation(
        self,
        conn: Connection,
        row: Any,
        rules: ListRules | None,
        session_id: int | None,
        session_info: tuple[int, datetime, datetime] | None,
        direction: Direction,
        now: datetime,
    ) -> Situation:
        return Situation(
            conn,
            row,
            door_events=self.door_events,
            self_service=self.self_service,
            door_list=self.door_list,
            rules=rules,
            session_id=session_id,
            session_info=session_info,
            direction=direction,
            now=now,
        )

    def entry_cas(
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
            # changes it, written with the group's others (batch.py's Group.flush).
            admits.append(admit)
            admitted = 1
        else:
            admitted = self.ledger.admit(conn, admit)
        if admitted == 1:
            if self.print_to:
                queue_badge(conn, row["id"], self.print_to, self.station, now)
            return answer(
                "ok",
                welcome(row),
                badge_queued=self.print_to is not None,
                first_checked_in_at=now,
                **owed,
                first_station=self.station,
            )
        if reentry:
            back_in = self.ledger.readmit(conn, {"b_id": row["id"], "b_station": self.station})
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
            return answer("revoked", said(N_("This ticket was cancelled.")))
        return answer(
            "already_checked_in",
            said(
                N_("Already checked in at {time} at {station}."),
                time=clock(first_at, row),
                station=first_station or said(N_("another station")),
            ),
            first_checked_in_at=first_at,
            first_station=first_station,
        )

    def exit_cas(
        self, conn: Connection, row: Any, now: datetime, answer: Answer, *, reentry: bool
    ) -> ScanResult:
        if not reentry:
            return answer("no_reentry", said(N_("This event has no re-entry: exit scans are off.")))
        left = self.ledger.leave(conn, {"b_id": row["id"], "b_station": self.station})
        if left == 1:
            return answer(
                "ok",
                said(N_("Goodbye, {attendee}: see you later."), attendee=row["attendee"]),
                first_checked_in_at=row["checked_in_at"],
                first_station=row["checked_in_station"],
            )
        return answer(
            "not_checked_in", said(N_("This ticket is not checked in: nothing to check out."))
        )

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
        if self.ledger.session_admit(conn, values):
            return answer(
                "ok",
                welcome(row),
                first_checked_in_at=now,
                first_station=self.station,
                **owed,
            )
        first = conn.execute(SESSION_FIRST, {"b_id": row["id"], "b_session": session_id}).first()
        if first is None:  # not inserted and not there: cancelled a moment ago
            return answer("revoked", said(N_("This ticket was cancelled.")))
        first_at, first_station = first
        return answer(
            "already_checked_in",
            said(
                N_("Already checked in to this session at {time} at {station}."),
                time=clock(first_at, row),
                station=first_station,
            ),
            first_checked_in_at=first_at,
            first_station=first_station,
        )


def _answerer(
    row: Any,
    rules: ListRules | None,
    session_id: int | None,
    direction: Direction,
    now: datetime,
) -> Answer:
    """How a decision on ``row``'s ticket is made into an answer."""

    def answer(result: ScanOutcome, message: Said, **extra: Any) -> ScanResult:
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
            alert=row["alert"] if result == "ok" and direction == "entry" else None,
            **_notes(row, direction),
            **extra,
        )

    return answer


def _notes(row: Any, direction: Direction) -> dict[str, Any]:
    """The staff's notes on the ticket's holder and its order, with an entry's answer (a
    person leaving needs none)."""
    if direction != "entry":
        return {}
    return {"note": row["note"], "order_note": row["order_note"]}


def _first(conn: Connection, ticket_id: str) -> tuple[datetime | None, str | None, str]:
    """The ticket's first check-in (time and station) and its status now."""
    found = FIRST.first(conn, {"b_id": ticket_id})
    if found is None:
        raise NotFound(_("no ticket {ticket}").format(ticket=ticket_id), field="ticket")
    return found["checked_in_at"], found["checked_in_station"], found["status"]

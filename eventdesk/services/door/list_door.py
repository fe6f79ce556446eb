"""A door on a check-in list whose rules are more than the default's (services.door.lists): the
list's checks in their order, each refusal naming its rule and what would pass, then the
list's own compare-and-set, in the admission's transaction.

The order is a table, LIST_RULES at the end of this module (the door's own is
services/door/rules.py's RULES): the ticket type, the sessions,
an exit (never held back for time or money), the days, the hours (the event's door times when
the list sets none), unpaid, needs staff at a kiosk, the questions (at the first admission);
then the entry: once, once a day, or again after an exit (and not before the least time between
two entries)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from eventdesk.errors import InvalidInput
from eventdesk.event_time import event_zone, in_zone
from eventdesk.i18n import N_
from eventdesk.models import EventSession, TicketType
from eventdesk.services.door.checkin_sql import (
    ANSWERS,
    IN_ANY_SESSION,
    LIST_ENTRY,
)
from eventdesk.services.door.list_changes import names_of
from eventdesk.services.door.lists import (
    ListRules,
    Question,
    day_of,
    event_days,
)
from eventdesk.services.door.rules import (
    ASK_AT_DESK,
    NEEDS_STAFF_MESSAGE,
    VALID_FROM,
    VALID_UNTIL,
    Rule,
    clock,
    door_times,
    first_rule,
    money_due,
    owed_money,
    queue_badge,
    ticket_too_early,
    ticket_too_late,
    welcome,
    welcome_back,
)
from eventdesk.services.door.scan_result import (
    Day,
    Direction,
    Names,
    Said,
    ScanResult,
    Time,
    said,
    worded,
)

if TYPE_CHECKING:
    from eventdesk.services.door.rules import DoorRules


@dataclass
class ListDoor:
    """One ticket's decision on one list."""

    door: DoorRules
    rules: ListRules
    conn: Connection
    row: Any
    now: datetime
    answer: Callable[..., ScanResult]
    zone: ZoneInfo = field(init=False)
    today: date = field(init=False)
    entries: str = field(init=False)
    on_ticket: bool = field(init=False)
    key: dict[str, Any] = field(init=False)
    entry: dict[str, Any] | None = field(init=False)
    direction: Direction = field(init=False)
    given: dict[str, str] | None = field(init=False)
    staff_check: bool = field(init=False)

    def judge(self, direction: Direction, given: dict[str, str] | None) -> ScanResult:
        """The list's table (LIST_RULES, below) walked in order, the first row that applies
        being the answer; past the last, the list's compare-and-set."""
        rule = self._walk(direction, given, LIST_RULES)
        if rule is not None and rule.then == "exit":
            return self.leave()
        if rule is not None and rule.result is not None:
            return self._refused(rule)
        answers = self.parsed if isinstance(self.parsed, dict) else {}
        result = self.enter(self.owed)
        if result.admitted and answers and not result.reentry:  # the first one's
            self.keep(answers)
            result = replace(result, answers=tuple(sorted(answers.items())))
        return result

    def refusal(self, skip: frozenset[str] = frozenset()) -> ScanResult | None:
        """Why the list turns the ticket away at its entry (its rows named in ``skip`` left
        out), admitting nothing; None where it would let it in (DoorRules.refusal)."""
        rule = self._walk("entry", None, [r for r in LIST_RULES if r.name not in skip])
        if rule is None or rule.result is None:
            return None
        return self._refused(rule)

    def _refused(self, rule: Rule[ListDoor]) -> ScanResult:
        told, extra = rule.tells(self), rule.extra(self)
        if rule.names_list:
            return self.refuse(rule.result, rule.name, told, **extra)
        return self.answer(rule.result, told, rule=rule.name, **extra)

    def _walk(
        self,
        direction: Direction,
        given: dict[str, str] | None,
        table: Sequence[Rule[ListDoor]],
    ) -> Rule[ListDoor] | None:
        """The first row of ``table`` that applies to this ticket, its facts read first."""
        rules, row = self.rules, self.row
        self.direction, self.given = direction, given
        self.zone = event_zone(row["timezone"])
        self.today = day_of(self.now, self.zone)
        self.entries = rules.entries_for(bool(row["allow_reentry"]))
        self.on_ticket = rules.on_ticket(bool(row["allow_reentry"]))
        self.key = {
            "b_list": rules.id,
            "b_id": row["id"],
            "b_day": self.today.isoformat() if self.entries == "daily" else "",
        }
        # Read first only where the first admission asks something (a question, an ID check at
        # a kiosk) or an exit is told apart: else the insert-once says it, and the entry is read
        # only when the ticket was admitted before (one statement less on the door's usual path).
        self.staff_check = bool(
            self.door.self_service and row["needs_staff"] and not rules.staff_pass
        )
        self.entry = (
            LIST_ENTRY.first(self.conn, self.key)
            if not self.on_ticket and (rules.questions or self.staff_check or direction == "exit")
            else None
        )
        return first_rule(table, self)

    @property
    def first(self) -> bool:
        """The ticket's first admission on the list (what asks a question or an ID check)."""
        return self.entry is None and (not self.on_ticket or self.row["checked_in_at"] is None)

    @cached_property
    def parsed(self) -> dict[str, str] | InvalidInput:
        """The answers given with the scan, read as the list's questions say (or what is
        wrong with them)."""
        try:
            return self.rules.answers(self.given)
        except InvalidInput as exc:
            return exc

    @cached_property
    def missing(self) -> tuple[Question, ...]:
        """The required questions not answered yet, at the first admission."""
        if not (self.first and self.rules.questions) or isinstance(self.parsed, InvalidInput):
            return ()
        known = dict(
            self.conn.execute(ANSWERS, {"b_id": self.row["id"], "b_list": self.rules.id}).all()
        )
        return tuple(self.rules.missing({**known, **self.parsed}))

    @cached_property
    def days(self) -> list[date]:
        """The event's days."""
        return event_days(self.row["starts_at"], self.row["ends_at"], self.row["timezone"])

    @cached_property
    def open_days(self) -> list[date]:
        """The event's days the list is open on (all of them, unless it names some)."""
        return [d for d in (self.rules.days or self.days) if d in self.days]

    @cached_property
    def owed(self) -> dict[str, Any]:
        """What the ticket still owes, as a decision's fields (``money_due``)."""
        return money_due(self.row)

    # --- the refusals -----------------------------------------------------------------------
    def refuse(self, result: Any, rule: str, would_pass: Said, **extra: Any) -> ScanResult:
        """A refusal that names the list and says what would pass."""
        return self.answer(
            result,
            # TRANSLATORS: a refusal on a check-in list: "{list}" is its name, "{refusal}" what
            # would pass ("VIP only.", "open 18:00-23:00; opens at 18:00.")
            said(N_("{list}: {refusal}"), list=self.rules.name, refusal=would_pass),
            rule=rule,
            would_pass=would_pass,
            **extra,
        )

    def next_open_day(self) -> date | None:
        """The next day the list is open after today (a day with hours, where it has some)."""
        hours = bool(self.rules.hours)
        later = [
            d for d in self.open_days if d > self.today and (not hours or self.rules.hours_on(d))
        ]
        return later[0] if later else None

    # --- the compare-and-set ----------------------------------------------------------------
    def enter(self, owed: dict[str, Any]) -> ScanResult:
        rules, row, door = self.rules, self.row, self.door
        if self.on_ticket:  # the default list, once or unlimited: the ticket's own columns
            return door.entry_cas(
                self.conn, row, self.now, self.answer, owed, reentry=self.entries == "unlimited"
            )
        values = {**self.key, "b_now": self.now, "b_station": door.station}
        arrived = row["checked_in_at"]
        if (
            self.entry is None
            and rules.is_default
            and arrived is not None
            and day_of(arrived, self.zone) == self.today
        ):
            # Checked in today before the default list counted days: today's entry is that one.
            self.entry = {
                "first_at": arrived,
                "station": row["checked_in_station"],
                "last_at": arrived,
                "inside": row["inside"],
                "entries": 1,
            }
        if self.entry is None:
            if door.ledger.list_admit(self.conn, values):
                if rules.is_default and row["checked_in_at"] is None:  # the event's arrival too
                    door.ledger.admit(self.conn, values)
                printer = door.print_to if door.print_to and self._first_ever() else None
                if printer is not None:
                    queue_badge(self.conn, row["id"], printer, door.station, self.now)
                return self.answer(
                    "ok",
                    welcome(row),
                    badge_queued=printer is not None,
                    **owed,
                    first_checked_in_at=self.now,
                    first_station=door.station,
                    list_day=self.key["b_day"],
                )
            self.entry = LIST_ENTRY.first(self.conn, self.key)
            if self.entry is None:  # not inserted and not there: cancelled a moment ago
                return self.answer("revoked", said(N_("This ticket was cancelled.")))
        return self.again(owed)

    def again(self, owed: dict[str, Any]) -> ScanResult:
        """A ticket the list has admitted before (today, for a daily list)."""
        entry, rules, door = self.entry, self.rules, self.door
        assert entry is not None
        first_at, first_station = entry["first_at"], entry["station"]
        where = first_station or said(N_("another station"))
        if self.entries == "daily":
            later = self.next_open_day()
            if later is None:
                then = said(N_("this was its last day."))
            elif later == self.today + timedelta(days=1):
                then = said(N_("valid again tomorrow."))
            else:
                then = said(N_("valid again {day}."), day=Day(later))
            return self.answer(
                "used_today",
                # TRANSLATORS: {then} is "valid again tomorrow.", "this was its last day."...
                said(
                    N_("{list}: used today at {time} at {station}; {then}"),
                    list=rules.name,
                    time=clock(first_at, self.row),
                    station=where,
                    then=then,
                ),
                rule="entries",
                first_checked_in_at=first_at,
                first_station=first_station,
            )
        if self.entries == "once" or entry["inside"]:
            if self.entries != "once":
                text = N_(
                    "Already checked in at {time} at {station} (still inside: scan out at the "
                    "exit first)."
                )
            else:
                text = N_("Already checked in at {time} at {station}.")
            return self.answer(
                "already_checked_in",
                said(text, time=clock(first_at, self.row), station=where),
                rule="entries",
                first_checked_in_at=first_at,
                first_station=first_station,
            )
        gap = timedelta(minutes=rules.min_gap_minutes or 0)
        since = self.now - gap
        if entry["last_at"] > since:
            return self.refuse(
                "too_soon",
                "min_gap",
                said(
                    N_("entered at {time}; again from {again}."),
                    time=clock(entry["last_at"], self.row),
                    again=clock(entry["last_at"] + gap, self.row),
                ),
            )
        values = {
            **self.key,
            "b_now": self.now,
            "b_since": since,
            "b_station": door.station,
            "b_offline": False,
        }
        back = door.ledger.list_reenter(self.conn, values)
        if back == 1:
            return self.answer(
                "ok",
                welcome_back(self.row),
                reentry=True,
                **owed,
                first_checked_in_at=first_at,
                first_station=first_station,
                list_day=self.key["b_day"],
            )
        self.entry = LIST_ENTRY.first(self.conn, self.key)  # another door let it in meanwhile
        return (
            self.again(owed)
            if self.entry is not None and self.entry["inside"]
            else (self.answer("revoked", said(N_("This ticket was cancelled."))))
        )

    def leave(self) -> ScanResult:
        """An exit scan on the list (never held back for time or money)."""
        if self.entries == "once":
            return self.refuse(
                "no_reentry", "entries", said(N_("one entry only: exit scans are off."))
            )
        if self.on_ticket:
            return self.door.exit_cas(self.conn, self.row, self.now, self.answer, reentry=True)
        values = {**self.key, "b_station": self.door.station}
        left = self.door.ledger.list_leave(self.conn, values)
        if left == 1:
            if self.rules.is_default:
                self.door.ledger.leave(self.conn, values)
            entry = self.entry or {}
            return self.answer(
                "ok",
                said(N_("Goodbye, {attendee}: see you later."), attendee=self.row["attendee"]),
                first_checked_in_at=entry.get("first_at"),
                first_station=entry.get("station"),
                list_day=self.key["b_day"],
            )
        return self.answer(
            "not_checked_in", said(N_("This ticket is not checked in: nothing to check out."))
        )

    # --- after an admission -----------------------------------------------------------------
    def _first_ever(self) -> bool:
        """This list's first admission of the ticket (a badge is printed once)."""
        if self.entries != "daily":
            return True
        return self.row["checked_in_at"] is None if self.rules.is_default else True

    def keep(self, answers: dict[str, str]) -> None:
        values = [
            {
                "ticket_id": self.row["id"],
                "list_id": self.rules.id,
                "key": key,
                "value": value,
                "answered_at": self.now,
                "station": self.door.station,
            }
            for key, value in answers.items()
        ]
        self.door.ledger.answers(self.conn, values)


# --- the list's table (ListDoor walks it) -------------------------------------------------
def _hours_closed(d: ListDoor) -> bool:
    hours = d.rules.hours_on(d.today)
    clock_now = in_zone(d.now, d.zone).time()
    return not any(h.open_at(clock_now) for h in hours)


def _hours_said(d: ListDoor) -> Said:
    hours = d.rules.hours_on(d.today)
    later = d.next_open_day()
    if not hours:
        if later:
            return said(N_("closed today; open again {day}."), day=Day(later))
        return said(N_("closed today."))
    clock_now = in_zone(d.now, d.zone).time()
    spans = ", ".join(f"{h.opens:%H:%M}-{h.closes:%H:%M}" for h in hours)
    upcoming = sorted(h.opens for h in hours if h.opens > clock_now)
    if upcoming:
        return said(N_("open {hours}; opens at {time}."), hours=spans, time=f"{upcoming[0]:%H:%M}")
    if later:
        return said(
            N_("open {hours}; closed for today, open again {day}."), hours=spans, day=Day(later)
        )
    return said(N_("open {hours}; closed for today."), hours=spans)


def _asked(d: ListDoor) -> dict[str, Any]:
    return {
        "asks": tuple(q.key for q in d.missing),
        "questions": tuple((q.key, q.kind, q.text, "|".join(q.choices)) for q in d.rules.questions),
    }


LIST_RULES: tuple[Rule[ListDoor], ...] = (
    Rule(
        "ticket_types",
        "wrong_type",
        lambda d: (
            d.rules.ticket_types is not None and d.row["ticket_type_id"] not in d.rules.ticket_types
        ),
        lambda d: said(
            N_("{ticket_types} only."),
            ticket_types=Names(tuple(names_of(d.conn, TicketType, d.rules.ticket_types))),
        ),
        server="l.ticket_types IS NOT NULL AND NOT EXISTS",
        names_list=True,
    ),
    Rule(
        "sessions",
        "wrong_session",
        lambda d: (
            d.rules.sessions is not None
            and d.conn.execute(
                IN_ANY_SESSION, {"b_id": d.row["id"], "b_sessions": sorted(d.rules.sessions)}
            ).first()
            is None
        ),
        lambda d: said(
            N_("for {sessions} only."),
            sessions=Names(tuple(names_of(d.conn, EventSession, d.rules.sessions)), "or"),
        ),
        server="l.sessions IS NOT NULL AND NOT EXISTS",
        names_list=True,
    ),
    # Someone leaving is never held back for the day, the hour or money.
    Rule("leaving", None, lambda d: d.direction == "exit", then="exit"),
    Rule(
        "days",
        "closed",
        lambda d: d.rules.days is not None and d.today not in d.open_days,
        lambda d: said(
            N_("open on {days} only."),
            days=Names(tuple(Day(day) for day in d.open_days)),
        ),
        server="l.days IS NOT NULL AND NOT EXISTS",
        names_list=True,
    ),
    Rule(
        "days",
        "closed",
        lambda d: bool(d.rules.hours) and d.today not in d.days,
        lambda d: said(
            N_("open {first} to {last} only."),
            first=Day(d.days[0], weekday=False),
            last=Day(d.days[-1], weekday=False),
        ),
        names_list=True,
    ),
    Rule(
        "hours",
        "closed",
        lambda d: bool(d.rules.hours) and _hours_closed(d),
        _hours_said,
        server="l.hours IS NOT NULL",
        names_list=True,
    ),
    Rule(
        "event_hours",
        "not_yet_valid",
        lambda d: not d.rules.hours and d.now < door_times(d.row)[0],
        lambda d: said(
            N_("Check-in opens at {time}."), time=Time(door_times(d.row)[0], d.row["timezone"])
        ),
        server="p_at < COALESCE(e.checkin_opens_at, e.starts_at - interval '24 hours')",
    ),
    Rule(
        "event_hours",
        "expired",
        lambda d: not d.rules.hours and d.now > door_times(d.row)[1],
        lambda d: said(
            N_("Check-in closed at {time}."), time=Time(door_times(d.row)[1], d.row["timezone"])
        ),
        server="p_at > COALESCE(e.checkin_closes_at, e.ends_at + interval '6 hours')",
    ),
    Rule(
        "ticket_not_yet_valid",
        "not_yet_valid",
        ticket_too_early,
        lambda d: said(VALID_FROM, time=Time(d.row["valid_from"], d.row["timezone"])),
        server="t.valid_from IS NOT NULL AND p_at < t.valid_from",
    ),
    Rule(
        "ticket_expired",
        "expired",
        ticket_too_late,
        lambda d: said(VALID_UNTIL, time=Time(d.row["valid_until"], d.row["timezone"])),
        server="t.valid_until IS NOT NULL AND p_at > t.valid_until",
    ),
    Rule(
        "unpaid",
        "unpaid",
        lambda d: bool(d.owed) and (d.rules.unpaid or d.row["unpaid_policy"]) != "admit",
        lambda d: said(N_("not paid: {amount} due."), amount=owed_money(d.owed)),
        extra=lambda d: d.owed,
        server="COALESCE(l.unpaid, e.unpaid_policy) <> 'admit' AND t.price_cents > 0",
        names_list=True,
    ),
    Rule(
        "needs_staff",
        "needs_staff",
        lambda d: d.staff_check and d.first,
        lambda _d: said(NEEDS_STAFF_MESSAGE),
    ),
    Rule(
        "questions",
        "needs_answer",
        lambda d: isinstance(d.parsed, InvalidInput),
        lambda d: worded(f"{d.parsed}"),
    ),
    Rule(
        "questions",
        "needs_answer",
        lambda d: bool(d.missing),
        lambda d: (
            said(ASK_AT_DESK)
            if d.door.self_service
            else said(
                N_("Please answer first: {questions}"),
                questions=" ".join(q.text for q in d.missing),
            )
        ),
        extra=_asked,
    ),
)

"""A door on a check-in list whose rules are more than the default's (services.door.lists): the
list's checks in their order, each refusal naming its rule and what would pass, then the
list's own compare-and-set, in the admission's transaction.

The order: the ticket type, the sessions, an exit (never held back for time or money), the
days, the hours (the event's door times when the list sets none), unpaid, needs staff at a
kiosk, the questions (at the first admission), then the entry: once, once a day, or again
after an exit (and not before the least time between two entries)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from eventdesk.errors import InvalidInput
from eventdesk.event_time import event_zone, in_zone, show, show_day
from eventdesk.i18n import N_, _
from eventdesk.models import EventSession, TicketType
from eventdesk.services.door import checkin_api as api
from eventdesk.services.door.checkin_sql import (
    ADMIT,
    ANSWER,
    ANSWERS,
    IN_ANY_SESSION,
    LEAVE,
    LIST_ADMIT,
    LIST_ENTRY,
    LIST_LEAVE,
    LIST_REENTER,
)
from eventdesk.services.door.lists import (
    ListRules,
    day_of,
    event_days,
    joined,
    names_of,
    short_day,
)
from eventdesk.services.door.printing import enqueue_in
from eventdesk.services.door.rule_table import (
    NEEDS_STAFF_MESSAGE,
    clock,
    door_times,
    money_due,
    welcome,
    welcome_back,
)
from eventdesk.services.door.scan_result import Direction, ScanResult
from eventdesk.values import money_text

if TYPE_CHECKING:
    from eventdesk.services.door.rules import DoorRules

ASK_AT_DESK = N_("Please see the desk: a question to answer first.")


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

    def judge(self, direction: Direction, given: dict[str, str] | None) -> ScanResult:
        rules, row = self.rules, self.row
        if rules.ticket_types is not None and row["ticket_type_id"] not in rules.ticket_types:
            names = names_of(self.conn, TicketType, rules.ticket_types)
            return self.refuse(
                "wrong_type",
                "ticket_types",
                _("{ticket_types} only.").format(ticket_types=joined(names)),
            )
        if rules.sessions is not None and (
            self.conn.execute(
                IN_ANY_SESSION, {"b_id": row["id"], "b_sessions": sorted(rules.sessions)}
            ).first()
            is None
        ):
            names = names_of(self.conn, EventSession, rules.sessions)
            return self.refuse(
                "wrong_session",
                "sessions",
                _("for {sessions} only.").format(sessions=joined(names, "or")),
            )
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
        staff_check = self.door.self_service and row["needs_staff"] and not rules.staff_pass
        self.entry = (
            LIST_ENTRY.first(self.conn, self.key)
            if not self.on_ticket and (rules.questions or staff_check or direction == "exit")
            else None
        )
        if direction == "exit":
            return self.leave()
        closed = self.closed()
        if closed is not None:
            return closed
        owed = money_due(row)
        if owed and (rules.unpaid or row["unpaid_policy"]) != "admit":
            return self.refuse(
                "unpaid",
                "unpaid",
                _("not paid: {amount} due.").format(
                    amount=money_text(owed["due"], row["currency"])
                ),
                **owed,
            )
        first = self.entry is None and (not self.on_ticket or row["checked_in_at"] is None)
        if staff_check and first:
            return self.answer("needs_staff", _(NEEDS_STAFF_MESSAGE), rule="needs_staff")
        try:
            answers = rules.answers(given)
        except InvalidInput as exc:
            return self.answer("needs_answer", f"{exc}", rule="questions")
        if first and rules.questions:
            known = {
                key: value
                for key, value in self.conn.execute(
                    ANSWERS, {"b_id": row["id"], "b_list": rules.id}
                ).all()
            }
            missing = rules.missing({**known, **answers})
            if missing:
                keys = tuple(q.key for q in missing)
                asked = tuple((q.key, q.kind, q.text, "|".join(q.choices)) for q in rules.questions)
                if self.door.self_service:
                    return self.answer(
                        "needs_answer", _(ASK_AT_DESK), rule="questions", asks=keys, questions=asked
                    )
                return self.answer(
                    "needs_answer",
                    _("Please answer first: {questions}").format(
                        questions=" ".join(q.text for q in missing)
                    ),
                    rule="questions",
                    asks=keys,
                    questions=asked,
                )
        result = self.enter(owed)
        if result.admitted and answers and not result.reentry:  # the first one's
            self.keep(answers)
            result = replace(result, answers=tuple(sorted(answers.items())))
        return result

    def days(self) -> list[date]:
        return event_days(self.row["starts_at"], self.row["ends_at"], self.row["timezone"])

    # --- the refusals -----------------------------------------------------------------------
    def refuse(self, result: Any, rule: str, would_pass: str, **extra: Any) -> ScanResult:
        """A refusal that names the list and says what would pass."""
        return self.answer(
            result,
            # TRANSLATORS: a refusal on a check-in list: "{list}" is its name, "{refusal}" what
            # would pass ("VIP only.", "open 18:00-23:00; opens at 18:00.")
            _("{list}: {refusal}").format(list=self.rules.name, refusal=would_pass),
            rule=rule,
            would_pass=would_pass,
            **extra,
        )

    def closed(self) -> ScanResult | None:
        """Refused for the day or the hour, or None when the list is open now."""
        rules, row = self.rules, self.row
        days = self.days()
        open_days = [d for d in (rules.days or days) if d in days]
        if rules.days is not None and self.today not in open_days:
            return self.refuse(
                "closed",
                "days",
                _("open on {days} only.").format(days=joined([short_day(d) for d in open_days])),
            )
        if not rules.hours:
            opens, closes = door_times(row)
            if self.now < opens:
                return self.answer(
                    "not_yet_valid",
                    _("Check-in opens at {time}.").format(time=show(opens, self.zone)),
                    rule="event_hours",
                )
            if self.now > closes:
                return self.answer(
                    "expired",
                    _("Check-in closed at {time}.").format(time=show(closes, self.zone)),
                    rule="event_hours",
                )
            return None
        if self.today not in days:
            return self.refuse(
                "closed",
                "days",
                _("open {first} to {last} only.").format(
                    first=show_day(days[0]), last=show_day(days[-1])
                ),
            )
        hours = rules.hours_on(self.today)
        if not hours:
            later = self._next_open_day(open_days)
            return self.refuse(
                "closed",
                "hours",
                _("closed today; open again {day}.").format(day=short_day(later))
                if later
                else _("closed today."),
            )
        clock_now = in_zone(self.now, self.zone).time()
        if any(h.open_at(clock_now) for h in hours):
            return None
        spans = ", ".join(f"{h.opens:%H:%M}-{h.closes:%H:%M}" for h in hours)
        upcoming = sorted(h.opens for h in hours if h.opens > clock_now)
        if upcoming:
            return self.refuse(
                "closed",
                "hours",
                _("open {hours}; opens at {time}.").format(
                    hours=spans, time=f"{upcoming[0]:%H:%M}"
                ),
            )
        later = self._next_open_day(open_days)
        return self.refuse(
            "closed",
            "hours",
            _("open {hours}; closed for today, open again {day}.").format(
                hours=spans, day=short_day(later)
            )
            if later
            else _("open {hours}; closed for today.").format(hours=spans),
        )

    def _next_open_day(self, open_days: list[date]) -> date | None:
        """The next day the list is open after today (a day with hours, where it has some)."""
        hours = bool(self.rules.hours)
        later = [d for d in open_days if d > self.today and (not hours or self.rules.hours_on(d))]
        return later[0] if later else None

    # --- the compare-and-set ----------------------------------------------------------------
    def enter(self, owed: dict[str, Any]) -> ScanResult:
        rules, row, door = self.rules, self.row, self.door
        if self.on_ticket:  # the default list, once or unlimited: the ticket's own columns
            return door._entry_cas(
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
            if door.api:
                inserted = api.changed(api.LIST_ADMIT, self.conn, {**values, **door.scanned()})
            else:
                inserted = int(
                    self.conn.execute(LIST_ADMIT[door.dialect], values).first() is not None
                )
            if inserted:
                if rules.is_default and row["checked_in_at"] is None:  # the event's arrival too
                    if door.api:
                        api.changed(api.ADMIT, self.conn, {**values, **door.scanned()})
                    else:
                        ADMIT.rowcount(self.conn, values)
                printer = door.print_to if door.print_to and self._first_ever() else None
                if printer is not None:
                    enqueue_in(
                        self.conn,
                        row["id"],
                        printer,
                        reason="checkin",
                        station=door.station,
                        now=self.now,
                    )
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
                return self.answer("revoked", _("This ticket was cancelled."))
        return self.again(owed)

    def again(self, owed: dict[str, Any]) -> ScanResult:
        """A ticket the list has admitted before (today, for a daily list)."""
        entry, rules, door = self.entry, self.rules, self.door
        assert entry is not None
        first_at, first_station = entry["first_at"], entry["station"]
        where = first_station or _("another station")
        if self.entries == "daily":
            days = self.days()
            later = self._next_open_day([d for d in (rules.days or days) if d in days])
            if later is None:
                then = _("this was its last day.")
            elif later == self.today + timedelta(days=1):
                then = _("valid again tomorrow.")
            else:
                then = _("valid again {day}.").format(day=short_day(later))
            return self.answer(
                "used_today",
                # TRANSLATORS: {then} is "valid again tomorrow.", "this was its last day."...
                _("{list}: used today at {time} at {station}; {then}").format(
                    list=rules.name, time=clock(first_at, self.row), station=where, then=then
                ),
                rule="entries",
                first_checked_in_at=first_at,
                first_station=first_station,
            )
        if self.entries == "once" or entry["inside"]:
            if self.entries != "once":
                said = _(
                    "Already checked in at {time} at {station} (still inside: scan out at the "
                    "exit first)."
                )
            else:
                said = _("Already checked in at {time} at {station}.")
            return self.answer(
                "already_checked_in",
                said.format(time=clock(first_at, self.row), station=where),
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
                _("entered at {time}; again from {again}.").format(
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
        back = (
            api.changed(api.LIST_REENTER, self.conn, values)
            if door.api
            else LIST_REENTER.rowcount(self.conn, values)
        )
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
            else (self.answer("revoked", _("This ticket was cancelled.")))
        )

    def leave(self) -> ScanResult:
        """An exit scan on the list (never held back for time or money)."""
        if self.entries == "once":
            return self.refuse("no_reentry", "entries", _("one entry only: exit scans are off."))
        if self.on_ticket:
            return self.door._exit_cas(self.conn, self.row, self.now, self.answer, reentry=True)
        values = {**self.key, "b_station": self.door.station}
        left = (
            api.changed(api.LIST_LEAVE, self.conn, values)
            if self.door.api
            else LIST_LEAVE.rowcount(self.conn, values)
        )
        if left == 1:
            if self.rules.is_default:
                if self.door.api:
                    api.changed(api.LEAVE, self.conn, values)
                else:
                    LEAVE.rowcount(self.conn, values)
            entry = self.entry or {}
            return self.answer(
                "ok",
                _("Goodbye, {attendee}: see you later.").format(attendee=self.row["attendee"]),
                first_checked_in_at=entry.get("first_at"),
                first_station=entry.get("station"),
                list_day=self.key["b_day"],
            )
        return self.answer(
            "not_checked_in", _("This ticket is not checked in: nothing to check out.")
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
        if self.door.api:
            for value in values:
                api.ANSWER.first(self.conn, value)
            return
        self.conn.execute(ANSWER[self.door.dialect], values)

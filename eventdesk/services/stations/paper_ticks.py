"""Ticks from the paper door list entered back (``checkin import-ticks FILE --at TIME --station
Paper [--event EVENT] [--list LIST]``, the desk's "Paper ticks"; docs/operators-guide.md, "When
every machine fails").

A tick is an admission made at a door with no machine, decided afterwards as that door would
have decided it then: for the door's event(s) and check-in list, at the time the paper was
ticked (services/door/rules.py's ``DoorRules.refusal``: a ticket of another event is
``wrong_event``, a list's rule refuses naming itself, an unpaid ticket where the event or list
refuses unpaid ones is ``unpaid``, a time the door was closed ``not_yet_valid`` or ``expired``).
What cannot come from paper is not asked: a list's questions. The time must fall within the
door's event's days (05:00 to 05:00, eventdesk.event_time) and not later than now: else nothing
is entered (InvalidInput).

A tick goes in as an offline station's upload does (services.stations.sync), marked as from
paper (``source`` "paper" in the answer the scan log keeps, ``offline`` like every scan decided
without the server), with the time the paper was ticked and the paper's station name. So it is
idempotent (a tick's nonce is made from its station, ticket and time, and what was decided: the
same file entered twice changes nothing), and a ticket another station admitted meanwhile is
stored as a conflict naming both stations and times (``report conflicts``, the stats), never
dropped. A ticket this server does not know is listed, not fatal; a refused tick is logged as
refused, with why. A station's own login enters them through the server's functions, as its own
station (the server checks them again: a row it refuses is listed with its reason).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Connection, Table, select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed
from eventdesk.event_time import DAY_CHANGE_HOURS, event_zone, in_zone, show
from eventdesk.i18n import N_, _
from eventdesk.models import Event
from eventdesk.services.door.answer_words import sentence
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.checkin_sql import LIST_ENTRY, LIST_ROW, LOOKUP_IN
from eventdesk.services.door.effects import Effect
from eventdesk.services.door.ledger import ledger_for
from eventdesk.services.door.list_door import ListDoor
from eventdesk.services.door.lists import ListRules, day_of, default_rules, event_days, rules_of
from eventdesk.services.door.rules import DoorRules, money_due
from eventdesk.services.door.scan_result import ScanResult, answer_json, said
from eventdesk.services.stations.paper_file import is_ticket_id, shown
from eventdesk.services.stations.sync import apply_rows
from eventdesk.services.stations.sync_rows import HOLDER, TICKET_ID
from eventdesk.values import money_text, parse_time, utcnow

PAPER = "paper"  # the scan log's source of a tick
Outcome = Literal["admitted", "conflict", "unknown", "refused"]
_event = cast(Table, Event.__table__)
_CLOCK = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
ADMITTED = N_("Ticked on the paper door list: admitted.")
# What a tick is not asked: a list's questions (no answer comes from paper).
NOT_FROM_PAPER = frozenset({"questions"})
RUN = 500  # ticks applied a statement


@dataclass(frozen=True)
class Tick:
    """One ticket ticked on paper, and what became of it: ``admitted`` (now or when the same
    tick was entered before; ``due``: money still owed, where the rules admit unpaid tickets),
    a ``conflict`` (another station admitted it: ``other_station`` at ``other_at``),
    ``unknown`` to this server, ``refused`` (``decision``: the door's answer, naming its rule;
    or ``why``: the server's reason)."""

    ticket_id: str
    outcome: Outcome
    name: str | None = None
    other_station: str | None = None
    other_at: datetime | None = None
    status: str | None = None  # the ticket's status ("cancelled" also for a cancelled event)
    timezone: str | None = None
    at: datetime | None = None  # when the paper was ticked, as taken (a clock alone: its last)
    decision: ScanResult | None = None
    server_said: str | None = None
    due: int = 0
    currency: str | None = None

    @property
    def result(self) -> str | None:
        """A refusal's result code (``wrong_event``, ``unpaid``...)."""
        if self.decision is not None:
            return self.decision.result
        return "refused" if self.server_said else None

    @property
    def why(self) -> str:
        """Why it was refused, in the reader's language."""
        if self.decision is not None:
            return sentence(self.decision)
        return self.server_said or ""

    def words(self) -> str:
        """What became of it, for the desk's dialog and the command line."""
        who = f"{shown(self.ticket_id)} {self.name}" if self.name else shown(self.ticket_id)
        if self.outcome == "admitted":
            if self.due > 0:
                return _("{ticket}: admitted from paper; {amount} still due").format(
                    ticket=who, amount=money_text(self.due, self.currency)
                )
            return _("{ticket}: admitted from paper").format(ticket=who)
        if self.outcome == "unknown":
            return _("{ticket}: no such ticket").format(ticket=who)
        if self.outcome == "refused":
            return _("{ticket}: refused: {why}").format(ticket=who, why=self.why)
        return _("{ticket}: conflict, admitted at {station} ({time})").format(
            ticket=who,
            station=self.other_station or "?",
            time=show(self.other_at, event_zone(self.timezone), none="?"),
        )


@dataclass(frozen=True)
class DoorDay:
    """One of the door's events, and when the paper may have been ticked for it."""

    id: int
    title: str
    timezone: str
    opens: datetime  # its first day's 05:00, in its zone
    closes: datetime  # the 05:00 after its last day

    def holds(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes

    def said(self) -> str:
        zone = event_zone(self.timezone)
        return _("{event}: {start} to {end}").format(
            event=self.title, start=show(self.opens, zone), end=show(self.closes, zone)
        )


def tick_time(typed: str, timezone: str, now: datetime) -> datetime:
    """When the paper was ticked, typed in the event's zone: a date and time (ISO 8601), or a
    clock alone ("21:30"), the last such moment before now. Never later than now."""
    found = _CLOCK.match(typed.strip())
    if found is not None:
        zone = event_zone(timezone)
        hour, minute = int(found[1]), int(found[2])
        if hour > 23 or minute > 59:
            raise InvalidInput(
                _("{value!r} is not a time of day (HH:MM)").format(value=typed), field="at"
            )
        local = in_zone(now, zone).replace(hour=hour, minute=minute, second=0, microsecond=0)
        if local > in_zone(now, zone):
            local -= timedelta(days=1)
        return parse_time(local.replace(tzinfo=None).isoformat(), "at", tz=timezone)
    moment = parse_time(typed, "at", tz=timezone)
    if moment > now + timedelta(minutes=1):
        raise InvalidInput(
            _("the paper cannot have been ticked at {time}: that is later than now").format(
                time=show(moment, event_zone(timezone))
            ),
            field="at",
        )
    return moment


def tick_nonce(station: str, ticket_id: str, at: datetime, decided: str = "") -> str:
    """A tick's nonce: the same tick entered again (decided the same) is the same scan."""
    made = f"{station}|{ticket_id}|{at.isoformat()}" + (f"|{decided}" if decided else "")
    return f"{PAPER}-{hashlib.sha256(made.encode()).hexdigest()[:40]}"


def door_days(store: Store, event_ids: Sequence[int]) -> list[DoorDay]:
    """The door's events, each with its days (eventdesk.event_time: 05:00 to 05:00)."""
    with store.read() as session:
        rows = session.execute(
            select(
                _event.c.id, _event.c.title, _event.c.timezone, _event.c.starts_at, _event.c.ends_at
            ).where(_event.c.id.in_(event_ids))
        ).all()
    found = {}
    for row in rows:
        days = event_days(row.starts_at, row.ends_at, row.timezone)
        zone = event_zone(row.timezone)
        change = time(DAY_CHANGE_HOURS)
        found[row.id] = DoorDay(
            row.id,
            row.title,
            row.timezone or "UTC",
            datetime.combine(days[0], change, tzinfo=zone),
            datetime.combine(days[-1] + timedelta(days=1), change, tzinfo=zone),
        )
    return [found[e] for e in event_ids if e in found]


def enter_ticks(
    store: Store,
    ticket_ids: Iterable[str],
    *,
    at: str,
    station: str,
    events: str | None,
    checkin_list: str | None = None,
    operator: str | None = None,
    now: datetime | None = None,
) -> list[Tick]:
    """Enter the ticks of ``ticket_ids`` (ticked on paper at ``at``, typed in the event's
    zone, at the door of ``events``, on ``checkin_list``) as admissions of ``station``; what
    became of each, in the order given. A time outside the events' days, or later than now,
    enters nothing (InvalidInput)."""
    wanted = list(dict.fromkeys(t.strip().upper() for t in ticket_ids if t.strip()))
    station = station.strip()
    if not station:
        raise InvalidInput(_("a station name is required (e.g. Paper)"), field="station")
    login = store.station_login()
    if login is not None:
        if login.kind == "door":
            raise NotAllowed(
                _(
                    "A door's own login admits by QR code only: paper ticks are entered by a "
                    "desk's login or the organizer's."
                )
            )
        if station != login.station:
            raise InvalidInput(
                _(
                    "This desk's own login enters paper ticks as its own station: "
                    "--station {station}"
                ).format(station=login.station),
                field="station",
            )
    if not events and not checkin_list:
        raise InvalidInput(
            _(
                "the ticks of a paper door list are entered for its door's event: name it with "
                "--event EVENT (or choose this door's event)"
            ),
            field="event",
        )
    door = Checkin(store, station=station, event=events or None, checkin_list=checkin_list)
    days = door_days(store, door.event_ids)
    clock = now or utcnow()
    times = {d.id: tick_time(at, d.timezone, clock) for d in days}
    open_days = {d.id for d in days if d.holds(times[d.id])}
    if not open_days:
        first = days[0]
        zone = event_zone(first.timezone)
        said_days = _(
            "the paper cannot have been ticked at {time}: that is outside the days of the "
            "door's event ({days})"
        ).format(time=show(times[first.id], zone), days="; ".join(d.said() for d in days))
        if _CLOCK.match(at.strip()):
            example = (
                f"{in_zone(first.opens, zone):%Y-%m-%d}T{in_zone(times[first.id], zone):%H:%M}"
            )
            # TRANSLATORS: after "that is outside the days of the door's event (...)"
            said_days += " " + _(
                "(a time alone is the last such time before now: give the day too, as {example})"
            ).format(example=example)
        raise InvalidInput(said_days, field="at")
    judge = _Judge(door, days, times, open_days, store, station, operator)
    decided = judge.decide([t for t in wanted if is_ticket_id(t)])
    rows = [d.row for d in decided.values()]
    refused: dict[int, str] = {}
    for start in range(0, len(rows), RUN):
        refused.update(apply_rows(store, rows[start : start + RUN]).refused)
    return judge.outcomes(wanted, decided, refused)


@dataclass
class _Decided:
    """A tick as decided, and its outbox row."""

    held: dict[str, Any]  # the ticket's row, as the door looked it up
    at: datetime
    decision: ScanResult
    row: dict[str, Any]
    list_key: dict[str, Any] | None  # a list's own entries: the admission's list and day


class _Judge:
    """Each tick decided as the door of ``door`` would have, at its time."""

    def __init__(
        self,
        door: Checkin,
        days: list[DoorDay],
        times: dict[int, datetime],
        open_days: set[int],
        store: Store,
        station: str,
        operator: str | None,
    ) -> None:
        self.door, self.days, self.times, self.open_days = door, days, times, open_days
        self.store, self.station, self.operator = store, station, operator
        own = door.list
        self.own: ListRules | None = own if own is not None and not own.is_default else None
        self.rules = DoorRules(
            station=station,
            event_id=door.event_id,
            event_ids=door.event_ids,
            self_service=False,
            print_to=None,
            ledger=ledger_for(store, dict),  # no line scanned: a tick on paper
            list_of=self.list_of,
            door_list=own.name if own is not None else None,
            list_door=ListDoor,
        )

    def list_of(self, conn: Connection, row: Any) -> ListRules | None:
        """The list a ticket is decided on: the door's own, for its event's tickets; else the
        ticket's event's default."""
        if self.own is not None and row["event_id"] == self.own.event_id:
            return self.own
        if row["list_id"] is None:
            return default_rules(row["event_id"])
        found = conn.execute(LIST_ROW, {"b_list": row["list_id"]}).first()
        return rules_of(found) if found is not None else default_rules(row["event_id"])

    def decide(self, tickets: Sequence[str]) -> dict[str, _Decided]:
        found: dict[str, _Decided] = {}
        with self.store.read() as session:
            conn = session.connection()
            for start in range(0, len(tickets), RUN):
                part = list(tickets[start : start + RUN])
                for held in conn.execute(LOOKUP_IN, {"b_ids": part}).mappings():
                    row = dict(held)
                    found[row["id"]] = self._one(conn, row, len(found))
        return found

    def _one(self, conn: Connection, held: dict[str, Any], seq: int) -> _Decided:
        moment = self.times.get(held["event_id"], self.times[self.days[0].id])
        refusal = self._outside_days(held, moment) or self.rules.refusal(
            conn, held, moment, skip=NOT_FROM_PAPER
        )
        list_key = None
        if refusal is not None:
            decision = replace(refusal, offline=True, source=PAPER)
            nonce = tick_nonce(self.station, held["id"], moment, refusal.result)
        else:
            rules = self.list_of(conn, held)
            assert rules is not None
            reentry = bool(held["allow_reentry"])
            day = None
            if not rules.on_ticket(reentry):
                zone = event_zone(held["timezone"])
                day = day_of(moment, zone).isoformat() if rules.keeps_days(reentry) else ""
                list_key = {"b_list": rules.id, "b_id": held["id"], "b_day": day}
            owed = money_due(held)
            decision = ScanResult(
                result="ok",
                said=said(ADMITTED),
                at=moment,
                ticket_id=held["id"],
                attendee=held["attendee"],
                ticket_type=held["ticket_type"],
                event=held["slug"],
                list=rules.slug,
                list_day=day,
                offline=True,
                source=PAPER,
                **owed,
            )
            also = "" if list_key is None else f"list:{rules.id}:{day}"
            nonce = tick_nonce(self.station, held["id"], moment, also)
        row = {
            "seq": seq,
            "nonce": nonce,
            "kind": "scan",
            "effect": (
                Effect.NONE
                if refusal is not None
                else Effect.ADMIT
                if list_key is None
                else Effect.LIST
            ).value,
            "at": moment,
            "station": self.station,
            "operator": self.operator,
            "event_id": held["event_id"],
            "session_id": None,
            "ticket_id": held["id"],
            "direction": "entry",
            "payload": None,
            "result": decision.result,
            "answer": answer_json(decision),
            "was_at": None,
            "was_station": None,
        }
        return _Decided(held, moment, decision, row, list_key)

    def _outside_days(self, held: dict[str, Any], moment: datetime) -> ScanResult | None:
        """At a door for several events, a ticket of one whose days do not hold the time."""
        event_id = held["event_id"]
        if event_id not in self.times or event_id in self.open_days:
            return None
        day = next(d for d in self.days if d.id == event_id)
        late = moment >= day.closes
        return ScanResult(
            "expired" if late else "not_yet_valid",
            said(
                N_("Ticked at {time}, outside this event's days ({days})."),
                time=show(moment, event_zone(day.timezone)),
                days=day.said(),
            ),
            moment,
            ticket_id=held["id"],
            attendee=held["attendee"],
            ticket_type=held["ticket_type"],
            event=held["slug"],
            rule="event_days",
        )

    def outcomes(
        self, wanted: Sequence[str], decided: dict[str, _Decided], refused: dict[int, str]
    ) -> list[Tick]:
        """What became of each tick, read back from the server."""
        holders: dict[str, Any] = {}
        entries: dict[str, Any] = {}
        admitted = [d for d in decided.values() if Effect(d.row["effect"]) is not Effect.NONE]
        with self.store.read() as session:
            conn = session.connection()
            plain = [d.held["id"] for d in admitted if d.list_key is None]
            for start in range(0, len(plain), RUN):
                part = plain[start : start + RUN]
                holders.update({r.id: r for r in conn.execute(HOLDER.where(TICKET_ID.in_(part)))})
            for d in admitted:
                if d.list_key is not None:
                    entries[d.held["id"]] = LIST_ENTRY.first(conn, d.list_key)
        ticks = []
        for ticket in wanted:
            found = decided.get(ticket)
            if found is None:
                ticks.append(Tick(ticket if is_ticket_id(ticket) else shown(ticket), "unknown"))
                continue
            held, moment = found.held, found.at
            common = {
                "name": held["attendee"],
                "timezone": held["timezone"] or "UTC",
                "at": moment,
                "status": "cancelled" if held["event_status"] == "cancelled" else held["status"],
            }
            why = refused.get(found.row["seq"])
            if Effect(found.row["effect"]) is Effect.NONE or why is not None:
                decision = found.decision if why is None else None
                ticks.append(Tick(ticket, "refused", decision=decision, server_said=why, **common))
                continue
            if found.list_key is None:
                now_held = holders.get(ticket)
                other = (now_held.checked_in_station, now_held.checked_in_at) if now_held else None
            else:
                entry = entries.get(ticket)
                other = (entry["station"], entry["first_at"]) if entry else None
            if other == (self.station, moment):
                decision = found.decision
                ticks.append(
                    Tick(ticket, "admitted", due=decision.due, currency=decision.currency, **common)
                )
            else:
                station, when = other or (None, None)
                ticks.append(
                    Tick(ticket, "conflict", other_station=station, other_at=when, **common)
                )
        return ticks

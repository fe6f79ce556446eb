"""Ticks from the paper door list entered back (``checkin import-ticks FILE --at TIME --station
Paper``, the desk's "Paper ticks"; docs/operators-guide.md, "When every machine fails").

A tick is an admission made at a door with no machine: it goes in as an offline station's
upload does (services.stations.sync), marked as from paper (``source`` "paper" in the answer the
scan log keeps, ``offline`` like every scan decided without the server), with the time the
paper was ticked and the paper's station name. So it is idempotent (a tick's nonce is made from
its station, ticket and time: the same file entered twice changes nothing), and a ticket another
station admitted meanwhile is stored as a conflict naming both stations and times (``report
conflicts``, the stats), never dropped. A ticket this server does not know is listed, not fatal;
a cancelled or refunded ticket (or one of a cancelled event) is refused: its tick is logged as
refused and reported. A station's own login enters them through the server's functions, as its
own station.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Table, func

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed
from eventdesk.event_time import event_zone, in_zone, show
from eventdesk.i18n import N_, _
from eventdesk.models import Attendee, Ticket
from eventdesk.services.door.scan_result import ScanResult, answer_json, said
from eventdesk.services.stations.sync import apply_rows
from eventdesk.services.stations.sync_rows import HOLDER
from eventdesk.values import parse_time, utcnow

PAPER = "paper"  # the scan log's source of a tick
Outcome = Literal["admitted", "conflict", "unknown", "refused"]
_attendee = cast(Table, Attendee.__table__)
_ticket = cast(Table, Ticket.__table__)
_CLOCK = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
ADMITTED = N_("Ticked on the paper door list: admitted.")
REFUSED = N_("Ticked on the paper door list, but the ticket is {status}: not admitted.")
TICKET_HEADINGS = ("ticket_id", "ticket", "ticket id")


@dataclass(frozen=True)
class Tick:
    """One ticket ticked on paper, and what became of it: ``admitted`` (now or when the same
    tick was entered before), a ``conflict`` (another station admitted it: ``other_station``
    at ``other_at``), ``unknown`` to this server, ``refused`` (cancelled: ``status``)."""

    ticket_id: str
    outcome: Outcome
    name: str | None = None
    other_station: str | None = None
    other_at: datetime | None = None
    status: str | None = None
    timezone: str | None = None
    at: datetime | None = None  # when the paper was ticked, as taken (a clock alone: its last)

    def words(self) -> str:
        """What became of it, for the desk's dialog and the command line."""
        who = f"{self.ticket_id} {self.name}" if self.name else self.ticket_id
        if self.outcome == "admitted":
            return _("{ticket}: admitted from paper").format(ticket=who)
        if self.outcome == "unknown":
            return _("{ticket}: no such ticket").format(ticket=who)
        if self.outcome == "refused":
            return _("{ticket}: refused, the ticket is {status}").format(
                ticket=who, status=self.status
            )
        return _("{ticket}: conflict, admitted at {station} ({time})").format(
            ticket=who,
            station=self.other_station or "?",
            time=show(self.other_at, event_zone(self.timezone), none="?"),
        )


def read_ticks(text: str) -> list[str]:
    """The ticket ids of a file of ticks: one a line, or a CSV with a ticket column
    (``ticket_id`` or ``ticket``); blank lines and lines starting with '#' left out."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        return []
    if not any(mark in lines[0] for mark in ",;\t"):
        return [line.split()[0].upper() for line in lines]
    dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
    headings = [cell.strip().lower() for cell in rows[0]]
    column = next((headings.index(h) for h in TICKET_HEADINGS if h in headings), None)
    if column is None:
        raise InvalidInput(
            _("the CSV file has no ticket column (a heading ticket_id or ticket)"), field="file"
        )
    return [
        row[column].strip().upper() for row in rows[1:] if len(row) > column and row[column].strip()
    ]


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


def tick_nonce(station: str, ticket_id: str, at: datetime) -> str:
    """A tick's nonce: the same tick entered again is the same scan."""
    made = hashlib.sha256(f"{station}|{ticket_id}|{at.isoformat()}".encode()).hexdigest()
    return f"{PAPER}-{made[:40]}"


def enter_ticks(
    store: Store,
    ticket_ids: Iterable[str],
    *,
    at: str,
    station: str,
    operator: str | None = None,
    now: datetime | None = None,
) -> list[Tick]:
    """Enter the ticks of ``ticket_ids`` (ticked on paper at ``at``, typed in each ticket's
    event's zone) as admissions of ``station``; what became of each, in the order given."""
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
    clock = now or utcnow()
    held = _held(store, wanted)
    times: dict[str, datetime] = {}
    rows: list[dict[str, Any]] = []
    for seq, ticket in enumerate(wanted):
        row = held.get(ticket)
        if row is None:
            continue
        zone = row.timezone or "UTC"
        if zone not in times:
            times[zone] = tick_time(at, zone, clock)
        rows.append(_row(seq, ticket, row, times[zone], station, operator))
    for start in range(0, len(rows), 500):
        apply_rows(store, rows[start : start + 500])
    after = _held(store, [r["ticket_id"] for r in rows])
    ticks = []
    for ticket in wanted:
        before = held.get(ticket)
        if before is None:
            ticks.append(Tick(ticket, "unknown"))
            continue
        zone = before.timezone or "UTC"
        if not _valid(before):
            status = "cancelled" if before.event_status == "cancelled" else before.status
            ticks.append(
                Tick(ticket, "refused", before.name, status=status, timezone=zone, at=times[zone])
            )
            continue
        now_held = after.get(ticket, before)
        mine = (now_held.checked_in_station, now_held.checked_in_at) == (station, times[zone])
        ticks.append(
            Tick(ticket, "admitted", before.name, timezone=zone, at=times[zone])
            if mine
            else Tick(
                ticket,
                "conflict",
                before.name,
                other_station=now_held.checked_in_station,
                other_at=now_held.checked_in_at,
                timezone=zone,
                at=times[zone],
            )
        )
    return ticks


def _held(store: Store, tickets: Sequence[str]) -> dict[str, Any]:
    """Each ticket as the server holds it now, with its holder's name."""
    found: dict[str, Any] = {}
    with store.read() as session:
        conn = session.connection()
        for start in range(0, len(tickets), 500):
            part = tickets[start : start + 500]
            query = (
                HOLDER.add_columns(
                    func.coalesce(_ticket.c.holder_name, _attendee.c.name).label("name")
                )
                .join(_attendee, _attendee.c.id == _ticket.c.attendee_id)
                .where(_ticket.c.id.in_(part))
            )
            found.update({row.id: row for row in conn.execute(query)})
    return found


def _valid(row: Any) -> bool:
    return bool(row.status == "registered" and row.event_status != "cancelled")


def _row(
    seq: int, ticket: str, held: Any, at: datetime, station: str, operator: str | None
) -> dict[str, Any]:
    """A tick as an outbox row (services.stations.mirror.OUTBOX), its answer marked paper."""
    valid = _valid(held)
    status = "cancelled" if held.event_status == "cancelled" else held.status
    answer = ScanResult(
        result="ok" if valid else "revoked",
        said=said(ADMITTED) if valid else said(REFUSED, status=status),
        at=at,
        ticket_id=ticket,
        attendee=held.name,
        offline=True,
        source=PAPER,
    )
    return {
        "seq": seq,
        "nonce": tick_nonce(station, ticket, at),
        "kind": "scan",
        "effect": "admit" if valid else "none",
        "at": at,
        "station": station,
        "operator": operator,
        "event_id": held.event_id,
        "session_id": None,
        "ticket_id": ticket,
        "direction": "entry",
        "payload": None,
        "result": answer.result,
        "answer": answer_json(answer),
        "was_at": None,
        "was_station": None,
    }

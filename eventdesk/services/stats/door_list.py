"""The paper door list (``report door-list EVENT --pdf``, docs/operators-guide.md, "When every
machine fails"): every valid ticket of an event, its holder, ticket type and attention note and a
box to tick, printed before the doors open for the day every machine fails.

A valid ticket is a registered one of an event not cancelled (a cancelled, refunded, replaced or
waitlisted ticket is not on it). Each ticket is named for its holder, as its badge sheet names
it (the holder the buyer named, else the buyer), sorted by family name in the Unicode collation
of the language the list is written in (eventdesk.collation, as ``badge sheet --sort surname``).
The attention note is for staff: the ticket type's (ID check, VIP) and the person's staff note on
their own ticket (services.people.notes), so the list is a staff list, never handed out. Before
the notes, each ticket says what a scan of it would refuse or ask (``door_marks``: money owed,
blocked or held by its shop, valid only from or until a time, admitted by staff), so the paper
door sends to the desk whom the scanning door would.

The same statements read the server's tables (or a station login's views of the same names) and
a station's copy (services.stations.mirror_read), so a station prints it while its server is
away: the copy holds the holders, types, notes and payments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, func, select, text

from eventdesk.collation import name_key
from eventdesk.db import Store
from eventdesk.event_time import event_zone
from eventdesk.i18n import _, ngettext
from eventdesk.import_liveness import NONE_STOPPED, Stopped, stopped_places
from eventdesk.names import holder_family
from eventdesk.services.stats.inside import (
    SERVER,
    Tables,
    copy_refreshed,
    day_and_clock,
    event_of,
    made_in,
)
from eventdesk.values import money_text, utcnow

# What ``--json``'s rows would hold, and the order of the PDF's columns after the box.
COLUMNS = ("ticket_id", "name", "ticket_type", "attention", "door")


@dataclass(frozen=True)
class Holder:
    """One valid ticket on the list: its id, its holder's name, its type and what staff must
    know (the type's attention note and the person's staff note, joined; "" for none)."""

    ticket_id: str
    name: str
    ticket_type: str
    attention: str
    # What a scan of it would refuse or ask today (door_marks): "" for a ticket the door admits.
    door: str = ""


class ListOnPaper(Protocol):
    """A check-in list as its paper door list prints it (services/door/list_paper.py's
    ListPaper, made in the door's layer, which reads the list's rules)."""

    @property
    def name(self) -> str: ...
    @property
    def lines(self) -> tuple[str, ...]: ...
    @property
    def refuses_unpaid(self) -> bool | None: ...
    def marks(self, row: Any) -> list[str]: ...


# The list a door list is of: read from the tables given, for the event's id.
ListReader = Callable[[Connection, Tables, int], ListOnPaper]


@dataclass(frozen=True)
class DoorList:
    """Every valid ticket of an event, sorted by its holder's family name."""

    event: str  # its slug
    title: str
    timezone: str
    at: datetime  # when it was made
    holders: tuple[Holder, ...]
    # Read from a station's copy while its server was away: when the copy was last refreshed.
    copy_refreshed_at: datetime | None = None
    from_copy: bool = False
    # Of a check-in list (``--list``): its name and what it says under the title.
    list_name: str | None = None
    list_lines: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.holders)

    @property
    def zone(self) -> ZoneInfo:
        return event_zone(self.timezone)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(COLUMNS, _row(h), strict=True)) for h in self.holders]


def _row(holder: Holder) -> tuple[str, str, str, str, str]:
    return (holder.ticket_id, holder.name, holder.ticket_type, holder.attention, holder.door)


def door_marks(row: Any, *, refuses_unpaid: bool, zone: ZoneInfo) -> list[str]:
    """What a scan of the ticket ``row`` would say that is not a welcome, in the door's order
    (services/door/rules.py's RULES): blocked or held by its shop, valid only from or until a
    time of its own, money owed (sent to the desk where the event refuses unpaid tickets), a
    first admission for staff. Each a short phrase for the paper list."""
    marks = []
    if row.shop_hold == "blocked":
        # TRANSLATORS: the paper door list: a ticket the shop blocked (the door refuses it)
        marks.append(_("refuse: blocked by the shop"))
    elif row.shop_hold == "approval":
        # TRANSLATORS: the paper door list: its order awaits the shop's approval (kept short)
        marks.append(_("refuse: awaiting approval"))
    if row.valid_from is not None:
        # TRANSLATORS: the paper door list: a ticket valid only from a time ("27 Nov 14:00")
        marks.append(_("valid from {time}").format(time=day_and_clock(row.valid_from, zone)))
    if row.valid_until is not None:
        # TRANSLATORS: the paper door list: a ticket valid only until a time ("27 Nov 18:00")
        marks.append(_("valid until {time}").format(time=day_and_clock(row.valid_until, zone)))
    due = int(row.price_cents or 0) - int(row.paid or 0)
    if due > 0:
        amount = money_text(due, row.currency)
        if refuses_unpaid:
            # TRANSLATORS: the paper door list: money owed, where the door refuses unpaid tickets
            marks.append(_("owes {amount}: to the desk").format(amount=amount))
        else:
            # TRANSLATORS: the paper door list: money owed, where the door admits unpaid tickets
            marks.append(_("owes {amount}").format(amount=amount))
    if row.needs_staff:
        # TRANSLATORS: the paper door list: its type's first admission is for staff (ID check)
        marks.append(_("staff admits"))
    return marks


def door_list(
    store: Store,
    event: str | int,
    *,
    now: datetime | None = None,
    on_list: ListReader | None = None,
) -> DoorList:
    """The door list on the server (one consistent snapshot); of a check-in list, ``on_list``."""
    with store.read() as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        return door_list_in(
            db.connection(),
            SERVER,
            event,
            now=now or utcnow(),
            stopped=lambda event_id: stopped_places(db, event_id),
            on_list=on_list,
        )


def door_list_in(
    conn: Connection,
    tables: Tables,
    event_ref: str | int,
    *,
    now: datetime,
    copy_refreshed_at: datetime | None = None,
    from_copy: bool = False,
    stopped: Callable[[int], Stopped] = lambda _event: NONE_STOPPED,
    on_list: ListReader | None = None,
) -> DoorList:
    """The door list read from ``tables`` (the server's, or a station's copy); the tickets of
    an import whose process was killed half-way (``stopped``, by the event's id) left out; of
    the check-in list ``on_list`` reads, its refusals marked first."""
    t = tables
    event = event_of(conn, t, event_ref)
    listed = on_list(conn, t, event.id) if on_list is not None else None
    a, k, tt, p = t.attendee.c, t.ticket.c, t.ticket_type.c, t.payment.c
    # What each of the event's tickets has paid, summed once for them all (a station's copy
    # keeps no index on its payments' tickets: a sum for each ticket would read them all).
    of_event = t.ticket.alias("paying")
    paid = (
        select(
            p.ticket_id,
            func.sum(case((p.kind == "payment", p.amount_cents), else_=-p.amount_cents)).label(
                "paid"
            ),
        )
        .join(of_event, of_event.c.id == p.ticket_id)
        .where(p.status == "completed", of_event.c.event_id == event.id)
        .group_by(p.ticket_id)
        .subquery()
    )
    zone = event_zone(event.timezone or "UTC")
    refuses_unpaid = event.unpaid_policy != "admit"
    if listed is not None and listed.refuses_unpaid is not None:
        refuses_unpaid = listed.refuses_unpaid  # the list's own word
    found = conn.execute(
        select(
            k.id,
            k.holder_name,
            k.holder_family_name,
            a.name,
            a.family_name,
            a.note,
            tt.name.label("type_name"),
            tt.attention,
            tt.needs_staff,
            k.price_cents,
            k.currency,
            k.shop_hold,
            k.valid_from,
            k.valid_until,
            paid.c.paid,
        )
        .select_from(t.ticket)
        .join(t.attendee, a.id == k.attendee_id)
        .join(t.ticket_type, tt.id == k.ticket_type_id)
        .outerjoin(paid, paid.c.ticket_id == k.id)
        .where(
            k.event_id == event.id,
            k.status == "registered",
            stopped(event.id).keeps(k.import_run_id),
        )
    ).all()
    holders = []
    families: dict[str, str | None] = {}  # the family part given apart, by ticket
    if event.status != "cancelled":
        for row in found:
            families[row.id] = holder_family(
                row.holder_name, row.holder_family_name, row.name, row.family_name
            )
            own = row.holder_name is None or row.holder_name == row.name
            notes = [n.strip() for n in (row.attention, row.note if own else None) if n]
            holders.append(
                Holder(
                    row.id,
                    row.holder_name or row.name or "",
                    row.type_name,
                    " · ".join(n for n in notes if n),
                    " · ".join(
                        # What the list refuses is what the door says first (and alone)
                        (listed.marks(row) if listed is not None else [])
                        or door_marks(row, refuses_unpaid=refuses_unpaid, zone=zone)
                    ),
                )
            )
    # By the family part given apart, else told from the name (eventdesk.collation)
    holders.sort(key=lambda h: (*name_key(h.name, family=families[h.ticket_id]), h.ticket_id))
    return DoorList(
        event=event.slug,
        title=event.title,
        timezone=event.timezone or "UTC",
        at=now,
        holders=tuple(holders),
        copy_refreshed_at=copy_refreshed_at,
        from_copy=from_copy,
        list_name=listed.name if listed is not None else None,
        list_lines=listed.lines if listed is not None else (),
    )


def door_list_words(listed: DoorList) -> list[str]:
    """The lines under the title (which names the event), on every page: how many tickets and
    what the list is for, when it was made and in which zone, and, from a station's copy, as
    of when."""
    lines = [
        # TRANSLATORS: under the paper door list's title: how many tickets, and what it is for
        ngettext(
            "{count} valid ticket of the event: tick each person who comes in",
            "{count} valid tickets of the event: tick each person who comes in",
            listed.count,
        ).format(count=listed.count),
        made_in(listed.at, listed.timezone),
    ]
    if listed.list_name is not None:
        # TRANSLATORS: under the paper door list's title: the check-in list it is of, and what
        # that list says (its days, hours, questions)
        lines.insert(
            1,
            "; ".join(
                (_("check-in list {list}").format(list=listed.list_name), *listed.list_lines)
            ),
        )
    if listed.from_copy:
        lines.append(copy_refreshed(listed.copy_refreshed_at, listed.zone))
    return lines

"""The paper door list (``report door-list EVENT --pdf``, docs/operators-guide.md, "When every
machine fails"): every valid ticket of an event, its holder, ticket type and attention note and a
box to tick, printed before the doors open for the day every machine fails.

A valid ticket is a registered one of an event not cancelled (a cancelled, refunded, replaced or
waitlisted ticket is not on it). Each ticket is named for its holder, as its badge sheet names
it (the holder the buyer named, else the buyer), sorted by family name in the Unicode collation
of the language the list is written in (eventdesk.collation, as ``badge sheet --sort surname``).
The attention note is for staff: the ticket type's (ID check, VIP) and the person's staff note on
their own ticket (services.people.notes), so the list is a staff list, never handed out.

The same statements read the server's tables (or a station login's views of the same names) and
a station's copy (services.stations.mirror_read), so a station prints it while its server is
away: the copy holds the holders, types and notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, text

from eventdesk.collation import name_key
from eventdesk.db import Store
from eventdesk.event_time import event_zone
from eventdesk.i18n import ngettext
from eventdesk.import_liveness import NONE_STOPPED, Stopped, stopped_places
from eventdesk.services.stats.inside import SERVER, Tables, copy_refreshed, event_of, made_in
from eventdesk.values import utcnow

# What ``--json``'s rows would hold, and the order of the PDF's columns after the box.
COLUMNS = ("ticket_id", "name", "ticket_type", "attention")


@dataclass(frozen=True)
class Holder:
    """One valid ticket on the list: its id, its holder's name, its type and what staff must
    know (the type's attention note and the person's staff note, joined; "" for none)."""

    ticket_id: str
    name: str
    ticket_type: str
    attention: str


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

    @property
    def count(self) -> int:
        return len(self.holders)

    @property
    def zone(self) -> ZoneInfo:
        return event_zone(self.timezone)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(COLUMNS, _row(h), strict=True)) for h in self.holders]


def _row(holder: Holder) -> tuple[str, str, str, str]:
    return (holder.ticket_id, holder.name, holder.ticket_type, holder.attention)


def door_list(store: Store, event: str | int, *, now: datetime | None = None) -> DoorList:
    """The door list on the server (one consistent snapshot)."""
    with store.read() as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        return door_list_in(
            db.connection(),
            SERVER,
            event,
            now=now or utcnow(),
            stopped=lambda event_id: stopped_places(db, event_id),
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
) -> DoorList:
    """The door list read from ``tables`` (the server's, or a station's copy); the tickets of
    an import whose process was killed half-way (``stopped``, by the event's id) left out."""
    t = tables
    event = event_of(conn, t, event_ref)
    a, k, tt = t.attendee.c, t.ticket.c, t.ticket_type.c
    found = conn.execute(
        select(
            k.id,
            k.holder_name,
            a.name,
            a.note,
            tt.name.label("type_name"),
            tt.attention,
        )
        .select_from(t.ticket)
        .join(t.attendee, a.id == k.attendee_id)
        .join(t.ticket_type, tt.id == k.ticket_type_id)
        .where(
            k.event_id == event.id,
            k.status == "registered",
            stopped(event.id).keeps(k.import_run_id),
        )
    ).all()
    holders = []
    if event.status != "cancelled":
        for row in found:
            own = row.holder_name is None or row.holder_name == row.name
            notes = [n.strip() for n in (row.attention, row.note if own else None) if n]
            holders.append(
                Holder(
                    row.id,
                    row.holder_name or row.name or "",
                    row.type_name,
                    " · ".join(n for n in notes if n),
                )
            )
    holders.sort(key=lambda h: (*name_key(h.name), h.ticket_id))
    return DoorList(
        event=event.slug,
        title=event.title,
        timezone=event.timezone or "UTC",
        at=now,
        holders=tuple(holders),
        copy_refreshed_at=copy_refreshed_at,
        from_copy=from_copy,
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
    if listed.from_copy:
        lines.append(copy_refreshed(listed.copy_refreshed_at, listed.zone))
    return lines

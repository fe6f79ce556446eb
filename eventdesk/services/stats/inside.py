"""Who is inside now, by name: the roll call (``report inside``, the stats screen's "Inside now",
docs/operators-guide.md#who-is-inside-now-a-roll-call), for an evacuation or a head count at a door.

Inside is what the door keeps (services.door.lists, ``inside_now``): on the event's default list
the ticket's own flag (an entry sets it, an exit clears it, a re-entry sets it again); on another
list, or a default list that counts days, the list's entry (today's, for a list of one entry a
day). At a session, the people who came in at its door and have not gone out of the event since
(a session's door takes no exits): those admitted on the list and still inside, and those never
admitted at the event's doors (a session-only ticket).

Each one is named with when and at which station they came in last: the newest admitted entry
in the scan log at the event's doors (a session's: its door's admission), or, where the scan log
does not know it (a station's copy holds its own scans only), the entry the door keeps.

The same statements read the server's tables and a station's copy (``Tables``: the copy's have
the server's names and columns), so the copy answers while the server is away
(services.stations.mirror_read). Sorted by name as the desk's search lists people: accents and
case set aside (eventdesk.text.fold), so Émile comes with the Es.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, and_, exists, func, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.event_time import event_day, event_zone, in_zone, iso, show
from eventdesk.i18n import _, ngettext
from eventdesk.ids import as_id
from eventdesk.models import (
    Attendee,
    CheckinList,
    Event,
    EventSession,
    ListEntry,
    Payment,
    ScanLog,
    SessionCheckin,
    Ticket,
    TicketType,
)
from eventdesk.text import fold
from eventdesk.values import utcnow

DEFAULT = "default"  # the default list's slug (services.door.lists.DEFAULT)
DEFAULT_NAME = "Default"  # its name while it is not stored (services.door.lists.DEFAULT_NAME)
# What the JSON rows and a CSV file hold (docs/cli.md): a ticket, its holder's name, when and
# where they came in last, the list and the session of the roll call.
COLUMNS = ("ticket_id", "name", "ticket_type", "since", "station", "list", "session")


@dataclass(frozen=True)
class Tables:
    """The tables a roll call reads: the server's, or a station's copy of them."""

    event: Table
    ticket: Table
    attendee: Table
    ticket_type: Table
    checkin_list: Table
    list_entry: Table
    event_session: Table
    session_checkin: Table
    scan_log: Table
    payment: Table


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


SERVER = Tables(
    event=_table(Event),
    ticket=_table(Ticket),
    attendee=_table(Attendee),
    ticket_type=_table(TicketType),
    checkin_list=_table(CheckinList),
    list_entry=_table(ListEntry),
    event_session=_table(EventSession),
    session_checkin=_table(SessionCheckin),
    scan_log=_table(ScanLog),
    payment=_table(Payment),
)


@dataclass(frozen=True)
class Present:
    """One person inside: their ticket, name (the ticket's holder), ticket type, and when and at
    which station they came in last (None where nothing says)."""

    ticket_id: str
    name: str
    ticket_type: str
    since: datetime | None
    station: str | None
    status: str  # the ticket's: one cancelled while its holder was inside is still listed


@dataclass(frozen=True)
class RollCall:
    """Who is inside now at an event (on a list; in a session), sorted by name."""

    event: str  # its slug
    title: str
    timezone: str
    list_slug: str
    list_name: str
    session: int | None
    session_name: str | None
    at: datetime  # when it was made
    people: tuple[Present, ...]
    # Read from a station's copy while its server was away: when the copy was last refreshed.
    copy_refreshed_at: datetime | None = None
    from_copy: bool = False

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def zone(self) -> ZoneInfo:
        return event_zone(self.timezone)

    @cached_property
    def all_today(self) -> bool:
        """Whether everyone inside came in on the calendar day it was made (in the event's
        zone): then a time is its clock alone; else each its day and clock."""
        zone, day = self.zone, in_zone(self.at, self.zone).date()
        return all(in_zone(p.since, zone).date() == day for p in self.people if p.since)

    def rows(self) -> list[tuple[Any, ...]]:
        """A row a person, as ``COLUMNS`` names them."""
        session = self.session_name
        return [
            (p.ticket_id, p.name, p.ticket_type, p.since, p.station, self.list_slug, session)
            for p in self.people
        ]

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows by column (``--json``), each time in ISO 8601 with the event zone's
        offset."""
        return [dict(zip(COLUMNS, row, strict=True)) for row in self.for_files()]

    def for_files(self) -> list[tuple[Any, ...]]:
        """The rows with each time in ISO 8601 with the event zone's offset (a CSV file)."""
        zone = self.zone
        return [
            tuple(iso(v, zone) if isinstance(v, datetime) else v for v in row)
            for row in self.rows()
        ]


# --- reading it ---------------------------------------------------------------------------------
def roll_call(
    store: Store,
    event: str | int,
    *,
    checkin_list: str | None = None,
    session: str | None = None,
    now: datetime | None = None,
) -> RollCall:
    """Who is inside now, on the server (one consistent snapshot)."""
    with store.read() as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        return roll_call_in(
            db.connection(),
            SERVER,
            event,
            checkin_list=checkin_list,
            session=session,
            now=now or utcnow(),
        )


def roll_call_in(
    conn: Connection,
    tables: Tables,
    event_ref: str | int,
    *,
    checkin_list: str | None,
    session: str | None,
    now: datetime,
    copy_refreshed_at: datetime | None = None,
    from_copy: bool = False,
) -> RollCall:
    """Who is inside now, read from ``tables`` (the server's, or a station's copy)."""
    t = tables
    event = event_of(conn, t, event_ref)
    on_list = _list(conn, t, event, checkin_list)
    held = _session(conn, t, event, session) if session is not None else None
    entries = on_list.entries or ("unlimited" if event.allow_reentry else "once")
    daily = entries == "daily"
    on_ticket = on_list.id is None or (on_list.slug == DEFAULT and not daily)
    today = event_day(now, event_zone(event.timezone)).isoformat()

    # Inside on the list: the ticket's own flag, or the list's entry (today's, a daily list's).
    if on_ticket:
        inside: ColumnElement[bool] = t.ticket.c.inside.is_(True)
        admitted: ColumnElement[bool] = t.ticket.c.checked_in_at.is_not(None)
    else:
        entry = and_(
            t.list_entry.c.list_id == on_list.id,
            t.list_entry.c.ticket_id == t.ticket.c.id,
            t.list_entry.c.day == today if daily else t.list_entry.c.day == "",
        )
        inside = exists().where(entry, t.list_entry.c.inside.is_(True))
        admitted = exists().where(entry)
    sc = t.session_checkin
    if held is not None:  # came in at the session's door, and not gone out of the event since
        who = and_(
            exists().where(sc.c.ticket_id == t.ticket.c.id, sc.c.session_id == held.id),
            or_(inside, ~admitted),
        )
    else:
        who = inside
    holder = func.coalesce(t.ticket.c.holder_name, t.attendee.c.name)
    found = conn.execute(
        select(
            t.ticket.c.id,
            holder.label("name"),
            t.ticket_type.c.name.label("ticket_type"),
            t.ticket.c.status,
            t.ticket.c.checked_in_at,
            t.ticket.c.checked_in_station,
        )
        .select_from(t.ticket)
        .join(t.attendee, t.attendee.c.id == t.ticket.c.attendee_id)
        .join(t.ticket_type, t.ticket_type.c.id == t.ticket.c.ticket_type_id)
        .where(t.ticket.c.event_id == event.id, who)
    ).all()
    ids = [row.id for row in found]
    if held is not None:
        kept = _session_entries(conn, t, held.id, ids)
    elif on_ticket:
        kept = {row.id: (row.checked_in_at, row.checked_in_station) for row in found}
    else:
        kept = _list_entries(conn, t, on_list.id, today if daily else "", ids)
    logged = _last_entries(conn, t, event.id, held.id if held else None, ids)
    people = []
    for row in found:
        since, station = kept.get(row.id, (None, None))
        logged_at, logged_station = logged.get(row.id, (None, None))
        if logged_at is not None and (since is None or logged_at >= since):
            since, station = logged_at, logged_station
        name = row.name or ""
        people.append(Present(row.id, name, row.ticket_type, since, station, row.status))
    people.sort(key=lambda p: (fold(p.name), p.name, p.ticket_id))
    return RollCall(
        event=event.slug,
        title=event.title,
        timezone=event.timezone or "UTC",
        list_slug=on_list.slug,
        list_name=on_list.name,
        session=held.id if held else None,
        session_name=held.name if held else None,
        at=now,
        people=tuple(people),
        copy_refreshed_at=copy_refreshed_at,
        from_copy=from_copy,
    )


# --- what it is of ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Event:
    id: int
    slug: str
    title: str
    timezone: str | None
    allow_reentry: bool
    status: str = "scheduled"
    unpaid_policy: str = "refuse"  # the door's: refuse or admit a ticket that owes money


@dataclass(frozen=True)
class _List:
    id: int | None  # None: the default list, not stored
    slug: str
    name: str
    entries: str | None  # once | daily | unlimited; None: the event's


@dataclass(frozen=True)
class _Session:
    id: int
    name: str


def event_of(conn: Connection, t: Tables, ref: str | int) -> _Event:
    """The event ``ref`` (its slug or id) as ``t`` has it; NotFound when it has none."""
    wanted = str(ref).strip()
    if not wanted:
        raise InvalidInput(_("event is required"), field="event")
    number = as_id(wanted)
    e = t.event.c
    which = e.id == number if number is not None else e.slug == wanted
    row = conn.execute(
        select(e.id, e.slug, e.title, e.timezone, e.allow_reentry, e.status, e.unpaid_policy).where(
            which
        )
    ).first()
    if row is None:
        raise NotFound(_("no event {event!r}").format(event=wanted), field="event")
    return _Event(
        row.id,
        row.slug,
        row.title,
        row.timezone,
        bool(row.allow_reentry),
        row.status,
        row.unpaid_policy or "refuse",
    )


def _list(conn: Connection, t: Tables, event: _Event, ref: str | None) -> _List:
    """The list ``ref`` of the event: its slug, EVENT/SLUG or its id (None: the default)."""
    wanted = (ref or "").strip() or DEFAULT
    if "/" in wanted:
        event_part, _slash, wanted = wanted.rpartition("/")
        if event_part not in (event.slug, str(event.id)):
            raise InvalidInput(
                _("the list {list!r} is another event's").format(list=ref), field="list"
            )
    c = t.checkin_list.c
    number = as_id(wanted)
    which = c.id == number if number is not None else c.slug == wanted.lower()
    row = conn.execute(
        select(c.id, c.slug, c.name, c.entries).where(c.event_id == event.id, which)
    ).first()
    if row is not None:
        return _List(row.id, row.slug, row.name, row.entries)
    if wanted.lower() == DEFAULT:  # not changed yet: not stored
        return _List(None, DEFAULT, DEFAULT_NAME, None)
    raise NotFound(
        _("event {event!r} has no check-in list {list!r}").format(
            event=event.slug, list=wanted.lower() if number is None else wanted
        ),
        field="list",
    )


def _session(conn: Connection, t: Tables, event: _Event, ref: str) -> _Session:
    """The session ``ref`` of the event: its id, or its name (case ignored)."""
    wanted = ref.strip()
    s = t.event_session.c
    number = as_id(wanted)
    which = s.id == number if number is not None else func.lower(s.name) == wanted.lower()
    row = conn.execute(
        select(s.id, s.name).where(s.event_id == event.id, which).order_by(s.id)
    ).first()
    if row is None:
        raise NotFound(
            _("event {event!r} has no session {session!r}").format(
                event=event.slug, session=wanted
            ),
            field="session",
        )
    return _Session(row.id, row.name)


# --- when and where each came in ----------------------------------------------------------------
Entered = dict[str, tuple[datetime | None, str | None]]
CHUNK = 500  # tickets named in one statement


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[n : n + CHUNK] for n in range(0, len(ids), CHUNK)]


def _last_entries(
    conn: Connection, t: Tables, event_id: int, session_id: int | None, ids: list[str]
) -> Entered:
    """Each ticket's newest admitted entry in the scan log (at the event's doors, or at the
    session's), as it knows them."""
    log = t.scan_log.c
    found: Entered = {}
    for part in _chunks(ids):
        newest = func.row_number().over(
            partition_by=log.ticket_id, order_by=(log.at.desc(), log.id.desc())
        )
        ranked = (
            select(log.ticket_id, log.at, log.station, newest.label("n"))
            .where(
                log.ticket_id.in_(part),
                log.event_id == event_id,
                log.result == "ok",
                log.direction == "entry",
                log.session_id.is_(None) if session_id is None else log.session_id == session_id,
            )
            .subquery()
        )
        rows = conn.execute(
            select(ranked.c.ticket_id, ranked.c.at, ranked.c.station).where(ranked.c.n == 1)
        )
        found.update({ticket: (at, station) for ticket, at, station in rows})
    return found


def _list_entries(
    conn: Connection, t: Tables, list_id: int | None, day: str, ids: list[str]
) -> Entered:
    """The list's own record of each ticket's last entry (its station only while the entry is
    the first: the list keeps the first one's)."""
    le = t.list_entry.c
    found: Entered = {}
    for part in _chunks(ids):
        rows = conn.execute(
            select(le.ticket_id, le.last_at, le.station, le.entries).where(
                le.list_id == list_id, le.day == day, le.ticket_id.in_(part)
            )
        )
        found.update(
            {
                ticket: (last_at, station if (entries or 1) <= 1 else None)
                for ticket, last_at, station, entries in rows
            }
        )
    return found


def _session_entries(conn: Connection, t: Tables, session_id: int, ids: list[str]) -> Entered:
    sc = t.session_checkin.c
    found: Entered = {}
    for part in _chunks(ids):
        rows = conn.execute(
            select(sc.ticket_id, sc.checked_in_at, sc.station).where(
                sc.session_id == session_id, sc.ticket_id.in_(part)
            )
        )
        found.update({ticket: (at, station) for ticket, at, station in rows})
    return found


# --- the words a person reads -------------------------------------------------------------------
def words_for(call: RollCall) -> list[str]:
    """The lines above the names (the command's, the PDF's, the stats screen's): how many are
    inside and where, when it was made and in which zone its times are, and, read from a
    station's copy, that it was and as of when."""
    zone = call.zone
    lines = [
        ngettext(
            "{count} person inside now: {event}", "{count} people inside now: {event}", call.count
        ).format(count=call.count, event=call.title)
    ]
    where = []
    if call.list_slug != DEFAULT:
        where.append(_("check-in list {list}").format(list=call.list_name))
    if call.session_name is not None:
        where.append(_("session {session}").format(session=call.session_name))
    if where:
        lines.append(" · ".join(where))
    lines.append(made_at(call))
    if call.from_copy:
        lines.append(copy_refreshed(call.copy_refreshed_at, zone))
    return lines


def made_at(call: RollCall) -> str:
    """When the roll call was made, and the zone its times are in."""
    return made_in(call.at, call.timezone)


def made_in(at: datetime, timezone: str) -> str:
    """When a list on paper was made, in its event's zone, and that zone's name."""
    return _("made at {time}; times in {zone}").format(
        time=show(at, event_zone(timezone), "stamp"), zone=timezone
    )


def copy_refreshed(refreshed: datetime | None, zone: ZoneInfo) -> str:
    """A list read from a station's copy: as of its last refresh."""
    return _("from this station's copy, refreshed {time}").format(
        time=show(refreshed, zone, "stamp", none=_("never"))
    )


def since_text(call: RollCall, since: datetime | None) -> str:
    """When someone came in, in the event's zone, written alike for the whole roll call: the
    clock when everyone came in on the day it was made, else the day and the clock ("14 May
    09:12") for each, where some rows said "05:30" beside others' "27 Nov 04:51"; "?" where
    nothing says."""
    if since is None:
        return "?"
    zone = call.zone
    if call.all_today:
        return show(since, zone, "clock")
    return day_and_clock(since, zone)


def day_and_clock(moment: datetime, zone: ZoneInfo) -> str:
    """A time on a list of one event, in the zone its heading names: its day and its clock
    ("14 May 09:12")."""
    return f"{show(moment, zone, 'day')} {show(moment, zone, 'clock')}"

"""Arrival alerts: the people an organizer awaits (a speaker, a VIP, a name on a watch list) and
their arrivals.

An organizer marks a person (``attendee.alert``) or a ticket type (``ticket_type.alert``) with
a short reason ("speaker: take to the green room"). A door that admits such a person says the
reason with the admission (``ScanResult.alert``), and the database keeps an ``arrival_alert``
for the organizer until one has seen it: a trigger on the scan log writes it (migration 0024),
so every way an admission is logged makes one, a station's own login and an offline admission
uploaded later among them. The organizer's and the stats screens show the alerts not seen yet;
``eventdesk watch`` follows the arrivals as they are logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _
from eventdesk.models import ArrivalAlert, Attendee, Event, ScanLog, Ticket, TicketType
from eventdesk.services.catalogue.program import TicketTypeInfo, ticket_type_info
from eventdesk.services.common import get_event, get_ticket_type
from eventdesk.services.people.attendees import AttendeeInfo, set_attendee_column
from eventdesk.values import optional_text, utcnow

REASON_LENGTH = 200  # the columns' (attendee.alert, ticket_type.alert, arrival_alert.reason)
SHOWN_AT_MOST = 50  # unseen alerts read at once (the newest)
# ``arrivals_after`` looks this many scan log rows back again: on PostgreSQL a row with a lower
# id may commit after a higher one was read (two stations' transactions), and is not missed.
LOOK_BACK = 200

_aa = cast(Table, ArrivalAlert.__table__)
_sl = cast(Table, ScanLog.__table__)
_t = cast(Table, Ticket.__table__)
_a = cast(Table, Attendee.__table__)
_tt = cast(Table, TicketType.__table__)
_e = cast(Table, Event.__table__)


@dataclass(frozen=True)
class AlertInfo:
    """An awaited person's admission, kept until an organizer has seen it."""

    id: int
    event: str | None
    at: datetime
    station: str | None
    ticket_id: str | None
    name: str | None  # the ticket's holder, else its buyer
    ticket_type: str | None
    reason: str
    seen_at: datetime | None = None


@dataclass(frozen=True)
class Arrival:
    """One admission at an event's door, as ``eventdesk watch`` says it."""

    scan_id: int
    event: str
    at: datetime
    station: str | None
    ticket_id: str | None
    name: str | None
    ticket_type: str | None
    alert: str | None = None  # why the organizer awaits this person (None: not awaited)
    alert_id: int | None = None
    offline: bool = False  # decided by a station offline, uploaded since


def parse_reason(value: str | None) -> str | None:
    """An alert's reason as given: trimmed, at most REASON_LENGTH characters (None or blank:
    no alert)."""
    return optional_text(value, "alert", max_length=REASON_LENGTH)


def alert_option(reason: str | None, no_alert: bool) -> str | None:
    """The command line's ``--alert REASON`` / ``--no-alert``: the reason to keep, "" to take
    the alert away, None to leave it as it is. Checked before anything is changed."""
    if reason is not None and no_alert:
        raise InvalidInput(_("--alert and --no-alert cannot go together"), field="alert")
    if no_alert:
        return ""
    if reason is not None and parse_reason(reason) is None:
        raise InvalidInput(_("an alert needs a reason (--no-alert takes it away)"), field="alert")
    return reason


# --- who is awaited ------------------------------------------------------------------------------
def set_attendee_alert(store: Store, ref: str | int, reason: str | None) -> AttendeeInfo:
    """Await this person (``reason``: why), or no more (None or "")."""
    return set_attendee_column(store, ref, alert=parse_reason(reason))


def set_ticket_type_alert(
    store: Store, event_ref: str | int, ticket_type: str | int, reason: str | None
) -> TicketTypeInfo:
    """Await every holder of this ticket type (by name or id), or no more (None or "")."""
    why = parse_reason(reason)
    with store.write() as session:
        event = get_event(session, event_ref)
        row = get_ticket_type(session, event, ticket_type)
        row.alert = why
        session.flush()
        return ticket_type_info(row)


# --- the alerts kept until seen --------------------------------------------------------------
_HOLDER = func.coalesce(_t.c.holder_name, _a.c.name)
_ALERTS = select(
    _aa.c.id,
    _e.c.slug,
    _aa.c.at,
    _aa.c.station,
    _aa.c.ticket_id,
    _HOLDER.label("name"),
    _tt.c.name.label("ticket_type"),
    _aa.c.reason,
    _aa.c.seen_at,
).select_from(
    _aa.outerjoin(_e, _e.c.id == _aa.c.event_id)
    .outerjoin(_t, _t.c.id == _aa.c.ticket_id)
    .outerjoin(_a, _a.c.id == _t.c.attendee_id)
    .outerjoin(_tt, _tt.c.id == _t.c.ticket_type_id)
)


def _alert(row: Any) -> AlertInfo:
    return AlertInfo(
        row.id,
        row.slug,
        row.at,
        row.station,
        row.ticket_id,
        row.name,
        row.ticket_type,
        row.reason,
        row.seen_at,
    )


def unseen_alerts(store: Store, event_ref: str | int) -> list[AlertInfo]:
    """The event's alerts nobody has seen yet, the newest first (at most SHOWN_AT_MOST)."""
    with store.read() as session:
        event = get_event(session, event_ref)
        rows = session.execute(
            _ALERTS.where(_aa.c.event_id == event.id, _aa.c.seen_at.is_(None))
            .order_by(_aa.c.id.desc())
            .limit(SHOWN_AT_MOST)
        ).all()
        return [_alert(row) for row in rows]


def event_alerts(store: Store, event_ref: str | int) -> list[AlertInfo]:
    """Every alert of the event, seen or not, in the order the people arrived."""
    with store.read() as session:
        event = get_event(session, event_ref)
        rows = session.execute(_ALERTS.where(_aa.c.event_id == event.id).order_by(_aa.c.id))
        return [_alert(row) for row in rows]


def mark_seen(store: Store, alert_ids: Iterable[int]) -> int:
    """These alerts have been seen (now); those seen before keep their time. How many were
    new to see."""
    wanted = sorted({int(i) for i in alert_ids})
    if not wanted:
        return 0
    with store.write() as session:
        found = session.execute(select(_aa.c.id).where(_aa.c.id.in_(wanted))).scalars().all()
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise NotFound(_("there is no arrival alert {id}").format(id=missing[0]), field="alert")
        done = session.connection().execute(
            update(_aa)
            .where(_aa.c.id.in_(wanted), _aa.c.seen_at.is_(None))
            .values(seen_at=utcnow())
        )
        return int(done.rowcount or 0)


# --- the arrivals, as they are logged ----------------------------------------------------------
def event_id_of(store: Store, event_ref: str | int) -> tuple[int, str]:
    """An event's id and slug (NotFound when there is none)."""
    with store.read() as session:
        event = get_event(session, event_ref)
        return event.id, event.slug


class ArrivalWatch:
    """The arrivals at an event from now on (``eventdesk watch``): each call of ``new`` gives
    those logged since the last one, each once, oldest first; with ``only_flagged`` only the
    awaited people's. It looks LOOK_BACK rows of the scan log back again each time: on
    PostgreSQL a row with a lower id may commit after a higher one was read (two stations'
    transactions at once), and is not missed."""

    def __init__(self, store: Store, event_ref: str | int, *, only_flagged: bool = False) -> None:
        self.store = store
        self.only_flagged = only_flagged
        self.event_id, self.event = event_id_of(store, event_ref)
        with store.read() as session:
            self.start = int(session.scalar(select(func.max(_sl.c.id))) or 0)
        self.high = self.start  # the highest row told
        self.told: set[int] = set()

    def new(self) -> list[Arrival]:
        since = max(self.start, self.high - LOOK_BACK)
        query = _ARRIVALS.where(_sl.c.id > since, _sl.c.event_id == self.event_id)
        if self.only_flagged:
            query = query.where(_aa.c.id.is_not(None))
        with self.store.read() as session:
            rows = session.execute(query.order_by(_sl.c.id)).all()
        found = [_arrival(row) for row in rows if row.id not in self.told]
        if found:
            self.high = max(self.high, *(a.scan_id for a in found))
            self.told = {i for i in self.told if i > self.high - LOOK_BACK}
            self.told.update(a.scan_id for a in found)
        return found


_ARRIVALS = (
    select(
        _sl.c.id,
        _e.c.slug,
        _sl.c.at,
        _sl.c.station,
        _sl.c.ticket_id,
        _sl.c.offline,
        _HOLDER.label("name"),
        _tt.c.name.label("ticket_type"),
        _aa.c.id.label("alert_id"),
        _aa.c.reason,
    )
    .select_from(
        _sl.join(_e, _e.c.id == _sl.c.event_id)
        .outerjoin(_t, _t.c.id == _sl.c.ticket_id)
        .outerjoin(_a, _a.c.id == _t.c.attendee_id)
        .outerjoin(_tt, _tt.c.id == _t.c.ticket_type_id)
        .outerjoin(_aa, _aa.c.scan_id == _sl.c.id)
    )
    .where(_sl.c.result == "ok", _sl.c.direction == "entry")
)


def _arrival(row: Any) -> Arrival:
    return Arrival(
        row.id,
        row.slug,
        row.at,
        row.station,
        row.ticket_id,
        row.name,
        row.ticket_type,
        row.reason,
        row.alert_id,
        bool(row.offline),
    )

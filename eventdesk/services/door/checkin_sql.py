"""The check-in's statements, built once: SQLAlchemy compiles each a single time, and the door's
every-scan ones run prepared, straight on the driver (eventdesk.prepared)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, and_, bindparam, case, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from eventdesk.models import (
    Attendee,
    CheckinAnswer,
    CheckinList,
    Event,
    EventSession,
    ImportRun,
    ListEntry,
    Order,
    Payment,
    PrintJob,
    ScanLog,
    SessionCheckin,
    Ticket,
    TicketSession,
    TicketType,
    UTCDateTime,
)
from eventdesk.prepared import Prepared

_t = cast(Table, Ticket.__table__)
_tt = cast(Table, TicketType.__table__)
_a = cast(Table, Attendee.__table__)
_o = cast(Table, Order.__table__)
_e = cast(Table, Event.__table__)
_ir = cast(Table, ImportRun.__table__)
_p = cast(Table, Payment.__table__)
_s = cast(Table, EventSession.__table__)
_ts = cast(Table, TicketSession.__table__)
_sc = cast(Table, SessionCheckin.__table__)
_cl = cast(Table, CheckinList.__table__)
_le = cast(Table, ListEntry.__table__)
_ca = cast(Table, CheckinAnswer.__table__)
LOG_TABLE = cast(Table, ScanLog.__table__)
_pj = cast(Table, PrintJob.__table__)

_paid = (
    select(
        func.coalesce(
            func.sum(case((_p.c.kind == "payment", _p.c.amount_cents), else_=-_p.c.amount_cents)), 0
        )
    )
    .where(_p.c.ticket_id == _t.c.id, _p.c.status == "completed")
    .scalar_subquery()
)
_COLUMNS = (
    _t.c.id,
    _t.c.status,
    _t.c.event_id,
    _t.c.ticket_type_id,
    _t.c.checked_in_at,
    _t.c.checked_in_station,
    _t.c.inside,
    _t.c.price_cents,
    _t.c.currency,
    _t.c.seat_label,
    _t.c.shop_hold,
    _t.c.valid_from,
    _t.c.valid_until,
    _ir.c.state.label("import_state"),
    _tt.c.name.label("ticket_type"),
    _tt.c.attention,
    _tt.c.needs_staff,
    # The door greets the ticket's holder: the name the buyer gave for it, else the buyer.
    func.coalesce(_t.c.holder_name, _a.c.name).label("attendee"),
    _a.c.language,  # a kiosk answers the person in it
    # An awaited person: their own alert, else their ticket type's (services.door.alerts).
    func.coalesce(_a.c.alert, _tt.c.alert).label("alert"),
    _e.c.slug,
    _e.c.status.label("event_status"),
    _e.c.starts_at,
    _e.c.ends_at,
    _e.c.timezone,
    _e.c.unpaid_policy,
    _e.c.allow_reentry,
    _e.c.checkin_opens_at,
    _e.c.checkin_closes_at,
    _paid.label("paid"),
    # The door's check-in list (services.door.lists): its id and when it last changed, read
    # with the ticket (the rules themselves are kept by the door until the list changes).
    _cl.c.id.label("list_id"),
    _cl.c.event_id.label("list_event"),
    _cl.c.updated_at.label("list_updated"),
    # The staff's notes (services.people.notes): the buyer's only on a ticket of their own.
    case(
        (or_(_t.c.holder_name.is_(None), _t.c.holder_name == _a.c.name), _a.c.note), else_=None
    ).label("note"),
    _o.c.note.label("order_note"),
)
_JOINED = (
    _t.join(_tt, _tt.c.id == _t.c.ticket_type_id)
    .join(_a, _a.c.id == _t.c.attendee_id)
    .join(_e, _e.c.id == _t.c.event_id)
    .outerjoin(_ir, _ir.c.id == _t.c.import_run_id)
    .outerjoin(_o, _o.c.id == _t.c.order_id)
)
# The event's default list (stored only once changed), or the door's own list.
_LOOKUP = select(*_COLUMNS).select_from(
    _JOINED.outerjoin(_cl, and_(_cl.c.event_id == _t.c.event_id, _cl.c.slug == "default"))
)
_LOOKUP_ON_LIST = select(*_COLUMNS).select_from(
    _JOINED.outerjoin(_cl, _cl.c.id == bindparam("b_list"))
)

# The hot path's statements, built once: SQLAlchemy then reuses their compiled form.
_TIME = UTCDateTime()
LOOKUP_ONE = _LOOKUP.where(_t.c.id == bindparam("b_id"))
LOOKUP_ONE_ON_LIST = _LOOKUP_ON_LIST.where(_t.c.id == bindparam("b_id"))
# Many tickets on their events' default lists, on any database (ticks from a paper door list:
# services.stations.paper_ticks).
LOOKUP_IN = _LOOKUP.where(_t.c.id.in_(bindparam("b_ids", expanding=True)))
# SQLite's: the ids as one JSON array (a statement of one shape for any number of them).
_GROUP_IDS = func.json_each(bindparam("b_ids")).table_valued("value")
LOOKUP_MANY = _LOOKUP.where(_t.c.id.in_(select(_GROUP_IDS.c.value)))
LOOKUP_MANY_ON_LIST = _LOOKUP_ON_LIST.where(_t.c.id.in_(select(_GROUP_IDS.c.value)))
_EVENT_ON = select(_e.c.id).where(_e.c.id == _t.c.event_id, _e.c.status != "cancelled").exists()
ADMIT_STATEMENT = (
    update(_t)
    .where(
        _t.c.id == bindparam("b_id"),
        _t.c.status == "registered",
        _t.c.checked_in_at.is_(None),
        _EVENT_ON,
    )
    .values(
        checked_in_at=bindparam("b_now", type_=_TIME),
        checked_in_station=bindparam("b_station"),
        inside=True,
    )
)
_READMIT = (
    update(_t)
    .where(
        _t.c.id == bindparam("b_id"),
        _t.c.status == "registered",
        _t.c.checked_in_at.is_not(None),
        _t.c.inside.is_(False),
    )
    .values(inside=True)
)
_LEAVE = update(_t).where(_t.c.id == bindparam("b_id"), _t.c.inside.is_(True)).values(inside=False)
_FIRST = select(_t.c.checked_in_at, _t.c.checked_in_station, _t.c.status).where(
    _t.c.id == bindparam("b_id")
)
IN_SESSION = select(_ts.c.session_id).where(  # a seat waiting for a full session is not in it
    _ts.c.ticket_id == bindparam("b_id"),
    _ts.c.session_id == bindparam("b_session"),
    _ts.c.status == "registered",
)
SESSION_FIRST = select(_sc.c.checked_in_at, _sc.c.station).where(
    _sc.c.ticket_id == bindparam("b_id"), _sc.c.session_id == bindparam("b_session")
)
# Insert-once attendance, only while the ticket is still registered and its event not cancelled
# (a cancellation between the look-up and this statement is seen here, on either database).
_SESSION_ROW = select(
    _t.c.id,
    bindparam("b_session"),
    bindparam("b_now", type_=_TIME),
    bindparam("b_station"),
).where(_t.c.id == bindparam("b_id"), _t.c.status == "registered", _EVENT_ON)
_SESSION_COLUMNS = ["ticket_id", "session_id", "checked_in_at", "station"]
SESSION_ADMIT = {
    "postgresql": postgresql.insert(_sc)
    .from_select(_SESSION_COLUMNS, _SESSION_ROW)
    .on_conflict_do_nothing()
    .returning(_sc.c.ticket_id),
    "sqlite": sqlite.insert(_sc)
    .from_select(_SESSION_COLUMNS, _SESSION_ROW)
    .on_conflict_do_nothing()
    .returning(_sc.c.ticket_id),
}
_LOG = insert(LOG_TABLE)
_LOG_COLUMNS = (
    "at",
    "station",
    "operator",
    "event_id",
    "session_id",
    "ticket_id",
    "direction",
    "payload",
    "result",
    "nonce",
    "answer",
)
SESSION_EVENT = select(_s.c.event_id).where(_s.c.id == bindparam("b_session"))
# The same statements, run straight on the driver (eventdesk.prepared): a door's every scan.
LOOKUP = Prepared(LOOKUP_ONE)
LOOKUP_GROUP = Prepared(LOOKUP_MANY)
LOOKUP_ON_LIST = Prepared(LOOKUP_ONE_ON_LIST)
LOOKUP_GROUP_ON_LIST = Prepared(LOOKUP_MANY_ON_LIST)
ADMIT = Prepared(ADMIT_STATEMENT)
READMIT = Prepared(_READMIT)
LEAVE = Prepared(_LEAVE)
FIRST = Prepared(_FIRST)
LOG = Prepared(_LOG, column_keys=_LOG_COLUMNS)
# A badge queued by an admission, in its transaction (services.door.printing reads the queue).
QUEUE_BADGE = Prepared(
    insert(_pj),
    column_keys=(
        "ticket_id",
        "printer",
        "reason",
        "state",
        "attempts",
        "station",
        "created_at",
        "updated_at",
    ),
)
REFUNDED = (
    select(_p.c.id)
    .where(_p.c.ticket_id == bindparam("b_id"), _p.c.status == "completed", _p.c.kind == "refund")
    .limit(1)
)

# --- a check-in list's own admissions (services.door.lists) ---------------------------------
LIST_ROW = select(_cl).where(_cl.c.id == bindparam("b_list"))
LIST_ENTRY = Prepared(
    select(_le.c.first_at, _le.c.station, _le.c.last_at, _le.c.inside, _le.c.entries).where(
        _le.c.list_id == bindparam("b_list"),
        _le.c.ticket_id == bindparam("b_id"),
        _le.c.day == bindparam("b_day"),
    )
)
IN_ANY_SESSION = select(_ts.c.session_id).where(
    _ts.c.ticket_id == bindparam("b_id"),
    _ts.c.session_id.in_(bindparam("b_sessions", expanding=True)),
    _ts.c.status == "registered",
)
# Insert-once, as a session door's: of two doors admitting one ticket on a list (on one day)
# at once, exactly one inserts its row.
_LIST_ROW = select(
    bindparam("b_list"),
    _t.c.id,
    bindparam("b_day"),
    bindparam("b_now", type_=_TIME),
    bindparam("b_station"),
    bindparam("b_now", type_=_TIME),
    literal(1),
    literal(True),
).where(_t.c.id == bindparam("b_id"), _t.c.status == "registered", _EVENT_ON)
_LIST_COLUMNS = [
    "list_id",
    "ticket_id",
    "day",
    "first_at",
    "station",
    "last_at",
    "entries",
    "inside",
]
LIST_ADMIT = {
    "postgresql": postgresql.insert(_le)
    .from_select(_LIST_COLUMNS, _LIST_ROW)
    .on_conflict_do_nothing()
    .returning(_le.c.ticket_id),
    "sqlite": sqlite.insert(_le)
    .from_select(_LIST_COLUMNS, _LIST_ROW)
    .on_conflict_do_nothing()
    .returning(_le.c.ticket_id),
}
# Back in on a list without an entry limit: only from outside, and (when the list says) not
# before the least time between two entries has passed.
LIST_REENTER = Prepared(
    update(_le)
    .where(
        _le.c.list_id == bindparam("b_list"),
        _le.c.ticket_id == bindparam("b_id"),
        _le.c.day == bindparam("b_day"),
        _le.c.inside.is_(False),
        _le.c.last_at <= bindparam("b_since", type_=_TIME),
    )
    .values(inside=True, entries=_le.c.entries + 1, last_at=bindparam("b_now", type_=_TIME))
)
LIST_LEAVE = Prepared(
    update(_le)
    .where(
        _le.c.list_id == bindparam("b_list"),
        _le.c.ticket_id == bindparam("b_id"),
        _le.c.day == bindparam("b_day"),
        _le.c.inside.is_(True),
    )
    .values(inside=False)
)
ANSWERS = select(_ca.c.key, _ca.c.value).where(
    _ca.c.ticket_id == bindparam("b_id"), _ca.c.list_id == bindparam("b_list")
)
_PG_ANSWER = postgresql.insert(_ca)
_SQLITE_ANSWER = sqlite.insert(_ca)
_ANSWER_KEY = ["ticket_id", "list_id", "key"]
# An answer given again (a second admission day, a desk correcting it) replaces the first.
ANSWER = {
    "postgresql": _PG_ANSWER.on_conflict_do_update(
        index_elements=_ANSWER_KEY,
        set_={c: _PG_ANSWER.excluded[c] for c in ("value", "answered_at", "station")},
    ),
    "sqlite": _SQLITE_ANSWER.on_conflict_do_update(
        index_elements=_ANSWER_KEY,
        set_={c: _SQLITE_ANSWER.excluded[c] for c in ("value", "answered_at", "station")},
    ),
}

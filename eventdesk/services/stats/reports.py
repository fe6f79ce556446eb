"""Reports and the live stats snapshot: rows a table or a CSV can show.

Every report is counted by the database (GROUP BY on indexed columns). The live snapshot reads
the running tallies the database keeps (eventdesk.services.stats.tallies), so it costs the same at a
million attendees as at a hundred, and is right while many stations check people in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, case, cast, extract, func, select, text
from sqlalchemy.orm import Session

from eventdesk.collation import name_key
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.event_time import DAY_CHANGE_HOURS, event_day, show
from eventdesk.i18n import _, ngettext
from eventdesk.import_liveness import stopped_places
from eventdesk.models import (
    Attendee,
    CheckinList,
    Event,
    EventSession,
    ListEntry,
    Payment,
    ScanConflict,
    ScanLog,
    SessionCheckin,
    StationClock,
    Ticket,
    TicketType,
)
from eventdesk.names import holder_family
from eventdesk.services.common import get_event
from eventdesk.services.stats import overrides as overridden
from eventdesk.services.stats import tallies
from eventdesk.services.stats.conflicts import conflicts as conflicts_report
from eventdesk.services.stats.overrides import overrides as overrides_report
from eventdesk.services.stats.report import Report
from eventdesk.values import format_cents, utcnow

REPORTS = (
    "attendance",
    "revenue",
    "sales",
    "sessions",
    "waitlists",
    "scans",
    "conflicts",
    "days",
    "no-shows",
    "overrides",
)
PROBLEMS = (
    "invalid",
    "unknown",
    "revoked",
    "waitlisted",
    "wrong_event",
    "wrong_session",
    "already_checked_in",
    "not_yet_valid",
    "expired",
    "unpaid",
    "no_reentry",
    "not_checked_in",
    "needs_staff",
    "wrong_type",
    "closed",
    "used_today",
    "too_soon",
    "needs_answer",
)


def _has_time(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(_has_time(v) for v in value)
    return isinstance(value, datetime)


def _bucket(session: Session, column: Any, seconds: int) -> ColumnElement[Any]:
    """Whole ``seconds``-long buckets of a timestamp, as an integer, on either database."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer) // seconds
    return cast(func.floor(extract("epoch", column) / seconds), Integer)


def _clock(bucket: int, seconds: int, zone: ZoneInfo) -> datetime:
    """The start of a bucket, as an aware time in the event's zone."""
    return datetime.fromtimestamp(bucket * seconds, zone)


# --- the reports ----------------------------------------------------------------------------
def attendance(session: Session, event: Event) -> Report:
    rows: list[tuple[Any, ...]] = []
    stopped = stopped_places(session, event.id)  # a killed import's rows: nobody's
    registered = event.registered_count - stopped.total
    checked = _checked_in_by_type(session, event)
    total_in = sum(checked.values())
    rows.append(("total", "all tickets", registered, total_in, registered - total_in))
    for tt in session.scalars(
        select(TicketType)
        .where(TicketType.event_id == event.id)
        .order_by(TicketType.priority_tier, TicketType.id)
    ):
        inside = checked.get(tt.id, 0)
        counted = tt.registered_count - stopped.of_type(tt.id)
        rows.append(("ticket type", tt.name, counted, inside, counted - inside))
    zone = event.zone
    hour = _bucket(session, Ticket.checked_in_at, 3600)
    for bucket, count in session.execute(
        select(hour, func.count())
        .where(Ticket.event_id == event.id, Ticket.checked_in_at.is_not(None))
        .group_by(hour)
        .order_by(hour)
    ):
        rows.append(
            (
                "arrivals by hour",
                _clock(int(bucket), 3600, zone),
                None,
                count,
                None,
            )
        )
    return Report(
        "attendance",
        # TRANSLATORS: the headings of the reports; {event} is the event's title
        _("Attendance: {event}").format(event=event.title),
        ("section", "item", "registered", "checked_in", "no_shows"),
        rows,
    )


def _checked_in_by_type(session: Session, event: Event) -> dict[int, int]:
    return dict(
        session.execute(
            select(Ticket.ticket_type_id, func.count())
            .where(
                Ticket.event_id == event.id,
                Ticket.checked_in_at.is_not(None),
                Ticket.status == "registered",
            )
            .group_by(Ticket.ticket_type_id)
        ).all()
    )


def revenue(session: Session, event: Event) -> Report:
    signed = case((Payment.kind == "refund", -Payment.amount_cents), else_=Payment.amount_cents)
    rows: list[tuple[Any, ...]] = []
    totals: dict[str, int] = defaultdict(int)
    for tt_name, method, currency, paid, refunded, net in session.execute(
        select(
            TicketType.name,
            Payment.method,
            Payment.currency,
            func.sum(case((Payment.kind == "payment", Payment.amount_cents), else_=0)),
            func.sum(case((Payment.kind == "refund", Payment.amount_cents), else_=0)),
            func.sum(signed),
        )
        .join(Ticket, Ticket.id == Payment.ticket_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(Payment.event_id == event.id, Payment.status == "completed")
        .group_by(TicketType.name, Payment.method, Payment.currency)
        .order_by(TicketType.name, Payment.method)
    ):
        # A complimentary ticket is recorded at face value so nothing is due; no money came in.
        earned = 0 if method == "comp" else int(net)
        rows.append(
            (
                tt_name,
                method,
                int(paid),
                int(refunded),
                earned,
                currency,
                format_cents(earned, currency),
            )
        )
        totals[currency] += earned
    for currency, net in sorted(totals.items()):
        rows.append(("total", "all", None, None, net, currency, format_cents(net, currency)))
    return Report(
        "revenue",
        _("Revenue (net of refunds): {event}").format(event=event.title),
        ("ticket_type", "method", "paid_cents", "refunded_cents", "net_cents", "currency", "net"),
        rows,
    )


def sales(session: Session, event: Event) -> Report:
    by_status = defaultdict(
        int,
        {
            (tt, status): n
            for tt, status, n in session.execute(
                select(Ticket.ticket_type_id, Ticket.status, func.count())
                .where(Ticket.event_id == event.id)
                .group_by(Ticket.ticket_type_id, Ticket.status)
            )
        },
    )
    rows = []
    stopped = stopped_places(session, event.id)
    for tt in session.scalars(
        select(TicketType)
        .where(TicketType.event_id == event.id)
        .order_by(TicketType.priority_tier, TicketType.id)
    ):
        sold = tt.registered_count - stopped.of_type(tt.id)
        remaining = None if tt.quantity is None else max(tt.quantity - sold, 0)
        rows.append(
            (
                tt.name,
                format_cents(tt.price_cents, tt.currency),
                tt.quantity,
                sold,
                remaining,
                by_status[(tt.id, "waitlisted")],
                by_status[(tt.id, "cancelled")],
            )
        )
    return Report(
        "sales",
        _("Sales: {event}").format(event=event.title),
        ("ticket_type", "price", "quantity", "sold", "remaining", "waitlisted", "cancelled"),
        rows,
    )


def sessions_report(session: Session, event: Event) -> Report:
    attended = dict(
        session.execute(
            select(SessionCheckin.session_id, func.count())
            .join(EventSession, EventSession.id == SessionCheckin.session_id)
            .where(EventSession.event_id == event.id)
            .group_by(SessionCheckin.session_id)
        ).all()
    )
    rows = []
    for row in session.scalars(select(EventSession).where(EventSession.event_id == event.id)):
        fill = None if not row.capacity else round(100 * row.registered_count / row.capacity)
        rows.append(
            (
                row.name,
                row.room,
                row.registered_count,
                row.capacity,
                fill,
                attended.get(row.id, 0),
                row.status,
            )
        )
    # by popularity; a cancelled session last
    rows.sort(key=lambda r: (r[6] == "cancelled", -r[2], -r[5], r[0]))
    ranked = [(i, *r) for i, r in enumerate(rows, start=1)]
    return Report(
        "sessions",
        _("Sessions by popularity: {event}").format(event=event.title),
        ("rank", "session", "room", "registered", "capacity", "fill_percent", "attended", "status"),
        ranked,
    )


def waitlists(session: Session, event: Event) -> Report:
    rows = [
        (name, tier, count, oldest)
        for name, tier, count, oldest in session.execute(
            select(
                TicketType.name, TicketType.priority_tier, func.count(), func.min(Ticket.created_at)
            )
            .join(TicketType, TicketType.id == Ticket.ticket_type_id)
            .where(Ticket.event_id == event.id, Ticket.status == "waitlisted")
            .group_by(TicketType.name, TicketType.priority_tier)
            .order_by(TicketType.priority_tier, TicketType.name)
        )
    ]
    return Report(
        "waitlists",
        _("Waitlists: {event}").format(event=event.title),
        ("ticket_type", "tier", "waiting", "waiting_since"),
        rows,
    )


def scans(session: Session, event: Event) -> Report:
    rows: list[tuple[Any, ...]] = []
    by_result = session.execute(
        select(ScanLog.result, func.count())
        .where(ScanLog.event_id == event.id)
        .group_by(ScanLog.result)
        .order_by(func.count().desc(), ScanLog.result)
    ).all()
    rows += [("by result", result, None, n) for result, n in by_result]
    problem = case((ScanLog.result.in_(PROBLEMS), 1), else_=0)
    for station, total, problems in session.execute(
        select(ScanLog.station, func.count(), func.sum(problem))
        .where(ScanLog.event_id == event.id)
        .group_by(ScanLog.station)
        .order_by(ScanLog.station)
    ):
        rows.append(("by station", station or "?", int(problems or 0), total))
    zone = event.zone
    minute = _bucket(session, ScanLog.at, 60)
    for bucket, total, problems in session.execute(
        select(minute, func.count(), func.sum(problem))
        .where(ScanLog.event_id == event.id)
        .group_by(minute)
        .order_by(minute)
    ):
        rows.append(
            (
                "per minute",
                _clock(int(bucket), 60, zone),
                int(problems or 0),
                total,
            )
        )
    return Report(
        "scans",
        _("Scans: {event}").format(event=event.title),
        ("section", "item", "problems", "scans"),
        rows,
    )


def _days(event: Event) -> list[date]:
    zone = event.zone
    first, last = event_day(event.starts_at, zone), event_day(event.ends_at, zone)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def days(session: Session, event: Event) -> Report:
    """Arrivals per day of the event, in its zone: the people who came for the first time that
    day, and each check-in list's admissions that day (a daily list's entries of the day; any
    other list's first entries made that day)."""
    zone = event.zone
    arrived: dict[date, int] = defaultdict(int)
    for (moment,) in session.execute(
        select(Ticket.checked_in_at).where(
            Ticket.event_id == event.id, Ticket.checked_in_at.is_not(None)
        )
    ):
        if moment is not None:
            arrived[event_day(moment, zone)] += 1
    by_list: dict[tuple[str, date], int] = defaultdict(int)
    names: dict[str, str] = {}
    for slug, name, day_key, first_at in session.execute(
        select(CheckinList.slug, CheckinList.name, ListEntry.day, ListEntry.first_at)
        .join(ListEntry, ListEntry.list_id == CheckinList.id)
        .where(CheckinList.event_id == event.id)
    ):
        names[slug] = name
        when = date.fromisoformat(day_key) if day_key else event_day(first_at, zone)
        by_list[(slug, when)] += 1
    days_seen = sorted({*_days(event), *arrived, *(d for _s, d in by_list)})
    rows: list[tuple[Any, ...]] = []
    for day in days_seen:
        rows.append((day.isoformat(), "first arrivals", arrived.get(day, 0)))
        for slug in sorted(names):
            if (slug, day) in by_list:
                rows.append((day.isoformat(), f"list {names[slug]}", by_list[(slug, day)]))
    return Report(
        "days",
        _("Arrivals per day: {event} ({zone})").format(event=event.title, zone=event.timezone),
        ("day", "item", "count"),
        rows,
    )


def arrivals_by_day(session: Session, event: Event, moment: datetime) -> list[dict[str, Any]]:
    """The first arrivals of each day of an event of several days, up to today (one range
    count a day, on the arrivals index): none for a one-day event."""
    days_of = _days(event)
    if len(days_of) < 2:
        return []
    zone = event.zone
    today = event_day(moment, zone)
    found = []
    for day in days_of:
        if day > today:
            break
        # The event's day starts at its day change, in its zone (eventdesk.event_time).
        start = datetime.combine(day, time(DAY_CHANGE_HOURS), zone)
        count = session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.event_id == event.id,
                Ticket.checked_in_at >= start,
                Ticket.checked_in_at < start + timedelta(days=1),
                Ticket.status == "registered",
            )
        )
        found.append({"day": day.isoformat(), "arrivals": int(count or 0)})
    return found


def lists_inside(session: Session, event: Event, moment: datetime) -> list[dict[str, Any]]:
    """Who is inside now on each of the event's lists with admissions of their own (a daily
    list: today's), and how many each has admitted."""
    today = event_day(moment, event.zone).isoformat()
    found = []
    for list_id, slug, name in session.execute(
        select(CheckinList.id, CheckinList.slug, CheckinList.name)
        .where(CheckinList.event_id == event.id)
        .order_by(CheckinList.id)
    ):
        inside = session.scalar(
            select(func.count())
            .select_from(ListEntry)
            .where(
                ListEntry.list_id == list_id,
                ListEntry.inside.is_(True),
                ListEntry.day.in_(("", today)),
            )
        )
        admitted = session.scalar(
            select(func.count(func.distinct(ListEntry.ticket_id))).where(
                ListEntry.list_id == list_id
            )
        )
        if slug == "default" and not admitted:
            continue  # the default list's admissions are the event's (its inside)
        found.append(
            {"slug": slug, "name": name, "inside": int(inside or 0), "admitted": int(admitted or 0)}
        )
    return found


def no_shows(session: Session, event: Event) -> Report:
    """Who has not come: each registered ticket never checked in, named for its holder (a
    ticket bought for someone else names that person; the buyer's e-mail is how to reach
    them), sorted by surname."""
    found = session.execute(
        select(
            Ticket.id,
            func.coalesce(Ticket.holder_name, Attendee.name),
            Attendee.email,
            Ticket.holder_name,
            Attendee.company,
            TicketType.name,
            Ticket.seat_label,
            Ticket.holder_family_name,
            Attendee.name,
            Attendee.family_name,
        )
        .join(Attendee, Attendee.id == Ticket.attendee_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(
            Ticket.event_id == event.id,
            Ticket.status == "registered",
            Ticket.checked_in_at.is_(None),
            stopped_places(session, event.id).keeps(Ticket.import_run_id),  # nobody's
        )
    ).all()
    # By the family part given apart, else told from the name (eventdesk.collation)
    ordered = sorted(
        found,
        key=lambda r: name_key(r[1], family=holder_family(r[3], r[7], r[8], r[9])),
    )
    rows = [
        (ticket, name, email, None if holder else company, kind, seat)
        for ticket, name, email, holder, company, kind, seat, *_parts in ordered
    ]
    return Report(
        "no-shows",
        ngettext(
            "Not come yet: {event} ({count} registered tickets not checked in)",
            "Not come yet: {event} ({count} registered tickets not checked in)",
            len(rows),
        ).format(event=event.title, count=len(rows)),
        ("ticket_id", "name", "email", "company", "ticket_type", "seat"),
        rows,
    )


def _conflicts_report(session: Session, event: Event) -> Report:
    return conflicts_report(session, event)


BUILDERS = {
    "attendance": attendance,
    "revenue": revenue,
    "sales": sales,
    "sessions": sessions_report,
    "waitlists": waitlists,
    "scans": scans,
    "conflicts": lambda session, event: _conflicts_report(session, event),
    "days": days,
    "no-shows": no_shows,
    "overrides": overrides_report,
}


def report(store: Store, name: str, event_ref: str | int) -> Report:
    if name not in BUILDERS:
        raise InvalidInput(
            _("report must be one of {choices}").format(choices=", ".join(REPORTS)), field="report"
        )
    with store.read() as session:
        event = get_event(session, event_ref)
        made = BUILDERS[name](session, event)
        timed = any(_has_time(v) for row in made.rows for v in row)
        title = (
            _("{title} (times in {zone})").format(title=made.title, zone=event.timezone)
            if timed
            else made.title
        )
        return replace(made, title=title, zone=event.zone)


# --- the live snapshot ----------------------------------------------------------------------


@dataclass
class Stats:
    event: str
    title: str
    at: datetime
    capacity: int | None
    registered: int
    checked_in: int
    waitlisted: int
    inside: int
    arrivals_last_15_min: int
    arrivals: list[dict[str, Any]] = field(default_factory=list)  # 10-minute buckets, last 3 hours
    by_ticket_type: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    waitlists: list[dict[str, Any]] = field(default_factory=list)
    revenue: list[dict[str, Any]] = field(default_factory=list)
    scan_problems: dict[str, int] = field(default_factory=dict)
    stations: list[dict[str, Any]] = field(default_factory=list)
    last_scan_at: datetime | None = None
    timezone: str = "UTC"  # the event's: what its times are shown in
    conflicts: int = 0  # scans admitted offline that another station (or a cancel) overtook
    offline_scans: int = 0  # scans a station decided from its mirror, uploaded later
    # The newest conflict: "ticket_id", "reason", "detail", "stations" (the offline station,
    # the other) and "times" (the same order).
    latest_conflict: dict[str, Any] | None = None
    # The check-in lists with admissions of their own: "slug", "name", "inside", "admitted".
    lists: list[dict[str, Any]] = field(default_factory=list)
    # An event of several days: the first arrivals of each day so far ("day", "arrivals").
    days: list[dict[str, Any]] = field(default_factory=list)
    # A badge station's scans (services.door.badge_only): badges printed, and printed again;
    # never admissions.
    badges_printed: int = 0
    badges_reprinted: int = 0
    # Admissions a supervisor made despite a refusal (services.door.override).
    overrides: int = 0


def stats(store: Store, event_ref: str | int, *, now: datetime | None = None) -> Stats:
    """Everything the stats screen shows, read in one short transaction (one snapshot)."""
    moment = now or utcnow()
    with store.read() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        event = get_event(session, event_ref)
        stopped = stopped_places(session, event.id)
        types = session.execute(
            select(TicketType.id, TicketType.name, TicketType.registered_count, TicketType.quantity)
            .where(TicketType.event_id == event.id)
            .order_by(TicketType.priority_tier, TicketType.id)
        ).all()
        zone = event.zone
        since = moment - timedelta(hours=3)
        window = moment - timedelta(minutes=15)  # "in the last 15 minutes"
        first_minute = window.replace(second=0, microsecond=0)
        counted = tallies.counts(
            session,
            event.id,
            arrivals_since=tallies.since_for_arrivals(moment),
            minutes_since=first_minute,
        )
        checked, waiting_by_type = counted.checked_in, counted.waiting
        arrivals = [
            {"from": show(start, zone, "clock"), "count": counted.arrivals[start]}
            for start in sorted(counted.arrivals)
            if start >= since - timedelta(minutes=10)
        ]
        # Whole minutes from the tallies; the minute the window starts in, from its rows.
        recent = sum(n for start, n in counted.minutes.items() if start > first_minute)
        recent += (
            session.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(
                    Ticket.event_id == event.id,
                    Ticket.checked_in_at >= window,
                    Ticket.checked_in_at < first_minute + timedelta(minutes=1),
                    Ticket.status == "registered",
                )
            )
            or 0
        )
        sessions_rows = [
            {
                "id": s.id,
                "name": s.name,
                "registered": s.registered_count,
                "capacity": s.capacity,
                "attended": counted.attended.get(s.id, 0),
                "status": s.status,
            }
            for s in session.scalars(
                select(EventSession)
                .where(EventSession.event_id == event.id)
                .order_by(EventSession.starts_at, EventSession.id)
            )
        ]
        money = sorted(counted.net.items())
        by_result: dict[str, int] = defaultdict(int)
        per_station: dict[str, dict[str, Any]] = {}
        offline_scans = 0
        for (station, result), (count, last, decided_offline) in counted.scans.items():
            by_result[result] += count
            offline_scans += decided_offline
            name = station or "?"
            blank = {"station": name, "scans": 0, "admitted": 0, "problems": 0, "last": None}
            row = per_station.setdefault(name, blank)
            row["scans"] += count
            row["admitted"] += count if result == "ok" else 0
            row["problems"] += count if result in PROBLEMS else 0
            if last is not None and (row["last"] is None or last > row["last"]):
                row["last"] = last
        # How far each station's clock is from the server's, as it last measured it.
        clocks = dict(session.execute(select(StationClock.station, StationClock.skew_ms)).all())
        for name, row in per_station.items():
            skew = clocks.get(name)
            row["clock_skew_seconds"] = skew / 1000 if skew is not None else None
        stations = [per_station[name] for name in sorted(per_station)]
        conflict_count, latest_conflict = _conflicts(session, event.id)
        problems = {r: n for r, n in by_result.items() if r in PROBLEMS}
        if conflict_count:
            problems["conflict"] = conflict_count
        override_count = overridden.count(session, event.id)
        if override_count:
            problems["override"] = override_count
        return Stats(
            event=event.slug,
            title=event.title,
            at=moment,
            capacity=event.capacity,
            registered=event.registered_count - stopped.total,
            checked_in=sum(checked.values()),
            waitlisted=sum(waiting_by_type.values()),
            inside=counted.inside,
            arrivals_last_15_min=int(recent or 0),
            arrivals=arrivals,
            by_ticket_type=[
                {
                    "name": name,
                    "registered": reg - stopped.of_type(tid),
                    "checked_in": checked.get(tid, 0),
                    "quantity": qty,
                }
                for tid, name, reg, qty in types
            ],
            sessions=sessions_rows,
            waitlists=[
                {"ticket_type": name, "waiting": waiting_by_type[tid]}
                for tid, name, _reg, _qty in types
                if waiting_by_type.get(tid)
            ],
            revenue=[
                {"currency": c, "net_cents": int(n or 0), "net": format_cents(int(n or 0), c)}
                for c, n in money
            ],
            scan_problems=problems,
            stations=stations,
            last_scan_at=max((s["last"] for s in stations if s["last"]), default=None),
            timezone=event.timezone,
            conflicts=conflict_count,
            offline_scans=offline_scans,
            latest_conflict=latest_conflict,
            lists=lists_inside(session, event, moment),
            days=arrivals_by_day(session, event, moment),
            badges_printed=by_result.get("printed", 0),
            badges_reprinted=by_result.get("reprinted", 0),
            overrides=override_count,
        )


def _conflicts(session: Session, event_id: int) -> tuple[int, dict[str, Any] | None]:
    """How many conflicts the event has, and the newest one (both from its index)."""
    newest = session.scalars(
        select(ScanConflict)
        .where(ScanConflict.event_id == event_id)
        .order_by(ScanConflict.at.desc(), ScanConflict.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return 0, None
    count = session.scalar(
        select(func.count()).select_from(ScanConflict).where(ScanConflict.event_id == event_id)
    )
    return int(count or 0), {
        "ticket_id": newest.ticket_id,
        "reason": newest.reason,
        "detail": newest.detail,
        "stations": [newest.station, newest.other_station],
        "times": [newest.at, newest.other_at],
    }

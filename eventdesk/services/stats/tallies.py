"""The live stats' counts: read from the running tallies, or counted again from the rows.

The database keeps the tallies itself, by triggers, in the transaction that changes what they
count (eventdesk/services/stats/counting.py), so a snapshot reads a few dozen rows whatever the
size of the event. ``recount`` counts the same figures from the rows; the tests hold the two
equal after any mix of registrations, cancellations, check-ins, undos, promotions, payments
and scans.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, case, cast, extract, func, or_, select
from sqlalchemy.orm import Session

from eventdesk.models import (
    EventSession,
    Payment,
    ScanLog,
    SessionCheckin,
    StatTally,
    Ticket,
)

# (station, result) -> (scans, the newest scan's time, scans decided offline)
ScanTally = dict[tuple[str | None, str], tuple[int, datetime | None, int]]
TEN_MINUTES = "%Y-%m-%d %H:%M"  # an arrival bucket's key is the first 15 characters of this


@dataclass
class Counts:
    """An event's figures, as of one transaction. Nothing is listed with a count of zero,
    except a currency whose payments and refunds net to zero."""

    checked_in: dict[int, int] = field(default_factory=dict)  # ticket type id -> checked in
    inside: int = 0
    arrivals: dict[datetime, int] = field(default_factory=dict)  # ten minutes from (UTC) -> n
    minutes: dict[datetime, int] = field(default_factory=dict)  # one minute from (UTC) -> n
    waiting: dict[int, int] = field(default_factory=dict)  # ticket type id -> waitlisted
    attended: dict[int, int] = field(default_factory=dict)  # session id -> check-ins
    net: dict[str, int] = field(default_factory=dict)  # currency -> cents paid less refunds
    scans: ScanTally = field(default_factory=dict)


def bucket_key(moment: datetime) -> str:
    """The arrival bucket ``moment`` falls in, as the tallies name it."""
    return moment.astimezone(UTC).strftime(TEN_MINUTES)[:15]


def minute_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TEN_MINUTES)


def _bucket_start(key: str) -> datetime:
    return datetime.strptime(f"{key}0", TEN_MINUTES).replace(tzinfo=UTC)


def _minute_start(key: str) -> datetime:
    return datetime.strptime(key, TEN_MINUTES).replace(tzinfo=UTC)


def _scan_key(key: str) -> tuple[str | None, str]:
    result, _, station = key.partition(":")
    return (station or None, result)


def counts(
    session: Session,
    event_id: int,
    *,
    arrivals_since: datetime | None = None,
    minutes_since: datetime | None = None,
) -> Counts:
    """The event's figures from its tallies: one indexed read of a few dozen rows. Arrival
    buckets before ``arrivals_since``, and minutes before ``minutes_since``, are left out."""
    t = StatTally
    query = (
        select(t.kind, t.key, func.sum(t.n), func.sum(t.extra), func.max(t.last_at))
        .where(t.event_id == event_id)
        .group_by(t.kind, t.key)
    )
    if arrivals_since is not None:
        query = query.where(or_(t.kind != "arrived", t.key >= bucket_key(arrivals_since)))
    if minutes_since is not None:
        query = query.where(or_(t.kind != "minute", t.key >= minute_key(minutes_since)))
    found = Counts()
    for kind, key, total, extra, last in session.execute(query):
        n = int(total or 0)
        if n == 0 and not extra and kind != "net":  # money netted to zero is still shown
            continue
        if kind == "in":
            found.checked_in[int(key)] = n
        elif kind == "inside":
            found.inside = n
        elif kind == "arrived":
            found.arrivals[_bucket_start(key)] = n
        elif kind == "minute":
            found.minutes[_minute_start(key)] = n
        elif kind == "waiting":
            found.waiting[int(key)] = n
        elif kind == "attended":
            found.attended[int(key)] = n
        elif kind == "net":
            found.net[key] = n
        elif kind == "scans":
            found.scans[_scan_key(key)] = (n, last, int(extra or 0))
    return found


def waiting(session: Session, event_id: int) -> int:
    """How many of the event's tickets are on its waitlists (from the tallies)."""
    total = session.scalar(
        select(func.coalesce(func.sum(StatTally.n), 0)).where(
            StatTally.event_id == event_id, StatTally.kind == "waiting"
        )
    )
    return int(total or 0)


def recount(session: Session, event_id: int) -> Counts:
    """The same figures counted from the rows themselves (every ticket, payment and scan of
    the event): what the tallies must always equal."""
    found = Counts()
    sqlite = session.get_bind().dialect.name == "sqlite"
    ten = (
        func.substr(Ticket.checked_in_at, 1, 15)
        if sqlite
        else cast(func.floor(extract("epoch", Ticket.checked_in_at) / 600), Integer)
    )
    one = (
        func.substr(Ticket.checked_in_at, 1, 16)
        if sqlite
        else cast(func.floor(extract("epoch", Ticket.checked_in_at) / 60), Integer)
    )
    checked: dict[int, int] = defaultdict(int)
    arrivals: dict[datetime, int] = defaultdict(int)
    minutes: dict[datetime, int] = defaultdict(int)
    for type_id, is_inside, bucket, minute, count in session.execute(
        select(Ticket.ticket_type_id, Ticket.inside, ten, one, func.count())
        .where(
            Ticket.event_id == event_id,
            Ticket.checked_in_at.is_not(None),
            Ticket.status == "registered",
        )
        .group_by(Ticket.ticket_type_id, Ticket.inside, ten, one)
    ):
        checked[type_id] += count
        found.inside += count if is_inside else 0
        start = _bucket_start(bucket) if sqlite else datetime.fromtimestamp(int(bucket) * 600, UTC)
        arrivals[start] += count
        start = _minute_start(minute) if sqlite else datetime.fromtimestamp(int(minute) * 60, UTC)
        minutes[start] += count
    found.checked_in, found.arrivals, found.minutes = dict(checked), dict(arrivals), dict(minutes)
    found.waiting = {
        type_id: count
        for type_id, count in session.execute(
            select(Ticket.ticket_type_id, func.count())
            .where(Ticket.event_id == event_id, Ticket.status == "waitlisted")
            .group_by(Ticket.ticket_type_id)
        )
    }
    found.attended = {
        session_id: count
        for session_id, count in session.execute(
            select(SessionCheckin.session_id, func.count())
            .join(EventSession, EventSession.id == SessionCheckin.session_id)
            .where(EventSession.event_id == event_id)
            .group_by(SessionCheckin.session_id)
        )
    }
    signed = case((Payment.kind == "refund", -Payment.amount_cents), else_=Payment.amount_cents)
    found.net = {
        currency: int(total or 0)
        for currency, total in session.execute(
            select(Payment.currency, func.sum(signed))
            .where(
                Payment.event_id == event_id,
                Payment.status == "completed",
                Payment.method != "comp",
            )
            .group_by(Payment.currency)
        )
    }
    offline = func.sum(case((ScanLog.offline.is_(True), 1), else_=0))
    for station, result, count, last, decided_offline in session.execute(
        select(ScanLog.station, ScanLog.result, func.count(), func.max(ScanLog.at), offline)
        .where(ScanLog.event_id == event_id)
        .group_by(ScanLog.station, ScanLog.result)
    ):
        key = (station or None, result)
        old_count, old_last, old_offline = found.scans.get(key, (0, None, 0))
        newest = last if old_last is None or (last is not None and last > old_last) else old_last
        found.scans[key] = (old_count + count, newest, old_offline + int(decided_offline or 0))
    return found


def since_for_arrivals(moment: datetime) -> datetime:
    """The first arrival bucket the stats show: the last three hours, and the ten minutes the
    three hours begin in."""
    return moment - timedelta(hours=3, minutes=10)

"""An event's check-in lists as the organizer makes, changes, finds and removes them, and what a
list says of itself (its rules in words, who is in, how many came); the rules a list holds and
how its days, hours and questions are typed are services.door.lists'."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed, NotFound
from eventdesk.i18n import _, ngettext
from eventdesk.ids import as_id
from eventdesk.labels import label
from eventdesk.models import (
    CheckinAnswer,
    CheckinList,
    Event,
    EventSession,
    ListEntry,
    Ticket,
    TicketType,
)
from eventdesk.services.common import get_event, get_ticket_type
from eventdesk.services.door.lists import (
    DEFAULT,
    DEFAULT_NAME,
    ENTRIES,
    ListRules,
    day_of,
    default_rules,
    event_days,
    parse_days,
    parse_hours,
    parse_question,
    rules_of,
    short_day,
)
from eventdesk.services.door.scan_result import joined
from eventdesk.text import slugify
from eventdesk.values import utcnow


@dataclass
class ListChange:
    """What create or update sets; a field left None is left as it is (``clear`` empties)."""

    name: str | None = None
    ticket_types: Sequence[str] | None = None
    sessions: Sequence[str] | None = None
    entries: str | None = None
    days: str | None = None
    hours: Sequence[str] | None = None
    unpaid: str | None = None
    staff_pass: bool | None = None
    min_gap_minutes: int | None = None
    questions: Sequence[str] | None = None
    clear: Sequence[str] = field(default_factory=tuple)


CLEARABLE = (
    "ticket_types",
    "sessions",
    "entries",
    "days",
    "hours",
    "unpaid",
    "min_gap_minutes",
    "questions",
)


def _apply(session: Session, event: Event, row: CheckinList, change: ListChange) -> None:
    for name in change.clear:
        if name not in CLEARABLE:
            raise InvalidInput(
                _("{name!r} cannot be cleared (one of {choices})").format(
                    name=name, choices=", ".join(CLEARABLE)
                ),
                field="clear",
            )
        setattr(row, name, None)
    if change.name is not None:
        name = change.name.strip()
        if not name or len(name) > 100 or not name.isprintable():
            raise InvalidInput(_("a list's name is 1 to 100 characters"), field="name")
        row.name = name
    if change.ticket_types is not None:
        types = [get_ticket_type(session, event, t) for t in change.ticket_types if t.strip()]
        if not types:
            raise InvalidInput(_("name at least one ticket type"), field="ticket_types")
        row.ticket_types = json.dumps(sorted({t.id for t in types}))
    if change.sessions is not None:
        ids = []
        for ref in (s.strip() for s in change.sessions if s.strip()):
            found = _session(session, event, ref)
            ids.append(found.id)
        if not ids:
            raise InvalidInput(_("name at least one session"), field="sessions")
        row.sessions = json.dumps(sorted(set(ids)))
    if change.entries is not None:
        if change.entries not in ENTRIES:
            raise InvalidInput(_("entries are once, daily or unlimited"), field="entries")
        row.entries = change.entries
    days = event_days(event.starts_at, event.ends_at, event.timezone)
    if change.days is not None:
        row.days = json.dumps([d.isoformat() for d in parse_days(change.days, days)])
    if change.hours is not None:
        hours = parse_hours(change.hours, days)
        row.hours = (
            json.dumps(
                [
                    [h.day.isoformat() if h.day else None, f"{h.opens:%H:%M}", f"{h.closes:%H:%M}"]
                    for h in hours
                ]
            )
            if hours
            else None
        )
    if change.unpaid is not None:
        if change.unpaid not in ("admit", "refuse"):
            raise InvalidInput(_("unpaid is admit or refuse"), field="unpaid")
        row.unpaid = change.unpaid
    if change.staff_pass is not None:
        row.staff_pass = change.staff_pass
    if change.min_gap_minutes is not None:
        if not 0 < change.min_gap_minutes <= 24 * 60:
            raise InvalidInput(_("the time between entries is 1 to 1440 minutes"), field="min_gap")
        row.min_gap_minutes = change.min_gap_minutes
    if change.questions is not None:
        asked = [parse_question(q) for q in change.questions]
        keys = [q.key for q in asked]
        if len(set(keys)) < len(keys):
            raise InvalidInput(_("two questions with one key"), field="question")
        row.questions = json.dumps([q.as_dict() for q in asked]) if asked else None


def _session(session: Session, event: Event, ref: str) -> EventSession:
    number = as_id(ref)
    query = select(EventSession).where(EventSession.event_id == event.id)
    query = (
        query.where(EventSession.id == number)
        if number is not None
        else query.where(func.lower(EventSession.name) == ref.lower())
    )
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(
            _("event {event!r} has no session {session!r}").format(event=event.slug, session=ref),
            field="sessions",
        )
    return found


def _stored_default(session: Session, event: Event) -> CheckinList | None:
    return session.scalars(
        select(CheckinList).where(CheckinList.event_id == event.id, CheckinList.slug == DEFAULT)
    ).first()


def create_list(store: Store, event_ref: str | int, change: ListChange) -> ListRules:
    """A new list on an event, with its rules."""
    if not change.name or not change.name.strip():
        raise InvalidInput(_("a list needs a name (--name)"), field="name")
    with store.write() as session:
        event = get_event(session, event_ref)
        slug = slugify(change.name)[:60]
        if slug == DEFAULT:
            raise InvalidInput(
                _(
                    "the default list is there already: change it with `checkin-list update "
                    "{event}/default`"
                ).format(event=event.slug),
                field="name",
            )
        taken = set(
            session.scalars(select(CheckinList.slug).where(CheckinList.event_id == event.id))
        )
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        row = CheckinList(event_id=event.id, slug=slug, name=change.name, updated_at=utcnow())
        _apply(session, event, row, change)
        session.add(row)
        session.flush()
        return rules_of(row)


def update_list(store: Store, ref: str, change: ListChange) -> ListRules:
    """A list's rules changed (the default list is stored at its first change)."""
    with store.write() as session:
        event, row = _find(session, ref)
        if row is None:  # the default list, changed for the first time
            row = CheckinList(
                event_id=event.id, slug=DEFAULT, name=DEFAULT_NAME, updated_at=utcnow()
            )
            session.add(row)
        _apply(session, event, row, change)
        if row.slug == DEFAULT and row.min_gap_minutes is not None:
            raise InvalidInput(
                _(
                    "the default list's entries are the ticket's own: give the least time between "
                    "entries to a list of its own (checkin-list create)"
                ),
                field="min_gap",
            )
        row.updated_at = utcnow()
        session.flush()
        return rules_of(row)


def delete_list(store: Store, ref: str) -> ListRules:
    """A list deleted with its admissions and answers (the scan log keeps its scans). The
    default list goes back to admitting every valid ticket once (as the event says)."""
    with store.write() as session:
        _event, row = _find(session, ref)
        if row is None:
            raise NotAllowed(_("the default list has no changes to undo"))
        rules = rules_of(row)
        session.execute(delete(ListEntry).where(ListEntry.list_id == row.id))
        session.execute(delete(CheckinAnswer).where(CheckinAnswer.list_id == row.id))
        session.delete(row)
        return rules


def find_list(store: Store, ref: str, event: str | int | None = None) -> ListRules:
    """A list by id, EVENT/SLUG, or slug (with ``event``, or one event's only)."""
    with store.read() as session:
        found_event, row = _find(session, ref, event)
        return rules_of(row) if row is not None else default_rules(found_event.id)


def lists_of(store: Store, event_ref: str | int) -> list[ListRules]:
    """An event's lists, the default first."""
    with store.read() as session:
        event = get_event(session, event_ref)
        rows = session.scalars(
            select(CheckinList).where(CheckinList.event_id == event.id).order_by(CheckinList.id)
        ).all()
        found = [rules_of(r) for r in rows]
        if not any(r.is_default for r in found):
            found.insert(0, default_rules(event.id))
        found.sort(key=lambda r: (not r.is_default, r.id or 0))
        return found


def _find(
    session: Session, ref: str, event_ref: str | int | None = None
) -> tuple[Event, CheckinList | None]:
    """A list and its event (the default list not stored yet: None)."""
    text = str(ref).strip()
    if not text:
        raise InvalidInput(_("a check-in list is required"), field="list")
    if "/" in text:
        event_ref, _slash, text = text.rpartition("/")
    number = as_id(text)
    if number is not None:
        row = session.get(CheckinList, number)
        if row is None:
            raise NotFound(_("no check-in list {list}").format(list=number), field="list")
        return cast(Event, session.get(Event, row.event_id)), row
    slug = text.lower()
    if event_ref is not None:
        event = get_event(session, event_ref)
        found = session.scalars(
            select(CheckinList).where(CheckinList.event_id == event.id, CheckinList.slug == slug)
        ).first()
        if found is None and slug != DEFAULT:
            raise NotFound(
                _("event {event!r} has no check-in list {list!r}").format(
                    event=event.slug, list=slug
                ),
                field="list",
            )
        return event, found
    rows = session.scalars(select(CheckinList).where(CheckinList.slug == slug)).all()
    if slug == DEFAULT:
        events = session.scalars(select(Event).limit(2)).all()
        if len(events) == 1:  # one event: its default list
            return events[0], rows[0] if rows else None
    if len(rows) == 1:
        return cast(Event, session.get(Event, rows[0].event_id)), rows[0]
    if rows or slug == DEFAULT:
        raise InvalidInput(
            _("several events have a list {list!r}: say which, as EVENT/{list}").format(list=slug),
            field="list",
        )
    raise NotFound(_("no check-in list {list!r}").format(list=slug), field="list")


# --- what a list says -----------------------------------------------------------------------
def describe(store: Store, rules: ListRules) -> dict[str, Any]:
    """A list as ``checkin-list show`` and the organizer screen show it."""
    with store.read() as session:
        event = cast(Event, session.get(Event, rules.event_id))
        type_names = _names(session, TicketType, rules.ticket_types)
        session_names = _names(session, EventSession, rules.sessions)
        entries = rules.entries_for(event.allow_reentry)
        return {
            "id": rules.id,
            "slug": rules.slug,
            "name": rules.name,
            "event": event.slug,
            "default": rules.is_default,
            "ticket_types": type_names,
            "sessions": session_names,
            "entries": entries,
            "entries_set": rules.entries,  # the list's own (None: the event's)
            "days": [d.isoformat() for d in rules.days] if rules.days else None,
            "hours": [h.said() for h in rules.hours] or None,
            "unpaid": rules.unpaid or event.unpaid_policy,
            "unpaid_set": rules.unpaid,  # the list's own (None: the event's)
            "staff_pass": rules.staff_pass,
            "min_gap_minutes": rules.min_gap_minutes,
            "questions": [q.as_dict() for q in rules.questions],
            "admitted": admitted_count(session, rules, event),
            "inside": inside_now(session, rules, event),
            "rules": said(rules, type_names, session_names, entries),
        }


def said(
    rules: ListRules, type_names: list[str] | None, session_names: list[str] | None, entries: str
) -> list[str]:
    """The list's rules as short phrases, the most telling first."""
    lines = [
        _("{ticket_types} only").format(ticket_types=joined(type_names))
        if type_names
        else _("all ticket types")
    ]
    if session_names:
        lines.append(_("registered for {sessions}").format(sessions=joined(session_names, "or")))
    lines.append(
        {"once": _("one entry"), "daily": _("one entry a day"), "unlimited": _("in and out")}[
            entries
        ]
    )
    if rules.days:
        lines.append(_("on {days}").format(days=joined([short_day(d) for d in rules.days])))
    if rules.hours:
        lines.append(_("open {hours}").format(hours=", ".join(h.said() for h in rules.hours)))
    if rules.min_gap_minutes:
        lines.append(
            ngettext(
                "{count} min between entries", "{count} min between entries", rules.min_gap_minutes
            ).format(count=rules.min_gap_minutes)
        )
    if rules.unpaid:
        # TRANSLATORS: {policy} is what the door does with an unpaid ticket, as its own message
        # says it (admit, refuse)
        lines.append(_("unpaid: {policy}").format(policy=label("unpaid_policy", rules.unpaid)))
    if rules.staff_pass:
        lines.append(_("needs-staff tickets pass at kiosks"))
    for q in rules.questions:
        if q.required:
            lines.append(_("asks {question} (required)").format(question=q.text))
        else:
            lines.append(_("asks {question}").format(question=q.text))
    return lines


def _names(session: Session, model: Any, ids: frozenset[int] | None) -> list[str] | None:
    if ids is None:
        return None
    rows = session.execute(select(model.id, model.name).where(model.id.in_(sorted(ids)))).all()
    return [name for _id, name in sorted(rows)]


def names_of(conn: Connection, model: Any, ids: frozenset[int] | None) -> list[str]:
    """Ticket types' or sessions' names, for a refusal that says what would pass."""
    if not ids:
        return []
    rows = conn.execute(select(model.id, model.name).where(model.id.in_(sorted(ids)))).all()
    return [name for _id, name in sorted(rows)]


def inside_now(session: Session, rules: ListRules, event: Event) -> int:
    """How many of the list's tickets are inside now."""
    if rules.on_ticket(event.allow_reentry):
        return int(
            session.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.event_id == event.id, Ticket.inside.is_(True))
            )
            or 0
        )
    if rules.id is None:
        return 0
    query = (
        select(func.count())
        .select_from(ListEntry)
        .where(ListEntry.list_id == rules.id, ListEntry.inside.is_(True))
    )
    if rules.keeps_days(event.allow_reentry):
        query = query.where(ListEntry.day == day_of(utcnow(), event.zone).isoformat())
    return int(session.scalar(query) or 0)


def admitted_count(session: Session, rules: ListRules, event: Event) -> int:
    """How many tickets the list has admitted (each once, whatever its days)."""
    if rules.on_ticket(event.allow_reentry):
        return int(
            session.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.event_id == event.id, Ticket.checked_in_at.is_not(None))
            )
            or 0
        )
    if rules.id is None:
        return 0
    return int(
        session.scalar(
            select(func.count(func.distinct(ListEntry.ticket_id))).where(
                ListEntry.list_id == rules.id
            )
        )
        or 0
    )

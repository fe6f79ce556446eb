"""Check-in lists: which tickets a door admits, on which days and hours, how many times, and
what it asks at admission (docs/architecture.md#check-in-lists).

A list's rules are plain fields, each off until set: ticket types, sessions (registered for one
of them), days of the event, opening hours (every day, or a day's own), entries (once; once a day
of the event; unlimited, with an exit between two entries), the least time between two entries,
whether unpaid tickets pass, whether tickets that need staff pass at a self-service kiosk, and
questions (yes/no, a choice, a short text; required or not). Every event has a default list
("default") that admits every valid ticket; it is stored only once the organizer changes it, and
its "once" and "unlimited" are kept on the ticket itself (the event's arrivals), as before lists.

A ticket is valid once on each list: a list other than the default keeps its admissions in
``list_entry``, one row a ticket and day (the day is "" when the list counts no days), inserted
once, so that of two doors admitting the same ticket at once exactly one inserts it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotAllowed, NotFound
from eventdesk.event_time import event_day, event_zone, show_day
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
from eventdesk.services.door.scan_result import joined
from eventdesk.services.people.questions import NO, YES  # a yes/no answer, as at registration
from eventdesk.text import slugify
from eventdesk.values import utcnow

Entries = Literal["once", "daily", "unlimited"]
ENTRIES: tuple[Entries, ...] = ("once", "daily", "unlimited")
QuestionKind = Literal["yesno", "choice", "text"]
KINDS: tuple[QuestionKind, ...] = ("yesno", "choice", "text")
DEFAULT = "default"
DEFAULT_NAME = "Default"  # not for translation: the default list's name, stored as its name
MAX_ANSWER = 200
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_HOURS = re.compile(r"^(?:(?P<day>[^@]+)@)?(?P<opens>\d{1,2}:\d{2})-(?P<closes>\d{1,2}:\d{2})$")


@dataclass(frozen=True)
class Question:
    """A question asked at admission."""

    key: str
    kind: QuestionKind
    text: str
    required: bool = False
    choices: tuple[str, ...] = ()

    def answer(self, value: str) -> str:
        """``value`` as this question keeps it, or InvalidInput saying what it takes."""
        given = value.strip()
        if self.kind == "yesno":
            if given.casefold() in YES:
                return "yes"
            if given.casefold() in NO:
                return "no"
            raise InvalidInput(_("{key}: answer yes or no").format(key=self.key), field="answer")
        if self.kind == "choice":
            for choice in self.choices:
                if choice.casefold() == given.casefold():
                    return choice
            raise InvalidInput(
                _("{key}: answer one of {choices}").format(
                    key=self.key, choices=", ".join(self.choices)
                ),
                field="answer",
            )
        if not given or len(given) > MAX_ANSWER or not given.isprintable():
            raise InvalidInput(
                _("{key}: a short text of 1 to {most} printable characters").format(
                    key=self.key, most=MAX_ANSWER
                ),
                field="answer",
            )
        return given

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind,
            "text": self.text,
            "required": self.required,
        }
        if self.choices:
            found["choices"] = list(self.choices)
        return found


@dataclass(frozen=True)
class Hours:
    """Opening hours, every day of the event (``day`` None) or one day's own."""

    opens: time
    closes: time
    day: date | None = None

    def open_at(self, clock: time) -> bool:
        """Open at ``clock`` (hours that close before they open run past midnight)."""
        if self.opens < self.closes:
            return self.opens <= clock < self.closes
        return clock >= self.opens or clock < self.closes

    def said(self) -> str:
        span = f"{self.opens:%H:%M}-{self.closes:%H:%M}"
        return f"{self.day.isoformat()}@{span}" if self.day else span


@dataclass(frozen=True)
class ListRules:
    """A list as a door applies it."""

    id: int | None  # None: the default list, not stored (no rule set)
    event_id: int
    slug: str
    name: str
    ticket_types: frozenset[int] | None = None
    sessions: frozenset[int] | None = None
    entries: Entries | None = None  # None: the event's (unlimited with re-entry, else once)
    days: tuple[date, ...] | None = None
    hours: tuple[Hours, ...] = ()
    unpaid: Literal["admit", "refuse"] | None = None  # None: the event's policy
    staff_pass: bool = False
    min_gap_minutes: int | None = None
    questions: tuple[Question, ...] = ()
    updated_at: datetime | None = None

    @property
    def is_default(self) -> bool:
        return self.slug == DEFAULT

    @functools.cached_property
    def plain(self) -> bool:
        """The default list with no rule set: decided exactly as before lists (the door's
        every-scan path, on the event's own settings). Worked out once per list."""
        return self.is_default and (
            self.ticket_types is None
            and self.sessions is None
            and self.entries is None
            and self.days is None
            and not self.hours
            and self.unpaid is None
            and self.min_gap_minutes is None
            and not self.questions
            and not self.staff_pass
        )

    def entries_for(self, allow_reentry: bool) -> Entries:
        return self.entries or ("unlimited" if allow_reentry else "once")

    def keeps_days(self, allow_reentry: bool) -> bool:
        return self.entries_for(allow_reentry) == "daily"

    def on_ticket(self, allow_reentry: bool) -> bool:
        """Admissions kept on the ticket's own columns (the default list, once or unlimited)."""
        return self.is_default and not self.keeps_days(allow_reentry)

    def hours_on(self, day: date) -> tuple[Hours, ...]:
        """The hours open on ``day``: the day's own, else every day's."""
        own = tuple(h for h in self.hours if h.day == day)
        return own or tuple(h for h in self.hours if h.day is None)

    def question(self, key: str) -> Question:
        for asked in self.questions:
            if asked.key == key:
                return asked
        known = ", ".join(q.key for q in self.questions) or _("none")
        raise InvalidInput(
            _("the list {list!r} asks no question {key!r} (it asks: {known})").format(
                list=self.name, key=key, known=known
            ),
            field="answer",
        )

    def answers(self, given: dict[str, str] | None) -> dict[str, str]:
        """The answers given, checked against the questions (InvalidInput names a bad one)."""
        return {key: self.question(key).answer(value) for key, value in (given or {}).items()}

    def missing(self, answers: dict[str, str]) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.required and q.key not in answers)


def default_rules(event_id: int) -> ListRules:
    return ListRules(None, event_id, DEFAULT, DEFAULT_NAME)


def rules_of(row: CheckinList | Any) -> ListRules:
    """A stored list's rules (a model or a row with its columns)."""

    def ids(text: str | None) -> frozenset[int] | None:
        return frozenset(int(v) for v in json.loads(text)) if text else None

    days = tuple(date.fromisoformat(d) for d in json.loads(row.days)) if row.days else None
    hours = tuple(
        Hours(
            time.fromisoformat(opens),
            time.fromisoformat(closes),
            date.fromisoformat(day) if day else None,
        )
        for day, opens, closes in (json.loads(row.hours) if row.hours else ())
    )
    questions = tuple(
        Question(
            q["key"],
            q["kind"],
            q["text"],
            bool(q.get("required")),
            tuple(q.get("choices", ())),
        )
        for q in (json.loads(row.questions) if row.questions else ())
    )
    return ListRules(
        id=row.id,
        event_id=row.event_id,
        slug=row.slug,
        name=row.name,
        ticket_types=ids(row.ticket_types),
        sessions=ids(row.sessions),
        entries=cast(Entries | None, row.entries),
        days=days,
        hours=hours,
        unpaid=cast(Literal["admit", "refuse"] | None, row.unpaid),
        staff_pass=bool(row.staff_pass),
        min_gap_minutes=row.min_gap_minutes,
        questions=questions,
        updated_at=row.updated_at,
    )


def day_of(moment: datetime, zone: ZoneInfo) -> date:
    """The day of the event ``moment`` belongs to, in its zone (a night past midnight is the
    evening's day: eventdesk.event_time.event_day)."""
    return event_day(moment, zone)


def event_days(starts_at: datetime, ends_at: datetime, timezone: str | None) -> list[date]:
    """The days of an event, in its zone, first to last."""
    zone = event_zone(timezone)
    first, last = day_of(starts_at, zone), day_of(ends_at, zone)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def short_day(day: date) -> str:
    return show_day(day, weekday=True)


# --- what the organizer types ---------------------------------------------------------------
def parse_days(text: str, days: Sequence[date]) -> list[date]:
    """Days as typed: ISO dates, or the event's day numbers (1 is its first day)."""
    found: list[date] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        number = as_id(part)
        if number is not None:
            if number > len(days):
                raise InvalidInput(
                    ngettext(
                        "day {day}: the event has {count} day(s)",
                        "day {day}: the event has {count} day(s)",
                        len(days),
                    ).format(day=number, count=len(days)),
                    field="days",
                )
            found.append(days[number - 1])
            continue
        try:
            day = date.fromisoformat(part)
        except ValueError:
            raise InvalidInput(
                _("{day!r} is not a day (an ISO date, 2030-05-14, or a day number, 2)").format(
                    day=part
                ),
                field="days",
            ) from None
        if day not in days:
            raise InvalidInput(
                _("{day} is not a day of the event ({first} to {last})").format(
                    day=part, first=days[0], last=days[-1]
                ),
                field="days",
            )
        found.append(day)
    if not found:
        raise InvalidInput(_("name at least one day"), field="days")
    return sorted(set(found))


def parse_hours(specs: Iterable[str], days: Sequence[date]) -> list[Hours]:
    """Opening hours as typed: HH:MM-HH:MM (every day), or DAY@HH:MM-HH:MM (one day's; DAY as
    in --days); several separated by commas."""
    found: list[Hours] = []
    for spec in specs:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            match = _HOURS.match(part)
            if match is None:
                raise InvalidInput(
                    _("{hours!r}: hours are HH:MM-HH:MM, or DAY@HH:MM-HH:MM for one day").format(
                        hours=part
                    ),
                    field="open",
                )
            try:
                opens = time.fromisoformat(match["opens"].zfill(5))
                closes = time.fromisoformat(match["closes"].zfill(5))
            except ValueError:
                raise InvalidInput(
                    _("{hours!r}: not a time of day").format(hours=part), field="open"
                ) from None
            if closes == opens:
                raise InvalidInput(
                    _("{hours!r}: opens and closes at once").format(hours=part), field="open"
                )
            day = parse_days(match["day"], days)[0] if match["day"] else None
            found.append(Hours(opens, closes, day))
    return found


def parse_question(spec: str) -> Question:
    """A question as typed: KEY:KIND:TEXT[:required], KIND yesno, text, or choice=A|B|C."""
    parts = spec.split(":")
    if len(parts) < 3:
        raise InvalidInput(
            _("{question!r}: a question is KEY:yesno|text|choice=A|B:TEXT[:required]").format(
                question=spec
            ),
            field="question",
        )
    key, kind_spec, rest = parts[0].strip().lower(), parts[1].strip(), parts[2:]
    required = False
    if len(rest) > 1 and rest[-1].strip().lower() in ("required", "optional"):
        required = rest.pop().strip().lower() == "required"
    text = ":".join(rest).strip()
    if not _KEY.match(key):
        raise InvalidInput(
            _("{key!r}: a question's key is a lowercase word (letters, digits, _)").format(key=key),
            field="question",
        )
    kind, _equals, choices_text = kind_spec.partition("=")
    if kind not in KINDS:
        raise InvalidInput(
            _("{kind!r}: a question is yesno, choice or text").format(kind=kind), field="question"
        )
    choices = tuple(c.strip() for c in choices_text.split("|") if c.strip())
    if kind == "choice" and len(choices) < 2:
        raise InvalidInput(
            _("{key}: a choice names two answers or more (choice=S|M|L)").format(key=key),
            field="question",
        )
    if kind != "choice" and choices:
        raise InvalidInput(
            _("{key}: only a choice names answers").format(key=key), field="question"
        )
    if not text or len(text) > 200 or not text.isprintable():
        raise InvalidInput(
            _("{key}: the question's text (1 to 200 characters)").format(key=key), field="question"
        )
    return Question(key, kind, text, required, choices)


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

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
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from eventdesk.errors import InvalidInput
from eventdesk.event_time import event_day, event_zone, show_day
from eventdesk.i18n import _, ngettext
from eventdesk.ids import as_id
from eventdesk.models import (
    CheckinList,
)
from eventdesk.services.people.questions import NO, YES  # a yes/no answer, as at registration

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

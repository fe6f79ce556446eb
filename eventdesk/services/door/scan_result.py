"""A door's decision as a plain value (ScanResult), what a door can answer, and the scan's
nonce: what the check-in, the stations' mirror, the screens and the CLI pass between them.

A door words nothing. What it tells the person is a ``Said``: the sentence's message id (marked
for translation where the door names it) and its facts (a name, a time in the event's zone, an
amount, a day, a list of names), worded by whoever reads the answer, when it reads it, in its
own language: the kiosk in its holder's, the desk and the command line in the station's.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Literal, TypeAlias, cast, get_args

from eventdesk.errors import InvalidInput
from eventdesk.event_time import Style, event_zone, show, show_day
from eventdesk.i18n import N_, _
from eventdesk.values import money_text

# Every answer a door can give, in the order the rules are checked
# (docs/architecture.md#check-in-rules). A Literal, so that a misspelt result in a screen or the CLI
# is a type error.
ScanOutcome = Literal[
    "invalid",
    "unknown",
    "revoked",
    "waitlisted",
    "wrong_event",
    "wrong_session",
    "not_yet_valid",
    "expired",
    "unpaid",
    "already_checked_in",
    "no_reentry",
    "not_checked_in",
    "needs_staff",
    # A check-in list's rules (services.door.lists): a ticket type the list does not admit, a
    # day or an hour it is closed, a day's entry used, too soon after the last entry, a
    # required question not answered yet.
    "wrong_type",
    "closed",
    "used_today",
    "too_soon",
    "needs_answer",
    "ok",
    # A badge station's print-only scan (``Checkin(print_only=True)``): a badge printed for a
    # valid ticket, the first time or again; never an admission.
    "printed",
    "reprinted",
]
RESULTS: tuple[ScanOutcome, ...] = get_args(ScanOutcome)
Direction = Literal["entry", "exit"]
NONCE_CHARS = 64


# --- what a door tells the person, worded by the reader ----------------------------------------
@dataclass(frozen=True)
class Time:
    """A time, said in the event's zone (``zone``: its name) in ``style``; ``none`` when the
    time is not known (a message id, worded too)."""

    at: datetime | None
    zone: str | None
    style: Style = "stamp"
    none: str = "?"


@dataclass(frozen=True)
class Day:
    """A day of the event ("14 May"; "Thu 14 May" with its weekday)."""

    day: date
    weekday: bool = True


@dataclass(frozen=True)
class Money:
    """An amount, in cents of ``currency``."""

    cents: int
    currency: str


@dataclass(frozen=True)
class Names:
    """Names in a sentence: "A, B and C" (``last`` "or": "A, B or C")."""

    names: tuple[str | Day, ...]
    last: Literal["and", "or"] = "and"


Fact: TypeAlias = "str | int | Time | Day | Money | Names | Said"


@dataclass(frozen=True)
class Said:
    """A sentence a door names: its message id and its facts, worded when it is read
    (``words``). ``worded``: the text is words already (an answer kept before answers named
    their sentences, an error's own message)."""

    text: str
    facts: tuple[tuple[str, Fact], ...] = ()
    worded: bool = False

    def words(self) -> str:
        """The sentence in the reader's language (the language spoken now)."""
        if self.worded:
            return self.text
        if not self.facts:
            return _(self.text)
        return _(self.text).format(**{name: fact_words(fact) for name, fact in self.facts})


def said(text: str, **facts: Fact) -> Said:
    """The sentence ``text`` (a message id: mark it with ``N_``) with its facts."""
    return Said(text, tuple(facts.items()))


def worded(text: str) -> Said:
    """Words already made (an error's message in the reader's language)."""
    return Said(text, worded=True)


def joined(names: Sequence[str], last: Literal["and", "or"] = "and") -> str:
    """Names in a sentence: "A, B and C" (``last`` "or": "A, B or C")."""
    if len(names) <= 1:
        return "".join(names)
    # TRANSLATORS: the end of a list of names: "Standard, VIP and Press"; {names} are the
    # others, separated by commas
    text = _("{names} or {last}") if last == "or" else _("{names} and {last}")
    return text.format(names=", ".join(names[:-1]), last=names[-1])


def fact_words(fact: Fact) -> str:
    """A fact as the reader writes it."""
    if isinstance(fact, Said):
        return fact.words()
    if isinstance(fact, Time):
        return show(fact.at, event_zone(fact.zone), fact.style, none=_(fact.none))
    if isinstance(fact, Day):
        return show_day(fact.day, weekday=fact.weekday)
    if isinstance(fact, Money):
        return money_text(fact.cents, fact.currency)
    if isinstance(fact, Names):
        return joined([fact_words(name) for name in fact.names], fact.last)
    return f"{fact}"


def _fact_json(fact: Fact) -> Any:
    if isinstance(fact, Said):
        return {"said": _said_json(fact)}
    if isinstance(fact, Time):
        at = fact.at.isoformat() if fact.at is not None else None
        return {"time": at, "zone": fact.zone, "style": fact.style, "none": fact.none}
    if isinstance(fact, Day):
        return {"day": fact.day.isoformat(), "weekday": fact.weekday}
    if isinstance(fact, Money):
        return {"cents": fact.cents, "currency": fact.currency}
    if isinstance(fact, Names):
        return {"names": [_fact_json(name) for name in fact.names], "last": fact.last}
    return fact


def _fact_of(data: Any) -> Fact:
    if not isinstance(data, dict):
        return data  # type: ignore[no-any-return]
    if "said" in data:
        return _said_of(data["said"])
    if "time" in data:
        at = datetime.fromisoformat(data["time"]) if data["time"] else None
        return Time(at, data["zone"], data["style"], data["none"])
    if "day" in data:
        return Day(date.fromisoformat(data["day"]), data["weekday"])
    if "cents" in data:
        return Money(data["cents"], data["currency"])
    names = tuple(cast("str | Day", _fact_of(name)) for name in data["names"])
    return Names(names, data["last"])


def _said_json(words: Said) -> dict[str, Any]:
    if words.worded:
        return {"worded": words.text}
    return {"text": words.text, "facts": {name: _fact_json(f) for name, f in words.facts}}


def _said_of(data: dict[str, Any]) -> Said:
    if "worded" in data:
        return worded(data["worded"])
    facts = tuple((name, _fact_of(value)) for name, value in data.get("facts", {}).items())
    return Said(data["text"], facts)


# --- the decision -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Override:
    """An admission despite a refusal (services.door.override): who let the person in (a
    supervisor's name, checked by their PIN), why, and what the door had refused (its result
    and the rule that refused)."""

    by: str
    reason: str
    refused: str
    rule: str | None = None


@dataclass(frozen=True)
class ScanResult:
    """One decision, as a plain value: crosses threads, goes to JSON and to the screen."""

    result: ScanOutcome
    said: Said  # what the door tells the person (``message``: in the reader's words)
    at: datetime
    ticket_id: str | None = None
    attendee: str | None = None
    ticket_type: str | None = None
    attention: str | None = None
    first_checked_in_at: datetime | None = None
    first_station: str | None = None
    event: str | None = None  # the ticket's event (its slug)
    # At a door for several events: the ticket's event's title, for the answer to name it.
    event_title: str | None = None
    session_id: int | None = None
    direction: Direction = "entry"
    seat: str | None = None
    # What the decision means beyond its result, as data for every reader to word (the kiosk,
    # the desk, the command line): the money still due on the ticket (in cents of
    # ``currency``: an unpaid refusal, or an admission whose policy collects at the desk);
    # the person must go to the desk (to pay, for an ID check, for a question); a badge was
    # queued for printing; the person was let in again (re-entry); how the scanned line was
    # repaired (typed through another keyboard layout); with ``invalid``, what is wrong with
    # the line; with a list's refusal, what the list would admit.
    due: int = 0
    currency: str | None = None
    see_desk: bool = False
    badge_queued: bool = False
    reentry: bool = False
    repaired: str | None = None
    problem: Said | None = None
    would_pass: Said | None = None
    # The answer given before to the same nonce, not a new decision (see Checkin.scan).
    replayed: bool = False
    # Decided from the station's mirror while its server did not answer (services.stations.offline).
    offline: bool = False
    # The check-in list decided on (its slug), the rule that refused (when one did: a row of
    # services/door/rules.py, or a list's own rule), and the keys of the list's required
    # questions still to answer (``needs_answer``).
    list: str | None = None
    rule: str | None = None
    asks: tuple[str, ...] = ()
    # Kept on the list's own entries (not the ticket's): the day the entry counts for ("" on
    # a list that counts no days); None otherwise. And the answers given with the admission.
    list_day: str | None = None
    answers: tuple[tuple[str, str], ...] = ()
    # With ``needs_answer``: the list's questions, each (key, kind, text, choices "A|B"),
    # for the desk to ask them all.
    questions: tuple[tuple[str, str, str, str], ...] = ()
    # The language the ticket's holder registered with (a kiosk answers them in it), if any.
    language: str | None = None
    # An admitted person the organizer awaits: why (the person's alert, else their ticket
    # type's); the organizer is told of the arrival (services.door.alerts).
    alert: str | None = None
    # The staff's notes (services.people.notes): on the ticket's holder (their own ticket) and
    # on its order, with every entry answer about the ticket; for the people at the door,
    # never shown to the person at a kiosk, never printed.
    note: str | None = None
    order_note: str | None = None
    # An admission a supervisor made despite the door's refusal: who, why, what was refused.
    override: Override | None = None
    # Where the decision was made when not at a door: "paper", a tick on the paper door list
    # entered afterwards (services.stations.paper_ticks).
    source: str | None = None

    @property
    def admitted(self) -> bool:
        return self.result == "ok"

    @property
    def message(self) -> str:
        """What the door tells the person, worded now, in the reader's language."""
        return self.said.words()


_ANSWER_FIELDS = frozenset(f.name for f in fields(ScanResult) if f.name != "replayed")
_ANSWER_JSON = json.JSONEncoder(ensure_ascii=False)


def answer_json(result: ScanResult) -> str:
    """A decision as the scan log keeps it for its nonce."""
    data = {
        name: _field_json(value)
        for name, value in vars(result).items()
        if value is not None and value is not False and value != () and name in _ANSWER_FIELDS
    }
    return _ANSWER_JSON.encode(data)


def _field_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Said):
        return _said_json(value)
    if isinstance(value, Override):
        return vars(value)
    return value


def from_answer(text: str) -> ScanResult:
    data = json.loads(text)
    for name in ("at", "first_checked_in_at"):
        if data.get(name):
            data[name] = datetime.fromisoformat(data[name])
    data.update(_legacy_flags(data.pop("flags", ())))
    # An answer kept before answers named their sentences: its words as they were made.
    data["said"] = _said_of(data["said"]) if "said" in data else worded(data.pop("message", ""))
    for name in ("would_pass", "problem"):  # words (kept before), or what was told
        if isinstance(data.get(name), str):
            data[name] = worded(data[name])
        elif data.get(name) is not None:
            data[name] = _said_of(data[name])
    data["asks"] = tuple(data.get("asks", ()))
    data["answers"] = tuple(tuple(pair) for pair in data.get("answers", ()))
    data["questions"] = tuple(tuple(q) for q in data.get("questions", ()))
    if data.get("override") is not None:
        data["override"] = Override(**data["override"])
    return ScanResult(**data, replayed=True)


def _legacy_flags(flags: list[str]) -> dict[str, Any]:
    """An answer kept before its meaning was typed (its flags' words), as fields."""
    found: dict[str, Any] = {}
    for flag in flags:
        if flag == "badge queued":
            found["badge_queued"] = True
        elif flag == "re-entry":
            found["reentry"] = True
        elif flag.startswith("repaired: "):
            found["repaired"] = flag.removeprefix("repaired: ")
        elif (owed := re.fullmatch(r"unpaid: collect (\d+)\.(\d{2}) ([A-Z]{3})", flag)) is not None:
            found.update(due=int(owed[1]) * 100 + int(owed[2]), currency=owed[3], see_desk=True)
    return found


def new_nonce() -> str:
    """A fresh scan nonce: 32 hex digits, the clock's nanoseconds then 64 random bits. A
    station's nonces sort in the order they were made, so each lands at the end of the scan
    log's nonce index (a page already in memory) instead of anywhere in it."""
    return f"{time.time_ns():016x}{secrets.token_hex(8)}"


def parse_nonce(value: str | None) -> str | None:
    """A scan's nonce: 1 to 64 printable ASCII characters (a UUID, a counter), or None."""
    if value is None:
        return None
    text = value.strip()
    if not (0 < len(text) <= NONCE_CHARS and text.isascii() and text.isprintable()):
        raise InvalidInput(
            _("a nonce is 1 to {most} printable ASCII characters").format(most=NONCE_CHARS),
            field="nonce",
        )
    return text


# TRANSLATORS: a scan's nonce (its unique name, --nonce) came again with another line
NONCE_TAKEN = N_(
    "nonce {nonce} names another scan (of another line): a nonce is given to one scan only, "
    "so nothing was decided"
)


def scanned_line(payload: str) -> str:
    """A scanned line as it is decided: stripped (nothing, for what is no text)."""
    return payload.strip() if isinstance(payload, str) else ""

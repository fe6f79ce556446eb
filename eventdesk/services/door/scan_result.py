"""A door's decision as a plain value (ScanResult), what a door can answer, and the scan's
nonce: what the check-in, the stations' mirror, the screens and the CLI pass between them."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, get_args

from eventdesk.errors import InvalidInput
from eventdesk.i18n import _

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
]
RESULTS: tuple[ScanOutcome, ...] = get_args(ScanOutcome)
Direction = Literal["entry", "exit"]
NONCE_CHARS = 64


@dataclass(frozen=True)
class ScanResult:
    """One decision, as a plain value: crosses threads, goes to JSON and to the screen."""

    result: ScanOutcome
    message: str
    at: datetime
    ticket_id: str | None = None
    attendee: str | None = None
    ticket_type: str | None = None
    attention: str | None = None
    first_checked_in_at: datetime | None = None
    first_station: str | None = None
    event: str | None = None
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
    problem: str | None = None
    would_pass: str | None = None
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

    @property
    def admitted(self) -> bool:
        return self.result == "ok"


_ANSWER_FIELDS = frozenset(f.name for f in fields(ScanResult) if f.name != "replayed")
_ANSWER_JSON = json.JSONEncoder(ensure_ascii=False)


def answer_json(result: ScanResult) -> str:
    """A decision as the scan log keeps it for its nonce."""
    data = {
        name: (value.isoformat() if isinstance(value, datetime) else value)
        for name, value in vars(result).items()
        if value is not None and value is not False and value != () and name in _ANSWER_FIELDS
    }
    return _ANSWER_JSON.encode(data)


def from_answer(text: str) -> ScanResult:
    data = json.loads(text)
    for name in ("at", "first_checked_in_at"):
        if data.get(name):
            data[name] = datetime.fromisoformat(data[name])
    data.update(_legacy_flags(data.pop("flags", ())))
    data["asks"] = tuple(data.get("asks", ()))
    data["answers"] = tuple(tuple(pair) for pair in data.get("answers", ()))
    data["questions"] = tuple(tuple(q) for q in data.get("questions", ()))
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

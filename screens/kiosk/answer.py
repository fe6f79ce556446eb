"""The kiosk's full-screen answer: green welcome, yellow "already in" or "please see the desk"
(a ticket that needs staff), red refusal. The word, the name and one instruction are drawn in
large letters with an icon, so the answer never relies on colour alone; a short line under them
says the details. Times are in the door's event's time zone. A staff note (VIP, ID check) is for
the desk's screens, never the attendee's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from eventdesk.event_time import UTC_ZONE, show
from eventdesk.services.door.scan_result import ScanOutcome, ScanResult
from screens.kiosk.sign import RGB, Sign, SignText

VERDICTS = ("ok", "warn", "bad")
SEE_THE_DESK = "please see the desk"
GO_IN = "Please go in"
SEE_YOU = "See you later"  # an exit gate's answer
PLEASE_SEE_THE_DESK = SEE_THE_DESK[:1].upper() + SEE_THE_DESK[1:]  # the answer's instruction
ICON_TEXT = {"ok": "✔", "warn": "!", "bad": "✘"}

REFUSALS: dict[ScanOutcome, str] = {
    "invalid": "Not a valid ticket",
    "unknown": "Ticket not found",
    "revoked": "Ticket no longer valid",
    "waitlisted": "On the waitlist",
    "wrong_event": "Ticket for another event",
    "wrong_session": "Not for this session",
    "not_yet_valid": "Check-in not open yet",
    "expired": "Check-in has closed",
    "unpaid": "Not paid yet",
    "no_reentry": "No re-entry",
    "not_checked_in": "Not checked in",
    "wrong_type": "Not valid at this door",
    "closed": "Closed now",
    "used_today": "Already used today",
    "too_soon": "Too soon to come back",
}
# What the decision's own message adds for the attendee (the rest is for staff).
SAYS_MORE: frozenset[ScanOutcome] = frozenset(
    {
        "invalid",
        "revoked",
        "not_yet_valid",
        "expired",
        "unpaid",
        "no_reentry",
        "wrong_type",
        "closed",
        "used_today",
        "too_soon",
    }
)

# The panel's colours, by verdict: theme variables, or fixed ones for the high-contrast theme.
THEME_COLOURS = {"ok": "success-darken-2", "warn": "warning-darken-2", "bad": "error-darken-2"}
HIGH_CONTRAST: dict[str, tuple[RGB, RGB]] = {
    "ok": ((0, 230, 118), (0, 0, 0)),
    "warn": ((255, 214, 0), (0, 0, 0)),
    "bad": ((176, 0, 32), (255, 255, 255)),
}


def door_clock(moment: datetime | None, zone: ZoneInfo) -> str:
    """A UTC time as HH:MM in the event's time zone (never the machine's)."""
    return show(moment, zone, "clock", none="an earlier time")


def _without_desk(message: str) -> str:
    """A decision's message without its own "please see the desk" (the answer says it once)."""
    for tail in (" Please see the desk.", "Please see the desk.", f" - {SEE_THE_DESK}."):
        message = message.replace(tail, "")
    message = message.removeprefix("Not a valid ticket: ").strip()  # the large word says that
    return message[:1].upper() + message[1:]


@dataclass(frozen=True)
class AnswerText:
    """What the kiosk says about one scan: large letters, then a short line of details."""

    verdict: str  # ok | warn | bad
    word: str
    name: str
    instruction: str
    details: tuple[str, ...]

    @property
    def headline(self) -> str:
        return f"{self.word}, {self.name}!" if self.verdict == "ok" and self.name else self.word

    @property
    def sign(self) -> SignText:
        return SignText(self.verdict, self.word, self.name, self.instruction)

    def plain(self) -> str:
        """The answer as one line of text: icon, word, name and instruction."""
        name = f": {self.name}" if self.name and self.verdict != "ok" else ""
        return f"{ICON_TEXT[self.verdict]} {self.headline}{name}  ·  {self.instruction}"


def describe(result: ScanResult, zone: ZoneInfo = UTC_ZONE) -> AnswerText:
    """The words for a decision, as an attendee at the door should read them."""
    name = result.attendee or ""
    if result.result == "needs_staff":
        return AnswerText(
            "warn", "Almost there", name, PLEASE_SEE_THE_DESK, ("Staff will check you in there.",)
        )
    if result.result == "needs_answer":  # a question staff ask first (sent to the desk)
        return AnswerText(
            "warn",
            "Almost there",
            name,
            PLEASE_SEE_THE_DESK,
            ("A question to answer there first.",),
        )
    if result.result == "ok" and result.direction == "exit":
        return AnswerText("ok", "Goodbye", name, SEE_YOU, ())
    if result.result == "ok":
        back = "re-entry" in result.flags
        details = [d for d in (result.ticket_type, result.seat and f"Seat {result.seat}") if d]
        instruction = GO_IN
        for flag in result.flags:
            if flag.startswith("unpaid: collect "):
                owed = flag.removeprefix("unpaid: collect ")
                instruction = f"Please pay {owed} at the desk"
        word = "Welcome back" if back else "Welcome"
        return AnswerText("ok", word, name, instruction, tuple(details))
    if result.result == "already_checked_in":
        where = result.first_station or "another door"
        when = door_clock(result.first_checked_in_at, zone)
        return AnswerText(
            "warn",
            "Already checked in",
            name,
            PLEASE_SEE_THE_DESK,
            (f"This ticket was checked in at {when} at {where}.",),
        )
    word = REFUSALS.get(result.result, "Cannot be used here")
    said = _without_desk(result.message) if result.result in SAYS_MORE else ""
    return AnswerText("bad", word, name, PLEASE_SEE_THE_DESK, (said,) if said else ())


class KioskAnswer(Vertical):
    """A panel that fills its container with the answer, coloured by the verdict."""

    class Shown(Message):
        """An answer was put on the panel: what it said (plain text) and its verdict."""

        def __init__(self, result: ScanResult, verdict: str, text: str) -> None:
            super().__init__()
            self.result, self.verdict, self.text = result, verdict, text

    DEFAULT_CSS = """
    KioskAnswer {
        width: 100%;
        height: 100%;
        align: center middle;
        padding: 1 1 0 1;
        background: $panel;
    }
    KioskAnswer.-ok { background: $success-darken-2; }
    KioskAnswer.-warn { background: $warning-darken-2; }
    KioskAnswer.-bad { background: $error-darken-2; }
    KioskAnswer > Static {
        width: 100%;
        content-align: center middle;
        text-align: center;
        color: $text;
    }
    KioskAnswer.-high-contrast.-ok { background: rgb(0, 230, 118); }
    KioskAnswer.-high-contrast.-warn { background: rgb(255, 214, 0); }
    KioskAnswer.-high-contrast.-bad { background: rgb(176, 0, 32); }
    KioskAnswer.-high-contrast.-ok > Static, KioskAnswer.-high-contrast.-warn > Static {
        color: black;
    }
    KioskAnswer.-high-contrast.-bad > Static { color: white; }
    KioskAnswer #answer-words { text-style: bold; }
    KioskAnswer #answer-details { text-style: bold; }
    KioskAnswer #answer-hint { color: $text-muted; }
    KioskAnswer.-high-contrast #answer-hint { text-style: italic; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text: AnswerText | None = None
        self.result: ScanResult | None = None
        self.badge_line = ""

    def compose(self) -> ComposeResult:
        yield Sign(id="answer-sign")
        yield Static("", id="answer-words", markup=False)
        yield Static("", id="answer-details", markup=False)
        yield Static("", id="answer-badge", markup=False)
        yield Static("Scan the next ticket, or touch the screen to go back.", id="answer-hint")

    @property
    def verdict(self) -> str | None:
        return self.text.verdict if self.text is not None else None

    def show(self, result: ScanResult, zone: ZoneInfo = UTC_ZONE) -> AnswerText:
        """Say what ``result`` means (times in ``zone``); replaces the answer shown before."""
        self.result = result
        self.text = describe(result, zone)
        for verdict in VERDICTS:
            self.set_class(verdict == self.text.verdict, f"-{verdict}")
        background, ink = self.colours(self.text.verdict)
        self.query_one("#answer-sign", Sign).show(self.text.sign, background=background, ink=ink)
        self.query_one("#answer-words", Static).update(self.text.plain())
        details = self.query_one("#answer-details", Static)
        details.update("  ·  ".join(self.text.details))
        details.display = bool(self.text.details)
        self.set_badge("")
        self.post_message(self.Shown(result, self.text.verdict, self.plain()))
        return self.text

    def colours(self, verdict: str) -> tuple[RGB, RGB]:
        """(background, ink) of the large letters: the panel's own colours."""
        if self.has_class("-high-contrast"):
            return HIGH_CONTRAST[verdict]
        variables = self.app.theme_variables or self.app.get_css_variables()
        background = Color.parse(variables.get(THEME_COLOURS[verdict], "#202020"))
        return background.rgb, background.get_contrast_text(1.0).rgb

    def set_badge(self, line: str) -> None:
        """The badge printer's part of the answer ("" says nothing)."""
        self.badge_line = line
        badge = self.query_one("#answer-badge", Static)
        badge.update(line)
        badge.display = bool(line)

    def plain(self) -> str:
        """Everything the panel says, as plain text (for tests and screen readers)."""
        text = self.text
        parts = [text.plain(), *text.details] if text is not None else []
        if self.badge_line:
            parts.append(self.badge_line)
        return "\n".join(parts)

"""The kiosk's full-screen answer: green welcome, yellow "already in" or "please see the desk"
(a ticket that needs staff), red refusal. Times are in the door's event's time zone, and an
attention note (VIP, ID check) is said only with an admission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from eventdesk.services.checkin import ScanOutcome, ScanResult
from eventdesk.values import event_zone

VERDICTS = ("ok", "warn", "bad")
SEE_THE_DESK = "please see the desk"

REFUSALS: dict[ScanOutcome, str] = {
    "invalid": "This is not a valid ticket",
    "unknown": "We cannot find this ticket",
    "revoked": "This ticket is no longer valid",
    "waitlisted": "You are on the waitlist",
    "wrong_event": "This ticket is for another event",
    "wrong_session": "This ticket is not for this session",
    "not_yet_valid": "Check-in is not open yet",
    "expired": "Check-in has closed",
    "unpaid": "This ticket is not paid yet",
    "no_reentry": "No re-entry at this event",
    "not_checked_in": "This ticket is not checked in",
}


def door_clock(moment: datetime | None, timezone: str) -> str:
    """A UTC time as HH:MM in the event's time zone (never the machine's)."""
    if moment is None:
        return "an earlier time"
    return moment.astimezone(event_zone(timezone)).strftime("%H:%M")


@dataclass(frozen=True)
class AnswerText:
    """What the kiosk says about one scan."""

    verdict: str  # ok | warn | bad
    headline: str
    details: tuple[str, ...]


def describe(result: ScanResult, timezone: str = "UTC") -> AnswerText:
    """The words for a decision, as an attendee at the door should read them."""
    name = result.attendee or ""
    if result.result == "needs_staff":
        return AnswerText(
            "warn",
            SEE_THE_DESK[:1].upper() + SEE_THE_DESK[1:],
            tuple(d for d in (name, "A member of staff checks you in there.") if d),
        )
    if result.result == "ok":
        back = "re-entry" in result.flags
        headline = f"Welcome{' back' if back else ''}{', ' + name if name else ''}!"
        details = [result.ticket_type or ""]
        if result.attention:
            details.append(result.attention)
        for flag in result.flags:
            if flag.startswith("unpaid: collect "):
                owed = flag.removeprefix("unpaid: collect ")
                details.append(f"{owed} still to pay: please see the desk.")
        return AnswerText("ok", headline, tuple(d for d in details if d))
    if result.result == "already_checked_in":
        where = result.first_station or "another door"
        when = door_clock(result.first_checked_in_at, timezone)
        return AnswerText(
            "warn",
            "Already checked in",
            tuple(
                d
                for d in (
                    name,
                    f"This ticket was checked in at {when} at {where} - {SEE_THE_DESK}.",
                )
                if d
            ),
        )
    headline = REFUSALS.get(result.result, "This ticket cannot be used here")
    details = [name, result.message, f"Sorry: {SEE_THE_DESK}."]
    return AnswerText("bad", headline, tuple(d for d in details if d))


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
        padding: 1 2;
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
    KioskAnswer #answer-headline {
        text-style: bold;
        padding: 1 2;
        border: thick $foreground 50%;
        margin-bottom: 1;
    }
    KioskAnswer #answer-details { text-style: bold; }
    KioskAnswer #answer-badge { margin-top: 1; }
    KioskAnswer #answer-hint { margin-top: 1; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text: AnswerText | None = None
        self.result: ScanResult | None = None
        self.badge_line = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="answer-headline", markup=False)
        yield Static("", id="answer-details", markup=False)
        yield Static("", id="answer-badge", markup=False)
        yield Static("Scan the next ticket, or touch the screen to go back.", id="answer-hint")

    @property
    def verdict(self) -> str | None:
        return self.text.verdict if self.text is not None else None

    def show(self, result: ScanResult, timezone: str = "UTC") -> AnswerText:
        """Say what ``result`` means (times in ``timezone``); replaces the answer shown before."""
        self.result = result
        self.text = describe(result, timezone)
        for verdict in VERDICTS:
            self.set_class(verdict == self.text.verdict, f"-{verdict}")
        self.query_one("#answer-headline", Static).update(self.text.headline)
        self.query_one("#answer-details", Static).update("\n\n".join(self.text.details))
        self.set_badge("")
        self.post_message(self.Shown(result, self.text.verdict, self.plain()))
        return self.text

    def set_badge(self, line: str) -> None:
        """The badge printer's part of the answer ("" says nothing)."""
        self.badge_line = line
        badge = self.query_one("#answer-badge", Static)
        badge.update(line)
        badge.display = bool(line)

    def plain(self) -> str:
        """Everything the panel says, as plain text (for tests and screen readers)."""
        parts = [self.text.headline, *self.text.details] if self.text is not None else []
        if self.badge_line:
            parts.append(self.badge_line)
        return "\n".join(parts)

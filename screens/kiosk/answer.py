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
from eventdesk.i18n import N_, _
from eventdesk.services.door.answer_words import owed_text
from eventdesk.services.door.scan_result import ScanOutcome, ScanResult
from screens.kiosk.sign import RGB, Sign, SignText
from screens.scripts import for_screen

VERDICTS = ("ok", "warn", "bad")
# TRANSLATORS: the kiosk's large-letter instruction after a welcome
GO_IN = N_("Please go in")
# TRANSLATORS: the kiosk's large-letter instruction after a goodbye at an exit gate
SEE_YOU = N_("See you later")
# TRANSLATORS: the kiosk's large-letter instruction when staff must help
PLEASE_SEE_THE_DESK = N_("Please see the desk")
ICON_TEXT = {"ok": "✔", "warn": "!", "bad": "✘"}

# TRANSLATORS: the kiosk's large word for a refused ticket; short (read from two metres)
REFUSALS: dict[ScanOutcome, str] = {
    "invalid": N_("Not a valid ticket"),
    "unknown": N_("Ticket not found"),
    "revoked": N_("Ticket no longer valid"),
    "waitlisted": N_("On the waitlist"),
    "wrong_event": N_("Ticket for another event"),
    "wrong_session": N_("Not for this session"),
    "not_yet_valid": N_("Check-in not open yet"),
    "expired": N_("Check-in has closed"),
    "unpaid": N_("Not paid yet"),
    "no_reentry": N_("No re-entry"),
    "not_checked_in": N_("Not checked in"),
    "wrong_type": N_("Not valid at this door"),
    "closed": N_("Closed now"),
    "used_today": N_("Already used today"),
    "too_soon": N_("Too soon to come back"),
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
    return show(moment, zone, "clock", none=_("an earlier time"))


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
        if self.verdict == "ok" and self.name:
            # TRANSLATORS: the kiosk's greeting: "Welcome, Anna!", "Welcome back, Anna!"
            return _("{word}, {name}!").format(word=self.word, name=self.name)
        return self.word

    @property
    def sign(self) -> SignText:
        return SignText(self.verdict, self.word, self.name, self.instruction)

    def plain(self) -> str:
        """The answer as one line of text: icon, word, name and instruction."""
        shown = for_screen(self.name)  # the terminal's order; the large letters shape it
        name = f": {shown}" if shown and self.verdict != "ok" else ""
        head = self.headline.replace(self.name, shown) if self.name else self.headline
        return f"{ICON_TEXT[self.verdict]} {head}{name}  ·  {self.instruction}"


def describe(result: ScanResult, zone: ZoneInfo = UTC_ZONE) -> AnswerText:
    """The words for a decision, as an attendee at the door should read them."""
    name = result.attendee or ""
    see_the_desk = _(PLEASE_SEE_THE_DESK)
    # TRANSLATORS: the kiosk's large word when staff must finish the check-in
    almost = _("Almost there")
    if result.result == "needs_staff":
        return AnswerText(
            "warn", almost, name, see_the_desk, (_("Staff will check you in there."),)
        )
    if result.result == "needs_answer":  # a question staff ask first (sent to the desk)
        return AnswerText(
            "warn", almost, name, see_the_desk, (_("A question to answer there first."),)
        )
    if result.result == "ok" and result.direction == "exit":
        # TRANSLATORS: the kiosk's large word at an exit gate
        return AnswerText("ok", _("Goodbye"), name, _(SEE_YOU), ())
    if result.result == "ok":
        seat = result.seat and _("Seat {seat}").format(seat=result.seat)
        details = [d for d in (result.ticket_type, seat) if d]
        instruction = _(GO_IN)
        if result.see_desk and result.due > 0:  # let in, to pay at the desk
            owed = owed_text(result)
            instruction = _("Please pay {amount} at the desk").format(amount=owed)
        # TRANSLATORS: the kiosk's large word for a person let in (again)
        word = _("Welcome back") if result.reentry else _("Welcome")
        return AnswerText("ok", word, name, instruction, tuple(details))
    if result.result == "already_checked_in":
        where = result.first_station or _("another door")
        when = door_clock(result.first_checked_in_at, zone)
        return AnswerText(
            "warn",
            _("Already checked in"),
            name,
            see_the_desk,
            (_("This ticket was checked in at {time} at {door}.").format(time=when, door=where),),
        )
    known = REFUSALS.get(result.result)
    word = _(known) if known else _("Cannot be used here")
    said = ""
    if result.result == "invalid" and result.problem:  # the large word says it is not valid
        said = result.problem[:1].upper() + result.problem[1:]
    elif result.result in SAYS_MORE:
        said = result.message
    return AnswerText("bad", word, name, see_the_desk, (said,) if said else ())


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
        yield Static("", id="answer-hint")

    @property
    def verdict(self) -> str | None:
        return self.text.verdict if self.text is not None else None

    def show(self, result: ScanResult, zone: ZoneInfo = UTC_ZONE) -> AnswerText:
        """Say what ``result`` means (times in ``zone``); replaces the answer shown before."""
        self.result = result
        text = self._put(describe(result, zone))
        self.post_message(self.Shown(result, text.verdict, self.plain()))
        return text

    def trouble(self, problem: str) -> AnswerText:
        """A scan that could not be decided (the station's database refused it, or failed):
        the attendee is sent to the desk, and the line under says why, for the staff."""
        self.result = None
        # TRANSLATORS: the kiosk's large word when a scan could not be decided at all
        word = _("Not checked in")
        return self._put(AnswerText("warn", word, "", _(PLEASE_SEE_THE_DESK), (problem,)))

    def _put(self, text: AnswerText) -> AnswerText:
        self.text = text
        for verdict in VERDICTS:
            self.set_class(verdict == text.verdict, f"-{verdict}")
        background, ink = self.colours(text.verdict)
        self.query_one("#answer-sign", Sign).show(text.sign, background=background, ink=ink)
        self.query_one("#answer-words", Static).update(text.plain())
        details = self.query_one("#answer-details", Static)
        details.update("  ·  ".join(text.details))
        details.display = bool(text.details)
        self.query_one("#answer-hint", Static).update(
            _("Scan the next ticket, or touch the screen to go back.")
        )
        self.set_badge("")
        return text

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

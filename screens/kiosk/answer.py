"""The kiosk's full-screen answer: green welcome, yellow "already in" or "please see the desk"
(a ticket that needs staff), red refusal. The word, the name and one instruction are drawn in
large letters with an icon, so the answer never relies on colour alone; a short line under them
says the details. Times are in the door's event's time zone. A staff note (VIP, ID check) is for
the desk's screens, never the attendee's.

The large letters (``Sign``, ``draw_sign``) are drawn with Pillow in the badge fonts (so a name
in any script the machine has a font for reads as it is written; a script it has none for is
written in Latin letters, badges.fonts.readable, never as boxes) and shown as a picture: a
person two metres from the kiosk reads it, and the icon and the word say yes, wait or no
without the colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from textual import events
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from badges.fonts import Face, readable, wrap_text
from eventdesk.event_time import UTC_ZONE, show
from eventdesk.i18n import N_, _
from eventdesk.services.door.answer_words import owed_text
from eventdesk.services.door.scan_result import ScanOutcome, ScanResult
from screens.kiosk.picture import Picture, pixels_per_cell
from screens.terminal import for_screen

RGB = tuple[int, int, int]
SUPERSAMPLE = 4  # small pictures (half cells) are drawn larger and scaled down: smooth edges
EDGE_CONTRAST = 1.8  # ...then made crisper again, by this much
ICONS = ("ok", "warn", "bad")


@dataclass(frozen=True)
class SignText:
    """What the large letters say."""

    icon: str  # ok | warn | bad
    word: str  # "Welcome", "Already checked in", "Not a valid ticket"
    name: str  # the attendee's name, or ""
    instruction: str  # one short instruction: "Please go in", "Please see the desk"


def _icon(draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int], ink: RGB) -> None:
    """A tick in a ring, an exclamation mark in a triangle or a cross in a ring; ``box`` is
    (left, top, side)."""
    left, top, side = box
    width = max(2, side // 9)
    inset = width // 2 + 1
    if kind == "warn":
        points = [
            (left + side / 2, top + inset),
            (left + side - inset, top + side - inset),
            (left + inset, top + side - inset),
        ]
        draw.polygon(points, outline=ink, width=width)
        mid = left + side / 2
        draw.line([(mid, top + side * 0.38), (mid, top + side * 0.68)], fill=ink, width=width)
        dot = width * 0.7
        cy = top + side * 0.8
        draw.ellipse([mid - dot, cy - dot, mid + dot, cy + dot], fill=ink)
        return
    ring = [left + inset, top + inset, left + side - inset, top + side - inset]
    draw.ellipse(ring, outline=ink, width=width)
    if kind == "ok":
        tick = [
            (left + side * 0.28, top + side * 0.52),
            (left + side * 0.44, top + side * 0.68),
            (left + side * 0.73, top + side * 0.34),
        ]
        draw.line(tick, fill=ink, width=width, joint="curve")
    else:
        a, b = side * 0.32, side * 0.68
        draw.line([(left + a, top + a), (left + b, top + b)], fill=ink, width=width)
        draw.line([(left + a, top + b), (left + b, top + a)], fill=ink, width=width)


def _row_height(face: Face) -> int:
    """The height of a line of letters, accents and descenders included."""
    _, _, _, bottom = face.primary.getbbox("ÁÉgjy")  # not for translation: letters measured
    return int(bottom) + 1


def _largest(
    draw: ImageDraw.ImageDraw, text: str, width: float, height: int, lines: int
) -> tuple[Face, list[str]]:
    """The largest face at which ``text`` wraps into at most ``lines`` lines of the box."""

    def fitted(size: int) -> tuple[Face, list[str]] | None:
        face = Face(draw, size)
        wrapped = wrap_text(face, text, int(width)) if lines > 1 else [text]
        tall = len(wrapped) * _row_height(face)
        if (
            len(wrapped) <= lines
            and tall <= height
            and all(face.length(w) <= width for w in wrapped)
        ):
            return face, wrapped
        return None

    low, high = 4, max(4, height)  # sizes: ``low`` fits (or nothing does), found by halving
    best = fitted(low)
    while low < high:
        middle = (low + high + 1) // 2
        found = fitted(middle)
        if found is not None:
            low, best = middle, found
        else:
            high = middle - 1
    if best is not None:
        return best
    face = Face(draw, 4)
    return face, (wrap_text(face, text, int(width)) if lines > 1 else [text])[:lines]


def draw_sign(
    sign: SignText, width: int, height: int, *, background: RGB, ink: RGB
) -> tuple[Image.Image, list[str]]:
    """The sign as an RGB picture of ``width`` x ``height`` pixels, and the lines drawn on it
    (a long name on two; a name in a script no font here has, in Latin letters)."""
    scale = SUPERSAMPLE if width < 480 else 1
    canvas_w, canvas_h = width * scale, height * scale
    image = Image.new("RGB", (max(1, canvas_w), max(1, canvas_h)), background)
    draw = ImageDraw.Draw(image)
    margin_x = max(scale, canvas_w // 30)
    inner = canvas_w - 2 * margin_x
    bands = [("word", readable(sign.word), 0.30, 1), ("name", readable(sign.name), 0.40, 2)]
    bands.append(("instruction", readable(sign.instruction), 0.30, 1))
    bands = [band for band in bands if band[1]]
    total = sum(weight for _, _, weight, _ in bands) or 1.0
    gap = canvas_h // 14
    usable = canvas_h - gap * (len(bands) + 1)
    laid: list[str] = []
    y = gap
    for kind, text, weight, max_lines in bands:
        band_h = int(usable * weight / total)
        room = float(inner)
        icon_side = 0
        if kind == "word" and sign.icon in ICONS:
            icon_side = int(band_h * 0.9)
            room = inner - icon_side * 1.3
        face, rows = _largest(draw, text, room, band_h, max_lines)
        row_h = _row_height(face)
        top = y + (band_h - row_h * len(rows)) // 2
        for index, row in enumerate(rows):
            row_top = top + index * row_h
            if icon_side:
                text_w = face.length(row)
                side = min(icon_side, row_h)
                start = (canvas_w - (text_w + side * 1.3)) / 2
                icon_top = row_top + (row_h - side) // 2
                _icon(draw, sign.icon, (int(start), int(icon_top), side), ink)
                face.centre(row, int(text_w), row_top, fill=ink, left=int(start + side * 1.3))
            else:
                face.centre(row, canvas_w, row_top, fill=ink)
            laid.append(row)
        y += band_h + gap
    if scale > 1:
        image = _sharpened(
            image.resize((max(1, width), max(1, height)), Image.Resampling.LANCZOS),
            background,
            ink,
        )
    return image, laid


def _sharpened(image: Image.Image, background: RGB, ink: RGB) -> Image.Image:
    """Edges pushed towards the ink or the background: at a few pixels a letter (half cells),
    a soft edge blurs the letter into the next one; a crisper one reads from further away."""
    import numpy as np

    pixels = np.asarray(image, dtype=np.float32)
    paper, dark = np.array(background, np.float32), np.array(ink, np.float32)
    span = dark - paper
    length = float(span @ span)
    if length == 0:
        return image
    share = ((pixels - paper) @ span) / length  # 0: background, 1: ink
    share = np.clip((share - 0.5) * EDGE_CONTRAST + 0.5, 0.0, 1.0)
    crisp = paper + span * share[..., None]
    return Image.fromarray(np.rint(crisp).astype(np.uint8), "RGB")


class Sign(Widget):
    """The large letters, redrawn to fill the widget whenever its size or text changes."""

    DEFAULT_CSS = """
    Sign {
        width: 100%;
        height: 1fr;
        min-height: 3;
    }
    Sign > .sign-picture {
        width: 100%;
        height: 100%;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text: SignText | None = None
        self.colours: tuple[RGB, RGB] = ((0, 0, 0), (255, 255, 255))
        self.drawn: Image.Image | None = None
        self.lines: list[str] = []  # the lines drawn, as drawn (a name in Latin letters)
        self._drawn_for: tuple[object, ...] | None = None
        # A cell's pixels, asked of the terminal again when the terminal is resized (a terminal
        # whose font changes sends a resize); the sign laid out anew in the same terminal (an
        # answer of other lengths) does not ask.
        self._per_cell = pixels_per_cell()
        self._asked_in: object = None

    def compose(self) -> ComposeResult:
        yield Picture(classes="sign-picture")

    def on_mount(self) -> None:
        # Asked when it was made, in this terminal: the sign's first resize (its first answer,
        # laid out) does not ask again, on a scan's path.
        self._asked_in = self.app.size

    def show(self, text: SignText, *, background: RGB, ink: RGB) -> None:
        """Draw ``text`` in ``ink`` on ``background``."""
        self.text, self.colours = text, (background, ink)
        self._draw()

    @property
    def is_drawn(self) -> bool:
        """The picture shows the text as it is now, at the size the sign has now (a sign laid
        out anew is drawn again when its resize comes)."""
        return self.text is None or self._drawn_for == self._key()

    def _key(self) -> tuple[object, ...]:
        """What the picture is drawn from: the text, its colours, the sign's size in cells and
        a cell's size in pixels."""
        cells_w, cells_h = self.content_size
        per_w, per_h = self._per_cell
        return (self.text, self.colours, cells_w, cells_h, per_w, per_h)

    def on_resize(self, _event: events.Resize) -> None:
        terminal = self.app.size
        if terminal != self._asked_in:
            self._asked_in = terminal
            self._per_cell = pixels_per_cell()
        self._draw()

    def _draw(self) -> None:
        if self.text is None or not self.is_mounted:
            return
        cells_w, cells_h = self.content_size
        if cells_w <= 0 or cells_h <= 0:
            return
        per_w, per_h = self._per_cell
        key = self._key()
        if key == self._drawn_for:
            return
        background, ink = self.colours
        self.drawn, self.lines = draw_sign(
            self.text, cells_w * per_w, cells_h * per_h, background=background, ink=ink
        )
        self._drawn_for = key
        picture = self.query_one(".sign-picture")
        picture.image = self.drawn  # type: ignore[attr-defined]


# --- the answer ------------------------------------------------------------------------------
VERDICTS = ("ok", "warn", "bad")
# TRANSLATORS: the kiosk's large-letter instruction after a welcome
GO_IN = N_("Please go in")
# TRANSLATORS: the kiosk's large-letter instruction after a goodbye at an exit gate
SEE_YOU = N_("See you later")
# TRANSLATORS: the kiosk's large-letter instruction when staff must help
PLEASE_SEE_THE_DESK = N_("Please see the desk")
ICON_TEXT = {"ok": "✔", "warn": "!", "bad": "✘"}
# TRANSLATORS: the kiosk's large words at a badge station, which checks no one in
BADGE_PRINTING = N_("Your badge is printing")
# TRANSLATORS: the kiosk's large words at a badge station: a badge printed a second time
BADGE_AGAIN = N_("Your badge is printing again")
# TRANSLATORS: the kiosk's large-letter instruction at a badge station
TAKE_BADGE = N_("Please take it from the printer")

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
        head = self.headline.replace(self.name, shown) if self.name else self.headline
        if shown and self.verdict != "ok":
            # TRANSLATORS: the kiosk's answer in a line: "Already checked in: Anna Lee"
            head = _("{answer}: {name}").format(answer=head, name=shown)
        return f"{ICON_TEXT[self.verdict]} {head}  ·  {self.instruction}"


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
    if result.result in ("printed", "reprinted"):  # a badge station: no one checked in
        # TRANSLATORS: the kiosk's large words at a badge station (no check-in)
        word = _(BADGE_AGAIN) if result.result == "reprinted" else _(BADGE_PRINTING)
        kind = (result.ticket_type,) if result.ticket_type else ()
        return AnswerText("ok", word, name, _(TAKE_BADGE), kind)
    if result.result == "ok" and result.direction == "exit":
        # TRANSLATORS: the kiosk's large word at an exit gate
        return AnswerText("ok", _("Goodbye"), name, _(SEE_YOU), ())
    if result.result == "ok":
        seat = result.seat and _("Seat {seat}").format(seat=result.seat)
        # A door for several events names the ticket's ("Saturday").
        details = [d for d in (result.event_title, result.ticket_type, seat) if d]
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
    problem = result.problem.words() if result.problem is not None else ""
    if result.result == "invalid" and problem:  # the large word says it is not valid
        said = problem[:1].upper() + problem[1:]
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
    KioskAnswer #answer-missing { text-style: bold; }
    KioskAnswer #answer-hint { color: $text-muted; }
    KioskAnswer.-high-contrast #answer-hint { text-style: italic; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text: AnswerText | None = None
        self.result: ScanResult | None = None
        self.badge_line = ""
        self.missing_line = ""

    def compose(self) -> ComposeResult:
        yield Sign(id="answer-sign")
        yield Static("", id="answer-words", markup=False)
        yield Static("", id="answer-details", markup=False)
        yield Static("", id="answer-badge", markup=False)
        yield Static("", id="answer-missing", markup=False)
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
        self.set_missing(())
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

    def set_missing(self, questions: Sequence[str]) -> None:
        """The registration questions the person still has to answer, at the desk (their
        words, as the organizer asked them); none says nothing."""
        self.missing_line = (
            # TRANSLATORS: on the kiosk: "Please answer at the desk: Diet, T-shirt size"
            _("Please answer at the desk: {questions}").format(questions=", ".join(questions))
            if questions
            else ""
        )
        line = self.query_one("#answer-missing", Static)
        line.update(self.missing_line)
        line.display = bool(questions)

    def plain(self) -> str:
        """Everything the panel says, as plain text (for tests and screen readers)."""
        text = self.text
        parts = [text.plain(), *text.details] if text is not None else []
        if self.badge_line:
            parts.append(self.badge_line)
        if self.missing_line:
            parts.append(self.missing_line)
        return "\n".join(parts)

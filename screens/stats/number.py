"""A big number for a stats display: a title, the figure in large digits, a caption, a bar;
one that opens what it counts (``opens``) takes the focus, and a click or Enter on it posts
``Opened``. A caption wider than the box wraps onto a second line where the screen gives it one
(``caption_lines``, said with ``Measured`` whenever the caption or the box's width changes)."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Digits, Static

from eventdesk.i18n import N_
from screens.stats.bars import FillBar


class BigNumber(Vertical):
    """A figure drawn large (Textual's ``Digits``), with a caption and an optional fill bar."""

    DEFAULT_CSS = """
    BigNumber {
        height: auto;
        width: 1fr;
        border: round $primary 50%;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    BigNumber > Digits { width: auto; text-style: bold; }
    BigNumber > .big-number--caption { height: 1; color: $text-muted; }
    BigNumber.-accent { border: round $success 70%; }
    BigNumber.-accent > Digits { color: $success; }
    BigNumber.-opens:hover { border: round $accent 70%; }
    BigNumber.-opens:focus { border: round $accent; }
    """
    # TRANSLATORS: a key on a figure of the stats screen: show the names it counts
    BINDINGS = [Binding("enter", "open", N_("Names"), id="stats.number-open", show=False)]

    class _Said(Message):
        """A message of one number (its ``control``)."""

        def __init__(self, number: BigNumber) -> None:
            super().__init__()
            self.number = number

        @property
        def control(self) -> BigNumber:
            return self.number

    class Opened(_Said):
        """The number was clicked, or Enter pressed on it: show what it counts."""

    class Measured(_Said):
        """The caption was measured again (a new caption, a new width): ``caption_lines``."""

    def __init__(
        self,
        title: str,
        *,
        fill: bool = False,
        opens: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.opens = opens
        self.can_focus = opens
        self.set_class(opens, "-opens")
        self.border_title = title
        self.has_bar = fill
        self.value = ""
        self.caption = ""
        self.caption_lines = 1  # the lines the caption needs at the box's width: 1 or 2

    def compose(self) -> ComposeResult:
        yield Digits("-")
        yield Static("", classes="big-number--caption", markup=False)
        if self.has_bar:
            yield FillBar()

    def show(self, value: int | str, caption: str = "", fraction: float | None = None) -> None:
        """Show ``value`` (digits), a line of caption and, with a bar, how full it is."""
        self.value = str(value)
        self.caption = caption
        self.query_one(Digits).update(self.value)
        self.query_one(".big-number--caption", Static).update(caption)
        if self.has_bar:
            self.query_one(FillBar).fraction = fraction or 0.0
        self._measure()

    def on_resize(self) -> None:
        self._measure()

    def lines_needed(self) -> int:
        """How many lines the caption needs in the box as wide as it is now (one before the box
        is laid out)."""
        width = self.content_size.width
        return 2 if 0 < width < cell_len(self.caption) else 1

    def _measure(self) -> None:
        """The caption measured (``lines_needed``), said to the screen, which gives every
        figure of a row as many."""
        self.caption_lines = self.lines_needed()
        self.post_message(self.Measured(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.opens if action == "open" else True

    def action_open(self) -> None:
        self.post_message(self.Opened(self))

    def on_click(self, event: events.Click) -> None:
        if self.opens:
            event.stop()
            self.post_message(self.Opened(self))

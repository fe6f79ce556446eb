"""A big number for a stats display: a title, the figure in large digits, a caption, a bar."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static

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
    BigNumber > .big-number--caption { height: 1; color: $text-muted; text-wrap: nowrap; }
    BigNumber.-accent { border: round $success 70%; }
    BigNumber.-accent > Digits { color: $success; }
    """

    def __init__(
        self,
        title: str,
        *,
        fill: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = title
        self.has_bar = fill
        self.value = ""
        self.caption = ""

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

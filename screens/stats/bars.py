"""Bars drawn with block characters: one fill bar, and a list of labelled bars with numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from eventdesk.i18n import _

EIGHTHS = " ▏▎▍▌▋▊▉"


def fill_bar(fraction: float, width: int) -> str:
    """A bar ``width`` cells long filled to ``fraction``, to an eighth of a cell."""
    if width <= 0:
        return ""
    fraction = min(max(fraction, 0.0), 1.0)
    full, part = divmod(round(fraction * width * 8), 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, with an ellipsis when it had to be cut."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class FillBar(Widget):
    """One line, filled to ``fraction`` of its width."""

    DEFAULT_CSS = """
    FillBar { height: 1; width: 1fr; color: $success; background: $success 15%; }
    """

    fraction: reactive[float] = reactive(0.0)

    def render(self) -> Text:
        return Text(fill_bar(self.fraction, self.content_size.width))


@dataclass(frozen=True)
class BarRow:
    """One bar: ``value`` out of ``total`` (no bar when total is None), and its figures."""

    label: str
    value: int
    total: int | None
    figures: str
    warn: bool = False  # full, over capacity, a problem: drawn in the warning colour


class BarList(Widget):
    """Labelled horizontal bars, one per line, each with its figures on the right."""

    COMPONENT_CLASSES = {
        "bar-list--label",
        "bar-list--bar",
        "bar-list--track",
        "bar-list--warn",
        "bar-list--figures",
        "bar-list--empty",
    }

    DEFAULT_CSS = """
    BarList { height: auto; width: 1fr; }
    BarList > .bar-list--label { color: $text; }
    BarList > .bar-list--bar { color: $primary; }
    BarList > .bar-list--track { color: $primary 20%; }
    BarList > .bar-list--warn { color: $warning; }
    BarList > .bar-list--figures { color: $text; text-style: bold; }
    BarList > .bar-list--empty { color: $text-muted; text-style: italic; }
    """

    rows: reactive[tuple[BarRow, ...]] = reactive((), layout=True)

    def __init__(
        self, empty: str | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        """``empty`` is what it says while it has no rows (None: 'none')."""
        super().__init__(id=id, classes=classes)
        self.empty = _("none") if empty is None else empty

    def show(self, rows: Sequence[BarRow]) -> None:
        self.rows = tuple(rows)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self.rows), 1)

    def render(self) -> Text:
        width = self.content_size.width
        if not self.rows:
            return Text(
                clip(self.empty, width), style=self.get_component_rich_style("bar-list--empty")
            )
        label_style = self.get_component_rich_style("bar-list--label")
        bar_style = self.get_component_rich_style("bar-list--bar")
        track_style = self.get_component_rich_style("bar-list--track")
        warn_style = self.get_component_rich_style("bar-list--warn")
        figures_style = self.get_component_rich_style("bar-list--figures")
        label_width = min(max(len(row.label) for row in self.rows), max(8, width * 2 // 5))
        figures_width = max(len(row.figures) for row in self.rows)
        bar_width = width - label_width - figures_width - 2
        if bar_width < 4:  # too narrow for a bar: the label and the figures only
            bar_width = 0
            label_width = max(width - figures_width - 1, 0)
        lines = Text(no_wrap=True, overflow="crop", end="")
        for index, row in enumerate(self.rows):
            if index:
                lines.append("\n")
            lines.append(clip(row.label, label_width).ljust(label_width), label_style)
            lines.append(" ")
            if bar_width:
                fraction = row.value / row.total if row.total else 0.0
                filled = fill_bar(fraction, bar_width) if row.total else ""
                lines.append(filled, warn_style if row.warn else bar_style)
                track = "░" if row.total else " "  # no total: no bar
                lines.append(track * (bar_width - len(filled)), track_style)
                lines.append(" ")
            lines.append(
                row.figures.rjust(figures_width), warn_style if row.warn else figures_style
            )
        return lines

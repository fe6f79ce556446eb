"""A column chart drawn with block characters (▁▂▃▄▅▆▇█), labelled with times and counts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from eventdesk.i18n import _

LOWER = " ▁▂▃▄▅▆▇█"
LABEL_GAP = 1  # cells between two time labels


def bucket_minutes(labels: Sequence[str]) -> int | None:
    """The step between buckets labelled "HH:MM" (the smallest gap between two), if any."""
    minutes = [_minutes(label) for label in labels]
    gaps = [(b - a) % 1440 for a, b in pairwise(minutes)]
    gaps = [gap for gap in gaps if gap > 0]
    return min(gaps) if gaps else None


def fill_gaps(buckets: Sequence[tuple[str, int]], step: int | None = None) -> list[tuple[str, int]]:
    """The buckets with the empty ones between them put back (at ``step`` minutes), in order."""
    if not buckets:
        return []
    step = step or bucket_minutes([label for label, _count in buckets])
    if not step:
        return list(buckets)
    counts: dict[int, int] = {}
    start = _minutes(buckets[0][0])
    for label, count in buckets:
        offset = (_minutes(label) - start) % 1440  # past midnight counts on
        counts[offset] = counts.get(offset, 0) + count
    last = max(counts)
    return [
        (_label((start + offset) % 1440), counts.get(offset, 0))
        for offset in range(0, last + 1, step)
    ]


def _minutes(label: str) -> int:
    hours, _colon, minutes = label.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def _label(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ArrivalsChart(Widget):
    """Counts per time bucket as columns; the newest bucket on the right."""

    COMPONENT_CLASSES = {
        "arrivals-chart--bar",
        "arrivals-chart--peak",
        "arrivals-chart--count",
        "arrivals-chart--axis",
        "arrivals-chart--empty",
    }

    DEFAULT_CSS = """
    ArrivalsChart { height: 10; width: 1fr; }
    ArrivalsChart > .arrivals-chart--bar { color: $primary; }
    ArrivalsChart > .arrivals-chart--peak { color: $success; }
    ArrivalsChart > .arrivals-chart--count { color: $text; }
    ArrivalsChart > .arrivals-chart--axis { color: $text-muted; }
    ArrivalsChart > .arrivals-chart--empty { color: $text-muted; text-style: italic; }
    """

    buckets: reactive[tuple[tuple[str, int], ...]] = reactive(())

    def __init__(
        self, empty: str | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        """``empty`` is what it says while it has nothing to draw (None: 'nothing yet')."""
        super().__init__(id=id, classes=classes)
        self.empty = _("nothing yet") if empty is None else empty

    def show(self, buckets: Sequence[tuple[str, int]]) -> None:
        """Show ``(label, count)`` buckets, oldest first."""
        self.buckets = tuple(buckets)

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        if not self.buckets or not any(count for _label, count in self.buckets) or height < 2:
            return Text(self.empty, style=self.get_component_rich_style("arrivals-chart--empty"))
        peak = max(count for _label, count in self.buckets)
        slot = min(max(width // len(self.buckets), 2), 8)
        shown = self.buckets[-(width // slot) :]
        bar_width = max(slot - 1, 1)
        bar_rows = max(height - 2, 1)  # one line for the counts above, one for the times
        styles = {  # not for translation: component classes
            name: self.get_component_rich_style(f"arrivals-chart--{name}")
            for name in ("bar", "peak", "count", "axis")
        }
        grid: list[list[tuple[str, Style]]] = [
            [(" ", styles["axis"])] * width for _row in range(bar_rows + 1)
        ]

        def put(row: int, column: int, text: str, style: Style) -> None:
            for offset, char in enumerate(text):
                if 0 <= column + offset < width:
                    grid[row][column + offset] = (char, style)

        for index, (_label, count) in enumerate(shown):
            column = index * slot
            eighths = math.ceil(count / peak * bar_rows * 8) if count else 0
            style = styles["peak"] if count == peak else styles["bar"]
            for level in range(bar_rows):  # from the bottom up
                part = min(max(eighths - level * 8, 0), 8)
                if part:
                    put(bar_rows - level, column, LOWER[part] * bar_width, style)
            top = bar_rows - math.ceil(eighths / 8)  # the line above the bar
            figure = str(count) if count else ""
            if figure and len(figure) <= slot:
                put(top, column + max((bar_width - len(figure)) // 2, 0), figure, styles["count"])
        times = [" "] * width
        label_every = max(math.ceil((5 + LABEL_GAP) / slot), 1)
        for index, (label, _count) in enumerate(shown):
            column = index * slot
            if (len(shown) - 1 - index) % label_every == 0 and column + len(label) <= width:
                times[column : column + len(label)] = list(label)
        text = Text(no_wrap=True, overflow="crop", end="")
        for row in grid:
            for char, style in row:
                text.append(char, style)
            text.append("\n")
        text.append("".join(times), styles["axis"])
        return text

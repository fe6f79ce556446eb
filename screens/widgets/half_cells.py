"""A Pillow picture as coloured half cells: each terminal cell two stacked pixels (▀, its
colour the top pixel, its background the bottom one). What a plain terminal shows of the kiosk's
large letters and camera (screens.kiosk.picture, through textual-image), and of a badge's
preview on the organizer screen. No terminal is asked anything here."""

from __future__ import annotations

from functools import lru_cache

from PIL import Image as PILImage
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

HALF_BLOCK = "▀"


@lru_cache(maxsize=8192)
def _cell_style(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Style:
    return Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))


class HalfCells:
    """textual-image's half-cell renderable, drawn with numpy and a cache of cell styles: a
    picture of a few thousand cells is drawn in milliseconds (a door's answer must be at once).
    """

    def __init__(
        self, image: PILImage.Image, width: int | str | None = None, height: int | str | None = None
    ) -> None:
        self.image = image
        self.width = width if isinstance(width, int) else None
        self.height = height if isinstance(height, int) else None

    def cleanup(self) -> None:
        """Nothing to free (the protocol's graphics renderables free terminal images)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        import numpy as np

        width = self.width or options.max_width
        height = (
            self.height
            or options.height
            or max(1, round(width * self.image.height / self.image.width / 2))
        )
        if width <= 0 or height <= 0:
            return
        image = self.image.convert("RGB")
        if image.size != (width, height * 2):
            image = image.resize((width, height * 2), PILImage.Resampling.BOX)
        pixels = np.asarray(image, dtype=np.uint8).tolist()
        for row in range(height):
            top_row, bottom_row = pixels[2 * row], pixels[2 * row + 1]
            for top, bottom in zip(top_row, bottom_row, strict=True):
                yield Segment(HALF_BLOCK, _cell_style(tuple(top), tuple(bottom)))
            yield Segment.line()

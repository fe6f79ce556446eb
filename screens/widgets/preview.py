"""A camera preview drawn with half blocks: each cell shows two stacked pixels.

The top pixel is the cell's foreground colour on an upper half block ("▀"), the bottom pixel its
background colour. Only the newest frame is kept: a frame that arrives while an older one waits
to be drawn replaces it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:  # numpy loads with the first frame (start-up time)
    import numpy as np
    import numpy.typing as npt

    Image = npt.NDArray[np.uint8]

HALF_BLOCK = "▀"


@lru_cache(maxsize=8192)
def _cell_style(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Style:
    return Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))


def half_block_rows(image: Image, width: int, height: int) -> list[Strip]:
    """``image`` (RGB, any size) scaled to ``width`` cells by ``height`` rows of half blocks."""
    import numpy as np

    if width <= 0 or height <= 0:
        return []
    source_height, source_width = image.shape[:2]
    ys = (np.arange(height * 2) * source_height // (height * 2)).clip(0, source_height - 1)
    xs = (np.arange(width) * source_width // width).clip(0, source_width - 1)
    pixels = image[ys][:, xs].tolist()  # nearest neighbour; a no-op when the sizes match
    strips = []
    for row in range(height):
        top_row, bottom_row = pixels[2 * row], pixels[2 * row + 1]
        segments = [
            Segment(HALF_BLOCK, _cell_style(tuple(top), tuple(bottom)))
            for top, bottom in zip(top_row, bottom_row, strict=True)
        ]
        strips.append(Strip(segments, width))
    return strips


class CameraPreview(Widget):
    """What the camera sees, a few frames a second; a short note when there is no picture."""

    DEFAULT_CSS = """
    CameraPreview {
        width: 1fr;
        height: 1fr;
        min-height: 3;
        background: $surface-darken-1;
        color: $text-muted;
    }
    """

    class Resized(Message):
        """The preview's size changed: frames of ``width`` x ``height`` pixels fit it exactly."""

        def __init__(self, preview: CameraPreview, width: int, height: int) -> None:
            super().__init__()
            self.preview = preview
            self.width = width
            self.height = height

        @property
        def control(self) -> CameraPreview:
            return self.preview

    def __init__(
        self,
        note: str = "no picture",
        *,
        aspect: float = 4 / 3,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.note = note
        self.aspect = aspect  # width / height of the picture; the rest of the widget stays blank
        self.frames_shown = 0
        self._image: Image | None = None
        self._strips: list[Strip] | None = None
        self._strips_size = (0, 0)

    @property
    def has_picture(self) -> bool:
        return self._image is not None

    def show_frame(self, image: Image) -> None:
        """Draw ``image`` (height x width x 3, RGB, uint8) at the next refresh."""
        import numpy as np

        if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
            return
        self._image = np.ascontiguousarray(image, dtype=np.uint8)
        self._strips = None
        self.frames_shown += 1
        self.refresh()

    def clear(self, note: str | None = None) -> None:
        """No picture (the camera stopped or failed); ``note`` says why."""
        if note is not None:
            self.note = note
        self._image = None
        self._strips = None
        self.refresh()

    def picture_size(self) -> tuple[int, int]:
        """(cells wide, rows high) of the picture: the widget's size at the picture's aspect."""
        width, height = self.size
        if width <= 0 or height <= 0:
            return (0, 0)
        if width > height * 2 * self.aspect:
            return (max(1, round(height * 2 * self.aspect)), height)
        return (width, max(1, min(height, round(width / self.aspect / 2))))

    def on_resize(self, event: events.Resize) -> None:
        self._strips = None
        width, height = self.picture_size()
        if width > 0 and height > 0:
            self.post_message(self.Resized(self, width, height * 2))

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        style = self.visual_style.rich_style
        if self._image is None:
            if y == height // 2 and self.note:
                text = self.note[:width].center(width)
                return Strip([Segment(text, style)], width)
            return Strip.blank(width, style)
        picture_width, picture_height = self.picture_size()
        if self._strips is None or self._strips_size != (picture_width, picture_height):
            self._strips = half_block_rows(self._image, picture_width, picture_height)
            self._strips_size = (picture_width, picture_height)
        top = (height - picture_height) // 2
        left = (width - picture_width) // 2
        row = y - top
        if not 0 <= row < len(self._strips):
            return Strip.blank(width, style)
        margin = [Segment(" " * left, style)] if left else []
        right = width - picture_width - left
        tail = [Segment(" " * right, style)] if right else []
        return Strip([*margin, *self._strips[row], *tail], width)

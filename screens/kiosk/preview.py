"""A camera preview: the newest frame, drawn as a picture (screens.kiosk.picture): the real
picture where the terminal shows graphics, coloured half cells elsewhere. Only the newest frame is
kept: a frame that arrives while an older one waits to be drawn replaces it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from eventdesk.i18n import _
from screens.kiosk.picture import HalfcellPicture, MovingPicture, moving_pixels_per_cell

if TYPE_CHECKING:  # numpy and Pillow load with the first frame (start-up time)
    import numpy as np
    import numpy.typing as npt

    Image = npt.NDArray[np.uint8]

CELL_COLOUR_BITS = 5
"""The bits of each colour channel a preview drawn in half cells keeps. Each cell is a style of
its own (two colours), and a camera's sensor noise makes nearly every colour of every frame new:
the styles Textual and Rich derive from them, and keep, held some 20 MB of a kiosk. At 32 levels
a channel (the "high colour" of 15 bits) the noise mostly falls on the same ones; no colour moves
by more than 7 of 255. A graphics terminal's real picture keeps every bit."""
CELL_COLOUR_MASK = (0xFF << (8 - CELL_COLOUR_BITS)) & 0xFF


class CameraPreview(Widget):
    """What the camera sees, a few frames a second; a short note when there is no picture."""

    DEFAULT_CSS = """
    CameraPreview {
        width: 1fr;
        height: 1fr;
        min-height: 3;
        align: center middle;
        background: $surface-darken-1;
        color: $text-muted;
    }
    CameraPreview > .preview-note {
        width: 100%;
        height: 100%;
        content-align: center middle;
        text-align: center;
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
        note: str | None = None,
        *,
        aspect: float = 4 / 3,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.note = _("no picture") if note is None else note
        self.aspect = aspect  # width / height of the picture; the rest of the widget stays blank
        self.frames_shown = 0
        self._image: Image | None = None

    def compose(self) -> ComposeResult:
        yield MovingPicture(classes="preview-picture")
        yield Static(self.note, classes="preview-note", markup=False)

    def on_mount(self) -> None:
        self._show_picture(False)

    @property
    def has_picture(self) -> bool:
        return self._image is not None

    @property
    def picture(self) -> Widget:
        return self.query_one(".preview-picture")

    def show_frame(self, image: Image) -> None:
        """Draw ``image`` (height x width x 3, RGB, uint8) at the next refresh."""
        import numpy as np
        from PIL import Image as PILImage

        if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
            return
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        if MovingPicture is HalfcellPicture:
            pixels = pixels & np.uint8(CELL_COLOUR_MASK)  # a copy: the message's stays as it is
        self._image = pixels
        self.frames_shown += 1
        self._show_picture(True)
        self.picture.image = PILImage.fromarray(self._image, "RGB")  # type: ignore[attr-defined]

    def clear(self, note: str | None = None) -> None:
        """No picture (the camera stopped or failed); ``note`` says why."""
        if note is not None:
            self.note = note
        self._image = None
        self.query_one(".preview-note", Static).update(self.note)
        self._show_picture(False)

    def _show_picture(self, shown: bool) -> None:
        self.picture.display = shown
        self.query_one(".preview-note", Static).display = not shown

    def picture_size(self) -> tuple[int, int]:
        """(cells wide, rows high) of the picture: the widget's size at the picture's aspect."""
        width, height = self.size
        if width <= 0 or height <= 0:
            return (0, 0)
        per_w, per_h = moving_pixels_per_cell()
        cell_aspect = per_h / per_w  # a cell is this many times taller than wide
        if width > height * cell_aspect * self.aspect:
            return (max(1, round(height * cell_aspect * self.aspect)), height)
        return (width, max(1, min(height, round(width / self.aspect / cell_aspect))))

    def on_resize(self, event: events.Resize) -> None:
        width, height = self.picture_size()
        if width > 0 and height > 0:
            self.picture.styles.width = width
            self.picture.styles.height = height
            per_w, per_h = moving_pixels_per_cell()
            self.post_message(self.Resized(self, width * per_w, height * per_h))

"""Pictures in the terminal: the kiosk's large letters and the camera's preview.

textual-image draws a Pillow image with the Kitty graphics protocol or Sixel where the terminal
has them (the real picture, at the screen's own resolution), and with coloured half cells
elsewhere: each cell two stacked pixels. Without a terminal (tests, snapshots) it is half cells
too, never the grey shading textual-image would fall back to, so a snapshot shows what a plain
terminal shows.

What the terminal can do is asked here, once, when this module is imported (before the app
starts: once Textual owns the terminal, its answers go to Textual). textual-image asks on its own
import too, one question at a time with a tenth of a second for each answer; a terminal that
answers the first one late (a busy machine, a terminal inside tmux) leaves its answer to the
second read, which then waits for ever, and the kiosk never starts. So the question is asked
here as terminals recommend (the graphics query, then a device-attributes query every terminal
answers, read together within half a second, never blocking), and textual-image is imported
as if there were no terminal, then told the answer. ``EVENTDESK_GRAPHICS`` (kitty, sixel or
cells) says it instead of asking.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

from screens.terminal import HalfCells

if TYPE_CHECKING:
    from textual.widget import Widget


def _ask_terminal() -> str:
    """The terminal's answers to the graphics and device-attributes queries ("" without one):
    asked as the badge preview asks it (badges.preview), on the process's own terminal."""
    from badges.preview import ask_terminal

    return ask_terminal(sys.__stdin__, sys.__stdout__)


def graphics_kind() -> str:
    """How this terminal shows a picture: "sixel", "kitty" or "cells" (half cells)."""
    from badges.preview import graphics_setting, protocols

    said = graphics_setting()
    if said is not None:
        return said
    found = protocols(_ask_terminal())
    # Sixel before Kitty's protocol, as textual-image: Konsole and WezTerm say both.
    return next((kind for kind in ("sixel", "kitty") if kind in found), "cells")


def _import_textual_image() -> None:
    """Import textual-image as if there were no terminal: it asks nothing."""
    real = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc, assignment]
    try:
        import textual_image.renderable
        import textual_image.widget  # noqa: F401
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


GRAPHICS_KIND = graphics_kind()
_import_textual_image()

from textual_image._terminal import CellSize, get_cell_size  # noqa: E402
from textual_image.widget import HalfcellImage, SixelImage, TGPImage  # noqa: E402

GRAPHICS = GRAPHICS_KIND != "cells"
"""Whether this terminal shows real pictures (Kitty graphics or Sixel)."""


def _cell_pixels() -> CellSize | None:
    """The size of a cell in pixels, from the terminal's window size (None: it does not say)."""
    import fcntl
    import struct
    import termios

    stdout = sys.__stdout__
    if stdout is None or not stdout.isatty():
        return None
    try:
        packed = fcntl.ioctl(stdout.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        return None
    rows, columns, width, height = struct.unpack("HHHH", packed)
    if not (rows and columns and width and height):
        return None
    return CellSize(width // columns, height // rows)


if GRAPHICS:
    # textual-image's cache: without it, textual-image would ask the terminal itself later,
    # when Textual reads the keyboard (the answer would arrive as keys). A terminal that does
    # not say its cell size gets textual-image's own default (a VT340's).
    get_cell_size._result = _cell_pixels() or CellSize(10, 20)  # type: ignore[attr-defined]  # noqa: SLF001


class HalfcellPicture(HalfcellImage, Renderable=HalfCells):
    """A picture in coloured half cells, two stacked pixels a cell."""


PICTURES: dict[str, type[Widget]] = {"sixel": SixelImage, "kitty": TGPImage}
Picture: type[Widget] = PICTURES.get(GRAPHICS_KIND, HalfcellPicture)
"""The widget for a still picture (the large letters)."""
MovingPicture: type[Widget] = TGPImage if GRAPHICS_KIND == "kitty" else HalfcellPicture
"""The widget for the camera's frames, several a second: Sixel takes a third of a second to
encode one on the UI thread (keys and scans would wait), so a Sixel terminal shows the camera
in half cells and only the letters as a real picture."""


def moving_pixels_per_cell() -> tuple[int, int]:
    """How many pixels of a camera frame one terminal cell shows (wide, high)."""
    return pixels_per_cell() if MovingPicture is not HalfcellPicture else (1, 2)


"""The widget that shows a Pillow image (its ``image`` attribute) in this terminal."""


def pixels_per_cell() -> tuple[int, int]:
    """How many pixels of a picture one terminal cell shows (wide, high)."""
    if not GRAPHICS:
        return (1, 2)
    size = get_cell_size()
    return (max(1, size.width), max(1, size.height))

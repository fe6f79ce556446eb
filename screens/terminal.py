"""What the terminal is given: text it shows and never acts on, names in any script in the order
they are read, and pictures as coloured half cells.

**Control characters.** Whatever widget shows a text (a label, a table cell, a card, a
notification), Textual keeps it as a ``Content`` and Rich as a ``Text``, and each drops a few
control characters from every text it is given (bell, backspace, carriage return) through one
translation table, passing every other one to the terminal as it is: an attendee's or a
station's name from the database holding an escape sequence would clear the station's screen,
move its cursor or retitle its window. Both tables also write out, from the start of the app,
what a terminal would act on, as the CLI does (``eventdesk.text.for_terminal``): ``\\x1b``,
never the escape itself.

**Scripts** (``for_screen``, ``fit``). A terminal draws its cells left to right in the order it
is given them: it neither reorders a right-to-left run nor joins Arabic letters (and Textual
writes each cell where it belongs, so a terminal that would cannot). A name in Arabic or Hebrew
is therefore put in the order it is read (the Unicode bidirectional algorithm, python-bidi)
and, for Arabic, in its joined letter forms (arabic-reshaper) before a screen shows it; every
other text is given back as it is. Wide characters (Chinese, Japanese, Korean) take two cells
each, which Rich and Textual count: a column is cut with ``fit`` by cells, never by characters.
A text is measured as the terminal measures it (``measure_as_the_terminal``): a mark that sits
on its letter (a Devanagari virama, a Thai vowel above) takes no cell, and a spacing vowel sign
(Unicode's Mc: Devanagari ि and ा, Tamil ி) takes one, as wcwidth says and tmux and the Linux
terminals draw it. Rich's table counts those as none, so a row holding "प्रिया" reached the
terminal wider than Textual had laid it out, pushing its line right over the card's border.

**Pictures** (``HalfCells``): a Pillow picture as coloured half cells, each terminal cell two
stacked pixels (▀, its colour the top pixel, its background the bottom one). What a plain
terminal shows of the kiosk's large letters and camera (screens.kiosk.picture, through
textual-image), and of a badge's preview on the organizer screen. No terminal is asked anything
here, and Pillow and numpy load with the first picture drawn.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import rich.cells
import rich.control
import textual.content
from rich._unicode_data import load as _rich_cell_table  # Rich's own table of cell widths
from rich.cells import cell_len, set_cell_size
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

from eventdesk.text import for_terminal_table

if TYPE_CHECKING:
    from PIL import Image as PILImage


def measure_as_the_terminal() -> None:
    """Rich and Textual measure every text from now on as the terminal does: a spacing
    combining mark (Mc) one cell, as wcwidth counts it, not none (the rest of Rich's table is
    the terminal's already). Rich reads its table through one name of ``rich.cells``, which
    is given the table with those marks in it."""
    names = vars(rich.cells)  # the name its functions look the table up by, at each call
    if names["load_cell_table"] is not _cell_table:
        names["load_cell_table"] = _cell_table
        rich.cells.get_character_cell_size.cache_clear()
        rich.cells.cached_cell_len.cache_clear()


@lru_cache(maxsize=8)
def _cell_table(unicode_version: str = "auto") -> rich.cells.CellTable:
    table = _rich_cell_table(unicode_version)
    widths: list[tuple[int, int, int]] = []
    for start, end, width in table.widths:
        if width != 0:
            widths.append((start, end, width))
            continue
        run_start, run_width = start, None
        for code in range(start, end + 1):  # the zero-width runs are short: a few thousand
            cells = 1 if unicodedata.category(chr(code)) == "Mc" else 0
            if run_width is not None and cells != run_width:
                widths.append((run_start, code - 1, run_width))
                run_start = code
            run_width = cells
        widths.append((run_start, end, run_width or 0))
    return table._replace(widths=widths)


def show_control_characters() -> None:
    """Every text the app shows from now on, with what a terminal acts on written out (line
    breaks and tabs are the text's own; what the toolkits already drop stays dropped)."""
    written_out = for_terminal_table(keep="\n\t")
    for table in (
        # The toolkits' own tables of what they strip (no public name): widened in place.
        textual.content._CONTROL_STRIP_TRANSLATE,  # noqa: SLF001
        rich.control._CONTROL_STRIP_TRANSLATE,  # noqa: SLF001
    ):
        mapping = cast(
            dict[int, str | None], table
        )  # typed for deletions; str.translate takes both
        for code, shown in written_out.items():
            mapping.setdefault(code, shown)


# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan..., and the presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")


def for_screen(text: str | None) -> str:
    """``text`` as the terminal should draw it: right-to-left runs in display order."""
    if not text:
        return ""
    if _RIGHT_TO_LEFT.search(text) is None:
        return text
    return _display(text)


@lru_cache(maxsize=4096)
def _display(text: str) -> str:
    # Loaded with the first such name: a station that never shows one never loads them.
    from bidi import get_display

    shaped = _reshaper().reshape(text) if _ARABIC.search(text) else text
    return "\n".join(get_display(line) for line in shaped.split("\n"))


@lru_cache(maxsize=1)
def _reshaper() -> Any:
    import arabic_reshaper

    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def fit(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` terminal cells: cut with "…" where it is longer (a wide
    character counts two)."""
    if cell_len(text) <= cells:
        return text
    if cells <= 1:
        return "…"[:cells]
    return set_cell_size(text, cells - 1).rstrip() + "…"


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
        from PIL import Image as PILImage

        image = self.image.convert("RGB")
        if image.size != (width, height * 2):
            image = image.resize((width, height * 2), PILImage.Resampling.BOX)
        pixels = np.asarray(image, dtype=np.uint8).tolist()
        for row in range(height):
            top_row, bottom_row = pixels[2 * row], pixels[2 * row + 1]
            for top, bottom in zip(top_row, bottom_row, strict=True):
                yield Segment(HALF_BLOCK, _cell_style(tuple(top), tuple(bottom)))
            yield Segment.line()

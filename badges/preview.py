"""A badge's preview in a terminal: its own picture where the terminal shows pictures, else its
words laid out in its elements' places, big enough to read.

**The picture** (``picture_preview``): the PNG the printer gets, sent by the Kitty graphics
protocol (the PNG itself, base64), as iTerm2's inline image (the same file), or as Sixel
(textual-image's encoder, the library the kiosk draws its pictures with), sized to the
terminal's columns and lines.

**The words** (``text_preview``): every element of the layout at its place on a character grid
(about a column a millimetre, narrower where the terminal is), the label's outline a box
around them. Each element's words wrap within its width at spaces and hyphens and are shown in
full (a long name on as many lines as it takes: a later element moves down to make room,
never overwritten); the name bold, a ribbon a reversed band, the QR code in half blocks (a
module a column, two a line: it scans from the screen), a logo in half blocks. On a terminal
the label is black on white whatever the terminal's colours; piped, the characters alone draw
it (the band in full blocks).

**Which** (``choose``): ``--preview auto`` asks the terminal once, as terminals recommend (the
Kitty graphics query, XTVERSION and a device-attributes query every terminal answers, read
together within half a second, never blocking), and only when both standard input and output
are the terminal and this process is in its foreground: piped, under a test runner or in CI
nothing is asked and the words are shown. ``EVENTDESK_GRAPHICS`` (kitty, sixel or cells) says
it instead of asking; ``--preview text|image|kitty|sixel|iterm`` chooses outright.
"""

from __future__ import annotations

import base64
import io
import math
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from PIL import Image

if TYPE_CHECKING:
    from rich.text import Text

    from badges.badge import Badge
    from badges.layout import Element, Layout

MODES = ("auto", "text", "image", "kitty", "sixel", "iterm")
PICTURES = ("kitty", "sixel", "iterm")

# --- the words in their places ---------------------------------------------------------------
PAPER, NAME, BAND, FILL, INK = "paper", "name", "band", "fill", "ink"
UPPER, LOWER, FULL = "▀", "▄", "█"
COLUMNS_PER_MM = 1.0  # a label's natural size on the grid: a 62 mm badge is 62 columns wide
NARROWEST = 16
LOGO_DPI = 150  # the badge drawn for its logo's dots
INK_ON_PAPER = "\x1b[38;5;16;48;5;231m"  # black ink on a white cell
SGR = {
    PAPER: INK_ON_PAPER,
    INK: INK_ON_PAPER,
    NAME: "\x1b[1;38;5;16;48;5;231m",
    BAND: "\x1b[1;38;5;231;48;5;16m",  # white on black
    FILL: "\x1b[1;38;5;231;48;5;16m",
}
RICH = {
    PAPER: "#000000 on #ffffff",
    INK: "#000000 on #ffffff",
    NAME: "bold #000000 on #ffffff",
    BAND: "bold #ffffff on #000000",
    FILL: "bold #ffffff on #000000",
}
RESET = "\x1b[0m"

Cell = tuple[str, str]  # what a cell shows ("" for the right half of a wide character), style


@dataclass(frozen=True)
class TextPreview:
    """A badge's words in their places: ``rows`` of ``width`` cells inside the label's box."""

    width: int
    rows: tuple[tuple[Cell, ...], ...]

    def plain(self) -> str:
        """The box and the words as characters alone (a band in full blocks)."""
        lines = ["┌" + "─" * self.width + "┐"]
        for row in self.rows:
            lines.append("│" + "".join(FULL if s == FILL else t for t, s in row) + "│")
        lines.append("└" + "─" * self.width + "┘")
        return "\n".join(lines)

    def ansi(self) -> str:
        """The same in a terminal's colours: black on a white label, the band reversed."""
        lines = ["┌" + "─" * self.width + "┐"]
        for row in self.rows:
            line, style = ["│"], None
            for text, kind in row:
                if kind != style:
                    line.append(SGR[kind])
                    style = kind
                line.append(" " if kind == FILL else text)
            lines.append("".join(line) + RESET + "│")
        lines.append("└" + "─" * self.width + "┘")
        return "\n".join(lines)

    def rich(self) -> Text:
        """The same as a Rich text (for a Textual widget). A run of blanks is a span of its
        own (an SVG of the screen, a snapshot, keeps the words where they are)."""
        from rich.text import Text

        shown = Text(no_wrap=True, overflow="crop")
        shown.append("┌" + "─" * self.width + "┐\n")
        for row in self.rows:
            shown.append("│")
            run, style = "", ""
            for text, kind in row:
                shown_text = " " if kind == FILL else text
                if run and (kind != style or run[-1].isspace() != shown_text.isspace()):
                    shown.append(run, RICH[style])
                    run = ""
                style = kind
                run += shown_text
            if run:
                shown.append(run, RICH[style])
            shown.append("│\n")
        shown.append("└" + "─" * self.width + "┘")
        return shown


def text_preview(
    badge: Badge,
    layout: Layout,
    columns: int,
    lines: int | None = None,
    *,
    display: Callable[[str], str] | None = None,
    fonts: tuple[str, ...] = (),
) -> TextPreview:
    """``badge`` by ``layout`` as words in their places, at most ``columns`` wide with its box
    (about a column a millimetre where there is room) and, given ``lines``, the blank lines
    between its elements shortened to fit them where they can be (never below one).
    ``display``: what a line of words is turned into before it is placed (a screen's
    right-to-left order)."""
    width = max(NARROWEST, min(columns - 2, round(layout.width_mm * COLUMNS_PER_MM)))
    across = width / layout.width_mm  # columns a millimetre
    down = across / 2  # lines a millimetre: a cell is about twice as high as it is wide
    picture: list[Image.Image] = []  # the badge's picture, drawn for a logo when one is met

    def drawn() -> Image.Image:
        if not picture:
            from badges.picture import draw

            picture.append(draw(badge, layout, dpi=LOGO_DPI, fonts=fonts))
        return picture[0]

    placed: list[tuple[int, int, int, int]] = []  # top, bottom, left, right of each block
    blocks: list[tuple[int, int, list[list[Cell]]]] = []
    moved = 0  # lines every element further down moves for one above that needed more
    for element in sorted(layout.elements, key=lambda e: (e.y, e.x)):
        left = min(max(round(element.x * across), 0), width - 1)
        right = min(max(round((element.x + element.width) * across), left + 1), width)
        high = max(1, round(element.height * down))
        block = _block(badge, element, right - left, high, width, display, drawn)
        if block is None:
            continue
        start, rows = block
        x = min(max(left + start, 0), max(width - len(rows[0]), 0))
        natural = round(element.y * down) + max((high - len(rows)) // 2, 0)
        top = natural + moved
        end = x + len(rows[0])
        while clash := [
            b for t, b, lo, hi in placed if lo < end and x < hi and t < top + len(rows)
        ]:
            if max(clash) <= top:
                break
            top = max(clash)
        moved = max(moved, top - natural)
        placed.append((top, top + len(rows), x, end))
        blocks.append((top, x, rows))
    height = max([round(layout.height_mm * down) + moved, *(b for _t, b, _l, _r in placed)])
    grid: list[list[Cell]] = [[(" ", PAPER)] * width for _ in range(height)]
    for top, x, rows in blocks:
        for n, row in enumerate(rows):
            grid[top + n][x : x + len(row)] = row[: width - x]
    if lines is not None:
        grid = _shortened(grid, lines - 2)
    return TextPreview(width, tuple(tuple(row) for row in grid))


def _shortened(grid: list[list[Cell]], lines: int) -> list[list[Cell]]:
    """``grid`` with its runs of blank lines shortened, the longest first, until it fits in
    ``lines`` or every run is one line."""
    runs: list[list[int]] = []  # [first line, length] of each run of blank lines
    for n, row in enumerate(grid):
        if all(cell == (" ", PAPER) for cell in row):
            if runs and runs[-1][0] + runs[-1][1] == n:
                runs[-1][1] += 1
            else:
                runs.append([n, 1])
    keep = {first: length for first, length in runs}
    excess = len(grid) - lines
    while excess > 0:
        longest = max(keep, key=lambda first: keep[first], default=None)
        if longest is None or keep[longest] <= 1:
            break
        keep[longest] -= 1
        excess -= 1
    length = dict((first, n) for first, n in runs)
    out: list[list[Cell]] = []
    n = 0
    while n < len(grid):
        if n in keep:
            out += grid[n : n + keep[n]]
            n += length[n]
            continue
        out.append(grid[n])
        n += 1
    return out


def _block(
    badge: Badge,
    element: Element,
    width: int,
    lines: int,
    room: int,
    display: Callable[[str], str] | None,
    drawn: Callable[[], Image.Image],
) -> tuple[int, list[list[Cell]]] | None:
    """What ``element`` shows in ``width`` columns and about ``lines`` lines (``room``: the
    label's width in columns): its rows of cells and their first column from the element's
    left; None when it shows nothing."""
    from badges.layout import qr_modules, words_of
    from badges.printable import clean

    if element.kind == "qr":
        if not badge.payload:
            return None
        code = qr_modules(badge.payload)
        if code.width > room:  # the quiet zone narrowed to a module (the label's white is one)
            code = code.crop((3, 3, code.width - 3, code.height - 3))
        if code.width > room:  # still too wide to scan: drawn to the element's size
            code = code.resize((width, 2 * lines), Image.Resampling.NEAREST)
        return (width - code.width) // 2, half_cells(code)
    if element.kind == "logo":
        if not element.data:
            return None
        picture = drawn()
        scale = LOGO_DPI / 25.4  # dots a millimetre
        box = (
            round(element.x * scale),
            round(element.y * scale),
            round((element.x + element.width) * scale),
            round((element.y + element.height) * scale),
        )
        logo = picture.crop(box)
        logo.thumbnail((width, 2 * lines), Image.Resampling.BOX)
        return (width - logo.width) // 2, half_cells(logo)
    words = words_of(badge, element)
    if not words or not clean(words):
        return None
    wrapped = wrap(clean(words), max(width - (2 if element.kind == "ribbon" else 0), 1))
    if display is not None:
        wrapped = [display(line) for line in wrapped]
    style = NAME if element.kind == "name" else BAND if element.kind == "ribbon" else PAPER
    rows = [_aligned(line, width, element.align, style) for line in wrapped]
    if element.kind == "ribbon":  # a band: the element's lines filled, the words in it
        rows = [[(" ", BAND) if s == PAPER else (t, s) for t, s in row] for row in rows]
        rows = [[(" ", FILL) if t == " " and _outside(row, i) else (t, s) for i, (t, s) in
                 enumerate(row)] for row in rows]  # fmt: skip
        above = max((lines - len(rows)) // 2, 0)
        below = max(lines - len(rows) - above, 0)
        blank = [(" ", FILL)] * width
        rows = [list(blank) for _ in range(above)] + rows + [list(blank) for _ in range(below)]
    return 0, rows


def _outside(row: list[Cell], index: int) -> bool:
    """Whether cell ``index`` of a band's row lies outside its words and the space either side."""
    inked = [i for i, (t, _s) in enumerate(row) if t.strip()]
    if not inked:
        return True
    return index < inked[0] - 1 or index > inked[-1] + 1


def _aligned(line: str, width: int, align: str, style: str) -> list[Cell]:
    from badges.typeset import direction_rtl

    if align in ("start", "end"):  # as the badge sets it: the words' direction says which side
        align = "right" if (align == "start") == direction_rtl(line) else "left"
    cells = _cells(line)
    room = max(width - len(cells), 0)
    before = room // 2 if align == "center" else room if align == "right" else 0
    pad: list[Cell] = [(" ", PAPER)]
    return (pad * before + [(t, style) for t in cells] + pad * (room - before))[:width]


def _cells(text: str) -> list[str]:
    """``text`` as terminal cells: a wide character (Chinese, Japanese, Korean) two, the
    second empty; a combining mark or joiner in the cell of the character it marks."""
    cells: list[str] = []
    for ch in text:
        if cells and (unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Mc")
                      or ch in "\u200c\u200d"):  # fmt: skip
            at = len(cells) - 1 if cells[-1] else len(cells) - 2
            cells[at] += ch
            continue
        cells.append(ch)
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            cells.append("")
    return cells


def cell_width(text: str) -> int:
    return len(_cells(text))


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken where the badge breaks it; a
    word longer than a line is broken where the line ends. Nothing is left out."""
    from badges.typeset import pieces

    joined: list[tuple[str, str]] = []  # (what joins it to the piece before, the piece)
    for word in text.split():
        parts = pieces(word)  # where the badge may break a word: after hyphens, CJK letters
        joined += [(" " if n == 0 else "", part) for n, part in enumerate(parts)]
    lines: list[str] = []
    line = ""
    for joint, piece in joined:
        if line and cell_width(line + joint + piece) <= width:
            line += joint + piece
            continue
        if line:
            lines.append(line)
        cells = _cells(piece)
        while len(cells) > width:
            cut = width - 1 if cells[width] == "" and width > 1 else width  # a wide one whole
            lines.append("".join(cells[:cut]))
            cells = cells[cut:]
        line = "".join(cells)
    if line:
        lines.append(line)
    return lines


def half_cells(picture: Image.Image) -> list[list[Cell]]:
    """A black-on-white picture as rows of half blocks, a pixel a column and two a line."""
    grey = picture.convert("L")
    if grey.height % 2:
        padded = Image.new("L", (grey.width, grey.height + 1), 255)
        padded.paste(grey, (0, 0))
        grey = padded
    dots = grey.load()
    assert dots is not None
    rows = []
    for y in range(0, grey.height, 2):
        row: list[Cell] = []
        for x in range(grey.width):
            top, bottom = int(dots[x, y]) < 128, int(dots[x, y + 1]) < 128  # type: ignore[arg-type]
            row.append(
                (FULL if top and bottom else UPPER if top else LOWER if bottom else " ", INK)
            )
        rows.append(row)
    return rows


# --- the picture ---------------------------------------------------------------------------
CELL = (10, 20)  # a cell's pixels where the terminal does not say (textual-image's default)
KITTY_CHUNK = 4096


def picture_preview(
    png: bytes,
    kind: str,
    columns: int,
    lines: int | None = None,
    cell: tuple[int, int] | None = None,
) -> str:
    """The badge's PNG as ``kind`` (kitty, sixel or iterm) escape sequences: as wide as
    ``columns`` allow and, given ``lines``, as tall as they do (``cell``: a cell's pixels),
    the cursor on the line below it."""
    with Image.open(io.BytesIO(png)) as found:
        found.load()
        image = found.copy()
    wide, high = cell or CELL
    across = max(columns - 1, 4)
    down = math.ceil(across * wide * image.height / image.width / high)
    if lines is not None and down > max(lines - 2, 4):
        down = max(lines - 2, 4)
        across = max(4, math.floor(down * high * image.width / (image.height * wide)))
    if kind == "kitty":
        data = base64.b64encode(png).decode("ascii")
        chunks = [data[i : i + KITTY_CHUNK] for i in range(0, len(data), KITTY_CHUNK)] or [""]
        out = []
        for n, chunk in enumerate(chunks):
            more = 1 if n < len(chunks) - 1 else 0
            keys = f"a=T,f=100,t=d,q=2,c={across},r={down},m={more}" if n == 0 else f"m={more}"
            out.append(f"\x1b_G{keys};{chunk}\x1b\\")
        return "".join(out) + "\n"
    if kind == "iterm":
        data = base64.b64encode(png).decode("ascii")
        keys = f"inline=1;size={len(png)};width={across};height={down};preserveAspectRatio=1"
        return f"\x1b]1337;File={keys}:{data}\x07\n"
    if kind == "sixel":
        from textual_image._sixel import image_to_sixels

        size = (across * wide, round(across * wide * image.height / image.width))
        scaled = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        return str(image_to_sixels(scaled)) + "\n"
    raise ValueError(f"not a picture protocol: {kind}")


# --- which ---------------------------------------------------------------------------------
KITTY_QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
VERSION_QUERY = "\x1b[>q"  # XTVERSION: iTerm2, WezTerm, kitty... say their names
ATTRIBUTES_QUERY = "\x1b[c"
GRAPHICS_SETTING = "EVENTDESK_GRAPHICS"
ATTRIBUTES_ANSWER = re.compile(r"\x1b\[\?([0-9;]*)c")
ANSWER_WITHIN = 0.5  # seconds


def _terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # closed
        return False


def _in_foreground(fd: int) -> bool:
    """Whether this process may read and set the terminal (a background job that did would
    be stopped by it)."""
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False


def ask_terminal(stdin: TextIO | None = None, stdout: TextIO | None = None) -> str:
    """The terminal's answers to the graphics, version and device-attributes queries ("" when
    there is no terminal to ask, or it is not ours to ask)."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    if not (_terminal(stdin) and _terminal(stdout)) or sys.platform == "win32":
        return ""
    import fcntl
    import select
    import termios
    import tty

    fd = stdin.fileno()
    if not _in_foreground(fd):
        return ""
    answer = b""
    try:
        saved = termios.tcgetattr(fd)
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    except (OSError, termios.error):
        return ""
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)  # a read never waits
        stdout.write(KITTY_QUERY + VERSION_QUERY + ATTRIBUTES_QUERY)
        stdout.flush()
        deadline = time.monotonic() + ANSWER_WITHIN
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            try:
                answer += os.read(fd, 1024)
            except (BlockingIOError, InterruptedError):
                continue
            if ATTRIBUTES_ANSWER.search(answer.decode("latin-1")):
                break  # every terminal answers this one, and last
    except (OSError, termios.error):
        return ""
    finally:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags)
        termios.tcsetattr(fd, termios.TCSANOW, saved)
    return answer.decode("latin-1")


def protocols(answer: str) -> set[str]:
    """The picture protocols a terminal's answers say it has: iterm, kitty, sixel."""
    found = set()
    if "iTerm2" in answer:
        found.add("iterm")
    if "\x1b_Gi=31;OK" in answer:
        found.add("kitty")
    attributes = ATTRIBUTES_ANSWER.search(answer)
    if attributes is not None and "4" in attributes.group(1).split(";"):
        found.add("sixel")
    return found


def answered(answer: str) -> str:
    """The picture protocol a terminal's answers say it has ("text": none); Kitty's before
    Sixel (the PNG itself): WezTerm and Konsole say both."""
    found = protocols(answer)
    return next((kind for kind in ("iterm", "kitty", "sixel") if kind in found), "text")


def graphics_setting() -> str | None:
    """What ``EVENTDESK_GRAPHICS`` says a terminal shows (kitty, sixel or cells); None when it
    is unset or says what no one knows (then the terminal is asked)."""
    from eventdesk import variables
    from eventdesk.errors import InvalidInput

    try:
        return variables.read_text(GRAPHICS_SETTING)
    except InvalidInput:
        return None


def choose(
    mode: str,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    ask: Callable[[], str] | None = None,
) -> str:
    """What ``--preview MODE`` shows on this output: "text", "kitty", "sixel" or "iterm".
    auto: the terminal's picture protocol, the words where it has none or the output is not a
    terminal; image: the terminal's protocol, Kitty's where it says none."""
    if mode in PICTURES or mode == "text":
        return mode
    stdout = sys.stdout if stdout is None else stdout
    if mode == "auto" and not _terminal(stdout):
        return "text"
    said = graphics_setting()
    if said is not None:
        kind = "text" if said == "cells" else said
    else:
        kind = answered((ask or (lambda: ask_terminal(stdin, stdout)))())
    return "kitty" if mode == "image" and kind == "text" else kind


def cell_pixels(stdout: TextIO | None = None) -> tuple[int, int] | None:
    """A cell's size in pixels, from the terminal's window size (None: it does not say)."""
    stdout = sys.stdout if stdout is None else stdout
    if not _terminal(stdout) or sys.platform == "win32":
        return None
    import fcntl
    import struct
    import termios

    try:
        packed = fcntl.ioctl(stdout.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        return None
    rows, columns, width, height = struct.unpack("HHHH", packed)
    if not (rows and columns and width and height):
        return None
    return (max(1, width // columns), max(1, height // rows))

"""A badge's picture in a terminal, as text: each character two stacked dots (▀ ▄ █).

What ``badge TICKET --preview`` prints: the badge as it will print, scaled to the terminal's
width. On a terminal it is black on white whatever the terminal's colours (the QR then scans
from the screen); piped, the characters alone draw the ink.
"""

from __future__ import annotations

from PIL import Image

UPPER, LOWER, FULL = "▀", "▄", "█"
INK_ON_PAPER = "\x1b[38;5;16;48;5;231m"  # black ink on a white cell
RESET = "\x1b[0m"


def half_blocks(picture: Image.Image, width: int, *, colour: bool = True) -> str:
    """``picture`` (black on white) ``width`` characters wide, two dots to a character."""
    height = max(2, round(picture.height * width / picture.width))
    height += height % 2
    small = picture.convert("L").resize((width, height), Image.Resampling.BOX)
    ink = small.point(lambda v: 1 if v < 140 else 0)
    dots = ink.load()
    assert dots is not None
    lines = []
    for y in range(0, height, 2):
        row = []
        for x in range(width):
            top, bottom = dots[x, y], dots[x, y + 1]
            row.append(FULL if top and bottom else UPPER if top else LOWER if bottom else " ")
        line = "".join(row)
        lines.append(f"{INK_ON_PAPER}{line}{RESET}" if colour else line.rstrip())
    return "\n".join(lines)

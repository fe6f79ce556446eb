"""Lettering: text drawn in runs of the fonts that have its characters, fitted to a box.

Badges use it for names on labels, the kiosk for the large letters of its answer.
"""

from __future__ import annotations

from PIL import ImageDraw

from badges.fonts import runs

Ink = int | tuple[int, int, int]
"""A fill: a grey level (an "L" image) or an RGB colour."""


class Face:
    """Text drawn in runs of fonts that have its characters, at one size."""

    def __init__(self, draw: ImageDraw.ImageDraw, size: int, fonts: tuple[str, ...] = ()) -> None:
        self.draw, self.size, self.fonts = draw, size, fonts
        self.primary = runs("Ág", size, fonts)[0][1]

    def length(self, text: str) -> float:
        return sum(
            self.draw.textlength(chunk, font=font)
            for chunk, font in runs(text, self.size, self.fonts)
        )

    @property
    def line_height(self) -> int:
        _, top, _, bottom = self.primary.getbbox("Ág")
        return int(bottom - top) + max(4, self.size // 6)

    def centre(self, line: str, width: int, y: int, fill: Ink = 0, left: int = 0) -> None:
        x = left + (width - self.length(line)) / 2
        for chunk, font in runs(line, self.size, self.fonts):
            self.draw.text((x, y), chunk, font=font, fill=fill)
            x += self.draw.textlength(chunk, font=font)


def fit_text(
    draw: ImageDraw.ImageDraw,
    text: str,
    width: int,
    height: int,
    *,
    max_lines: int,
    largest: int,
    smallest: int,
    fonts: tuple[str, ...] = (),
) -> tuple[Face, list[str]]:
    """The largest size at which the text wraps into the box; at the smallest, cut with '…'."""
    size = largest
    whole = Face(draw, size, fonts).length(text)
    if whole > width * max_lines:  # no size above this one fits: the lines hold no more
        size = max(smallest, int(largest * width * max_lines / whole))
    while True:
        face = Face(draw, size, fonts)
        lines = wrap_text(face, text, width)
        fits = len(lines) <= max_lines and len(lines) * face.line_height <= height
        if fits or size <= smallest:
            break
        size = max(smallest, int(size * 0.9))
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and face.length(last + "…") > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return face, lines


def wrap_text(face: Face, text: str, width: int) -> list[str]:
    words = text.split()
    if not words:
        return [""]
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if face.length(trial) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        while face.length(word) > width and len(word) > 1:  # one word wider than the badge
            low, high = 1, len(word) - 1  # the longest piece that fits, found by halving
            while low < high:
                middle = (low + high + 1) // 2
                if face.length(word[:middle]) <= width:
                    low = middle
                else:
                    high = middle - 1
            lines.append(word[:low])
            word = word[low:]
        current = word
    lines.append(current)
    return lines

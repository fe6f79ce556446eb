"""Fonts for badges and the kiosk's large letters: the first one on this machine whose glyphs
cover the text, and text drawn in runs of them, fitted to a box (``Face``, ``fit_text``,
``wrap_text``).

Names come in every script, so a badge looks through a list of fonts (a configured one first,
then common system fonts, Latin, CJK, Arabic...) and takes, for each piece of text, the first
that has every character; Pillow's own font is the last resort.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from PIL import ImageDraw, ImageFont

CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansHebrew-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansThai-Bold.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/unifont/unifont.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/arialuni.ttf",
    "C:/Windows/Fonts/seguisym.ttf",
)

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.cache
def cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if path.lower().endswith(".ttc"):
            fonts = TTCollection(path, lazy=True).fonts[:1]
        else:
            fonts = [TTFont(path, lazy=True)]
        codes: set[int] = set()
        for font in fonts:
            cmap = font.getBestCmap() or {}
            codes.update(cmap)
        return frozenset(codes)
    except Exception:  # an unreadable font file is simply not a candidate
        return frozenset()


def available(extra: tuple[str, ...] = ()) -> list[str]:
    return list(_available(extra))


@functools.lru_cache(maxsize=64)
def _available(extra: tuple[str, ...]) -> tuple[str, ...]:
    """The font files on this machine, looked for once a process (the kiosk draws its large
    letters many times a second while it fits them to the screen)."""
    return tuple(p for p in (*extra, *CANDIDATES) if Path(p).is_file())


def covers(path: str, text: str) -> bool:
    codes = cmap(path)
    return all(ord(ch) in codes or ch.isspace() for ch in text)


FACES_KEPT = 8
"""Fonts kept loaded, each at one size. Fitting a kiosk's large letters tries up to a dozen
sizes a line, and every name fits at sizes of its own: kept all, a kiosk would hold a FreeType
face (with its glyphs, some 400 kB) for every size it ever tried, growing all day. Loading one
again takes a twentieth of a millisecond."""


@functools.lru_cache(maxsize=FACES_KEPT)
def _load(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def path_for(ch: str, paths: list[str]) -> str | None:
    for path in paths:
        if ord(ch) in cmap(path):
            return path
    return None


def runs(text: str, size: int, extra: tuple[str, ...] = ()) -> list[tuple[str, FontType]]:
    """The text cut into runs, each with the first font that has its characters: 'Anna 山田'
    is drawn in a Latin font, then a CJK one. Spaces stay with the run before them."""
    paths = available(extra)
    if not paths:
        return [(text, ImageFont.load_default(size=size))]
    pieces: list[tuple[str, str]] = []
    for ch in text:
        path = pieces[-1][1] if pieces and ch.isspace() else (path_for(ch, paths) or paths[0])
        if pieces and pieces[-1][1] == path:
            pieces[-1] = (pieces[-1][0] + ch, path)
        else:
            pieces.append((ch, path))
    return [(chunk, _load(path, size)) for chunk, path in pieces]


def has_font_for(text: str, extra: tuple[str, ...] = ()) -> bool:
    """Whether every character has some font on this machine (else it shows as a box)."""
    paths = available(extra)
    return all(ch.isspace() or path_for(ch, paths) is not None for ch in text)


def uncovered(text: str, extra: tuple[str, ...] = ()) -> str:
    """The characters of ``text`` no font here has, each once (they would print as boxes)."""
    paths = available(extra)
    return "".join(
        ch
        for ch in dict.fromkeys(text)
        if not ch.isspace() and unicodedata.category(ch)[0] != "C" and path_for(ch, paths) is None
    )


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

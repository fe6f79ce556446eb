"""Fonts for PNG badges: the first one on this machine whose glyphs cover the text.

Names come in every script, so a badge looks through a list of fonts (a configured one first,
then common system fonts, Latin, CJK, Arabic...) and takes, for each piece of text, the first
that has every character; Pillow's own font is the last resort.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from PIL import ImageFont

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

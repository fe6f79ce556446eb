"""A badge's text set once for every output: each element's words broken into lines at a size,
in runs of the fonts that draw them, placed in millimetres (``typeset``). The picture (PNG,
ESC/POS, Brother QL and ZPL's graphics) and the PDF draw the same lines at the same size in the
same places, so that one layout looks the same whatever prints it.

Lines break at spaces and after hyphens ("Hohenzollern-" / "Sigmaringen"), between the letters
of a CJK name, never inside a word. The largest size at which the words fit the element's lines
is taken, never below the element's readable minimum (``min_pt``: 14 pt for a name unless the
layout says otherwise); a name that does not fit at it is set smaller and said (the person's
badge name is the cure), and only at the smallest size a printer can print is a line cut with
'…'. Widths are measured with the fonts themselves, shaped (HarfBuzz through Pillow's raqm
layout), at one size and scaled: a badge measures each piece of text once.

Words with characters no font here draws are never printed as boxes nor left blank: the runs
that hold them are set in Latin letters (badges.fonts.readable, the paper lists' rule), the rest
as written, and the plan says so (``Plan.latin_warnings``), naming the font that would draw them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from PIL import ImageFont

from badges.badge import Badge
from badges.fonts import (
    FontFile,
    font_advice,
    font_runs,
    readable,
    reads_rtl,
    uncovered,
    visual_order,
)
from badges.layout import LINE, PT_MM, Element, Layout, band_colour, least_pt, words_of
from badges.printable import clean
from eventdesk.i18n import _

CAP, DESCENT = 0.75, 0.22  # the ink a line makes room for at least, above and below its baseline
FLOOR_PT = 5.5  # the smallest size a 300 dpi label prints legibly at all
PADDING_MM = 0.5  # kept free inside an element on the left and the right
REFERENCE = 100  # pixels: the size text is measured at (widths scale with the size)


@dataclass(frozen=True)
class Run:
    text: str
    font: FontFile | None  # None: no font here (Pillow's own, or none at all)


@dataclass(frozen=True)
class SetLine:
    runs: tuple[Run, ...]
    width_pt: float  # at the element's size

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class SetText:
    """One element's words, set: its size, its lines, and where each line starts."""

    element: Element
    words: str  # what it says, whole (its lines may be cut short)
    x: float  # the element's box, in millimetres on the label
    y: float
    width: float
    height: float
    size_pt: float
    lines: tuple[SetLine, ...]
    align: str  # left, center or right: "start" and "end" resolved by the words' direction
    white: bool  # white on a black band (a ribbon)
    rtl: bool
    below_min: bool  # set smaller than the element's readable minimum
    cut: bool  # shortened with '…' (it did not fit even at the smallest size)
    ascent: float = CAP  # how far its ink rises above the baseline, and falls below, at 1 pt
    descent: float = DESCENT
    fill: tuple[int, int, int] | None = None  # a band's colour (a ribbon's, by an answer); black

    @property
    def line_height(self) -> float:
        return self.size_pt * pitch(self.ascent, self.descent) * PT_MM

    def origin(self, n: int) -> tuple[float, float]:
        """Where line ``n`` starts: its left end and its baseline, in millimetres."""
        line = self.lines[n]
        width = line.width_pt * PT_MM
        if self.align == "left":
            left = self.x + PADDING_MM
        elif self.align == "right":
            left = self.x + self.width - PADDING_MM - width
        else:
            left = self.x + (self.width - width) / 2
        ink = (
            self.line_height * (len(self.lines) - 1)
            + (self.ascent + self.descent) * self.size_pt * PT_MM
        )
        top = self.y + max((self.height - ink) / 2, 0.0)  # the ink centred in the box
        return left, top + self.ascent * self.size_pt * PT_MM + n * self.line_height


@dataclass(frozen=True)
class InLatin:
    """Words of the badge with characters no font here draws, printed in Latin letters
    (badges.fonts.readable: only the runs that hold them; the rest as written)."""

    written: str  # as the person typed them
    shown: str  # as the badge prints them
    characters: str  # the characters no font here draws, each once


@dataclass(frozen=True)
class Plan:
    layout: Layout
    texts: tuple[SetText, ...]
    latin: tuple[InLatin, ...] = ()  # words printed in Latin letters: no font here draws them

    @property
    def missing(self) -> str:
        """The characters no font here draws (each once): their words print in Latin letters."""
        return "".join(dict.fromkeys("".join(said.characters for said in self.latin)))

    @property
    def warnings(self) -> list[str]:
        """What the badge's printing says: its words too long for their places, and the words
        printed in Latin letters (and the font that would print them as written)."""
        return self.fit_warnings + self.latin_warnings

    @property
    def latin_warnings(self) -> list[str]:
        """Each of the badge's words printed in Latin letters, with the characters no font here
        draws and the fonts to install."""
        return [
            # TRANSLATORS: said of a badge: '김민준' prints in Latin letters as 'GimMinJun'
            # because no font on the machine draws 김 민 준; {fonts} names fonts and the Debian
            # packages holding them
            _(
                "{words!r} prints in Latin letters as {shown!r}: no font here draws "
                "{characters}; install {fonts} to print it as it is written"
            ).format(
                words=said.written,
                shown=said.shown,
                characters=" ".join(said.characters),
                fonts=font_advice(said.characters),
            )
            for said in self.latin
        ]

    @property
    def fit_warnings(self) -> list[str]:
        """A name set below its readable minimum, and words cut to fit their places."""
        said = []
        for text in self.texts:
            shown = " ".join(line.text for line in text.lines)
            if text.element.kind == "name" and (text.below_min or text.cut):
                said.append(
                    _(
                        "the name is set at {size:g} pt, below the layout's {least:g} pt: give "
                        "the person a shorter badge name (attendee update --badge-name)"
                    ).format(size=round(text.size_pt, 1), least=least_pt(text.element))
                )
            if text.cut:
                said.append(
                    _("{words!r} does not fit its place on the badge: cut to {shown!r}").format(
                        words=text.words, shown=shown
                    )
                )
        return said


# --- measuring ------------------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def _measuring(path: str, index: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, REFERENCE, index=index)


@functools.lru_cache(maxsize=1)
def _fallback() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=REFERENCE)


@functools.lru_cache(maxsize=8192)
def _width(text: str, font: FontFile | None) -> float:
    """``text``'s advance in points at 1 pt (shaped), in ``font``."""
    face = _measuring(*font.key) if font is not None else _fallback()
    return float(face.getlength(text)) / REFERENCE


@functools.lru_cache(maxsize=8192)
def _ink(text: str, font: FontFile | None) -> tuple[float, float]:
    """How far ``text``'s ink rises above its baseline and falls below it, at 1 pt (a
    Devanagari headline, Khmer's marks and Tibetan's stacks reach further than Latin)."""
    face = _measuring(*font.key) if font is not None else _fallback()
    if not text.strip():
        return (0.0, 0.0)
    _left, top, _right, bottom = face.getbbox(text, anchor="ls")
    return (max(-float(top), 0.0) / REFERENCE, max(float(bottom), 0.0) / REFERENCE)


def pitch(ascent: float, descent: float) -> float:
    """A line's height for ink that reaches ``ascent`` and ``descent``, at 1 pt."""
    return max(LINE, ascent + descent + 0.12)


def ink_of(lines: list[str], fonts: tuple[str, ...]) -> tuple[float, float]:
    """The ink the lines reach above and below their baselines, at 1 pt (at least a Latin
    capital's and descender's)."""
    ascent, descent = CAP, DESCENT
    for line in lines:
        for run in set_runs(line, fonts)[0]:
            up, down = _ink(run.text, run.font)
            ascent, descent = max(ascent, up), max(descent, down)
    return ascent, descent


def set_runs(text: str, fonts: tuple[str, ...]) -> tuple[tuple[Run, ...], float]:
    """``text`` in runs of its fonts, and its width in points at 1 pt."""
    runs = tuple(Run(chunk, font) for chunk, font in font_runs(text, fonts))
    return runs, sum(_width(r.text, r.font) for r in runs)


# --- breaking -------------------------------------------------------------------------------
HYPHENS = "-\u2010\u2013\u2014/"  # a line may end after these (never after U+2011)
_PIECE = re.compile(rf"[^{HYPHENS}]*[{HYPHENS}]+|[^{HYPHENS}]+")


def _breaks_between(ch: str) -> bool:
    """A CJK letter: a line may break before and after it."""
    return unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalpha()


def pieces(word: str) -> list[str]:
    """A word cut where a line may break inside it: after its hyphens, between CJK letters."""
    found: list[str] = []
    for part in _PIECE.findall(word):
        current = ""
        for ch in part:
            if _breaks_between(ch) and current:
                found.append(current)
                current = ""
            current += ch
            if _breaks_between(ch):
                found.append(current)
                current = ""
        if current:
            found.append(current)
    return found or [word]


def break_lines(text: str, room_pt: float, fonts: tuple[str, ...]) -> list[str] | None:
    """``text`` in lines no wider than ``room_pt`` (in points at 1 pt: the room divided by the
    size), broken at spaces, after hyphens and between CJK letters; None when a piece that
    cannot break is wider than a line."""
    lines: list[str] = []
    current = ""
    for n, word in enumerate(text.split()):
        for m, piece in enumerate(pieces(word)):
            joined = current + (" " if n and m == 0 and current else "") + piece
            if set_runs(joined, fonts)[1] <= room_pt:
                current = joined
                continue
            if set_runs(piece, fonts)[1] > room_pt:
                return None
            if current:
                lines.append(current)
            current = piece
    lines.append(current)
    return lines


def clusters(text: str) -> list[str]:
    """``text`` in pieces never cut apart: a letter with its marks, joiners and viramas (a Thai
    vowel sign, a Devanagari conjunct's halves)."""
    found: list[str] = []
    for ch in text:
        joins = unicodedata.category(ch)[0] == "M" or ch in "\u200c\u200d"
        after_virama = bool(found) and unicodedata.combining(found[-1][-1]) == 9  # a virama
        if found and (joins or after_virama) and not ch.isspace():
            found[-1] += ch
        else:
            found.append(ch)
    return found


def _cut(text: str, room_pt: float, fonts: tuple[str, ...], max_lines: int) -> list[str]:
    """The last resort, at the smallest size: lines filled letter by letter, the last one
    ending in '…'."""
    lines: list[str] = []
    current = ""
    for cluster in clusters(text):
        if set_runs(current + cluster, fonts)[1] > room_pt and current:
            lines.append(current.rstrip())
            current = cluster.lstrip()
        else:
            current += cluster
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and set_runs(last + "…", fonts)[1] > room_pt:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


# --- setting --------------------------------------------------------------------------------
def direction_rtl(text: str) -> bool:
    """Whether ``text`` reads right to left: its first letter with a direction says."""
    return bool(reads_rtl(text))


def _align(element: Element, rtl: bool) -> str:
    if element.align == "start":
        return "right" if rtl else "left"
    if element.align == "end":
        return "left" if rtl else "right"
    return element.align


def set_text(
    words: str,
    element: Element,
    box: tuple[float, float, float, float],
    fonts: tuple[str, ...] = (),
    *,
    least: float | None = None,
) -> SetText:
    """``words`` set in ``element``'s box (x, y, width, height in millimetres): the largest size,
    in half points, at which they break into its lines, from the box's height down to
    ``least`` (the element's readable minimum), then below it down to the floor."""
    x, y, width, height = box
    room = max(width - 2 * PADDING_MM, 1.0) / PT_MM  # in points
    most = min(height / element.lines / LINE / PT_MM, 96.0)
    wanted = least if least is not None else least_pt(element)
    least = min(wanted, most)  # an element too small for its minimum: as large as it holds

    def fits(size: float) -> list[str] | None:
        lines = break_lines(words, room / size, fonts)
        if lines is None or len(lines) > element.lines:
            return None
        up, down = ink_of(lines, fonts)
        if ((len(lines) - 1) * pitch(up, down) + up + down) * size * PT_MM > height:
            return None  # tall ink (a Devanagari headline, Tibetan stacks) needs the room
        return lines

    below_min = cut = False
    size, lines = _largest(fits, least, most)
    if lines is None:
        below_min = True
        size, lines = _largest(fits, min(FLOOR_PT, least), least)
    if lines is None:
        cut = True
        size = min(FLOOR_PT, most)
        lines = _cut(words, room / size, fonts, element.lines)
    below_min = below_min or size < wanted - 0.01  # and said so
    rtl = direction_rtl(words)
    set_lines = []
    for line in lines:
        runs, unit = set_runs(line, fonts)
        shown = visual_order([(r.text, r) for r in runs], rtl)
        set_lines.append(SetLine(tuple(r for _text, r in shown), unit * size))
    ascent, descent = ink_of(lines, fonts)
    return SetText(
        element=element,
        words=words,
        x=x,
        y=y,
        width=width,
        height=height,
        size_pt=size,
        lines=tuple(set_lines),
        align=_align(element, rtl),
        white=element.kind == "ribbon",
        rtl=rtl,
        below_min=below_min,
        cut=cut,
        ascent=ascent,
        descent=descent,
    )


def _largest(
    fits: Callable[[float], list[str] | None], low: float, high: float
) -> tuple[float, list[str] | None]:
    """The largest size in half points from ``low`` to ``high`` at which ``fits`` gives lines
    (halving: a smaller size never fits worse)."""
    steps = int((high - low) * 2)
    if high < low:
        return high, None
    top = fits(high)
    if top is not None:
        return high, top
    found: tuple[float, list[str] | None] = (low, None)
    first, last = 0, steps - 1  # low + k/2 for k in [first, last], high excluded
    while first <= last:
        middle = (first + last) // 2
        size = low + middle / 2
        lines = fits(size)
        if lines is not None:
            found = (size, lines)
            first = middle + 1
        else:
            last = middle - 1
    return found


def typeset(badge: Badge, layout: Layout, fonts: tuple[str, ...] = ()) -> Plan:
    """Every text element of ``layout`` set for ``badge``."""
    texts = []
    latin: list[InLatin] = []
    for element in layout.elements:
        if element.kind in ("qr", "logo"):
            continue
        words = words_of(badge, element)
        if not words:
            continue
        written = clean(words)
        words = readable(written, fonts)  # never boxes: what no font draws, in Latin letters
        if words != written:
            latin.append(InLatin(written, words, uncovered(written, fonts)))
        if not words.strip():
            continue
        box = (element.x, element.y, element.width, element.height)
        made = set_text(words, element, box, fonts)
        fill = band_colour(badge, element)
        texts.append(replace(made, fill=fill) if fill is not None else made)
    return Plan(layout=layout, texts=tuple(texts), latin=tuple(dict.fromkeys(latin)))

"""Fonts for badges and the kiosk's large letters: every font the machine has, as its font
system knows them (fontconfig), and text cut into runs, each drawn by the first font that has
the whole run of its script (``runs``, ``Face``, ``uncovered``, ``font_advice``).

Names come in every script. A configured font comes first, then the machine's fonts in an order
that keeps a badge's look (DejaVu or Noto Sans, bold, upright, proportional), and for a script of
its own (Tamil, Ethiopic, Han...) the fonts named after it first, so that a run of Tamil is drawn
by Noto Sans Tamil, not by the first font that happens to hold a few of its letters. Pillow's
own font is the last resort, where no font is installed at all.

Where fontconfig cannot be loaded (Windows), the usual font folders are read instead.
"""

from __future__ import annotations

import functools
import itertools
import sys
import threading
import unicodedata
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from PIL import ImageDraw, ImageFont

from eventdesk.i18n import _

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont
T = TypeVar("T")

PREFERRED = ("dejavu sans", "noto sans", "liberation sans", "arial", "helvetica", "segoe ui")
"""Families tried first, in this order, for the scripts most names are in (a badge printed on
another machine looks the same where it has them)."""

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
FONTCONFIG_FIELDS = (
    *("file", "index", "family", "style", "weight", "slant", "width", "spacing", "charset"),
    "color",
)


@dataclass(frozen=True, eq=False)
class FontFile:
    """One font of a file (a collection holds several: ``index``) and the characters it has."""

    path: str
    index: int = 0
    family: str = ""
    style: str = ""
    weight: float = 80.0  # fontconfig's scale: 80 regular, 200 bold
    slant: int = 0
    width: int = 100
    mono: bool = False
    codes: Container[int] = field(default_factory=frozenset, repr=False)

    def has(self, ch: str) -> bool:
        return ord(ch) in self.codes

    @property
    def key(self) -> tuple[str, int]:
        return (self.path, self.index)


# --- what the machine has -------------------------------------------------------------------
_LISTING = threading.Lock()


def installed() -> tuple[FontFile, ...]:
    """The machine's scalable fonts, in the order a badge tries them, looked up once a
    process (fontconfig lists some 300 fonts in a quarter of a second; the kiosk's letters and
    the print worker may ask at once: one of them looks)."""
    with _LISTING:
        return _installed()


@functools.cache
def _installed() -> tuple[FontFile, ...]:
    found = _from_fontconfig()
    if not found:  # no fontconfig, or one that knows no folder of this machine's
        found = _from_folders()
    usable = [f for f in found if f.path.lower().endswith(FONT_SUFFIXES)]
    once: dict[tuple[str, int], FontFile] = {}  # a variable font is listed twice at index 0
    for font in sorted(usable, key=_rank):
        once.setdefault(font.key, font)
    return tuple(once.values())


def _number(value: object, default: float) -> float:
    """A fontconfig value as one number: a variable font gives its axis as a range (its
    default instance, the one a badge draws, is taken as the range's low end)."""
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else default  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def _from_fontconfig() -> list[FontFile] | None:
    try:
        import fontconfig
    except Exception:  # no binding for this platform, or its library would not load
        return None
    try:
        listed = fontconfig.list(":scalable=true", select=FONTCONFIG_FIELDS)
    except Exception:
        return None
    fonts = []
    for entry in listed:
        if entry.get("color") or not entry.get("file") or entry.get("charset") is None:
            continue  # colour emoji draw at one size only: never on a badge
        index = int(_number(entry.get("index"), 0))
        if index >= 0x10000:
            continue  # a variable font's named instance: its file's default one is listed too
        weight = entry.get("weight")
        fonts.append(
            FontFile(
                path=str(entry["file"]),
                index=index,
                family=str(entry.get("family") or ""),
                style=str(entry.get("style") or ""),
                weight=80.0 if isinstance(weight, tuple | list) else _number(weight, 80.0),
                slant=int(_number(entry.get("slant"), 0)),
                width=int(_number(entry.get("width"), 100)),
                mono=_number(entry.get("spacing"), 0) >= 90,  # mono (100) and charcell (110)
                codes=entry["charset"],
            )
        )
    return fonts


def font_folders() -> list[Path]:
    """Where fonts live when no fontconfig says so."""
    home = Path.home()
    if sys.platform == "win32":
        return [Path("C:/Windows/Fonts"), home / "AppData/Local/Microsoft/Windows/Fonts"]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library/Fonts"]
    return [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local/share/fonts",
        home / ".fonts",
    ]


def _from_folders() -> list[FontFile]:
    fonts: list[FontFile] = []
    for folder in font_folders():
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in FONT_SUFFIXES:
                fonts.extend(read_font_file(str(path)))
    return fonts


@functools.cache
def read_font_file(path: str) -> tuple[FontFile, ...]:
    """The fonts of one file, read with fontTools (a configured font, or a machine without
    fontconfig); a file it cannot read holds none."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if path.lower().endswith((".ttc", ".otc")):
            faces = list(TTCollection(path, lazy=True).fonts)
        else:
            faces = [TTFont(path, lazy=True)]
        made = []
        for index, font in enumerate(faces):
            names = font["name"]
            family = str(names.getBestFamilyName() or "")
            style = str(names.getBestSubFamilyName() or "")
            weight = float(font["OS/2"].usWeightClass) if "OS/2" in font else 400.0
            made.append(
                FontFile(
                    path=path,
                    index=index,
                    family=family,
                    style=style,
                    weight=fontconfig_weight(weight),
                    slant=100 if "italic" in style.lower() or "oblique" in style.lower() else 0,
                    mono="mono" in family.lower(),
                    codes=frozenset(font.getBestCmap() or {}),
                )
            )
        return tuple(made)
    except Exception:  # an unreadable font file is simply not a candidate
        return ()


OPENTYPE_TO_FONTCONFIG = ((100, 0), (200, 40), (300, 50), (400, 80), (500, 100), (600, 180),
                          (700, 200), (800, 205), (900, 210))  # fmt: skip


def fontconfig_weight(weight: float) -> float:
    """An OpenType weight class (400 regular, 700 bold) on fontconfig's scale (80, 200)."""
    points = OPENTYPE_TO_FONTCONFIG
    if weight <= points[0][0]:
        return float(points[0][1])
    for (low, low_fc), (high, high_fc) in itertools.pairwise(points):
        if weight <= high:
            return low_fc + (weight - low) * (high_fc - low_fc) / (high - low)
    return float(points[-1][1])


def _rank(font: FontFile) -> tuple[object, ...]:
    family = font.family.lower()
    preferred = next((n for n, name in enumerate(PREFERRED) if family == name), len(PREFERRED))
    return (
        font.slant > 0,  # upright first
        font.mono,  # proportional first
        "serif" in family and "sans" not in family,  # sans first
        preferred,
        abs(font.weight - 200.0),  # bold first, then the nearest weights
        abs(font.width - 100),  # normal width first
        " ui" in family,  # a UI cut is a little tighter: after the plain one
        family,
        font.path,
        font.index,
    )


@functools.lru_cache(maxsize=64)
def chain(extra: tuple[str, ...] = ()) -> tuple[FontFile, ...]:
    """The fonts a badge tries, in order: the configured ones, then the machine's."""
    configured = tuple(f for path in extra if Path(path).is_file() for f in read_font_file(path))
    return configured + installed()


# --- which font draws what ------------------------------------------------------------------
SCRIPT_FAMILY_WORDS = {
    "Hani": ("cjk sc", "cjk", "han"),
    "Hira": ("cjk jp", "cjk"),
    "Kana": ("cjk jp", "cjk"),
    "Hang": ("cjk kr", "cjk", "korean"),
    "Bopo": ("cjk tc", "cjk"),
}
CJK_SCRIPTS = ("Hani", "Hira", "Kana", "Hang", "Bopo")
SHARED_SCRIPTS = ("Latn", "Grek", "Cyrl", "Zyyy", "Zinh", "Zzzz")
"""Scripts the general fonts hold: their runs take the first font in the chain."""


def script_of(ch: str) -> str:
    from fontTools import unicodedata as ucd

    return str(ucd.script(ch))


@functools.lru_cache(maxsize=256)
def _script_words(script: str) -> tuple[str, ...]:
    from fontTools import unicodedata as ucd

    if script in SCRIPT_FAMILY_WORDS:
        return SCRIPT_FAMILY_WORDS[script]
    return (str(ucd.script_name(script, default=script)).replace("_", " ").lower(),)


def _for_script(fonts: tuple[FontFile, ...], script: str) -> Iterator[FontFile]:
    """The fonts to try for a run of ``script``: those named after it first (Noto Sans Tamil
    for Tamil), then all in order."""
    if script not in SHARED_SCRIPTS:
        for word in _script_words(script):
            named = [f for f in fonts if word in f.family.lower()]
            yield from (f for f in named if "sans" in f.family.lower())  # Sans, not Kufi
            yield from named
    yield from fonts


def font_for(ch: str, extra: tuple[str, ...] = ()) -> FontFile | None:
    """The font that draws ``ch``: the first of its script's that has it."""
    return _font_for(ch, extra)


@functools.lru_cache(maxsize=4096)
def _font_for(ch: str, extra: tuple[str, ...]) -> FontFile | None:
    return next((f for f in _for_script(chain(extra), script_of(ch)) if f.has(ch)), None)


def _joins(ch: str) -> bool:
    """A character that belongs to the run around it: a space, a mark, punctuation, a digit,
    a joiner (common and inherited script)."""
    return ch.isspace() or script_of(ch) in ("Zyyy", "Zinh", "Zzzz")


def script_runs(text: str) -> list[tuple[str, str]]:
    """``text`` cut where its script changes (a space or a digit stays with the run before)."""
    pieces: list[tuple[str, str]] = []
    for ch in text:
        script = "Zyyy" if _joins(ch) else script_of(ch)
        script = "Hani" if script in CJK_SCRIPTS else script  # a Japanese name: kana and kanji
        if not pieces:
            pieces.append((ch, script))
            continue
        before, was = pieces[-1]
        if script in ("Zyyy", was):
            pieces[-1] = (before + ch, was)
        elif was == "Zyyy":  # what came first (a digit, a quote) joins the first script's run
            pieces[-1] = (before + ch, script)
        else:
            pieces.append((ch, script))
    return pieces


def _needed(text: str) -> list[str]:
    return [ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C"]


def font_runs(text: str, extra: tuple[str, ...] = ()) -> list[tuple[str, FontFile | None]]:
    """The text cut into runs, each with the font that draws it: per script, the first font
    that has the whole run ('Anna 山田': a Latin font, then a CJK one); a run no one font has
    is cut further, a character at a time. None: no font here has it (nor any font at all)."""
    return list(_font_runs(text, extra))


@functools.lru_cache(maxsize=2048)
def _font_runs(text: str, extra: tuple[str, ...]) -> tuple[tuple[str, FontFile | None], ...]:
    fonts = chain(extra)
    pieces: list[tuple[str, FontFile | None]] = []

    def add(chunk: str, font: FontFile | None) -> None:
        if pieces and pieces[-1][1] is font:
            pieces[-1] = (pieces[-1][0] + chunk, font)
        else:
            pieces.append((chunk, font))

    for chunk, script in script_runs(text):
        if script == "Hani":  # one font for a CJK name, of the region its letters say
            scripts = {script_of(ch) for ch in chunk}
            script = (
                "Hira" if scripts & {"Hira", "Kana"} else "Hang" if "Hang" in scripts else script
            )
        needed = _needed(chunk)
        whole = next((f for f in _for_script(fonts, script) if all(f.has(c) for c in needed)), None)
        if whole is not None or not fonts:
            add(chunk, whole if fonts else None)
            continue
        for ch in chunk:  # no font has the whole run: each character its own
            keep = pieces and (ch.isspace() or unicodedata.category(ch)[0] == "C")
            add(ch, pieces[-1][1] if keep else font_for(ch, extra))
    return tuple(pieces)


def reads_rtl(text: str) -> bool | None:
    """Whether ``text`` reads right to left (its first letter with a direction says); None
    when nothing in it has one (spaces, digits)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return None


def visual_order(pieces: list[tuple[str, T]], rtl: bool) -> list[tuple[str, T]]:
    """A line's runs in the order they are drawn from left to right: each run is shaped in its
    own direction, and runs of the other direction than the line's are put in their places
    ("محمد علي Smith" read right to left: Smith at the left end). Runs with no direction of
    their own (digits, spaces) go with the line's."""
    groups: list[tuple[bool, list[tuple[str, T]]]] = []
    for piece in pieces:
        own = reads_rtl(piece[0])
        direction = rtl if own is None else own
        if groups and groups[-1][0] == direction:
            groups[-1][1].append(piece)
        else:
            groups.append((direction, [piece]))
    ordered = [list(reversed(run)) if backwards else run for backwards, run in groups]
    if rtl:
        ordered.reverse()
    return [piece for group in ordered for piece in group]


def uncovered(text: str, extra: tuple[str, ...] = ()) -> str:
    """The characters of ``text`` no font here has, each once (they would print as boxes)."""
    if not chain(extra):
        return "".join(ch for ch in dict.fromkeys(_needed(text)) if ord(ch) > 0xFF)
    return "".join(ch for ch in dict.fromkeys(_needed(text)) if font_for(ch, extra) is None)


def has_font_for(text: str, extra: tuple[str, ...] = ()) -> bool:
    """Whether every character has some font on this machine (else it shows as a box)."""
    return not uncovered(text, extra)


def font_advice(characters: str) -> str:
    """Which fonts would draw ``characters``: the Noto font of each one's script and the Debian
    package that holds it ('Noto Sans Tamil (Debian: fonts-noto-core)', badges.font_packages);
    a script no package is known to hold, its family alone."""
    from fontTools import unicodedata as ucd

    from badges.font_packages import CJK, CORE, EMOJI, PACKAGED, UNPACKAGED

    said: dict[str, str] = {}
    for ch in characters:
        script = script_of(ch)
        if script in CJK_SCRIPTS:
            said.setdefault("cjk", f"Noto Sans CJK (Debian: {CJK})")
        elif unicodedata.category(ch) == "So":
            said.setdefault(
                "symbols",
                # TRANSLATORS: two fonts, either of which draws a symbol: "A (Debian: a) or B"
                _("{font} or {other}").format(
                    font=f"Noto Sans Symbols 2 (Debian: {CORE})",
                    other=f"Noto Color Emoji (Debian: {EMOJI})",
                ),
            )
        elif unicodedata.category(ch) == "Sm":
            said.setdefault("math", f"Noto Sans Math (Debian: {CORE})")
        elif script in SHARED_SCRIPTS:
            said.setdefault("shared", f"Noto Sans (Debian: {CORE})")
        elif script in PACKAGED:
            family, package = PACKAGED[script]
            said.setdefault(script, f"{family} (Debian: {package})")
        elif script in UNPACKAGED:
            said.setdefault(script, UNPACKAGED[script])
        else:
            name = str(ucd.script_name(script, default=script)).replace("_", " ")
            said.setdefault(script, _("a font for {script}").format(script=name))
    return ", ".join(said.values())


def scripts_of(characters: str) -> str:
    """The scripts ``characters`` are in, by name ('Tamil, Khitan Small Script')."""
    from fontTools import unicodedata as ucd

    names = dict.fromkeys(
        str(ucd.script_name(script_of(ch), default="?")).replace("_", " ") for ch in characters
    )
    return ", ".join(names)


# --- drawing with Pillow --------------------------------------------------------------------
FACES_KEPT = 8
"""Fonts kept loaded, each at one size. Fitting a kiosk's large letters tries up to a dozen
sizes a line, and every name fits at sizes of its own: kept all, a kiosk would hold a FreeType
face (with its glyphs, some 400 kB) for every size it ever tried, growing all day. Loading one
again takes a twentieth of a millisecond."""


@functools.lru_cache(maxsize=FACES_KEPT)
def load(path: str, index: int, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def runs(text: str, size: int, extra: tuple[str, ...] = ()) -> list[tuple[str, FontType]]:
    """The text's font runs (``font_runs``) loaded at ``size`` pixels, for Pillow."""
    fonts = chain(extra)
    if not fonts:
        return [(text, ImageFont.load_default(size=size))]
    return [(chunk, load(*(font or fonts[0]).key, size)) for chunk, font in font_runs(text, extra)]


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

    def centre(self, line: str, width: int, y: int, fill: Ink = 0, left: int = 0) -> None:
        x = left + (width - self.length(line)) / 2
        drawn = visual_order(runs(line, self.size, self.fonts), bool(reads_rtl(line)))
        for chunk, font in drawn:
            self.draw.text((x, y), chunk, font=font, fill=fill)
            x += self.draw.textlength(chunk, font=font)


def wrap_text(face: Face, text: str, width: int) -> list[str]:
    """``text`` in lines no wider than ``width`` (the kiosk's letters): at spaces, and a word
    wider than a line at its widest piece that fits."""
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
        while face.length(word) > width and len(word) > 1:  # one word wider than the line
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


def readable(text: str, extra: tuple[str, ...] = ()) -> str:
    """``text`` as it can be drawn here, never boxes or a blank: each run of one script that
    holds a character no font here draws is in Latin letters (eventdesk.transliteration; a
    mark goes with its letter), the other runs as they are ('Anna 王小明' on a machine with no
    CJK font: 'Anna WangXiaoMing'). With no font at all, what Latin-1 lacks is in Latin
    letters. (Here, where the kiosk's letters already look fonts up: one file fewer on a
    scan's path.)"""
    missing = uncovered(text, extra)
    if not missing:
        return text
    shown = ""
    for chunk, _script in script_runs(text):
        if not any(ch in missing for ch in chunk):
            shown += chunk
            continue
        from eventdesk.transliteration import latin  # only for a name no font here draws

        spelled = latin(chunk)
        if shown[-1:].isalnum() and spelled[:1].isalnum():  # 'Anna王' -> 'Anna Wang'
            shown += " "
        shown += spelled
    return shown

"""The kiosk's answer in large letters: a word with its icon, the name and one instruction.

The letters are drawn with Pillow in the badge fonts (so a name in any script the machine has a
font for reads as it is written) and shown as a picture: a person two metres from the kiosk
reads it, and the icon and the word say yes, wait or no without the colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget

from badges.lettering import Face, wrap_text
from screens.kiosk.picture import Picture, pixels_per_cell

RGB = tuple[int, int, int]
SUPERSAMPLE = 4  # small pictures (half cells) are drawn larger and scaled down: smooth edges
EDGE_CONTRAST = 1.8  # ...then made crisper again, by this much
ICONS = ("ok", "warn", "bad")


@dataclass(frozen=True)
class SignText:
    """What the large letters say."""

    icon: str  # ok | warn | bad
    word: str  # "Welcome", "Already checked in", "Not a valid ticket"
    name: str  # the attendee's name, or ""
    instruction: str  # one short instruction: "Please go in", "Please see the desk"


def _icon(draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int], ink: RGB) -> None:
    """A tick in a ring, an exclamation mark in a triangle or a cross in a ring; ``box`` is
    (left, top, side)."""
    left, top, side = box
    width = max(2, side // 9)
    inset = width // 2 + 1
    if kind == "warn":
        points = [
            (left + side / 2, top + inset),
            (left + side - inset, top + side - inset),
            (left + inset, top + side - inset),
        ]
        draw.polygon(points, outline=ink, width=width)
        mid = left + side / 2
        draw.line([(mid, top + side * 0.38), (mid, top + side * 0.68)], fill=ink, width=width)
        dot = width * 0.7
        cy = top + side * 0.8
        draw.ellipse([mid - dot, cy - dot, mid + dot, cy + dot], fill=ink)
        return
    ring = [left + inset, top + inset, left + side - inset, top + side - inset]
    draw.ellipse(ring, outline=ink, width=width)
    if kind == "ok":
        tick = [
            (left + side * 0.28, top + side * 0.52),
            (left + side * 0.44, top + side * 0.68),
            (left + side * 0.73, top + side * 0.34),
        ]
        draw.line(tick, fill=ink, width=width, joint="curve")
    else:
        a, b = side * 0.32, side * 0.68
        draw.line([(left + a, top + a), (left + b, top + b)], fill=ink, width=width)
        draw.line([(left + a, top + b), (left + b, top + a)], fill=ink, width=width)


def _row_height(face: Face) -> int:
    """The height of a line of letters, accents and descenders included."""
    _, _, _, bottom = face.primary.getbbox("ÁÉgjy")  # not for translation: letters measured
    return int(bottom) + 1


def _largest(
    draw: ImageDraw.ImageDraw, text: str, width: float, height: int, lines: int
) -> tuple[Face, list[str]]:
    """The largest face at which ``text`` wraps into at most ``lines`` lines of the box."""

    def fitted(size: int) -> tuple[Face, list[str]] | None:
        face = Face(draw, size)
        wrapped = wrap_text(face, text, int(width)) if lines > 1 else [text]
        tall = len(wrapped) * _row_height(face)
        if (
            len(wrapped) <= lines
            and tall <= height
            and all(face.length(w) <= width for w in wrapped)
        ):
            return face, wrapped
        return None

    low, high = 4, max(4, height)  # sizes: ``low`` fits (or nothing does), found by halving
    best = fitted(low)
    while low < high:
        middle = (low + high + 1) // 2
        found = fitted(middle)
        if found is not None:
            low, best = middle, found
        else:
            high = middle - 1
    if best is not None:
        return best
    face = Face(draw, 4)
    return face, (wrap_text(face, text, int(width)) if lines > 1 else [text])[:lines]


def draw_sign(
    sign: SignText, width: int, height: int, *, background: RGB, ink: RGB
) -> tuple[Image.Image, list[str]]:
    """The sign as an RGB picture of ``width`` x ``height`` pixels, and the lines drawn on it
    (a long name on two)."""
    scale = SUPERSAMPLE if width < 480 else 1
    canvas_w, canvas_h = width * scale, height * scale
    image = Image.new("RGB", (max(1, canvas_w), max(1, canvas_h)), background)
    draw = ImageDraw.Draw(image)
    margin_x = max(scale, canvas_w // 30)
    inner = canvas_w - 2 * margin_x
    bands = [("word", sign.word, 0.30, 1), ("name", sign.name, 0.40, 2)]
    bands.append(("instruction", sign.instruction, 0.30, 1))
    bands = [band for band in bands if band[1]]
    total = sum(weight for _, _, weight, _ in bands) or 1.0
    gap = canvas_h // 14
    usable = canvas_h - gap * (len(bands) + 1)
    laid: list[str] = []
    y = gap
    for kind, text, weight, max_lines in bands:
        band_h = int(usable * weight / total)
        room = float(inner)
        icon_side = 0
        if kind == "word" and sign.icon in ICONS:
            icon_side = int(band_h * 0.9)
            room = inner - icon_side * 1.3
        face, rows = _largest(draw, text, room, band_h, max_lines)
        row_h = _row_height(face)
        top = y + (band_h - row_h * len(rows)) // 2
        for index, row in enumerate(rows):
            row_top = top + index * row_h
            if icon_side:
                text_w = face.length(row)
                side = min(icon_side, row_h)
                start = (canvas_w - (text_w + side * 1.3)) / 2
                icon_top = row_top + (row_h - side) // 2
                _icon(draw, sign.icon, (int(start), int(icon_top), side), ink)
                face.centre(row, int(text_w), row_top, fill=ink, left=int(start + side * 1.3))
            else:
                face.centre(row, canvas_w, row_top, fill=ink)
            laid.append(row)
        y += band_h + gap
    if scale > 1:
        image = _sharpened(
            image.resize((max(1, width), max(1, height)), Image.Resampling.LANCZOS),
            background,
            ink,
        )
    return image, laid


def _sharpened(image: Image.Image, background: RGB, ink: RGB) -> Image.Image:
    """Edges pushed towards the ink or the background: at a few pixels a letter (half cells),
    a soft edge blurs the letter into the next one; a crisper one reads from further away."""
    import numpy as np

    pixels = np.asarray(image, dtype=np.float32)
    paper, dark = np.array(background, np.float32), np.array(ink, np.float32)
    span = dark - paper
    length = float(span @ span)
    if length == 0:
        return image
    share = ((pixels - paper) @ span) / length  # 0: background, 1: ink
    share = np.clip((share - 0.5) * EDGE_CONTRAST + 0.5, 0.0, 1.0)
    crisp = paper + span * share[..., None]
    return Image.fromarray(np.rint(crisp).astype(np.uint8), "RGB")


class Sign(Widget):
    """The large letters, redrawn to fill the widget whenever its size or text changes."""

    DEFAULT_CSS = """
    Sign {
        width: 100%;
        height: 1fr;
        min-height: 3;
    }
    Sign > .sign-picture {
        width: 100%;
        height: 100%;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text: SignText | None = None
        self.colours: tuple[RGB, RGB] = ((0, 0, 0), (255, 255, 255))
        self.drawn: Image.Image | None = None
        self._drawn_for: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Picture(classes="sign-picture")

    def show(self, text: SignText, *, background: RGB, ink: RGB) -> None:
        """Draw ``text`` in ``ink`` on ``background``."""
        self.text, self.colours = text, (background, ink)
        self._draw()

    def on_resize(self, _event: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.text is None or not self.is_mounted:
            return
        cells_w, cells_h = self.content_size
        if cells_w <= 0 or cells_h <= 0:
            return
        per_w, per_h = pixels_per_cell()
        key = (self.text, self.colours, cells_w, cells_h, per_w, per_h)
        if key == self._drawn_for:
            return
        background, ink = self.colours
        self.drawn, _ = draw_sign(
            self.text, cells_w * per_w, cells_h * per_h, background=background, ink=ink
        )
        self._drawn_for = key
        picture = self.query_one(".sign-picture")
        picture.image = self.drawn  # type: ignore[attr-defined]

"""A layout as ZPL: text the printer's own font draws as text, anything else as a graphic.

A Zebra's built-in font draws Latin text (with accents) itself: that text goes as a field in a
box the size of the layout's element (^FB, the printer wraps it), at the size the picture fitted
it to. A name in any other script (Greek, Cyrillic, CJK, Arabic, Devanagari...) has no glyphs in
the printer, so its element goes as a graphic field (^GF) cut from the same picture the PNG, ESC/
POS and Brother QL outputs print: any name prints, shaped as on the other outputs. The QR is the
printer's own (^BQ), as large as the element allows; a logo is a graphic too.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from badges.badge import MM_PER_INCH, Badge
from badges.fonts import fit_text
from badges.layout import Element, Layout, _words, draw, mono, qr_modules
from badges.printable import clean, inverted, zpl_field

# What a Zebra's resident font 0 draws under ^CI28 (UTF-8): Latin-1 and Latin Extended-A,
# general punctuation and the euro sign. Anything else goes as a graphic.
PRINTER_FONT = (
    frozenset(range(0x20, 0x7F))
    | frozenset(range(0xA0, 0x180))
    | frozenset((0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x20AC))
)


def printer_draws(text: str) -> bool:
    return all(ord(ch) in PRINTER_FONT for ch in text)


def graphic_field(picture: Image.Image, box: tuple[int, int, int, int]) -> str:
    """^GFA of the picture's ``box`` (left, top, right, bottom), 1 bit a dot, ASCII hex."""
    crop = mono(picture.crop(box))
    row = (crop.width + 7) // 8
    padded = Image.new("1", (row * 8, crop.height), 1)
    padded.paste(crop, (0, 0))
    bits = inverted(padded.tobytes())  # 1 = a black dot
    total = len(bits)
    return f"^FO{box[0]},{box[1]}^GFA,{total},{total},{row},{bits.hex().upper()}^FS"


def read_graphic_field(field: str) -> Image.Image:
    """A ^GFA field back as a picture (the tests compare it with the other outputs')."""
    body = field.split("^GFA,", 1)[1].split("^FS", 1)[0]
    total, _, row, data = body.split(",", 3)
    bits = bytes.fromhex(data)
    height = int(total) // int(row)
    image = Image.frombytes("1", (int(row) * 8, height), inverted(bits))
    return image.convert("L")


def layout_zpl(
    badge: Badge, layout: Layout, *, dpi: int = 300, font: str = "0", fonts: tuple[str, ...] = ()
) -> bytes:
    """One ZPL label of ``badge`` drawn by ``layout``."""
    size = layout.size(dpi)
    picture = draw(badge, layout, dpi=dpi, fonts=fonts)
    pen = ImageDraw.Draw(picture)

    def dots(mm: float) -> int:
        return round(mm / MM_PER_INCH * dpi)

    out = ["^XA", "^CI28", f"^PW{size.width_dots}", f"^LL{size.height_dots}", "^LH0,0"]
    for element in layout.elements:
        left, top = dots(element.x), dots(element.y)
        width, height = dots(element.width), dots(element.height)
        box = (left, top, left + width, top + height)
        if element.kind == "qr":
            if badge.payload:
                out.append(_qr(badge.payload, left, top, width, height))
            continue
        if element.kind == "logo":
            if element.data:
                out.append(graphic_field(picture, box))
            continue
        words = _words(badge, element)
        if not words:
            continue
        words = clean(words)
        if not printer_draws(words):
            out.append(graphic_field(picture, box))
            continue
        out.extend(_text(pen, words, element, box, dpi, font, fonts))
    out.append("^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")


def _text(
    pen: ImageDraw.ImageDraw,
    words: str,
    element: Element,
    box: tuple[int, int, int, int],
    dpi: int,
    font: str,
    fonts: tuple[str, ...],
) -> list[str]:
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    face, lines = fit_text(  # the size the picture drew it at (layout.draw's own fit)
        pen,
        words,
        max(width - round(dpi / MM_PER_INCH), 1),
        height,
        max_lines=element.lines,
        largest=max(int(height / element.lines * 0.8), 8),
        smallest=max(round(2.0 / MM_PER_INCH * dpi), 8),
        fonts=fonts,
    )
    tall = max(int(face.size * 0.9), 10)
    y = top + max((height - face.line_height * len(lines)) // 2, 0)
    justify = {"center": "C", "left": "L", "right": "R"}[element.align]
    made = []
    reverse = ""
    if element.kind == "ribbon":
        made.append(f"^FO{left},{top}^GB{width},{height},{height}^FS")
        reverse = "^FR"
    made.append(
        f"^FO{left},{y}^FB{width},{element.lines},0,{justify}^A{font}N,{tall},{tall}{reverse}"
        f"^FH_^FD{zpl_field(words)}^FS"
    )
    return made


def _qr(payload: str, left: int, top: int, width: int, height: int) -> str:
    """The printer's own QR code (model 2, error correction M), as many dots a module as fit
    the element; centred in it."""
    modules = qr_modules(payload).width - 8  # without its quiet zone: the printer adds it
    side = min(width, height)
    magnification = max(1, min(10, side // modules))
    drawn = modules * magnification
    x = left + (width - drawn) // 2
    y = top + (height - drawn) // 2
    return f"^FO{x},{y}^BQN,2,{magnification}^FDMA,{zpl_field(payload)}^FS"

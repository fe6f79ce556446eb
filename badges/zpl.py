"""A layout as ZPL: the badge's words as graphic fields cut from its picture, the QR the
printer's own.

A Zebra's resident font has other widths than the fonts a badge is set in: text sent as text
would break and fit otherwise than on the PNG, the PDF and the other printers (a company the
picture shortened, sent whole at a size the printer's font overflows). So each text element
goes as a graphic field (^GF) cut from the same picture the PNG, ESC/POS and Brother QL outputs
print: one layout, one look, any script, shaped as everywhere else, and nothing an attendee
typed reaches the printer as text it could read as a command. The QR is the printer's own (^BQ),
as large as the element allows; a logo is a graphic too.
"""

from __future__ import annotations

from PIL import Image

from badges.badge import MM_PER_INCH, Badge
from badges.layout import Layout, mono, qr_modules, words_of
from badges.picture import paint
from badges.printable import inverted, zpl_field
from badges.typeset import Plan, typeset


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
    badge: Badge,
    layout: Layout,
    *,
    dpi: int = 300,
    fonts: tuple[str, ...] = (),
    plan: Plan | None = None,
) -> bytes:
    """One ZPL label of ``badge`` drawn by ``layout`` (the printer's resident font draws
    nothing: the words print as the picture's dots)."""
    size = layout.size(dpi)
    plan = plan or typeset(badge, layout, fonts)
    picture = paint(badge, plan, dpi=dpi)

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
        elif element.kind == "logo":
            if element.data:
                out.append(graphic_field(picture, box))
        elif words_of(badge, element):
            out.append(graphic_field(picture, box))
    out.append("^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")


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

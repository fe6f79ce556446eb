"""Badge layouts: a label's size and the elements placed on it, as a small declarative TOML
file (issue 30). One layout draws one picture at the printer's resolution (``draw``), from
which every raster output is made, so they agree.

    name = "name-company-qr"
    width_mm = 62.0
    height_mm = 100.0

    [[elements]]
    kind = "name"          # name, company, ticket_type, seat, event, dates, ribbon, qr, text
    x = 4.0                # millimetres from the label's top-left corner
    y = 6.0
    width = 54.0
    height = 26.0
    lines = 2              # a name is fitted to at most two lines

Elements left out of a badge's data (no company, no seat, no QR payload) draw nothing; a
``ribbon`` draws its band only for a ticket whose badge has one (a VIP), white on black.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from PIL import Image, ImageDraw

from badges.badge import MM_PER_INCH, Badge, LabelSize
from badges.lettering import fit_text
from eventdesk.errors import InvalidInput
from eventdesk.tickets import qr_code

Kind = Literal["name", "company", "ticket_type", "seat", "event", "dates", "ribbon", "qr", "text"]
Align = Literal["center", "left", "right"]


class Element(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One thing placed on the label, in millimetres from its top-left corner."""

    kind: Kind
    x: float
    y: float
    width: float
    height: float
    lines: int = 1
    align: Align = "center"
    text: str = ""  # a ``text`` element's words (a ribbon's own, instead of the badge's)


class Layout(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: str
    width_mm: float = 62.0
    height_mm: float = 100.0
    elements: tuple[Element, ...] = ()

    def size(self, dpi: int = 300) -> LabelSize:
        return LabelSize(self.width_mm, self.height_mm, dpi)


def parse_layout(text: str, source: str = "layout") -> Layout:
    """A layout from its TOML, checked: every element on the label, a sensible size."""
    try:
        found = msgspec.toml.decode(text.encode(), type=Layout)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidInput(f"{source}: {exc}", field="layout") from None
    if not found.name.strip() or len(found.name) > 40 or not found.name.isprintable():
        raise InvalidInput(f"{source}: a layout's name is 1 to 40 characters", field="layout")
    found.size()  # the label's size, checked as a printer's is
    for n, element in enumerate(found.elements, start=1):
        inside = (
            element.x >= 0
            and element.y >= 0
            and element.width > 0
            and element.height > 0
            and element.x + element.width <= found.width_mm + 0.01
            and element.y + element.height <= found.height_mm + 0.01
        )
        if not inside:
            raise InvalidInput(
                f"{source}: element {n} ({element.kind}) is not inside the "
                f"{found.width_mm:g} x {found.height_mm:g} mm label",
                field="layout",
            )
        if not 1 <= element.lines <= 4:
            raise InvalidInput(f"{source}: element {n} has 1 to 4 lines", field="layout")
    return found


BUILT_IN_TOML = {
    "name-company-qr": """
name = "name-company-qr"
width_mm = 62.0
height_mm = 100.0
elements = [
  { kind = "name", x = 3.7, y = 5.0, width = 54.6, height = 24.0, lines = 2 },
  { kind = "company", x = 3.7, y = 30.0, width = 54.6, height = 8.0 },
  { kind = "ticket_type", x = 3.7, y = 39.0, width = 54.6, height = 6.5 },
  { kind = "event", x = 3.7, y = 46.0, width = 54.6, height = 5.5 },
  { kind = "qr", x = 15.0, y = 60.0, width = 32.0, height = 32.0 },
]
""",
    "name-only": """
name = "name-only"
width_mm = 62.0
height_mm = 40.0
elements = [
  { kind = "name", x = 3.0, y = 4.0, width = 56.0, height = 22.0, lines = 2 },
  { kind = "company", x = 3.0, y = 28.0, width = 56.0, height = 8.0 },
]
""",
    "qr-only": """
name = "qr-only"
width_mm = 62.0
height_mm = 62.0
elements = [
  { kind = "qr", x = 6.0, y = 6.0, width = 50.0, height = 50.0 },
]
""",
    "vip-ribbon": """
name = "vip-ribbon"
width_mm = 62.0
height_mm = 100.0
elements = [
  { kind = "ribbon", x = 0.0, y = 0.0, width = 62.0, height = 9.5 },
  { kind = "name", x = 3.7, y = 13.0, width = 54.6, height = 22.0, lines = 2 },
  { kind = "company", x = 3.7, y = 36.0, width = 54.6, height = 7.5 },
  { kind = "ticket_type", x = 3.7, y = 44.0, width = 54.6, height = 6.0 },
  { kind = "qr", x = 16.0, y = 62.0, width = 30.0, height = 30.0 },
]
""",
}
BUILT_IN: dict[str, Layout] = {
    name: parse_layout(text, f"built-in {name}") for name, text in BUILT_IN_TOML.items()
}


def built_in(name: str) -> Layout:
    found = BUILT_IN.get(name.strip().lower())
    if found is None:
        raise InvalidInput(
            f"no badge layout {name!r} (built in: {', '.join(BUILT_IN)})", field="layout"
        )
    return found


def _words(badge: Badge, element: Element) -> str | None:
    if element.kind == "name":
        return badge.name
    if element.kind == "company":
        return badge.company
    if element.kind == "ticket_type":
        return f"{badge.ticket_type} - Seat {badge.seat}" if badge.seat else badge.ticket_type
    if element.kind == "seat":
        return f"Seat {badge.seat}" if badge.seat else None
    if element.kind == "event":
        return badge.event
    if element.kind == "dates":
        return badge.date
    if element.kind == "ribbon":
        return (element.text or badge.ribbon) if badge.ribbon else None
    return element.text or None


def draw(
    badge: Badge, layout: Layout, *, dpi: int = 300, fonts: tuple[str, ...] = ()
) -> Image.Image:
    """The badge drawn by ``layout``, black on white, at ``dpi``."""
    from badges.render import clean

    size = layout.size(dpi)
    image = Image.new("L", (size.width_dots, size.height_dots), 255)
    pen = ImageDraw.Draw(image)

    def dots(mm: float) -> int:
        return round(mm / MM_PER_INCH * dpi)

    for element in layout.elements:
        left, top = dots(element.x), dots(element.y)
        width, height = dots(element.width), dots(element.height)
        if element.kind == "qr":
            if badge.payload:
                side = min(width, height)
                code = qr_code(badge.payload).make_image().get_image().convert("L")
                code = code.resize((side, side), Image.Resampling.NEAREST)
                image.paste(code, (left + (width - side) // 2, top + (height - side) // 2))
            continue
        words = _words(badge, element)
        if not words:
            continue
        ink = 0
        if element.kind == "ribbon":
            pen.rectangle((left, top, left + width, top + height), fill=0)
            ink = 255
        inner = max(width - dots(1.0), 1)
        face, lines = fit_text(
            pen,
            clean(words),
            inner,
            height,
            max_lines=element.lines,
            largest=max(int(height / element.lines * 0.8), 8),
            smallest=max(dots(2.0), 8),
            fonts=fonts,
        )
        y = top + max((height - face.line_height * len(lines)) // 2, 0)
        for line in lines:
            if element.align == "center":
                face.centre(line, width, y, fill=ink, left=left)
            else:
                room = width - face.length(line)
                shift = 0 if element.align == "left" else int(room)
                face.centre(line, int(face.length(line)), y, fill=ink, left=left + shift)
            y += face.line_height
    return image


def render_layout(
    badge: Badge, layout: Layout, fmt: str, *, dpi: int = 300, fonts: tuple[str, ...] = ()
) -> bytes:
    """The layout's picture as PNG, or as an ESC/POS raster (the same dots)."""
    import io

    from badges.render import ESC, GS, _raster

    picture = draw(badge, layout, dpi=dpi, fonts=fonts)
    if fmt == "png":
        out = io.BytesIO()
        picture.save(out, format="PNG", dpi=(dpi, dpi))
        return out.getvalue()
    if fmt == "escpos":
        return ESC + b"@" + _raster(picture) + b"\n\n\n" + GS + b"VB\x00"
    raise InvalidInput("a layout renders as png or escpos for now", field="format")

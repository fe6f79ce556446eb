"""Badge layouts: a label's size and the elements placed on it, as a small declarative TOML
file (issue 30). One layout draws one picture at the printer's resolution (``draw``), from
which every raster output is made, so they agree.

    name = "name-company-qr"
    width_mm = 62.0
    height_mm = 100.0

    [[elements]]
    kind = "name"          # name, company, ticket_type, seat, event, dates, ribbon, qr, text,
                           # logo, answer
    x = 4.0                # millimetres from the label's top-left corner
    y = 6.0
    width = 54.0
    height = 26.0
    lines = 2              # a name is broken over at most two lines (spaces, hyphens)
    min_pt = 14            # never set smaller without saying so (badges.typeset)
    align = "start"        # center, left, right; start and end follow the words' direction

Elements left out of a badge's data (no company, no seat, no QR payload) draw nothing; a
``ribbon`` draws its band only for a ticket whose badge has one (a VIP), white on black.
An ``answer`` prints the person's answer to a registration question (``key = "pronouns"``), as
text; ``icons = { vegan = "V" }`` puts a short mark before a choice. A ``ribbon`` with a ``key``
prints that answer in its band (or its own ``text``, for a person who gave the answer), and
``colors = { vegan = "#22aa22", halal = "#2255cc" }`` colours the band by the choice given
(black without one); the ink is white on a dark colour, black on a light one.
A ``logo`` names an image file beside the layout file (``file = "logo.png"``); importing the
layout into the store takes the image into it (``data``, base64), so that every station has it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec
from PIL import Image

from badges.badge import Badge, LabelSize, seated
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _

if TYPE_CHECKING:
    from eventdesk.db import Store

Kind = Literal[
    "name",
    "company",
    "ticket_type",
    "seat",
    "event",
    "dates",
    "ribbon",
    "qr",
    "text",
    "logo",
    "answer",
]
PT_MM = 25.4 / 72  # millimetres in a point
LINE = 1.18  # a line's height, in font sizes, at least (badges.typeset)
Align = Literal["center", "left", "right", "start", "end"]
"""Where a line sits in its element: "start" is the left for a name read left to right and the
right for one read right to left (Arabic, Hebrew); "end" the other side."""


class Element(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One thing placed on the label, in millimetres from its top-left corner."""

    kind: Kind
    x: float
    y: float
    width: float
    height: float
    lines: int = 1
    align: Align = "center"
    min_pt: float = 0.0  # the smallest size its words are set at (0: the kind's, ``least_pt``)
    text: str = ""  # a ``text`` element's words (a ribbon's own, instead of the badge's)
    file: str = ""  # a ``logo``'s image file (beside the layout file), when it is imported
    data: str = ""  # a ``logo``'s image itself, base64 (what a stored layout keeps)
    key: str = ""  # an ``answer``'s (or a ribbon's) registration question
    colors: dict[str, str] = msgspec.field(default_factory=dict)  # a ribbon's, by choice
    icons: dict[str, str] = msgspec.field(default_factory=dict)  # a short mark, by choice


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
        raise InvalidInput(
            _("{source}: a layout's name is 1 to 40 characters").format(source=source),
            field="layout",
        )
    if found.name.strip().lower().endswith(".toml"):
        raise InvalidInput(
            _("{source}: a layout's name does not end in .toml").format(source=source),
            field="layout",
        )
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
                _(
                    "{source}: element {number} ({kind}) is not inside the {width:g} x "
                    "{height:g} mm label"
                ).format(
                    source=source,
                    number=n,
                    kind=element.kind,
                    width=found.width_mm,
                    height=found.height_mm,
                ),
                field="layout",
            )
        if not 0 <= element.min_pt <= 96:
            raise InvalidInput(
                _("{source}: element {number}'s min_pt is 0 to 96 points").format(
                    source=source, number=n
                ),
                field="layout",
            )
        room = element.height / element.lines / LINE / PT_MM  # the largest size its lines hold
        if element.min_pt > room + 0.01:
            raise InvalidInput(
                _(
                    "{source}: element {number} ({kind}) cannot hold {lines} lines of at least "
                    "{least:g} pt in {height:g} mm: at most {most:g} pt (lower min_pt or make it "
                    "taller)"
                ).format(
                    source=source,
                    number=n,
                    kind=element.kind,
                    lines=element.lines,
                    least=element.min_pt,
                    height=element.height,
                    most=int(room * 2) / 2,
                ),
                field="layout",
            )
        if not 1 <= element.lines <= 4:
            raise InvalidInput(
                _("{source}: element {number} has 1 to 4 lines").format(source=source, number=n),
                field="layout",
            )
        _check_answer(element, source, n)
        if element.kind == "logo" and element.data:
            _check_logo(
                base64.b64decode(element.data, validate=False),
                _("{source}: element {number}").format(source=source, number=n),
            )
    return found


_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
ICON_LENGTH = 8


def _check_answer(element: Element, source: str, number: int) -> None:
    """An answer element names its question; a colour is #rgb or #rrggbb; an icon is short."""
    where = _("{source}: element {number}").format(source=source, number=number)
    if element.kind == "answer" and not element.key.strip():
        raise InvalidInput(
            # TRANSLATORS: "key" is a word of the layout file; keep it as is
            _("{where}: an answer element needs the key of its question").format(where=where),
            field="layout",
        )
    for choice, colour in element.colors.items():
        if not _COLOUR.match(colour):
            raise InvalidInput(
                _("{where}: the colour {colour!r} of {choice!r} is not #rgb or #rrggbb").format(
                    where=where, colour=colour, choice=choice
                ),
                field="layout",
            )
    for choice, icon in element.icons.items():
        if not 0 < len(icon) <= ICON_LENGTH or not icon.isprintable():
            raise InvalidInput(
                _("{where}: the icon of {choice!r} is 1 to {most} characters").format(
                    where=where, choice=choice, most=ICON_LENGTH
                ),
                field="layout",
            )


LOGO_BYTES = 256_000
LOGO_PIXELS = 2000  # a side, at most: a logo is printed a few centimetres wide


def _check_logo(data: bytes, where: str) -> None:
    """A logo that is an image of a sensible size (a file that decodes to gigabytes would stop
    every badge of its ticket type, on every station)."""
    if len(data) > LOGO_BYTES:
        raise InvalidInput(
            _("{where}: the logo is {size} kB; at most {most} kB").format(
                where=where, size=len(data) // 1000, most=LOGO_BYTES // 1000
            ),
            field="layout",
        )
    try:
        with Image.open(io.BytesIO(data)) as found:
            width, height = found.size
    except Exception:  # anything Pillow cannot read, a decompression bomb included
        raise InvalidInput(
            _("{where}: the logo is not an image Pillow reads").format(where=where), field="layout"
        ) from None
    if max(width, height) > LOGO_PIXELS:
        raise InvalidInput(
            _("{where}: the logo is {width} x {height} pixels; at most {most} a side").format(
                where=where, width=width, height=height, most=LOGO_PIXELS
            ),
            field="layout",
        )


BUILT_IN_TOML = {
    "name-company-qr": """
name = "name-company-qr"
width_mm = 62.0
height_mm = 100.0
elements = [
  { kind = "name", x = 3.7, y = 5.0, width = 54.6, height = 24.0, lines = 2, min_pt = 14 },
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
  { kind = "name", x = 3.0, y = 4.0, width = 56.0, height = 22.0, lines = 2, min_pt = 14 },
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
  { kind = "name", x = 3.7, y = 13.0, width = 54.6, height = 22.0, lines = 2, min_pt = 14 },
  { kind = "company", x = 3.7, y = 36.0, width = 54.6, height = 7.5 },
  { kind = "ticket_type", x = 3.7, y = 44.0, width = 54.6, height = 6.0 },
  { kind = "qr", x = 16.0, y = 62.0, width = 30.0, height = 30.0 },
]
""",
}
BUILT_IN: dict[str, Layout] = {  # read at import, before a language is set: they always read
    name: parse_layout(text, f"built-in {name}") for name, text in BUILT_IN_TOML.items()
}


DEFAULT = "name-company-qr"


def layout_of(badge: Badge) -> Layout:
    """The layout ``badge`` prints with: its stored one, a built-in by its name, else the
    default (a stored layout was checked when it was saved; one that no longer reads prints
    the default rather than nothing), fitted to the printer's labels when they are set."""
    found = BUILT_IN.get(badge.layout) or BUILT_IN[DEFAULT]
    if badge.layout_source:
        with contextlib.suppress(InvalidInput):
            found = _parsed(badge.layout_source, badge.layout)
    return found if badge.label_mm is None else fitted(found, *badge.label_mm)


MIN_PT = {"name": 14.0, "ribbon": 8.0}
"""A readable minimum per kind of element, where the layout states none (``min_pt``)."""
OTHER_MIN_PT = 6.0


def least_pt(element: Element) -> float:
    """The smallest size ``element``'s words are set at before they are said to be too long."""
    return element.min_pt or MIN_PT.get(element.kind, OTHER_MIN_PT)


def fitted(layout: Layout, width_mm: float, height_mm: float) -> Layout:
    """``layout`` on a label of another size: scaled as a whole to fit it (never stretched),
    centred. The same layout when the sizes agree. Its readable minimums shrink with it (a
    layout for an 86 mm badge printed on 29 mm tape cannot keep 14 pt), never grow."""
    if (layout.width_mm, layout.height_mm) == (width_mm, height_mm):
        return layout
    scale = min(width_mm / layout.width_mm, height_mm / layout.height_mm)
    left = (width_mm - layout.width_mm * scale) / 2
    top = (height_mm - layout.height_mm * scale) / 2
    return msgspec.structs.replace(
        layout,
        width_mm=width_mm,
        height_mm=height_mm,
        elements=tuple(
            msgspec.structs.replace(
                e,
                x=left + e.x * scale,
                y=top + e.y * scale,
                width=e.width * scale,
                height=e.height * scale,
                min_pt=least_pt(e) * min(scale, 1.0),
            )
            for e in layout.elements
        ),
    )


def stretched(layout: Layout, width_mm: float, height_mm: float) -> Layout:
    """``layout`` stretched to a box of another shape (a sheet's badge): each element's box
    scaled on each axis (its text set again, a QR kept square by its drawing). Its readable
    minimums stay as stated while the box holds them (a 62 x 100 mm layout on 86 x 55 mm cards
    still sets a name at 14 pt, or says it cannot), else as large as the box holds."""
    if (layout.width_mm, layout.height_mm) == (width_mm, height_mm):
        return layout
    sx, sy = width_mm / layout.width_mm, height_mm / layout.height_mm
    return msgspec.structs.replace(
        layout,
        width_mm=width_mm,
        height_mm=height_mm,
        elements=tuple(
            msgspec.structs.replace(
                e,
                x=e.x * sx,
                y=e.y * sy,
                width=e.width * sx,
                height=e.height * sy,
                min_pt=min(least_pt(e), e.height * sy / e.lines / LINE / PT_MM),
            )
            for e in layout.elements
        ),
    )


@functools.lru_cache(maxsize=32)
def _parsed(source: str, name: str) -> Layout:
    return parse_layout(source, _("layout {name}").format(name=name))


def read_layout_file(path: Path) -> tuple[Layout, str]:
    """A layout file, checked, and the text the store keeps of it: the file as written, or,
    when it has a logo, with the logo's image taken in (so that it travels with the layout)."""
    try:
        if path.stat().st_size > LAYOUT_BYTES:
            raise InvalidInput(
                _(
                    "{path}: a layout file is at most {most} kB (a logo goes in a file of its own "
                    "beside it)"
                ).format(path=path, most=LAYOUT_BYTES // 1000),
                field="layout",
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InvalidInput(
            _("cannot read {path}: {problem}").format(path=path, problem=reason), field="layout"
        ) from None
    found = parse_layout(text, str(path))
    if not any(e.kind == "logo" and e.file for e in found.elements):
        return found, text
    elements = []
    for element in found.elements:
        if element.kind == "logo" and element.file:
            image = path.parent / element.file
            try:
                if image.stat().st_size > LOGO_BYTES:
                    raise InvalidInput(
                        _("{path}: the logo {file!r} is over {most} kB").format(
                            path=path, file=element.file, most=LOGO_BYTES // 1000
                        ),
                        field="layout",
                    )
                data = image.read_bytes()
                _check_logo(
                    data, _("{path}: the logo {file!r}").format(path=path, file=element.file)
                )
            except OSError as exc:
                raise InvalidInput(
                    _("{path}: the logo {file!r} cannot be read as an image ({problem})").format(
                        path=path, file=element.file, problem=getattr(exc, "strerror", None) or exc
                    ),
                    field="layout",
                ) from None
            element = msgspec.structs.replace(
                element, file="", data=base64.b64encode(data).decode("ascii")
            )
        elements.append(element)
    taken = msgspec.structs.replace(found, elements=tuple(elements))
    return taken, msgspec.toml.encode(taken).decode("utf-8")


def find_layout(store: Store, name: str) -> tuple[Layout, str, str | None]:
    """A layout by name (stored, then built in) or a TOML file's path: the layout, its name,
    and the text a badge carries of it (None for a built-in)."""
    from eventdesk.services.catalogue.badge_layouts import layout_key, stored_layout, stored_layouts

    if name.lower().endswith(".toml"):
        found, source = read_layout_file(Path(name))
        return found, found.name, source
    key = layout_key(name)
    stored = stored_layout(store, key)
    if stored is not None:
        where = _("stored layout {name}").format(name=key)
        return parse_layout(stored.source, where), key, stored.source
    if key in BUILT_IN:
        return BUILT_IN[key], key, None
    names = sorted({*BUILT_IN, *(s.name for s in stored_layouts(store))})
    raise NotFound(
        _("no badge layout {name!r} (known: {known})").format(name=name, known=", ".join(names)),
        field="layout",
    )


def built_in(name: str) -> Layout:
    found = BUILT_IN.get(name.strip().lower())
    if found is None:
        raise InvalidInput(
            _("no badge layout {name!r} (built in: {known})").format(
                name=name, known=", ".join(BUILT_IN)
            ),
            field="layout",
        )
    return found


def words_of(badge: Badge, element: Element) -> str | None:
    if element.kind == "name":
        return badge.name
    if element.kind == "company":
        return badge.company
    if element.kind == "ticket_type":
        return seated(badge.ticket_type, badge.seat) if badge.seat else badge.ticket_type
    if element.kind == "seat":
        # TRANSLATORS: printed on a badge: the seat's label (A12)
        return _("Seat {seat}").format(seat=badge.seat) if badge.seat else None
    if element.kind == "event":
        return badge.event
    if element.kind == "dates":
        return badge.date
    if element.kind == "answer" or (element.kind == "ribbon" and element.key):
        given = badge.answer(element.key)
        if not given:
            return None
        if element.kind == "ribbon" and element.text:
            return element.text
        return ", ".join(_marked(element, choice) for choice in given.split("|"))
    if element.kind == "ribbon":  # its own words always; else the badge's band (a VIP's)
        return element.text or badge.ribbon
    return element.text or None


def _by_choice(table: dict[str, str], choice: str) -> str | None:
    wanted = choice.strip().casefold()
    return next((v for k, v in table.items() if k.strip().casefold() == wanted), None)


def _marked(element: Element, choice: str) -> str:
    icon = _by_choice(element.icons, choice)
    return f"{icon} {choice}" if icon else choice


def band_colour(badge: Badge, element: Element) -> tuple[int, int, int] | None:
    """A ribbon's colour by the answer its person gave (its ``colors``); None: black."""
    if element.kind != "ribbon" or not element.key or not element.colors:
        return None
    for choice in (badge.answer(element.key) or "").split("|"):
        found = _by_choice(element.colors, choice)
        if found:
            digits = found[1:] if len(found) == 7 else "".join(c * 2 for c in found[1:])
            return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    return None


def dark(colour: tuple[int, int, int]) -> bool:
    """Whether white ink reads on ``colour`` (and a printer's threshold makes it black)."""
    red, green, blue = colour
    return 0.299 * red + 0.587 * green + 0.114 * blue < 128


def badge_text(badge: Badge) -> str:
    """Every word ``badge``'s layout prints (what its fonts must have)."""
    layout = layout_of(badge)
    return " ".join(w for e in layout.elements if (w := words_of(badge, e)) and e.kind != "qr")


LAYOUT_BYTES = 64_000


@functools.lru_cache(maxsize=8)
def _logo(data: str, width: int, height: int) -> Image.Image:
    """A logo, grey on white, fitted inside ``width`` x ``height`` dots."""
    try:
        found = Image.open(io.BytesIO(base64.b64decode(data)))
        if max(found.size) > LOGO_PIXELS:  # checked at import; a hand-edited row is not drawn
            return Image.new("L", (1, 1), 255)
        found.load()
    except Exception:  # a logo that does not decode prints nothing, never stops the badge
        return Image.new("L", (1, 1), 255)
    canvas = Image.new("RGBA", found.size, (255, 255, 255, 255))
    canvas.alpha_composite(found.convert("RGBA"))
    grey = canvas.convert("L")
    grey.thumbnail((width, height), Image.Resampling.LANCZOS)
    return grey


@functools.lru_cache(maxsize=64)
def qr_modules(payload: str) -> Image.Image:
    """A ticket's QR code (error correction M), one pixel a module and its quiet zone of four
    modules around it, black on white: made by zxing-cpp's writer, in a fiftieth of the time
    the pure-Python encoder takes (a badge must be ready at once)."""
    import numpy
    import zxingcpp

    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    pixels = numpy.asarray(code.to_image(scale=1, add_quiet_zones=True))
    return Image.fromarray(pixels, "L")


def mono(picture: Image.Image) -> Image.Image:
    """The picture as 1-bit dots, black below half grey, never dithered: what every raster
    output prints (PNG aside, which keeps the grey), so that they agree dot for dot."""
    return picture.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1")

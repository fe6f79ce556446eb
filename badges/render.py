"""The four badge renderers: text, ZPL, ESC/POS and PNG."""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageDraw

from badges.badge import Badge, LabelSize
from badges.lettering import fit_text
from eventdesk.config import PrinterSettings
from eventdesk.errors import InvalidInput
from eventdesk.tickets import qr_code, qr_text

FORMATS = ("text", "zpl", "escpos", "png")


def clean(text: str) -> str:
    """Attendee text without control characters of any kind (C0, C1, DEL, bidi overrides)."""
    return "".join(
        " " if ch in "\t\r\n" else ch
        for ch in text
        if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    ).strip()


# --- text -----------------------------------------------------------------------------------
def render_text(badge: Badge, width: int = 40) -> bytes:
    """A plain text badge with its QR drawn in half blocks (what the badge folder gets)."""
    rule = "=" * width
    lines = [rule]
    if badge.ribbon:
        lines.append(f"*** {clean(badge.ribbon)} ***".center(width))
    lines += [
        part.center(width) for part in textwrap.wrap(clean(badge.name).upper(), width) or [""]
    ]
    lines.append("")
    lines += [clean(x).center(width) for x in badge.lines_below_name]
    lines.append(rule)
    if badge.payload:
        lines += ["", qr_text(badge.payload), "", f"ticket {badge.ticket_id}"]
    return ("\n".join(line.rstrip() for line in lines) + "\n").encode("utf-8")


# --- ZPL ------------------------------------------------------------------------------------
def zpl_field(text: str) -> str:
    """Text for a ^FD field under ^FH_ (hex escapes): ^, ~ and _ cannot start a command."""
    return "".join({"^": "_5E", "~": "_7E", "_": "_5F"}.get(ch, ch) for ch in clean(text))


def _zpl_name_height(
    name: str, width: int, lines: int = 2, largest: int = 110, smallest: int = 40
) -> int:
    """A font height at which the name fits ``lines`` lines of ``width`` dots (^A0: ~0.55h wide)."""
    for height in range(largest, smallest - 1, -5):
        per_line = max(1, int(width / (0.55 * height)))
        if len(textwrap.wrap(name, per_line)) <= lines:
            return height
    return smallest


def render_zpl(badge: Badge, size: LabelSize | None = None, *, font: str = "0") -> bytes:
    """One ZPL label: UTF-8 (^CI28), text fields hex-escaped, the payload in a ^BQ QR code."""
    size = size or LabelSize()
    width, height = size.width_dots, size.height_dots
    margin = width // 20
    inner = width - 2 * margin
    dot = size.dpi / 300
    out = ["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0"]
    y = margin
    if badge.ribbon:
        band = int(90 * dot)
        out.append(f"^FO0,0^GB{width},{band},{band}^FS")
        out.append(
            f"^FO0,{int(20 * dot)}^FB{width},1,0,C^A{font}N,{int(55 * dot)},{int(55 * dot)}^FR"
            f"^FH_^FD{zpl_field(badge.ribbon)}^FS"
        )
        y = band + margin
    name = clean(badge.name)
    name_h = int(_zpl_name_height(name, inner) * dot)
    out.append(
        f"^FO{margin},{y}^FB{inner},2,0,C^A{font}N,{name_h},{name_h}^FH_^FD{zpl_field(name)}^FS"
    )
    y += 2 * name_h + int(30 * dot)
    for text, h in zip(badge.lines_below_name, (50, 44, 36, 32), strict=False):
        hh = int(h * dot)
        out.append(f"^FO{margin},{y}^FB{inner},1,0,C^A{font}N,{hh},{hh}^FH_^FD{zpl_field(text)}^FS")
        y += hh + int(16 * dot)
    if badge.payload:
        magnification = max(1, min(10, int((height - y - margin) / 57)))
        qr_side = 49 * magnification
        out.append(
            f"^FO{max(0, (width - qr_side) // 2)},{y + int(10 * dot)}^BQN,2,{magnification}"
            f"^FDMA,{zpl_field(badge.payload)}^FS"
        )
    out.append("^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")


# --- ESC/POS --------------------------------------------------------------------------------
ESC, GS = b"\x1b", b"\x1d"
CODEPAGE = ("cp858", 19)  # Latin with the euro sign: ESC t 19 on Epson-compatible printers


def escpos_text(text: str) -> bytes:
    """Attendee text for ESC/POS: no control bytes at all, the printer's code page, '?' else."""
    return clean(text).encode(CODEPAGE[0], errors="replace")


def _qr_escpos(payload: str, module: int = 6) -> bytes:
    data = payload.encode("ascii")
    store_len = len(data) + 3

    def fn(*body: int) -> bytes:
        return GS + b"(k" + bytes([len(body) & 0xFF, len(body) >> 8, *body])

    return b"".join(
        [
            fn(0x31, 0x41, 0x32, 0x00),  # model 2
            fn(0x31, 0x43, module),  # module size
            fn(0x31, 0x45, 0x31),  # error correction M
            GS + b"(k" + bytes([store_len & 0xFF, store_len >> 8, 0x31, 0x50, 0x30]) + data,
            fn(0x31, 0x51, 0x30),  # print it
        ]
    )


def _raster(image: Image.Image) -> bytes:
    """GS v 0: a 1-bit image, for text the code page cannot show (any script)."""
    mono = image.convert("1")
    width_bytes = (mono.width + 7) // 8
    padded = Image.new("1", (width_bytes * 8, mono.height), 1)
    padded.paste(mono, (0, 0))
    bits = bytes(b ^ 0xFF for b in padded.tobytes())  # 1 = black dot
    return (
        GS
        + b"v0\x00"
        + bytes([width_bytes & 0xFF, width_bytes >> 8, mono.height & 0xFF, mono.height >> 8])
        + bits
    )


def render_escpos(badge: Badge, *, width_dots: int = 576) -> bytes:
    """A receipt-printer badge: centred text, the name double size, its native QR command."""
    out = [ESC + b"@", ESC + b"t" + bytes([CODEPAGE[1]]), ESC + b"a\x01"]
    if badge.ribbon:
        out += [
            GS + b"B\x01",
            ESC + b"E\x01",
            b" " + escpos_text(badge.ribbon) + b" \n",
            GS + b"B\x00",
            ESC + b"E\x00",
        ]
    name = clean(badge.name)
    if escpos_text(name).decode(CODEPAGE[0]) == name:
        out += [
            GS + b"!\x11",
            ESC + b"E\x01",
            escpos_text(name) + b"\n",
            GS + b"!\x00",
            ESC + b"E\x00",
        ]
    else:  # a name in a script the printer's code page lacks is printed as an image
        out.append(_raster(_text_image(name, width_dots, 64)) + b"\n")
    out += [escpos_text(x) + b"\n" for x in badge.lines_below_name]
    if badge.payload:
        out += [b"\n", _qr_escpos(badge.payload), b"\n"]
    out += [ESC + b"d\x03", GS + b"V\x42\x00"]  # feed and cut
    return b"".join(out)


def _text_image(text: str, width: int, height: int) -> Image.Image:
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    face, lines = fit_text(
        draw, text, width - 8, height, max_lines=1, largest=height - 8, smallest=16
    )
    face.centre(lines[0], width, (height - face.line_height) // 2)
    return image


# --- PNG ------------------------------------------------------------------------------------
def render_png(
    badge: Badge, size: LabelSize | None = None, *, fonts: tuple[str, ...] = ()
) -> bytes:
    """A badge image at the printer's resolution (black on white), its QR at the bottom."""
    size = size or LabelSize()
    width, height = size.width_dots, size.height_dots
    scale = size.dpi / 300
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    margin = int(width * 0.06)
    inner = width - 2 * margin
    y = margin
    if badge.ribbon:
        band = int(110 * scale)
        draw.rectangle((0, 0, width, band), fill=0)
        face, lines = fit_text(
            draw,
            clean(badge.ribbon),
            inner,
            band - 10,
            max_lines=1,
            largest=int(64 * scale),
            smallest=int(20 * scale),
            fonts=fonts,
        )
        face.centre(lines[0], width, (band - face.line_height) // 2, fill=255)
        y = band + margin
    qr_side = 0
    if badge.payload:
        qr_side = min(inner, int(height * 0.36))
    text_bottom = height - margin - qr_side - int(20 * scale)
    face, lines = fit_text(
        draw,
        clean(badge.name),
        inner,
        int(260 * scale),
        max_lines=2,
        largest=int(120 * scale),
        smallest=int(36 * scale),
        fonts=fonts,
    )
    for line in lines:
        face.centre(line, width, y)
        y += face.line_height
    y += int(24 * scale)
    for text, largest in zip(badge.lines_below_name, (56, 48, 40, 36), strict=False):
        if y >= text_bottom:
            break
        face, lines = fit_text(
            draw,
            clean(text),
            inner,
            int(largest * 1.6 * scale),
            max_lines=1,
            largest=int(largest * scale),
            smallest=int(22 * scale),
            fonts=fonts,
        )
        face.centre(lines[0], width, y)
        y += face.line_height + int(8 * scale)
    if badge.payload:
        code = qr_code(badge.payload).make_image().get_image().convert("L")
        code = code.resize((qr_side, qr_side), Image.Resampling.NEAREST)
        image.paste(code, ((width - qr_side) // 2, height - margin - qr_side))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(size.dpi, size.dpi))
    return out.getvalue()


RENDERERS: dict[str, Callable[..., bytes]] = {
    "text": lambda badge, **_: render_text(badge),
    "zpl": lambda badge, size=None, **kw: render_zpl(
        badge, size, **{k: v for k, v in kw.items() if k == "font"}
    ),
    "escpos": lambda badge, width_dots=576, **_: render_escpos(badge, width_dots=width_dots),
    "png": lambda badge, size=None, fonts=(), **_: render_png(badge, size, fonts=fonts),
}


def options_for(printer: PrinterSettings) -> dict[str, Any]:
    """What a configured printer's label asks of a render: its size, ESC/POS width and fonts."""
    return {
        "size": LabelSize(printer.width_mm, printer.height_mm, printer.dpi),
        "width_dots": printer.escpos_width_dots,
        "font": printer.zpl_font,
        "fonts": printer.fonts,
    }


def render(badge: Badge, fmt: str, **options: object) -> bytes:
    if fmt not in RENDERERS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", field="format")
    return RENDERERS[fmt](badge, **options)

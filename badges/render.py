"""The badge renderers: plain text, and the badge's layout (badges.layout) as PNG, PDF, ZPL and
ESC/POS (Brother QL: badges.brother). The raster outputs print one picture, so they agree."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from PIL import Image

from badges.badge import Badge, LabelSize
from badges.layout import layout_of
from badges.layout import mono as dots
from badges.picture import paint
from badges.printable import clean, inverted
from badges.typeset import Plan, typeset
from eventdesk.config import PrinterSettings
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _
from eventdesk.tickets import qr_text

FORMATS = ("text", "png", "pdf", "zpl", "escpos", "ql")


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
    lines += [clean(x).center(width) for x in _answer_lines(badge)]
    lines.append(rule)
    if badge.payload:
        # TRANSLATORS: printed on a plain-text badge, under its QR code
        lines += [
            "",
            qr_text(badge.payload),
            "",
            _("ticket {ticket}").format(ticket=badge.ticket_id),
        ]
    return ("\n".join(line.rstrip() for line in lines) + "\n").encode("utf-8")


def _answer_lines(badge: Badge) -> list[str]:
    """What the layout's answer elements (and ribbons by an answer) print, a line each."""
    from badges.layout import words_of

    if not badge.answers:
        return []
    return [
        words
        for e in layout_of(badge).elements
        if (e.kind == "answer" or (e.kind == "ribbon" and e.key)) and (words := words_of(badge, e))
    ]


# --- ESC/POS --------------------------------------------------------------------------------
ESC, GS = b"\x1b", b"\x1d"


def _raster(image: Image.Image) -> bytes:
    """GS v 0: the picture as 1-bit dots (the whole badge, in any script)."""
    mono = dots(image)
    width_bytes = (mono.width + 7) // 8
    padded = Image.new("1", (width_bytes * 8, mono.height), 1)
    padded.paste(mono, (0, 0))
    bits = inverted(padded.tobytes())  # 1 = black dot
    return (
        GS
        + b"v0\x00"
        + bytes([width_bytes & 0xFF, width_bytes >> 8, mono.height & 0xFF, mono.height >> 8])
        + bits
    )


def render_escpos(
    badge: Badge,
    *,
    width_dots: int = 576,
    dpi: int = 203,
    fonts: tuple[str, ...] = (),
    plan: Plan | None = None,
) -> bytes:
    """A receipt printer's badge: the layout's picture as one raster image (any script prints,
    and nothing an attendee typed reaches the printer as a command), then feed and cut."""
    picture = paint(badge, plan or typeset(badge, layout_of(badge), fonts), dpi=dpi)
    if picture.width > width_dots:  # a label wider than the paper: scaled to the paper
        height = round(picture.height * width_dots / picture.width)
        picture = picture.resize((width_dots, height), Image.Resampling.BOX)
    return ESC + b"@" + _raster(picture) + ESC + b"d\x03" + GS + b"V\x42\x00"


# --- PNG ------------------------------------------------------------------------------------
def render_png(
    badge: Badge, *, dpi: int = 300, fonts: tuple[str, ...] = (), plan: Plan | None = None
) -> bytes:
    """The layout's picture at the printer's resolution, black on white."""
    picture = paint(badge, plan or typeset(badge, layout_of(badge), fonts), dpi=dpi)
    out = io.BytesIO()
    picture.save(out, format="PNG", dpi=(dpi, dpi), compress_level=1)  # 4x faster, 10% larger
    return out.getvalue()


def _zpl(
    badge: Badge, *, dpi: int = 300, fonts: tuple[str, ...] = (), plan: Plan | None = None
) -> bytes:
    from badges.zpl import layout_zpl

    return layout_zpl(badge, layout_of(badge), dpi=dpi, fonts=fonts, plan=plan)


def _pdf(badge: Badge, *, fonts: tuple[str, ...] = (), plan: Plan | None = None) -> bytes:
    from badges.pdf import render_pdf

    if plan is not None:  # drawn by the layout its text was set for
        return render_pdf(badge, plan.layout, fonts=fonts, plan=plan)
    return render_pdf(badge, layout_of(badge), fonts=fonts)


def _ql(
    badge: Badge, *, model: str | None = None, label: str | None = None, fonts: tuple[str, ...] = ()
) -> bytes:
    from badges.brother import DEFAULT_LABEL, DEFAULT_MODEL, render_ql

    return render_ql(badge, model=model or DEFAULT_MODEL, label=label or DEFAULT_LABEL, fonts=fonts)


def _dpi(size: LabelSize | None) -> int:
    return size.dpi if size is not None else 300


RENDERERS: dict[str, Callable[..., bytes]] = {
    "text": lambda badge, **_rest: render_text(badge),
    "png": lambda badge, size=None, fonts=(), plan=None, **_rest: render_png(
        badge, dpi=_dpi(size), fonts=fonts, plan=plan
    ),
    "pdf": lambda badge, fonts=(), plan=None, **_rest: _pdf(badge, fonts=fonts, plan=plan),
    "zpl": lambda badge, size=None, fonts=(), plan=None, **_rest: _zpl(
        badge, dpi=_dpi(size), fonts=fonts, plan=plan
    ),
    "escpos": lambda badge, width_dots=576, size=None, fonts=(), plan=None, **_rest: render_escpos(
        badge, width_dots=width_dots, dpi=_dpi(size), fonts=fonts, plan=plan
    ),
    "ql": lambda badge, model=None, label=None, fonts=(), **_rest: _ql(
        badge, model=model, label=label, fonts=fonts
    ),
}


def options_for(printer: PrinterSettings) -> dict[str, Any]:
    """What a configured printer's label asks of a render: its resolution, the labels loaded
    (a layout of another size is fitted to them), ESC/POS paper width and fonts."""
    labels = printer.width_mm, printer.height_mm
    return {
        "size": LabelSize(printer.width_mm or 62.0, printer.height_mm or 100.0, printer.dpi),
        "label_mm": None if None in labels else labels,
        "width_dots": printer.escpos_width_dots,
        "fonts": printer.fonts,
        "model": printer.model,  # a Brother QL's (badges.brother; None: its defaults)
        "label": None if printer.label is None else str(printer.label),
    }


@dataclass(frozen=True)
class Rendered:
    data: bytes
    warnings: list[str]  # what the badge had to give up (a name set small, words in Latin letters)
    latin: list[str] = field(default_factory=list)  # those of words printed in Latin letters


def render(badge: Badge, fmt: str, **options: object) -> bytes:
    """``badge`` in format ``fmt``: every format but text draws the badge's layout."""
    return rendered(badge, fmt, **options).data


def rendered(badge: Badge, fmt: str, **options: object) -> Rendered:
    """``badge`` in format ``fmt``, and what it had to give up. Words no font here draws (a
    name in a script this machine has no font for) print in Latin letters, said in the
    warnings with the font that would draw them (badges.typeset): never as empty boxes. The
    text format prints them as written (a terminal or an editor draws them, not this machine's
    badge fonts)."""
    if fmt not in RENDERERS:
        raise InvalidInput(
            _("format must be one of {formats}").format(formats=", ".join(FORMATS)), field="format"
        )
    label = options.pop("label_mm", None)
    if isinstance(label, tuple) and fmt not in ("text", "ql"):  # a QL fits its own label
        badge = replace(badge, label_mm=(float(label[0]), float(label[1])))
    if fmt == "text":
        return Rendered(render_text(badge), [])
    fonts = options.get("fonts", ())
    plan = typeset(badge, layout_of(badge), fonts if isinstance(fonts, tuple) else ())
    if fmt in ("png", "zpl", "escpos", "pdf"):  # a QL draws the layout fitted to its tape
        options["plan"] = plan
    return Rendered(RENDERERS[fmt](badge, **options), plan.warnings, plan.latin_warnings)

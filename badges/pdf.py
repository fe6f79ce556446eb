"""Badges as PDF: a layout drawn as vector text and shapes, one badge to a page or many to a
sheet (badges.sheets).

Made with fpdf2: it embeds only the glyphs a document uses (a subset of each font), shapes
Arabic, Hebrew, Devanagari and Thai with HarfBuzz (uharfbuzz), and takes, for a character its
first font lacks, the next font that has it, so 'Anna 山田' prints in two fonts on one line. The
fonts are the same machine fonts the raster badges draw with (badges.fonts). A QR is drawn as
rectangles (a run of dark modules each), so a thousand badges cost a thousand small paths, not a
thousand images.
"""

from __future__ import annotations

import base64
import io
import logging

from fpdf import FPDF

from badges.badge import Badge
from badges.fonts import available, cmap, path_for, wrap_text
from badges.layout import Element, Layout, _words, qr_modules
from badges.printable import clean

PT = 25.4 / 72  # millimetres in a point
LINE = 1.18  # a line's height, in font sizes
SMALLEST_PT = 5.5

# fpdf2 logs every glyph no font has; the badge reports those itself (badges.fonts).
logging.getLogger("fpdf").setLevel(logging.ERROR)


class _Measure:
    """What lettering.wrap_text measures with: a string's width in millimetres."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf

    def length(self, text: str) -> float:
        return float(self.pdf.get_string_width(text))


class PdfBadges:
    """A PDF of badges: ``page`` adds a page, ``badge`` draws one badge in a box on it."""

    def __init__(self, width_mm: float, height_mm: float, *, fonts: tuple[str, ...] = ()) -> None:
        pdf = FPDF(unit="mm", format=(width_mm, height_mm))
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        pdf.set_compression(True)
        pdf.set_creator("eventdesk")
        self.pdf = pdf
        self.paths = available(fonts)
        self.families: dict[str, str] = {}  # font file -> its family in this PDF
        self.covered: set[int] = set()  # characters some added font has
        self.family = "helvetica"  # no font on this machine: Latin-1 only
        if self.paths and self._add(self.paths[0]):
            self.family = self.families[self.paths[0]]
            pdf.set_text_shaping(True)
        pdf.set_font(self.family, size=10)
        self.measure = _Measure(pdf)
        self._qr: dict[str, tuple[list[tuple[int, int, int]], int]] = {}

    def _add(self, path: str) -> bool:
        """Add a font file to the PDF (it is embedded, subset, only if a glyph of it is
        used); the ones after the first are fallbacks for what the first lacks."""
        family = f"f{len(self.families)}"
        try:
            self.pdf.add_font(family, "", path)
        except Exception:  # a font file fpdf2 cannot read is simply not used
            self.families[path] = ""
            return False
        self.families[path] = family
        self.covered |= cmap(path)
        added = [f for f in self.families.values() if f]
        if len(added) > 1:
            self.pdf.set_fallback_fonts(added[1:])
        return True

    def _fonts_for(self, text: str) -> None:
        """The fonts ``text`` needs, added the first time one of its characters comes: a
        sheet of Latin names never loads a CJK font."""
        for ch in text:
            if ord(ch) in self.covered or ch.isspace():
                continue
            path = path_for(ch, self.paths)
            if path is not None and path not in self.families:
                self._add(path)
            self.covered.add(ord(ch))  # found or not: looked for once

    def page(self) -> None:
        self.pdf.add_page()

    def badge(
        self, badge: Badge, layout: Layout, x: float, y: float, width: float, height: float
    ) -> None:
        """``badge`` drawn by ``layout`` in the box at (x, y), the layout stretched to it."""
        sx, sy = width / layout.width_mm, height / layout.height_mm
        for element in layout.elements:
            box = (
                x + element.x * sx,
                y + element.y * sy,
                element.width * sx,
                element.height * sy,
            )
            if element.kind == "qr":
                if badge.payload:
                    self._qr_code(badge.payload, *box)
            elif element.kind == "logo":
                if element.data:
                    self._logo(element.data, *box)
            else:
                words = _words(badge, element)
                if words:
                    self._text(clean_text(words), element, *box)

    def _text(
        self, words: str, element: Element, x: float, y: float, width: float, height: float
    ) -> None:
        pdf = self.pdf
        if self.paths:
            self._fonts_for(words)
        white = element.kind == "ribbon"
        if white:
            pdf.set_fill_color(0)
            pdf.rect(x, y, width, height, style="F")
        inner = max(width - 1.0, 1.0)
        size = min(height / element.lines / LINE / PT, 96.0)
        while True:
            pdf.set_font_size(size)
            lines = wrap_text(self.measure, words, inner)  # type: ignore[arg-type]
            tall = len(lines) * size * PT * LINE
            if (len(lines) <= element.lines and tall <= height) or size <= SMALLEST_PT:
                break
            size = max(SMALLEST_PT, size * 0.9)
        if len(lines) > element.lines:
            lines = lines[: element.lines]
            last = lines[-1]
            while last and self.measure.length(last + "…") > inner:
                last = last[:-1]
            lines[-1] = last + "…"
        line_h = size * PT * LINE
        top = y + max((height - line_h * len(lines)) / 2, 0)
        pdf.set_text_color(255 if white else 0)
        align = {"center": "C", "left": "L", "right": "R"}[element.align]
        for line in lines:
            pdf.set_xy(x + (width - inner) / 2, top)
            pdf.cell(inner, line_h, line, align=align)
            top += line_h
        pdf.set_text_color(0)

    def _qr_code(self, payload: str, x: float, y: float, width: float, height: float) -> None:
        runs, modules = self._qr.get(payload) or _qr_runs(payload)
        if len(self._qr) < 64:  # a sheet prints each code once; a reprint draws it again
            self._qr[payload] = (runs, modules)
        side = min(width, height)
        module = side / modules
        left, top = x + (width - side) / 2, y + (height - side) / 2
        self.pdf.set_fill_color(0)
        for row, col, length in runs:
            self.pdf.rect(
                left + col * module, top + row * module, length * module, module, style="F"
            )

    def _logo(self, data: str, x: float, y: float, width: float, height: float) -> None:
        try:
            raw = base64.b64decode(data)
            from PIL import Image

            found = Image.open(io.BytesIO(raw))
            w, h = found.size
        except (OSError, ValueError):
            return
        scale = min(width / w, height / h)
        self.pdf.image(
            io.BytesIO(raw),
            x + (width - w * scale) / 2,
            y + (height - h * scale) / 2,
            w * scale,
            h * scale,
        )

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _qr_runs(payload: str) -> tuple[list[tuple[int, int, int]], int]:
    """A QR code's dark modules as runs along its rows (row, first column, length), and its
    side in modules (its quiet zone included)."""
    modules = qr_modules(payload)
    side = modules.width
    dark = [v < 128 for v in modules.tobytes()]
    runs = []
    for row in range(side):
        cells = dark[row * side : (row + 1) * side]
        col = 0
        while col < side:
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < side and cells[col]:
                col += 1
            runs.append((row, start, col - start))
    return runs, side


def clean_text(text: str) -> str:
    return clean(text)


def render_pdf(badge: Badge, layout: Layout, *, fonts: tuple[str, ...] = ()) -> bytes:
    """One badge on a page of the layout's own size."""
    doc = PdfBadges(layout.width_mm, layout.height_mm, fonts=fonts)
    doc.page()
    doc.badge(badge, layout, 0, 0, layout.width_mm, layout.height_mm)
    return doc.output()

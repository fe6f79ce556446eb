"""Badges as PDF: a layout drawn as vector text and shapes, one badge to a page or many to a
sheet (badges.sheets).

Made with fpdf2: it embeds only the glyphs a document uses (a subset of each font) and shapes
every script with HarfBuzz (uharfbuzz). The text is the badge's plan (badges.typeset): the same
lines, at the same size, in the same places, each run in the same font as the picture the label
printers print, so 'Anna 山田' prints in two fonts on one line everywhere. A QR is drawn as
rectangles (a run of dark modules each), so a thousand badges cost a thousand small paths, not a
thousand images.
"""

from __future__ import annotations

import base64
import io

from fpdf import FPDF

from badges.badge import Badge
from badges.layout import PT_MM, Layout, dark, qr_modules, stretched
from badges.pdf_fonts import PdfFonts, latin1
from badges.typeset import Plan, SetText, typeset


class PdfBadges:
    """A PDF of badges: ``page`` adds a page, ``badge`` draws one badge in a box on it."""

    def __init__(self, width_mm: float, height_mm: float, *, fonts: tuple[str, ...] = ()) -> None:
        pdf = FPDF(unit="mm", format=(width_mm, height_mm))
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        pdf.c_margin = 0  # a line starts where the badge's plan says, not a cell margin in
        pdf.set_compression(True)
        pdf.set_creator("eventdesk")
        self.pdf = pdf
        self.extra = fonts
        self.fonts = PdfFonts(pdf, fonts)
        pdf.set_font(self.fonts.base, size=10)
        self._qr: dict[str, tuple[list[tuple[int, int, int]], int]] = {}

    def page(self) -> None:
        self.pdf.add_page()

    def badge(
        self,
        badge: Badge,
        layout: Layout,
        x: float,
        y: float,
        width: float,
        height: float,
        *,
        plan: Plan | None = None,
    ) -> Plan:
        """``badge`` drawn by ``layout`` in the box at (x, y), the layout stretched to it (its
        text set again for the box, unless ``plan`` already set it for this layout); the plan
        it was drawn by (what it says of the name)."""
        shaped = stretched(layout, width, height)
        if plan is None or plan.layout is not shaped:
            plan = typeset(badge, shaped, self.extra)
        texts = {id(t.element): t for t in plan.texts}
        for element in shaped.elements:
            box = (x + element.x, y + element.y, element.width, element.height)
            if element.kind == "qr":
                if badge.payload:
                    self._qr_code(badge.payload, *box)
            elif element.kind == "logo":
                if element.data:
                    self._logo(element.data, *box)
            elif id(element) in texts:
                self._text(texts[id(element)], x, y)
        return plan

    def _text(self, text: SetText, x: float, y: float) -> None:
        """The lines the plan set, at its size and places (offset to the badge's box)."""
        pdf = self.pdf
        band = text.fill or (0, 0, 0)
        if text.white:
            pdf.set_fill_color(*band)
            pdf.rect(x + text.x, y + text.y, text.width, text.height, style="F")
        pdf.set_text_color(255 if text.white and dark(band) else 0)
        height = text.line_height
        size_mm = text.size_pt * PT_MM
        for n, line in enumerate(text.lines):
            left, baseline = text.origin(n)
            left += x
            top = y + baseline - height / 2 - 0.3 * size_mm  # fpdf2's cell puts it there
            for run in line.runs:
                pdf.set_font(self.fonts.family(run.font), size=text.size_pt)
                shown = run.text if self.fonts.embedded else latin1(run.text)
                pdf.x, pdf.y = left, top  # set_xy would read a y of -1e-16 as from the bottom
                pdf.cell(text=shown, h=height)
                if len(line.runs) > 1:  # the next run starts where this one ends
                    left += pdf.get_string_width(shown)
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


def render_pdf(
    badge: Badge, layout: Layout, *, fonts: tuple[str, ...] = (), plan: Plan | None = None
) -> bytes:
    """One badge on a page of the layout's own size (``plan``: its text, already set)."""
    doc = PdfBadges(layout.width_mm, layout.height_mm, fonts=fonts)
    doc.page()
    doc.badge(badge, layout, 0, 0, layout.width_mm, layout.height_mm, plan=plan)
    return doc.output()

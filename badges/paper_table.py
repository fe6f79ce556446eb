"""A list on paper for staff: a table with a box to tick in each row, that runs over as many
pages as it takes (the roll call, ``report inside --pdf``; the door list, ``report door-list
--pdf``).

A4, a title and the lines under it (on the first page, or on every page), the columns' headings
on each page, a row a person with its box, a thin line under each row, and a footer saying what
it is and "page n of m". Names are drawn in the fonts the badges use (badges.fonts: a name in any
script takes the first font that has it, shaped with HarfBuzz); a name in a script no font on
this machine has is printed in Latin letters (badges.fonts.readable), which the caller says
(``latin_said``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from badges.fonts import readable
from badges.pdf_fonts import PdfFonts
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _

MARGIN = 15.0  # mm, all round
PT = 25.4 / 72


@dataclass(frozen=True)
class Column:
    width: float  # mm
    heading: str


@dataclass(frozen=True)
class Type:
    """The sizes of a list: its title, the lines under it, the table and the footer (points),
    a row and its box (mm)."""

    title_pt: float
    line_pt: float
    table_pt: float
    foot_pt: float
    row: float
    box: float
    box_column: float  # the box's column, mm
    least_pt: float = 0  # a cell's text too wide is set smaller, down to this, before it is cut


@dataclass(frozen=True)
class PaperTable:
    """What a list on paper shows."""

    title: str
    lines: tuple[str, ...]  # under the title (the first bold)
    columns: tuple[Column, ...]  # after the box's column
    rows: tuple[tuple[str, ...], ...]
    foot: str  # what it is, before "page n of m" at the bottom of each page
    type: Type
    closing: str | None = None  # a line under the last row
    every_page: bool = False  # the title and all its lines on every page (else the first line)
    landscape: bool = False


class _Sheet:
    """The PDF being drawn: its fonts (a regular and a bold one, and any a name needs)."""

    def __init__(self, landscape: bool) -> None:
        pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_creator("eventdesk")
        pdf.set_compression(True)
        self.pdf = pdf
        self.width, self.height = (297.0, 210.0) if landscape else (210.0, 297.0)
        self.fonts = PdfFonts(pdf)
        self.family, self.bold = self.fonts.base, "B"
        self.size = 10.0
        if self.fonts.embedded:  # a regular cut of the first font's family for the rows
            first = self.fonts.fonts[0]
            regular = next(
                (
                    f
                    for f in self.fonts.fonts
                    if f.family == first.family and f.weight < 150 and f.slant == 0
                ),
                None,
            )
            if regular is not None and first.weight >= 150:
                self.family = self.fonts.family(regular)
                if not self.fonts.add_style(self.family, "B", first):
                    self.bold = ""
            else:
                self.bold = ""

    def fit(self, text: str) -> str:
        """``text`` as this PDF can draw it: the fonts its characters need are added (a name in
        another script); a script no font here has, in Latin letters (never blank or boxes)."""
        return self.fonts.prepare(readable(text, self.fonts.extra))

    def font(self, size: float, *, bold: bool = False) -> None:
        self.size = size
        self.pdf.set_font(self.family, self.bold if bold else "", size)

    def cell(self, width: float, height: float, text: str, least_pt: float = 0) -> None:
        """One cell of a row at the current place, the text set smaller to fit its width (down
        to ``least_pt``); still too wide, it takes two lines of the row at that size, and what
        the second cannot hold is cut (an ellipsis)."""
        pdf = self.pdf
        shown = self.fit(text)
        inner = width - 1.5
        size = pdf.font_size_pt
        while least_pt and size > least_pt and pdf.get_string_width(shown) > inner:
            size = max(least_pt, size - 0.5)
            pdf.set_font_size(size)
        if pdf.get_string_width(shown) <= inner:
            pdf.cell(width, height, shown)
        elif least_pt and height >= 2 * (line := size * PT * 1.15):
            first, rest = self._first_line(shown, inner)
            x, y = pdf.get_x(), pdf.get_y()
            pdf.set_xy(x, y + height / 2 - line)
            pdf.cell(width, line, first)
            pdf.set_xy(x, y + height / 2)
            pdf.cell(width, line, self._cut(rest, inner))
            pdf.set_xy(x + width, y)
        else:
            pdf.cell(width, height, self._cut(shown, inner))
        pdf.set_font_size(self.size)

    def _first_line(self, text: str, inner: float) -> tuple[str, str]:
        """As many of ``text``'s words as fit ``inner`` mm at the current size, and the rest (a
        first word too wide for a line is split where it must be)."""
        pdf = self.pdf
        words = text.split(" ")
        taken = 0
        while taken < len(words) and pdf.get_string_width(" ".join(words[: taken + 1])) <= inner:
            taken += 1
        if taken == 0:
            cut = len(text)
            while cut > 1 and pdf.get_string_width(text[:cut]) > inner:
                cut -= 1
            return text[:cut], text[cut:]
        return " ".join(words[:taken]), " ".join(words[taken:])

    def _cut(self, text: str, inner: float) -> str:
        """``text``, cut with an ellipsis where it is wider than ``inner`` mm."""
        pdf = self.pdf
        if pdf.get_string_width(text) <= inner:
            return text
        while text and pdf.get_string_width(text + "…") > inner:
            text = text[:-1]
        return text + "…"


def write_paper_table(table: PaperTable, path: str) -> int:
    """``table`` as a PDF in ``path``; how many pages it has."""
    kind = table.type
    sheet = _Sheet(table.landscape)
    pdf, row = sheet.pdf, kind.row
    title_h, line_h = kind.title_pt * PT * 1.5, kind.line_pt * PT * 1.45
    foot_h = kind.foot_pt * PT * 2.5
    full_head = title_h + line_h * len(table.lines) + 3
    short_head = line_h + 2
    bottom = sheet.height - MARGIN - foot_h - (row if table.closing else 0)

    def rows_on(first: bool) -> int:
        top = MARGIN + (full_head if first or table.every_page else short_head) + row
        return max(1, int((bottom - top) // row))

    pages, left = 0, len(table.rows)
    while True:  # the pages it takes, to say "page 2 of 3" on each
        pages += 1
        left -= rows_on(pages == 1)
        if left <= 0:
            break
    right = sheet.width - MARGIN
    done = 0
    for page in range(1, pages + 1):
        pdf.add_page()
        if page == 1 or table.every_page:
            sheet.font(kind.title_pt, bold=True)
            pdf.cell(0, title_h, sheet.fit(table.title))
            pdf.ln(title_h)
            for n, line in enumerate(table.lines):
                sheet.font(kind.line_pt, bold=n == 0)
                pdf.cell(0, line_h, sheet.fit(line))
                pdf.ln(line_h)
            pdf.ln(3)
        else:
            sheet.font(kind.line_pt, bold=True)
            pdf.cell(0, line_h, sheet.fit(table.lines[0]))
            pdf.ln(line_h + 2)
        sheet.font(kind.table_pt, bold=True)
        pdf.set_x(MARGIN + kind.box_column)
        for column in table.columns:
            sheet.cell(column.width, row, column.heading)
        pdf.ln(row)
        pdf.set_draw_color(0)
        pdf.line(MARGIN, pdf.get_y(), right, pdf.get_y())
        sheet.font(kind.table_pt)
        for values in table.rows[done : done + rows_on(page == 1)]:
            y = pdf.get_y()
            pdf.set_draw_color(0)
            pdf.rect(
                MARGIN + (kind.box_column - kind.box) / 2,
                y + (row - kind.box) / 2,
                kind.box,
                kind.box,
            )
            pdf.set_x(MARGIN + kind.box_column)
            for column, value in zip(table.columns, values, strict=True):
                sheet.cell(column.width, row, value, kind.least_pt)
            pdf.ln(row)
            pdf.set_draw_color(150)
            pdf.line(MARGIN, pdf.get_y(), right, pdf.get_y())
            done += 1
        if page == pages and table.closing:
            pdf.ln(2)
            sheet.font(kind.line_pt)
            pdf.cell(0, row, sheet.fit(table.closing))
        pdf.set_y(sheet.height - MARGIN - foot_h / 2)
        sheet.font(kind.foot_pt)
        pdf.set_text_color(90)
        foot = _("page {page} of {pages}").format(page=page, pages=pages)
        pdf.cell(0, foot_h / 2, sheet.fit(f"{table.foot} · {foot}"), align="R")
        pdf.set_text_color(0)
    try:
        Path(path).write_bytes(bytes(pdf.output()))
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc),
            field="pdf",
        ) from None
    return pages

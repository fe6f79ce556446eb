"""The roll call on paper (``report inside --pdf``): who is inside now, for an evacuation or a
head count at a door, with a box to tick beside each name.

A4, a table that runs over as many pages as it takes, its headings on each page: the title,
what it is of, when it was made and how many there are (services.stats.inside.words_for, the
words the command and the stats screen use), then a row a person: the box, the name, the ticket
type, when and at which station they came in last, the ticket. Names are drawn in the fonts the
badges use (badges.fonts: a name in any script takes the first font that has it, shaped with
HarfBuzz); a character no font on this machine has is said, and the ticket id is beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from badges.fonts import uncovered
from badges.pdf_fonts import PdfFonts
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _
from eventdesk.services.stats.inside import RollCall, made_at, since_text, words_for

MARGIN = 15.0  # mm, all round
FOOT = 10.0  # the footer's room at the bottom
ROW = 7.0  # a person's row
BOX = 4.2  # the box to tick
TITLE_PT, LINE_PT, TABLE_PT, FOOT_PT = 16, 10, 10, 8
PT = 25.4 / 72


@dataclass(frozen=True)
class Column:
    width: float  # mm
    heading: str


def _columns() -> list[Column]:
    return [
        Column(8, ""),  # the box to tick
        # TRANSLATORS: the headings of the roll call's table (report inside --pdf)
        Column(60, _("name")),
        Column(28, _("ticket type")),
        Column(26, _("since")),
        Column(32, _("station")),
        Column(26, _("ticket")),
    ]


class _Sheet:
    """The PDF being drawn: its fonts (a regular and a bold one, and any a name needs)."""

    def __init__(self) -> None:
        pdf = FPDF(unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_creator("eventdesk")
        pdf.set_compression(True)
        self.pdf = pdf
        self.fonts = PdfFonts(pdf)
        self.family, self.bold = self.fonts.base, "B"
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
        another script); with no font at all, what Latin-1 lacks is a '?'."""
        return self.fonts.prepare(text)

    def font(self, size: float, *, bold: bool = False) -> None:
        self.pdf.set_font(self.family, self.bold if bold else "", size)

    def cell(self, width: float, text: str, *, align: str = "L") -> None:
        """One cell of a row at the current place, the text cut to its width (an ellipsis)."""
        pdf = self.pdf
        shown = self.fit(text)
        inner = width - 1.5
        if pdf.get_string_width(shown) > inner:
            while shown and pdf.get_string_width(shown + "…") > inner:
                shown = shown[:-1]
            shown += "…"
        pdf.cell(width, ROW, shown, align=align)


def _rows_on(first: bool, top_first: float, top_later: float) -> int:
    bottom = 297.0 - MARGIN - FOOT - ROW  # the room the last rows leave for the tally line
    top = top_first if first else top_later
    return max(1, int((bottom - top) // ROW))


def write_roll_call(call: RollCall, path: str) -> tuple[int, str]:
    """The roll call as a PDF in ``path``: how many pages it has, and the characters of its
    names no font on this machine has (they print as boxes)."""
    sheet = _Sheet()
    pdf = sheet.pdf
    columns = _columns()
    lines = words_for(call)
    title_h, line_h = TITLE_PT * PT * 1.5, LINE_PT * PT * 1.45
    top_first = MARGIN + title_h + line_h * len(lines) + 3 + ROW  # under the headings' row
    top_later = MARGIN + line_h + 2 + ROW
    people = list(call.people)
    pages, left, first = 0, len(people), True
    while True:  # the pages it takes, to say "page 2 of 3" on each
        pages += 1
        left -= _rows_on(first, top_first, top_later)
        first = False
        if left <= 0:
            break
    done = 0
    for page in range(1, pages + 1):
        pdf.add_page()
        if page == 1:
            sheet.font(TITLE_PT, bold=True)
            pdf.cell(0, title_h, sheet.fit(_("Roll call: who is inside now")))
            pdf.ln(title_h)
            sheet.font(LINE_PT)
            for n, line in enumerate(lines):
                sheet.font(LINE_PT, bold=n == 0)
                pdf.cell(0, line_h, sheet.fit(line))
                pdf.ln(line_h)
            pdf.ln(3)
        else:
            sheet.font(LINE_PT, bold=True)
            pdf.cell(0, line_h, sheet.fit(lines[0]))
            pdf.ln(line_h + 2)
        sheet.font(TABLE_PT, bold=True)
        for column in columns:
            sheet.cell(column.width, column.heading)
        pdf.ln(ROW)
        pdf.set_draw_color(0)
        pdf.line(MARGIN, pdf.get_y(), 210 - MARGIN, pdf.get_y())
        sheet.font(TABLE_PT)
        for person in people[done : done + _rows_on(page == 1, top_first, top_later)]:
            y = pdf.get_y()
            pdf.set_draw_color(0)
            pdf.rect(MARGIN + 1.5, y + (ROW - BOX) / 2, BOX, BOX)
            pdf.set_x(MARGIN + columns[0].width)
            values = [
                person.name,
                person.ticket_type,
                since_text(call, person.since),
                person.station or "?",
                person.ticket_id,
            ]
            for column, value in zip(columns[1:], values, strict=True):
                sheet.cell(column.width, value)
            pdf.ln(ROW)
            pdf.set_draw_color(190)
            pdf.line(MARGIN, pdf.get_y(), 210 - MARGIN, pdf.get_y())
            done += 1
        if page == pages:
            pdf.ln(2)
            sheet.font(LINE_PT)
            pdf.cell(
                0,
                ROW,
                sheet.fit(
                    _("ticked: ______ of {count}    checked by: ____________________").format(
                        count=call.count
                    )
                ),
            )
        pdf.set_y(297 - MARGIN - FOOT / 2)
        sheet.font(FOOT_PT)
        pdf.set_text_color(90)
        foot = _("page {page} of {pages}").format(page=page, pages=pages)
        pdf.cell(0, FOOT / 2, sheet.fit(f"{call.title} · {made_at(call)} · {foot}"), align="R")
        pdf.set_text_color(0)
    try:
        Path(path).write_bytes(bytes(pdf.output()))
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc),
            field="pdf",
        ) from None
    missing = uncovered("".join(p.name for p in people))
    return pages, missing

"""Badges pre-printed on sheets: the stocks known, and a PDF of an event's badges laid out on
one of them (badges.pdf draws each).

A stock is a page (A4 or US Letter) cut into a grid of equal badges: its size, how many across
and down, the first badge's corner and the gaps between them, in millimetres, as the maker's
template gives them. A layout is stretched to the stock's badge (its text fitted again, its QR
kept square), so one layout prints on a label printer and on any sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from badges.badge import Badge
from badges.layout import Layout
from badges.pdf import PdfBadges
from eventdesk.errors import InvalidInput
from eventdesk.i18n import N_, _

if TYPE_CHECKING:
    from eventdesk.db import Store

INCH = 25.4
PAGES = {"A4": (210.0, 297.0), "Letter": (8.5 * INCH, 11 * INCH)}


@dataclass(frozen=True)
class Stock:
    name: str
    title: str  # what it is, in words (marked where written: shown through ``_``)
    page: str  # A4 or Letter
    columns: int
    rows: int
    width_mm: float  # one badge
    height_mm: float
    left_mm: float  # the first badge's top-left corner on the page
    top_mm: float
    gap_x_mm: float = 0.0
    gap_y_mm: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def box(self, n: int) -> tuple[float, float]:
        """The top-left corner of the page's ``n``-th badge (0-based, across then down)."""
        column, row = n % self.columns, n // self.columns
        return (
            self.left_mm + column * (self.width_mm + self.gap_x_mm),
            self.top_mm + row * (self.height_mm + self.gap_y_mm),
        )


STOCKS: dict[str, Stock] = {
    s.name: s
    for s in (
        Stock("avery-l4785", N_("Avery L4785 name badge labels, 80 x 50 mm"), "A4", 2, 4,
              80.0, 50.0, 17.5, 38.5, 15.0, 10.0),
        Stock("avery-l7418", N_("Avery L7418 name badge labels, 86 x 55 mm"), "A4", 2, 5,
              86.0, 55.0, 14.0, 11.0, 10.0, 0.0),
        Stock("avery-5392", N_("Avery 5392 name badge inserts, 4 x 3 in"), "Letter", 2, 3,
              4 * INCH, 3 * INCH, 0.25 * INCH, 1.0 * INCH, 0.0, 0.0),
        Stock("avery-74459", N_("Avery 74459 clip badge inserts, 3 x 4 in (portrait)"),
              "Letter", 2, 2,
              3 * INCH, 4 * INCH, 1.0 * INCH, 1.25 * INCH, 0.5 * INCH, 0.5 * INCH),
        Stock("a6-on-a4", N_("A6 cards, four to an A4 page (cut in quarters)"), "A4", 2, 2,
              105.0, 148.5, 0.0, 0.0, 0.0, 0.0),
        Stock("a7-on-a4", N_("A7 cards, eight to an A4 page"), "A4", 2, 4,
              105.0, 74.25, 0.0, 0.0, 0.0, 0.0),
    )
}  # fmt: skip


def stock(name: str) -> Stock:
    found = STOCKS.get(name.strip().lower())
    if found is None:
        raise InvalidInput(
            _("no badge stock {name!r} (known: {known}; see `badge stocks`)").format(
                name=name, known=", ".join(STOCKS)
            ),
            field="stock",
        )
    return found


CROP = 4.0  # a crop mark's length, in millimetres, outside the badge's corner
CROP_GAP = 1.0


def sheet_pdf(
    badges: Iterable[Badge],
    layout_of: Callable[[Badge], Layout],
    paper: Stock,
    *,
    crop_marks: bool = False,
    fonts: tuple[str, ...] = (),
    progress: Callable[[int], None] | None = None,
) -> tuple[bytes, int, int]:
    """The badges on sheets of ``paper``, in the order given: the PDF, how many badges and
    pages."""
    width, height = PAGES[paper.page]
    doc = PdfBadges(width, height, fonts=fonts)
    count = 0
    for count, badge in enumerate(badges, start=1):
        n = (count - 1) % paper.per_page
        if n == 0:
            doc.page()
        x, y = paper.box(n)
        doc.badge(badge, layout_of(badge), x, y, paper.width_mm, paper.height_mm)
        if crop_marks:
            _crop_marks(doc, paper, n)
        if progress is not None and count % 100 == 0:
            progress(count)
    if count == 0:
        raise InvalidInput(_("no badge to print: no ticket matches"), field="tickets")
    pages = (count + paper.per_page - 1) // paper.per_page
    return doc.output(), count, pages


def _crop_marks(doc: PdfBadges, paper: Stock, n: int) -> None:
    """Thin marks at each corner of the page's ``n``-th badge, outside it, where the cuts go;
    none where they would fall on the badge beside it (a stock with no gap between badges)."""
    pdf = doc.pdf
    pdf.set_draw_color(0)
    pdf.set_line_width(0.1)
    x, y = paper.box(n)
    column, row = n % paper.columns, n // paper.columns
    room_x = paper.gap_x_mm >= CROP_GAP + CROP
    room_y = paper.gap_y_mm >= CROP_GAP + CROP
    for side_x, cx in ((-1, x), (1, x + paper.width_mm)):
        outer_x = (column == 0) if side_x < 0 else (column == paper.columns - 1)
        for side_y, cy in ((-1, y), (1, y + paper.height_mm)):
            outer_y = (row == 0) if side_y < 0 else (row == paper.rows - 1)
            if outer_x or room_x:  # a mark along the badge's top or bottom edge, sideways
                pdf.line(cx + side_x * CROP_GAP, cy, cx + side_x * (CROP_GAP + CROP), cy)
            if outer_y or room_y:
                pdf.line(cx, cy + side_y * CROP_GAP, cx, cy + side_y * (CROP_GAP + CROP))


def write_sheet(
    store: Store,
    event_ref: str | int,
    *,
    stock_name: str,
    output: str | Path,
    layout_name: str | None = None,
    ticket_type: str | None = None,
    not_checked_in: bool = False,
    tickets: list[str] | None = None,
    sort: str = "surname",
    crop_marks: bool = False,
    fonts: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An event's badges on sheets of a stock, written to ``output`` as a PDF (the CLI's
    ``badge sheet`` and the organizer screen): what it holds, and the names no font here
    draws (by ticket)."""
    from badges.badge import event_badges
    from badges.fonts import uncovered
    from badges.layout import badge_text, find_layout, layout_of

    paper = stock(stock_name)
    made = event_badges(
        store,
        event_ref,
        ticket_type=ticket_type,
        not_checked_in=not_checked_in,
        tickets=tickets,
        sort=sort,
    )
    if layout_name is not None:
        _layout, name, source = find_layout(store, layout_name)
        made = [replace(b, layout=name, layout_source=source) for b in made]
    data, count, pages = sheet_pdf(made, layout_of, paper, crop_marks=crop_marks, fonts=fonts)
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {problem}").format(path=output, problem=exc.strerror or exc),
            field="output",
        ) from None
    missing = {b.ticket_id: lacking for b in made if (lacking := uncovered(badge_text(b), fonts))}
    return {
        "path": str(output),
        "badges": count,
        "pages": pages,
        "stock": paper.name,
        "bytes": len(data),
        "missing_glyphs": missing,
    }

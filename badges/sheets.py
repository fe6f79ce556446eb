"""Badges pre-printed on sheets: a PDF of an event's badges laid out on a stock (badges.stocks
says what a stock is; badges.pdf draws each badge).

A layout is stretched to the stock's badge (its text fitted again, its QR kept square), so one
layout prints on a label printer and on any sheet. What a print shop asks of a sheet:

- Nothing where the printer cannot print: every page is drawn clipped to the stock's printable
  area, and a badge is drawn inside its safe area (the badge less the stock's safe margin, and
  less whatever of it lies where the printer cannot print). A stock that allows bleed draws
  its badges to the cut (a ribbon runs to the edge), still inside the printable area.
- Crop marks where the cuts go, outside the badges, on every stock with room for them (a
  margin or a gap wide enough, inside the printable area). A stock cut by guillotine whose
  badges touch at the page's edge (A6 and A7 cards on A4) has none: thin lines are drawn along
  its cuts instead, only where a cut goes. A pre-cut stock (die-cut labels, perforated cards)
  without room gets none, and says so. ``cut_plan`` decides, ``crop_note`` says it.
- An offset (the stock's, plus the printer's feed error, or one given for the run) shifts
  everything printed; badges.calibrate prints the page that measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from badges.badge import Badge
from badges.layout import Layout
from badges.pdf import PdfBadges
from badges.stocks import INCH, PAGES, STOCKS, Stock, find_stock
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _

if TYPE_CHECKING:
    from eventdesk.db import Store

__all__ = ["INCH", "PAGES", "STOCKS", "Stock", "cut_plan", "sheet_pdf", "write_sheet"]

CROP = 4.0  # a crop mark's longest, in millimetres
CROP_GAP = 1.0  # between a badge's edge and its mark
SHORTEST_MARK = 2.0  # a mark with less room than this is not drawn
MARK_WIDTH = 0.1
LINE_GREY = 150  # cut lines: light, so that a hair of one left on a badge is hardly seen

Segment = tuple[float, float, float, float]  # x1, y1, x2, y2 on the page, in millimetres
Offset = tuple[float, float]
Segment2 = tuple[float, float]  # a stretch along a line: from, to


@dataclass(frozen=True)
class CutPlan:
    """How a stock's cuts are shown: ``marks`` (crop marks at every cut, or, on a pre-cut
    stock, where there is room), ``cut lines`` (a guillotine stock without room: lines along
    the cuts that have no mark) or ``none``; the marks and lines, and how many cuts were
    marked of how many there are (a cut along the page's own edge is none)."""

    kind: str
    marks: tuple[Segment, ...]
    lines: tuple[Segment, ...]
    marked: int
    cuts: int


def _edges(start: float, count: int, size: float, gap: float) -> list[float]:
    """Where the cuts go along one direction: each badge's two edges, those shared once."""
    found: list[float] = []
    for n in range(count):
        for edge in (start + n * (size + gap), start + n * (size + gap) + size):
            if not found or abs(found[-1] - edge) > 0.01:
                found.append(edge)
    return found


def _room(start: float, count: int, size: float, gap: float, limit: float) -> list[Segment2]:
    """The stretches beside the badges along a cut where a mark can go: before the first
    badge (to the printable edge, ``limit``), in each gap between two, and after the last."""
    last = start + count * size + (count - 1) * gap
    spans = [(max(limit, start - CROP_GAP - CROP), start - CROP_GAP)]
    if gap > 0:
        spans += [
            (start + n * (size + gap) + size + CROP_GAP, start + (n + 1) * (size + gap) - CROP_GAP)
            for n in range(count - 1)
        ]
    spans.append((last + CROP_GAP, last + CROP_GAP + CROP))
    return spans


def cut_plan(paper: Stock) -> CutPlan:
    """Where ``paper``'s crop marks go (on the page, before any offset), or its cut lines."""
    page_w, page_h, margin = paper.page_width_mm, paper.page_height_mm, paper.printable_mm
    down = (paper.top_mm, paper.rows, paper.height_mm, paper.gap_y_mm)
    across_page = (paper.left_mm, paper.columns, paper.width_mm, paper.gap_x_mm)
    marks: list[Segment] = []
    lines: list[Segment] = []
    cuts = marked = 0
    for across, (edges, others, size, other_size) in (
        (False, (_edges(*across_page), down, page_w, page_h)),  # the cuts down, at each x
        (True, (_edges(*down), across_page, page_h, page_w)),  # the cuts across, at each y
    ):
        spans = _room(*others, margin)
        first = others[0]
        end = first + others[1] * others[2] + (others[1] - 1) * others[3]
        far = other_size - margin
        for at in edges:
            if at < 0.01 or at > size - 0.01:
                continue  # the page's own edge: nothing to cut
            cuts += 1
            printable = margin <= at <= size - margin
            drawn = [
                (a, min(b, far))
                for a, b in spans
                if printable and min(b, far) - a >= SHORTEST_MARK - 0.001
            ]
            if drawn:
                marked += 1
            for a, b in drawn:
                marks.append((a, at, b, at) if across else (at, a, at, b))
            if not drawn and printable and paper.cut == "guillotine":
                a, b = max(first, margin), min(end, far)
                lines.append((a, at, b, at) if across else (at, a, at, b))
    if cuts and marked == cuts:
        kind = "marks"
    elif lines:
        kind = "cut lines"
    else:
        kind = "marks" if marks else "none"
    return CutPlan(kind, tuple(marks), tuple(lines), marked, cuts)


def crop_note(paper: Stock, plan: CutPlan) -> str:
    """What a sheet's crop marks are, in a sentence."""
    if plan.cuts == 0:
        return _("{stock} has nothing to cut: no crop marks").format(stock=paper.name)
    if plan.kind == "marks" and plan.marked == plan.cuts:
        return _("crop marks at every cut, outside the badges")
    if plan.kind == "cut lines":
        return _(
            "no room for crop marks on {stock} (its badges touch, and a printer cannot print at "
            "the page's edge): thin lines are drawn along the cuts instead"
        ).format(stock=paper.name)
    if plan.kind == "marks":
        return _(
            "crop marks where there is room ({marked} of {cuts} cuts); {stock} is pre-cut, so "
            "it needs none to come apart"
        ).format(marked=plan.marked, cuts=plan.cuts, stock=paper.name)
    return _(
        "no crop marks on {stock}: there is no room for them (its badges touch, and a printer "
        "cannot print at the page's edge); it is pre-cut, so it needs none"
    ).format(stock=paper.name)


def safe_box(paper: Stock, n: int) -> tuple[float, float, float, float]:
    """Where the page's ``n``-th badge is drawn (before any offset): the badge less its safe
    margin (none on a stock that allows bleed), and less what lies where a printer cannot
    print."""
    x, y = paper.box(n)
    keep = 0.0 if paper.bleed else paper.safe_mm
    edge = paper.printable_mm
    left = max(keep, edge - x)
    top = max(keep, edge - y)
    right = max(keep, x + paper.width_mm - (paper.page_width_mm - edge))
    bottom = max(keep, y + paper.height_mm - (paper.page_height_mm - edge))
    return (
        x + left,
        y + top,
        max(paper.width_mm - left - right, 1.0),
        max(paper.height_mm - top - bottom, 1.0),
    )


def _pages(badges: Iterable[Badge], per_page: int) -> Iterator[list[Badge]]:
    page: list[Badge] = []
    for one in badges:
        page.append(one)
        if len(page) == per_page:
            yield page
            page = []
    if page:
        yield page


def sheet_pdf(
    badges: Iterable[Badge],
    layout_of: Callable[[Badge], Layout],
    paper: Stock,
    *,
    crop_marks: bool = False,
    fonts: tuple[str, ...] = (),
    progress: Callable[[int], None] | None = None,
    offset_mm: Offset | None = None,
    told: dict[str, list[str]] | None = None,
    in_latin: dict[str, list[str]] | None = None,
) -> tuple[bytes, int, int]:
    """The badges on sheets of ``paper``, in the order given: the PDF, how many badges and
    pages. ``offset_mm`` shifts everything printed (None: the stock's own); ``told`` gets what
    each badge's plan says of it (a name set below its readable minimum), by ticket, and
    ``in_latin`` its words printed in Latin letters (no font here draws them), as printed."""
    dx, dy = paper.offset_mm if offset_mm is None else offset_mm
    doc = PdfBadges(paper.page_width_mm, paper.page_height_mm, fonts=fonts)
    pdf = doc.pdf
    plan = cut_plan(paper) if crop_marks else None
    boxes = [safe_box(paper, n) for n in range(paper.per_page)]
    edge = paper.printable_mm
    count = pages = 0
    for page in _pages(badges, paper.per_page):
        doc.page()
        pages += 1
        with (
            pdf.local_context(),
            pdf.rect_clip(
                edge + dx,
                edge + dy,
                paper.page_width_mm - 2 * edge,
                paper.page_height_mm - 2 * edge,
            ),
        ):
            for n, badge in enumerate(page):
                x, y, width, height = boxes[n]
                drawn = doc.badge(badge, layout_of(badge), x + dx, y + dy, width, height)
                if told is not None and (warnings := drawn.fit_warnings):
                    told[badge.ticket_id] = warnings
                if in_latin is not None and drawn.latin:
                    in_latin[badge.ticket_id] = [said.shown for said in drawn.latin]
                count += 1
                if progress is not None and count % 100 == 0:
                    progress(count)
            if plan is not None:
                _draw_cuts(doc, plan, dx, dy)
    if count == 0:
        raise InvalidInput(_("no badge to print: no ticket matches"), field="tickets")
    return doc.output(), count, pages


def _draw_cuts(doc: PdfBadges, plan: CutPlan, dx: float, dy: float) -> None:
    pdf = doc.pdf
    pdf.set_line_width(MARK_WIDTH)
    pdf.set_draw_color(0)
    for x1, y1, x2, y2 in plan.marks:
        pdf.line(x1 + dx, y1 + dy, x2 + dx, y2 + dy)
    if plan.lines:
        pdf.set_draw_color(LINE_GREY)
        for x1, y1, x2, y2 in plan.lines:
            pdf.line(x1 + dx, y1 + dy, x2 + dx, y2 + dy)
        pdf.set_draw_color(0)


def parse_offset(text: str) -> Offset:
    """``--offset X,Y`` in millimetres ("-1.5,0.5"), each within 20 mm either way."""
    try:
        x, y = (float(part) for part in text.replace(";", ",").split(","))
    except ValueError:
        raise InvalidInput(
            _("--offset is X,Y in millimetres (e.g. -1.5,0.5), not {text!r}").format(text=text),
            field="offset",
        ) from None
    if abs(x) > 20 or abs(y) > 20:
        raise InvalidInput(_("--offset: each within 20 mm either way"), field="offset")
    return (x, y)


def sheet_offset(paper: Stock, printer_offset: Offset, given: Offset | None) -> Offset:
    """What shifts a sheet: the one given for the run, else the stock's and the printer's
    added up."""
    if given is not None:
        return given
    return (
        round(paper.offset_mm[0] + printer_offset[0], 3),
        round(paper.offset_mm[1] + printer_offset[1], 3),
    )


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
    lang: str | None = None,
    offset_mm: Offset | None = None,
    printer_offset_mm: Offset = (0.0, 0.0),
) -> dict[str, Any]:
    """An event's badges on sheets of a stock (built in, added, or a .toml file), written to
    ``output`` as a PDF (the CLI's ``badge sheet`` and the organizer screen): what it holds,
    its crop marks said in a sentence, and the words no font here draws (by ticket; they
    print in Latin letters). Names
    sort in ``lang``'s order (None: the language the text is in; eventdesk.collation)."""
    from badges.badge import event_badges
    from badges.fonts import uncovered
    from badges.layout import badge_text, find_layout, layout_of
    from eventdesk.collation import language_code, sorting_in

    paper = find_stock(store, stock_name)
    code = None if lang is None else language_code(lang)
    with sorting_in(code) as order:
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
    # A name no font here draws is never printed as empty boxes: it prints in Latin letters
    # (badges.typeset), said by ticket (``latin``) with the font that would draw it as written.
    shift = sheet_offset(paper, printer_offset_mm, offset_mm)
    told: dict[str, list[str]] = {}
    latin: dict[str, list[str]] = {}
    data, count, pages = sheet_pdf(
        made,
        layout_of,
        paper,
        crop_marks=crop_marks,
        fonts=fonts,
        offset_mm=shift,
        told=told,
        in_latin=latin,
    )
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {problem}").format(path=output, problem=exc.strerror or exc),
            field="output",
        ) from None
    missing = {b.ticket_id: lacking for b in made if (lacking := uncovered(badge_text(b), fonts))}
    plan = cut_plan(paper)
    return {
        "path": str(output),
        "badges": count,
        "pages": pages,
        "stock": paper.name,
        "bytes": len(data),
        "missing_glyphs": missing,  # by ticket: the characters no font here draws
        "left_out": {},  # none: a name no font draws prints in Latin letters (kept for scripts)
        "latin": latin,  # by ticket: its words printed in Latin letters, as printed
        "warnings": told,  # by ticket: a name below its readable minimum, words cut
        "crop_marks": plan.kind if crop_marks else "off",
        "note": crop_note(paper, plan) if crop_marks else "",
        "cut": paper.cut,
        "offset_mm": list(shift),
        "sort": sort,
        "collation": order,
    }

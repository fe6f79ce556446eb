"""A calibration page: how far off a printer feeds, in millimetres, read off paper.

Printed with no offset at all, the page has:
- a line 20 mm from where the page's left edge should be, and one 20 mm from its top:
  measured from the paper's real edge with a ruler, 20 less the distance is the offset that
  puts it right (offset = 20 - measured);
- on a stock whose first badge is pre-cut and has room around it, a scale across its left
  and its top edge, 0 where the edge should be: where the real edge crosses a scale is the
  offset itself (its sign as ``offset_mm`` takes it: x to the right, y down);
- the first badge's place drawn as a thin frame, and what to do with the numbers:
  ``[printers.NAME] offset_mm = [x, y]`` in eventdesk.toml (or ``offset_mm`` in the stock's
  file, or ``badge sheet --offset X,Y`` for one run).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from badges.pdf import PdfBadges
from badges.pdf_fonts import latin1
from badges.stocks import PAGES, PRINTABLE_MM, Stock
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _

if TYPE_CHECKING:
    from fpdf import FPDF

    from eventdesk.config import PrinterSettings

RULE_AT = 20.0  # the measured lines' distance from the page's edges, in millimetres
SCALE = 5.0  # a scale reaches this far either side of its zero
FONT_PT = 9.0


def _text(doc: PdfBadges, text: str) -> str:
    """``text`` as the PDF's font can write it: with no font found on this machine, fpdf2's
    Helvetica writes Latin-1 only (a French narrow space is a plain one there)."""
    if doc.fonts.embedded:
        return text
    return latin1(text.replace("\u202f", "\u00a0"))


def _scale(
    pdf: FPDF, at: float, cross: float, *, across: bool, low: float, high: float, numbered: bool
) -> None:
    """A millimetre scale along one direction: its zero at ``at`` (x when ``across``), drawn
    at ``cross`` on the other axis, from ``at - SCALE`` to ``at + SCALE``, ticks every half
    millimetre (longer at each millimetre and at 0), kept between ``low`` and ``high``."""
    pdf.set_line_width(0.08)
    steps = int(SCALE * 2)
    for step in range(-steps, steps + 1):
        where = at + step / 2
        if not low <= where <= high:
            continue
        length = 3.5 if step == 0 else 2.0 if step % 2 == 0 else 1.0
        pdf.set_line_width(0.2 if step == 0 else 0.08)
        if across:
            pdf.line(where, cross, where, cross + length)
        else:
            pdf.line(cross, where, cross + length, where)
        if numbered and step % 4 == 0:  # every other millimetre
            label = str(step // 2)
            if across:
                pdf.set_xy(where - 2.0, cross + length + 0.3)
                pdf.cell(4.0, 2.0, label, align="C")
            else:
                pdf.set_xy(cross + length + 0.3, where - 1.0)
                pdf.cell(4.0, 2.0, label, align="L")
    if across:
        pdf.line(max(at - SCALE, low), cross, min(at + SCALE, high), cross)
    else:
        pdf.line(cross, max(at - SCALE, low), cross, min(at + SCALE, high))


def has_badge_scales(paper: Stock) -> bool:
    """Whether the page measures ``paper``'s first badge too: a pre-cut one (its real edges
    are on the paper) with room before it for a scale across each edge."""
    x, y = paper.box(0)
    return paper.pre_cut and min(x, y) - paper.printable_mm >= 2.0


def calibration_pdf(
    paper: Stock | None,
    *,
    page: str = "A4",
    printer: str,
    current_offset: tuple[float, float] = (0.0, 0.0),
    fonts: tuple[str, ...] = (),
) -> bytes:
    """The calibration page for ``paper`` (None: a plain page of ``page``), for ``printer``."""
    width, height = (
        (paper.page_width_mm, paper.page_height_mm) if paper is not None else PAGES[page]
    )
    margin = paper.printable_mm if paper is not None else PRINTABLE_MM
    doc = PdfBadges(width, height, fonts=fonts)
    doc.page()
    pdf = doc.pdf
    pdf.set_draw_color(0)
    pdf.set_font_size(5)
    # The measured lines, 20 mm in from each edge, with a scale across each.
    pdf.set_line_width(0.15)
    pdf.line(RULE_AT, margin, RULE_AT, RULE_AT + 40)
    pdf.line(margin, RULE_AT, RULE_AT + 40, RULE_AT)
    pdf.set_xy(RULE_AT + 1, margin + 1)
    pdf.cell(40, 3, _text(doc, _("20 mm from the left edge")))
    pdf.set_xy(RULE_AT + 1, RULE_AT + 0.5)
    pdf.cell(40, 3, _text(doc, _("20 mm from the top edge")))
    label_scales = paper is not None and has_badge_scales(paper)
    if paper is not None:
        x, y = paper.box(0)
        pdf.set_line_width(0.08)
        pdf.set_draw_color(120)
        pdf.rect(x, y, paper.width_mm, paper.height_mm)
        pdf.set_draw_color(0)
        if label_scales:
            _scale(
                pdf,
                x,
                y + paper.height_mm / 2,
                across=True,
                low=max(margin, x - SCALE),
                high=x + paper.width_mm,
                numbered=True,
            )
            _scale(
                pdf,
                y,
                x + paper.width_mm / 2,
                across=False,
                low=max(margin, y - SCALE),
                high=y + paper.height_mm,
                numbered=True,
            )
    # What to do with the numbers.
    said = [
        _("Calibration page for printer {printer}, {stock}").format(
            printer=printer, stock=paper.name if paper is not None else page
        ),
        _("Print it at 100% (no fitting to the page), on the paper the badges go on."),
        _(
            "Across: measure from the paper's left edge to the line marked 20 mm from it. The "
            "x offset is 20 less what you measure (21.5 mm measured: x = -1.5)."
        ),
        _("Down: the same from the top edge to the line marked 20 mm from it: y."),
    ]
    if label_scales:
        said.append(
            _(
                "Or read the scales across the first badge's left and top edges: where the "
                "badge's real edge crosses a scale is the offset itself (x, then y)."
            )
        )
    said += [
        _(
            "Put the numbers in eventdesk.toml under this printer: [printers.{printer}] "
            "offset_mm = [x, y] (e.g. offset_mm = [-1.5, 0.5]); every sheet printed on it is "
            "then shifted by them. For one run: badge sheet --offset X,Y."
        ).format(printer=printer),
        _("This page is printed with no offset (the printer's is [{x}, {y}] now).").format(
            x=f"{current_offset[0]:g}", y=f"{current_offset[1]:g}"
        ),
    ]
    top = max(RULE_AT + 50, (paper.box(0)[1] + paper.height_mm + 8) if paper else 0)
    if top > height - 60:  # the first badge fills the page: the words go beside it
        top = RULE_AT + 50
    pdf.set_font_size(FONT_PT)
    left = RULE_AT + 45 if paper is not None and top == RULE_AT + 50 else 30.0
    left = min(left, width / 2)
    for line in said:
        pdf.set_xy(left, top)
        pdf.multi_cell(width - left - 20, 4.6, _text(doc, line))
        top = pdf.get_y() + 2
    return doc.output()


def calibration_target(
    settings: PrinterSettings, name: str, data_dir: Path, output: str | None
) -> Path:
    """Where a printer's calibration page goes: ``output``; else a folder printer's folder,
    or a file printer's file; another printer needs ``output`` (its page is printed from
    there)."""
    if output:
        return Path(output)
    if settings.type == "folder":
        return Path(settings.path or data_dir / "badges") / "calibration.pdf"
    if settings.type == "file" and settings.path:
        return Path(settings.path)
    raise InvalidInput(
        _(
            "printer {name} is a {kind} printer: give --output FILE.pdf, and print that page on "
            "it at 100%"
        ).format(name=name, kind=settings.type),
        field="output",
    )


def write_calibration(
    paper: Stock | None,
    settings: PrinterSettings,
    *,
    printer: str,
    data_dir: Path,
    output: str | None,
    page: str = "A4",
) -> dict[str, Any]:
    """The calibration page written where ``calibration_target`` says: what it is."""
    target = calibration_target(settings, printer, data_dir, output)
    data = calibration_pdf(
        paper,
        page=page,
        printer=printer,
        current_offset=settings.offset_mm,
        fonts=settings.fonts,
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {problem}").format(path=target, problem=exc.strerror or exc),
            field="output",
        ) from None
    return {
        "path": str(target),
        "printer": printer,
        "stock": paper.name if paper is not None else None,
        "page": paper.page if paper is not None else page,
        "bytes": len(data),
        "offset_mm": list(settings.offset_mm),
        "rule_mm": RULE_AT,
        "badge_scales": paper is not None and has_badge_scales(paper),
    }

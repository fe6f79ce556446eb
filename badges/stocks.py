"""The sheet stocks badges are laid out on: the built-in ones, and those an organizer adds as a
TOML file (kept in the store: eventdesk.services.catalogue.badge_stocks).

A stock is a page cut into a grid of equal badges: the page's size, the badge's, how many
across and down, the first badge's corner and the gaps between badges, in millimetres, as the
maker's template gives them; how the badges come apart (die-cut labels and perforated cards
are pre-cut; cards cut from a plain page go under a guillotine); the page's margin a printer
cannot print (about 4 mm on most office printers); the margin a badge keeps clear of its edge
(its safe margin), unless the stock lets ribbons bleed to the cut; and an offset in millimetres
that shifts everything printed (a stock whose labels sit a little off its template).

A stock file::

    name = "conference-90x55"
    title = "Conference cards, 90 x 55 mm, ten to an A4 page"
    page = "A4"                 # A4, A5, A3, Letter, Legal; or page_mm = [width, height]
    label_mm = [90, 55]         # one badge: width, height
    columns = 2
    rows = 5
    left_mm = 15                # the first badge's corner (the page's margins); unset: centred
    top_mm = 10
    gap_mm = [0, 0]             # between badges, across and down; or pitch_mm = [90, 55]
    cut = "guillotine"          # die-cut, perforated or guillotine
    printable_mm = 4            # the page's margin the printer cannot print
    safe_mm = 3                 # what the layout keeps from a badge's edge (unless bleed)
    bleed = false               # ribbons may run to the cut
    offset_mm = [0, 0]          # shifts everything printed: x to the right, y down
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import msgspec

from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import N_, _

if TYPE_CHECKING:
    from eventdesk.db import Store

INCH = 25.4
PAGES = {
    "A3": (297.0, 420.0),
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "Letter": (8.5 * INCH, 11 * INCH),
    "Legal": (8.5 * INCH, 14 * INCH),
}
CutKind = Literal["die-cut", "perforated", "guillotine"]
PRE_CUT = ("die-cut", "perforated")
PRINTABLE_MM = 4.0  # what most office printers leave unprinted at a page's edges
SAFE_MM = {"die-cut": 1.5, "perforated": 1.5, "guillotine": 3.0}
STOCK_BYTES = 20_000
SMALLEST_MM = 10.0  # a badge's side, and what is left of it inside its safe margin


@dataclass(frozen=True)
class Stock:
    name: str
    title: str  # what it is, in words (a built-in's is marked where written: shown through ``_``)
    page: str  # A4, Letter...; or "W x H mm"
    page_width_mm: float
    page_height_mm: float
    columns: int
    rows: int
    width_mm: float  # one badge
    height_mm: float
    left_mm: float  # the first badge's top-left corner on the page
    top_mm: float
    gap_x_mm: float = 0.0
    gap_y_mm: float = 0.0
    cut: CutKind = "die-cut"
    printable_mm: float = PRINTABLE_MM
    safe_mm: float = 1.5
    bleed: bool = False
    offset_mm: tuple[float, float] = (0.0, 0.0)
    origin: str = "built-in"  # built-in, added (kept in the store), or file
    source: str | None = field(default=None, compare=False)  # an added stock's TOML

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def pre_cut(self) -> bool:
        return self.cut in PRE_CUT

    def box(self, n: int) -> tuple[float, float]:
        """The top-left corner of the page's ``n``-th badge (0-based, across then down)."""
        column, row = n % self.columns, n // self.columns
        return (
            self.left_mm + column * (self.width_mm + self.gap_x_mm),
            self.top_mm + row * (self.height_mm + self.gap_y_mm),
        )

    def summary(self) -> dict[str, Any]:
        """The stock as ``badge stocks`` and ``stocks add`` print it."""
        return {
            "name": self.name,
            "page": self.page,
            "columns": self.columns,
            "rows": self.rows,
            "width_mm": round(self.width_mm, 2),
            "height_mm": round(self.height_mm, 2),
            "title": self.title,
            "origin": self.origin,
            "page_mm": [round(self.page_width_mm, 2), round(self.page_height_mm, 2)],
            "left_mm": round(self.left_mm, 2),
            "top_mm": round(self.top_mm, 2),
            "gap_mm": [round(self.gap_x_mm, 2), round(self.gap_y_mm, 2)],
            "cut": self.cut,
            "printable_mm": self.printable_mm,
            "safe_mm": self.safe_mm,
            "bleed": self.bleed,
            "offset_mm": list(self.offset_mm),
        }


def _built_in(
    name: str,
    title: str,
    page: str,
    grid: tuple[int, int],
    size: tuple[float, float],
    corner: tuple[float, float],
    gaps: tuple[float, float],
    cut: CutKind,
) -> Stock:
    width, height = PAGES[page]
    return Stock(
        name, title, page, width, height, *grid, *size, *corner, *gaps,
        cut=cut, safe_mm=SAFE_MM[cut],
    )  # fmt: skip


STOCKS: dict[str, Stock] = {
    s.name: s
    for s in (
        _built_in("avery-l4785", N_("Avery L4785 name badge labels, 80 x 50 mm"), "A4",
                  (2, 4), (80.0, 50.0), (17.5, 38.5), (15.0, 10.0), "die-cut"),
        _built_in("avery-l7418", N_("Avery L7418 name badge labels, 86 x 55 mm"), "A4",
                  (2, 5), (86.0, 55.0), (14.0, 11.0), (10.0, 0.0), "die-cut"),
        _built_in("avery-5392", N_("Avery 5392 name badge inserts, 4 x 3 in"), "Letter",
                  (2, 3), (4 * INCH, 3 * INCH), (0.25 * INCH, 1.0 * INCH), (0.0, 0.0),
                  "perforated"),
        _built_in("avery-74459", N_("Avery 74459 clip badge inserts, 3 x 4 in (portrait)"),
                  "Letter", (2, 2), (3 * INCH, 4 * INCH), (1.0 * INCH, 1.25 * INCH),
                  (0.5 * INCH, 0.5 * INCH), "perforated"),
        _built_in("a6-on-a4", N_("A6 cards, four to an A4 page (cut in quarters)"), "A4",
                  (2, 2), (105.0, 148.5), (0.0, 0.0), (0.0, 0.0), "guillotine"),
        _built_in("a7-on-a4", N_("A7 cards, eight to an A4 page"), "A4",
                  (2, 4), (105.0, 74.25), (0.0, 0.0), (0.0, 0.0), "guillotine"),
    )
}  # fmt: skip


# --- stocks as files ------------------------------------------------------------------------
Pair = tuple[float, float]


class StockFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A stock file as written (the module's docstring shows one)."""

    name: str
    title: str = ""
    page: str | None = None
    page_mm: Pair | None = None
    label_mm: Pair
    columns: int
    rows: int
    left_mm: float | None = None
    top_mm: float | None = None
    gap_mm: Pair | None = None
    pitch_mm: Pair | None = None
    cut: CutKind = "die-cut"
    printable_mm: float = PRINTABLE_MM
    safe_mm: float | None = None
    bleed: bool = False
    offset_mm: Pair = (0.0, 0.0)


def _refused(source: str, problem: str) -> InvalidInput:
    # TRANSLATORS: {source} is a stock file (or "stored stock NAME"), {problem} what is wrong
    return InvalidInput(
        _("{source}: {problem}").format(source=source, problem=problem), field="stock"
    )


def _mm(value: float) -> str:
    return f"{round(value, 2):g}"


def parse_stock(text: str, source: str = "stock", *, origin: str = "file") -> Stock:
    """A stock from its TOML, checked: a page and labels of sensible sizes, and every label
    on the page (a grid that does not fit is refused, saying by how much)."""
    try:
        found = msgspec.toml.decode(text.encode(), type=StockFile)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        # TRANSLATORS: msgspec's "Object contains unknown field `colour`", a typo in a stock file
        said = str(exc).replace("Object contains unknown field", _("unknown key"))
        where = re.match(r"^(?P<what>.*?) - at `\$\.(?P<key>[^`]*)`$", said, re.S)
        if where is not None:  # "Invalid enum value 'laser' - at `$.cut`": the key first
            said = f"{where.group('key')}: {where.group('what')}"
            if where.group("key") == "cut":
                said += " (" + ", ".join(get_args(CutKind)) + ")"
        raise _refused(source, said) from None
    name = found.name.strip().lower()
    if not name or len(name) > 40 or not name.isprintable() or name.endswith(".toml"):
        raise _refused(source, _("a stock's name is 1 to 40 characters, not ending in .toml"))
    page, (page_w, page_h) = _page(found, source)
    label_w, label_h = found.label_mm
    if not (SMALLEST_MM <= label_w <= page_w and SMALLEST_MM <= label_h <= page_h):
        raise _refused(
            source,
            _("a label of {width} x {height} mm: each side from {least} mm to the page's").format(
                width=_mm(label_w), height=_mm(label_h), least=_mm(SMALLEST_MM)
            ),
        )
    if not (1 <= found.columns <= 50 and 1 <= found.rows <= 50):
        raise _refused(source, _("columns and rows: 1 to 50 each"))
    gap_x, gap_y = _gaps(found, source)
    across = found.columns * label_w + (found.columns - 1) * gap_x
    down = found.rows * label_h + (found.rows - 1) * gap_y
    left = (page_w - across) / 2 if found.left_mm is None else found.left_mm
    top = (page_h - down) / 2 if found.top_mm is None else found.top_mm
    if left < 0 or top < 0:
        raise _refused(source, _("left_mm and top_mm are 0 or more (the page's margins)"))
    for end, size, what in ((left + across, page_w, "across"), (top + down, page_h, "down")):
        if end > size + 0.01:
            raise _refused(
                source,
                (
                    _(
                        "the labels do not fit the page across: they end {over} mm past its "
                        "{size} mm width ({columns} of {label} mm from {start} mm, {gap} mm "
                        "apart)"
                    )
                    if what == "across"
                    else _(
                        "the labels do not fit the page down: they end {over} mm past its "
                        "{size} mm height ({rows} of {label} mm from {start} mm, {gap} mm apart)"
                    )
                ).format(
                    over=_mm(end - size),
                    size=_mm(size),
                    columns=found.columns,
                    rows=found.rows,
                    label=_mm(label_w if what == "across" else label_h),
                    start=_mm(left if what == "across" else top),
                    gap=_mm(gap_x if what == "across" else gap_y),
                ),
            )
    if not 0 <= found.printable_mm <= 25:
        raise _refused(source, _("printable_mm (the margin a printer cannot print): 0 to 25"))
    safe = SAFE_MM[found.cut] if found.safe_mm is None else found.safe_mm
    if safe < 0 or min(label_w, label_h) - 2 * safe < SMALLEST_MM:
        raise _refused(
            source,
            _("safe_mm: 0 or more, leaving at least {least} mm of the label inside it").format(
                least=_mm(SMALLEST_MM)
            ),
        )
    if any(abs(v) > 20 for v in found.offset_mm):
        raise _refused(source, _("offset_mm: each within 20 mm either way"))
    return Stock(
        name=name,
        title=found.title.strip() or name,
        page=page,
        page_width_mm=page_w,
        page_height_mm=page_h,
        columns=found.columns,
        rows=found.rows,
        width_mm=label_w,
        height_mm=label_h,
        left_mm=left,
        top_mm=top,
        gap_x_mm=gap_x,
        gap_y_mm=gap_y,
        cut=found.cut,
        printable_mm=found.printable_mm,
        safe_mm=safe,
        bleed=found.bleed,
        offset_mm=(float(found.offset_mm[0]), float(found.offset_mm[1])),
        origin=origin,
        source=text,
    )


def _page(found: StockFile, source: str) -> tuple[str, Pair]:
    if (found.page is None) == (found.page_mm is None):
        raise _refused(
            source,
            _("give page ({pages}) or page_mm = [width, height], one of them").format(
                pages=", ".join(PAGES)
            ),
        )
    if found.page is not None:
        named = {k.lower(): k for k in PAGES}.get(found.page.strip().lower())
        if named is None:
            raise _refused(
                source,
                _("no page {page!r} (known: {pages}; or page_mm = [width, height])").format(
                    page=found.page, pages=", ".join(PAGES)
                ),
            )
        return named, PAGES[named]
    assert found.page_mm is not None
    width, height = found.page_mm
    if not (50 <= width <= 1000 and 50 <= height <= 1000):
        raise _refused(source, _("page_mm: each side from 50 to 1000 mm"))
    return f"{_mm(width)} x {_mm(height)} mm", (width, height)


def _gaps(found: StockFile, source: str) -> Pair:
    if found.gap_mm is not None and found.pitch_mm is not None:
        raise _refused(source, _("give gap_mm or pitch_mm, not both"))
    if found.pitch_mm is not None:
        gaps = (found.pitch_mm[0] - found.label_mm[0], found.pitch_mm[1] - found.label_mm[1])
        if min(gaps) < -0.001:
            raise _refused(
                source,
                _("pitch_mm is less than the label: the labels would overlap by {over} mm").format(
                    over=_mm(-min(gaps))
                ),
            )
        return max(gaps[0], 0.0), max(gaps[1], 0.0)
    gaps = found.gap_mm or (0.0, 0.0)
    if min(gaps) < 0:
        raise _refused(source, _("gap_mm: 0 or more"))
    return float(gaps[0]), float(gaps[1])


def read_stock_file(path: Path) -> Stock:
    """A stock file, checked."""
    try:
        if path.stat().st_size > STOCK_BYTES:
            raise _refused(
                str(path), _("a stock file is at most {most} kB").format(most=STOCK_BYTES // 1000)
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InvalidInput(
            _("cannot read {path}: {problem}").format(path=path, problem=reason), field="stock"
        ) from None
    return parse_stock(text, str(path))


def all_stocks(store: Store | None) -> list[Stock]:
    """The built-in stocks, then those added (an added one that no longer reads is left out)."""
    found = list(STOCKS.values())
    if store is None:
        return found
    from eventdesk.services.catalogue.badge_stocks import stored_stocks

    for kept in stored_stocks(store):
        try:
            found.append(parse_stock(kept.source, kept.name, origin="added"))
        except InvalidInput:
            continue
    return found


def find_stock(store: Store | None, name: str) -> Stock:
    """A stock by name (built in, or added) or a stock file's path."""
    if name.strip().lower().endswith(".toml"):
        return read_stock_file(Path(name).expanduser())
    key = name.strip().lower()
    if key in STOCKS:
        return STOCKS[key]
    if store is not None and key:
        from eventdesk.services.catalogue.badge_stocks import stock_key, stored_stock

        kept = stored_stock(store, stock_key(key))
        if kept is not None:
            where = _("added stock {name}").format(name=kept.name)
            return parse_stock(kept.source, where, origin="added")
    known = ", ".join(s.name for s in all_stocks(store))
    raise NotFound(
        _("no badge stock {name!r} (known: {known}; see `badge stocks`)").format(
            name=name, known=known
        ),
        field="stock",
    )


def add_stock(store: Store, path: Path, *, station: str | None = None) -> Stock:
    """A stock file checked and kept in the store under its name."""
    from eventdesk.services.catalogue.badge_stocks import save_stock

    found = read_stock_file(path)
    assert found.source is not None
    save_stock(store, found.name, found.source, built_in=STOCKS, station=station)
    return parse_stock(found.source, found.name, origin="added")

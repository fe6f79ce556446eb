"""Sheets a print shop accepts (issue 44, item 4), read back from the PDFs themselves (drawn
with poppler's pdftoppm, words placed with pdftotext): crop marks on every stock with room
for them and lines along the cuts of a guillotine stock without; nothing where a printer
cannot print and ribbons inside the safe margin unless the stock allows bleed; stocks added
as TOML files, checked; an offset that shifts everything, and the calibration page that
measures it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from badges.badge import Badge
from badges.fonts import has_font_for
from badges.layout import BUILT_IN, layout_of, stretched
from badges.sheets import STOCKS, cut_plan, safe_box, sheet_pdf
from badges.stocks import parse_stock
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from tests.clitools import Cli
from tests.helpers import add_type, make_event

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="pdftoppm and pdftotext (poppler-utils) are not installed: .ci/run installs them",
)
DPI = 100
PX = DPI / 25.4  # pixels in a millimetre

A6_BLEED = """
name = "a6-bleed"
page = "A4"
label_mm = [105, 148.5]
columns = 2
rows = 2
left_mm = 0
top_mm = 0
cut = "guillotine"
bleed = true
"""


def vips(count: int) -> list[Badge]:
    return [
        Badge(
            ticket_id=f"T{n:05d}",
            name=f"Grace Hopper{n}",
            company="US Navy",
            ticket_type="VIP",
            ribbon="VIP",
            event="DevConf",
            date="1 Jan",
            payload=f"ED1.T{n:05d}.K1.SSSS",
            layout="vip-ribbon",
        )
        for n in range(count)
    ]


def page_picture(pdf: bytes, tmp_path: Path, page: int = 1) -> Image.Image:
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-f", str(page), "-l", str(page), "-singlefile",
         str(source), str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    return Image.open(tmp_path / "page.pgm").convert("L")


def darkest(picture: Image.Image, x0: float, y0: float, x1: float, y1: float) -> int:
    """The darkest grey in the box from (x0, y0) to (x1, y1), in millimetres (255: no ink)."""
    box = (round(x0 * PX), round(y0 * PX), round(x1 * PX), round(y1 * PX))
    return int(picture.crop(box).getextrema()[0])


def no_ink_at_the_edges(picture: Image.Image, margin: float) -> bool:
    width, height = picture.width / PX, picture.height / PX
    inside = margin - 0.3  # a pixel's worth of anti-aliasing at the printable edge
    return all(
        darkest(picture, *box) > 250
        for box in (
            (0, 0, width, inside),
            (0, height - inside, width, height),
            (0, 0, inside, height),
            (width - inside, 0, width, height),
        )
    )


def test_each_built_in_stock_says_how_its_cuts_are_marked() -> None:
    kinds = {name: cut_plan(paper).kind for name, paper in STOCKS.items()}
    assert kinds == {
        "avery-l4785": "marks",
        "avery-l7418": "marks",
        "avery-5392": "marks",  # pre-cut: marks where there is room, said
        "avery-74459": "marks",
        "a6-on-a4": "cut lines",
        "a7-on-a4": "cut lines",
    }
    a6 = cut_plan(STOCKS["a6-on-a4"])
    # Lines only where the cuts go (the middle of the page each way), inside what prints.
    assert sorted(a6.lines) == [(4.0, 148.5, 206.0, 148.5), (105.0, 4.0, 105.0, 293.0)]
    assert (a6.marked, a6.cuts, a6.marks) == (0, 2, ())
    assert len(cut_plan(STOCKS["a7-on-a4"]).lines) == 4
    l7418 = STOCKS["avery-l7418"]
    plan = cut_plan(l7418)
    assert plan.marked == plan.cuts == 10 and not plan.lines
    badges = [(*l7418.box(n), l7418.width_mm, l7418.height_mm) for n in range(l7418.per_page)]
    for x1, y1, x2, y2 in plan.marks:  # outside every badge, inside what prints
        assert all(v >= 4 for v in (x1, y1, x2, y2)) and max(x1, x2) <= 206
        assert max(y1, y2) <= 293
        for bx, by, bw, bh in badges:
            middle = ((x1 + x2) / 2, (y1 + y2) / 2)
            assert not (bx < middle[0] < bx + bw and by < middle[1] < by + bh)
    perforated = cut_plan(STOCKS["avery-5392"])
    assert (perforated.marked, perforated.cuts) == (3, 7)  # its side margins are too narrow


def test_crop_marks_print_on_the_margin_and_cut_lines_only_along_the_cuts(
    tmp_path: Path,
) -> None:
    a6 = STOCKS["a6-on-a4"]
    plain = page_picture(sheet_pdf(vips(4), layout_of, a6)[0], tmp_path)
    lined = page_picture(sheet_pdf(vips(4), layout_of, a6, crop_marks=True)[0], tmp_path)
    assert darkest(plain, 104.5, 4, 105.5, 293) > 250  # no line without --crop-marks
    for y in (10, 100, 200, 290):  # the line down the middle, the whole height that prints
        assert darkest(lined, 104.5, y, 105.5, y + 1) < 200
    for x in (10, 100, 200):
        assert darkest(lined, x, 148, x + 1, 149) < 200
    assert darkest(lined, 104.5, 0, 105.5, 3.7) > 250  # not where the printer cannot print
    l7418 = STOCKS["avery-l7418"]
    marked = page_picture(sheet_pdf(vips(10), layout_of, l7418, crop_marks=True)[0], tmp_path)
    unmarked = page_picture(sheet_pdf(vips(10), layout_of, l7418)[0], tmp_path)
    # The mark above the first badge's left edge (x 14 mm, from y 10 up), and to its left.
    assert darkest(marked, 13.7, 6.5, 14.3, 9.5) < 200
    assert darkest(marked, 9.5, 10.7, 12.5, 11.3) < 200
    assert darkest(unmarked, 13.7, 6.5, 14.3, 9.5) > 250
    assert no_ink_at_the_edges(marked, 4.0)


def test_nothing_prints_where_a_printer_cannot_and_ribbons_keep_the_safe_margin(
    tmp_path: Path,
) -> None:
    a6 = STOCKS["a6-on-a4"]
    picture = page_picture(sheet_pdf(vips(4), layout_of, a6)[0], tmp_path)
    assert no_ink_at_the_edges(picture, a6.printable_mm)
    # The ribbon is there, and stops at the safe margin either side of the cut.
    assert darkest(picture, 40, 6, 60, 8) < 50
    assert darkest(picture, 105 - a6.safe_mm + 0.3, 0, 105 + a6.safe_mm - 0.3, 297) > 250
    assert darkest(picture, 0, 148.5 - a6.safe_mm + 0.3, 210, 148.5 + a6.safe_mm - 0.3) > 250
    for name in ("a7-on-a4", "avery-l7418", "avery-5392"):
        paper = STOCKS[name]
        pdf = sheet_pdf(vips(paper.per_page), layout_of, paper, crop_marks=True)[0]
        drawn = page_picture(pdf, tmp_path)
        assert no_ink_at_the_edges(drawn, paper.printable_mm), name
        x, y, width, _height = safe_box(paper, 1)  # the second badge: its ribbon inside
        left, top = paper.box(1)
        assert x >= left + paper.safe_mm and y >= top + paper.safe_mm
        assert darkest(drawn, left + 0.2, y + 1, x - 0.3, y + 4) > 250, name
        assert darkest(drawn, x + 1, y + 1, x + width - 1, y + 4) < 50, name
    # A stock that allows bleed: the ribbon runs to the cut, but never off the printable area.
    bleed = parse_stock(A6_BLEED, "a6-bleed.toml")
    picture = page_picture(sheet_pdf(vips(4), layout_of, bleed)[0], tmp_path)
    assert darkest(picture, 104.0, 6, 104.9, 8) < 50
    assert no_ink_at_the_edges(picture, bleed.printable_mm)


def words(pdf: bytes, tmp_path: Path) -> list[tuple[str, float, float]]:
    """(word, x, y) of each word on the PDF's pages, in millimetres from the top left."""
    source = tmp_path / "words.pdf"
    source.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        (word, float(x) * 25.4 / 72, float(y) * 25.4 / 72)
        for x, y, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>',
            html,
        )
    ]


def test_an_offset_shifts_everything_printed(tmp_path: Path) -> None:
    paper = STOCKS["avery-l7418"]
    still = words(sheet_pdf(vips(3), layout_of, paper)[0], tmp_path)
    moved = words(sheet_pdf(vips(3), layout_of, paper, offset_mm=(1.5, -2.0))[0], tmp_path)
    assert [w for w, _, _ in still] == [w for w, _, _ in moved] and len(still) > 6
    for (_, x0, y0), (_, x1, y1) in zip(still, moved, strict=True):
        assert (round(x1 - x0, 1), round(y1 - y0, 1)) == (1.5, -2.0)
    marks = page_picture(
        sheet_pdf(vips(3), layout_of, paper, crop_marks=True, offset_mm=(1.5, 0))[0], tmp_path
    )
    assert darkest(marks, 15.2, 6.5, 15.8, 9.5) < 200  # the mark at 14 mm, now at 15.5
    assert darkest(marks, 13.7, 6.5, 14.3, 9.5) > 250


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("left_mm = 0", "left_mm = 10", "do not fit the page across: they end 10 mm past its 210"),
        ("rows = 2", "rows = 3", "do not fit the page down: they end 148.5 mm past its 297 mm"),
        ('page = "A4"\n', "", "give page (A3, A4, A5, Letter, Legal) or page_mm"),
        ('page = "A4"', 'page = "A2"', "no page 'A2'"),
        ("bleed = true", "colour = 1", "unknown key `colour`"),
        ("bleed = true", "pitch_mm = [100, 148.5]", "the labels would overlap by 5 mm"),
        ('cut = "guillotine"', 'cut = "laser"', "cut: Invalid enum value 'laser' (die-cut, perf"),
        ("bleed = true", "safe_mm = 60", "safe_mm"),
        ("bleed = true", "offset_mm = [25, 0]", "offset_mm"),
        ("label_mm = [105, 148.5]", "label_mm = [5, 148.5]", "a label of 5 x 148.5 mm"),
    ],
)
def test_a_stock_file_that_cannot_be_is_refused_saying_why(old: str, new: str, said: str) -> None:
    assert old in A6_BLEED
    with pytest.raises(InvalidInput) as refused:
        parse_stock(A6_BLEED.replace(old, new), "mine.toml")
    assert refused.value.message.startswith("mine.toml: ") and said in refused.value.message


def test_a_stock_file_gives_its_page_grid_and_margins() -> None:
    made = parse_stock(
        'name = "Cards"\npage_mm = [220, 300]\nlabel_mm = [100, 70]\ncolumns = 2\nrows = 4\n'
        "pitch_mm = [104, 72]\noffset_mm = [0.5, -1]\n",
        "cards.toml",
    )
    assert (made.name, made.page, made.gap_x_mm, made.gap_y_mm) == ("cards", "220 x 300 mm", 4, 2)
    assert (made.left_mm, made.top_mm) == (8.0, 7.0)  # centred when not given
    assert (made.cut, made.safe_mm, made.bleed, made.offset_mm) == ("die-cut", 1.5, False,
                                                                    (0.5, -1.0))  # fmt: skip


def event_of(store: Store, names: list[str], ticket_type: str = "VIP") -> str:
    ev = make_event(store)
    add_type(store, ev, ticket_type, price_cents=0)
    for n, name in enumerate(names):
        attendees.add_attendee(store, name=name, email=f"p{n}@{ev}.example.com")
        register(store, ev, f"p{n}@{ev}.example.com", ticket_type)
    return ev


def test_stocks_are_added_listed_and_printed_on(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    ev = event_of(store, ["Ada Lovelace", "Grace Hopper"])
    file = tmp_path / "bleed.toml"
    file.write_text(A6_BLEED, encoding="utf-8")
    added = cli.json("badge", "stocks", "add", str(file))
    assert {k: added[k] for k in ("name", "page", "columns", "rows", "width_mm", "height_mm")} == {
        "name": "a6-bleed", "page": "A4", "columns": 2, "rows": 2, "width_mm": 105.0,
        "height_mm": 148.5,
    }  # fmt: skip
    assert (added["cut"], added["bleed"], added["crop_marks"]) == ("guillotine", True, "cut lines")
    listed = {s["name"]: s for s in cli.json("badge", "stocks")}
    assert listed["a6-bleed"]["origin"] == "added" and listed["avery-l7418"]["origin"] == "built-in"
    assert "a6-bleed" in cli.out("badge", "stocks")
    pdf = tmp_path / "s.pdf"
    made = cli.json("badge", "sheet", ev, "--stock", "a6-bleed", "--output", str(pdf),
                    "--crop-marks")  # fmt: skip
    assert (made["stock"], made["badges"], made["crop_marks"]) == ("a6-bleed", 2, "cut lines")
    assert "thin lines are drawn along the cuts" in made["note"]
    out = cli.out("badge", "sheet", ev, "--stock", str(file), "--output", str(pdf),
                  "--crop-marks")  # fmt: skip
    assert "2 badges on 1 page of a6-bleed" in out and "thin lines" in out
    made = cli.json("badge", "sheet", ev, "--stock", "avery-l7418", "--output", str(pdf),
                    "--crop-marks")  # fmt: skip
    assert (made["crop_marks"], made["note"]) == ("marks", "crop marks at every cut, outside the "
                                                  "badges")  # fmt: skip
    assert (
        cli.json("badge", "sheet", ev, "--stock", "a6-on-a4", "--output", str(pdf))["crop_marks"]
        == "off"
    )
    # Refused, saying why: a built-in's name, a stock that does not fit, an unknown stock.
    file.write_text(A6_BLEED.replace("a6-bleed", "a6-on-a4"), encoding="utf-8")
    _, err = cli.run("badge", "stocks", "add", str(file), code=2)
    assert "a6-on-a4 is a built-in stock's name" in err
    file.write_text(A6_BLEED.replace("columns = 2", "columns = 3"), encoding="utf-8")
    _, err = cli.run("badge", "stocks", "add", str(file), code=2)
    assert "do not fit the page across: they end 105 mm past its 210 mm width" in err
    _, err = cli.run("badge", "sheet", ev, "--stock", "nope", "--output", str(pdf), code=2)
    assert "no badge stock 'nope'" in err and "a6-bleed" in err
    cli.json("badge", "stocks", "delete", "a6-bleed")
    assert "a6-bleed" not in {s["name"] for s in cli.json("badge", "stocks")}


def test_a_sheet_sorts_in_the_language_asked(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    if not has_font_for("ễ"):
        pytest.skip("no font draws ễ here (Debian's fonts-noto-core or DejaVu): .ci/run has one")
    ev = event_of(store, ["Anders Ångström", "Ada Two", "Lan Nguyễn", "Zoe Zimmermann"])
    pdf = tmp_path / "s.pdf"
    surnames = ("Ångström", "Two", "Nguyễn", "Zimmermann")
    made = cli.json("badge", "sheet", ev, "--stock", "a7-on-a4", "--output", str(pdf))
    found = [w for w, _, _ in words(pdf.read_bytes(), tmp_path) if w in surnames]
    assert (made["collation"], found) == ("root", ["Ångström", "Nguyễn", "Two", "Zimmermann"])
    made = cli.json("badge", "sheet", ev, "--stock", "a7-on-a4", "--output", str(pdf),
                    "--lang", "sv")  # fmt: skip
    found = [w for w, _, _ in words(pdf.read_bytes(), tmp_path) if w in surnames]
    assert (made["collation"], found) == ("sv", ["Nguyễn", "Two", "Zimmermann", "Ångström"])
    _, err = cli.run("badge", "sheet", ev, "--stock", "a7-on-a4", "--output", str(pdf),
                     "--lang", "xx", code=2)  # fmt: skip
    assert "no language 'xx'" in err


def test_the_calibration_page_and_the_printers_offset(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    folder = tmp_path / "laser-out"
    (tmp_path / "eventdesk.toml").write_text(
        f'[printers.laser]\ntype = "folder"\npath = "{folder}"\nlanguage = "png"\n'
        "offset_mm = [-1.5, 0.5]\n\n"
        '[printers.zebra]\ntype = "tcp"\nhost = "127.0.0.1"\n',
        encoding="utf-8",
    )
    made = cli.json("badge", "calibrate", "--printer", "laser", "--stock", "avery-l7418")
    page = folder / "calibration.pdf"
    assert made["path"] == str(page) and made["offset_mm"] == [-1.5, 0.5]
    assert made["badge_scales"] is True
    text = subprocess.run(["pdftotext", str(page), "-"], capture_output=True, text=True).stdout
    assert "[printers.laser] offset_mm = [x, y]" in " ".join(text.split())
    picture = page_picture(page.read_bytes(), tmp_path)
    # The line 20 mm from the left edge where the page should be, printed with no offset.
    assert darkest(picture, 19.8, 30, 20.2, 50) < 100
    assert darkest(picture, 20.6, 30, 21.6, 50) > 250
    _, err = cli.run("badge", "calibrate", "--printer", "zebra", code=2)
    assert "printer zebra is a tcp printer: give --output FILE.pdf" in err
    out = cli.out("badge", "calibrate", "--printer", "zebra", "--output", str(tmp_path / "c.pdf"))
    assert "offset_mm = [x, y]" in out and (tmp_path / "c.pdf").is_file()
    # A sheet printed on the laser is shifted by its offset; --offset replaces it.
    ev = event_of(store, ["Ada Lovelace"])
    pdf = tmp_path / "s.pdf"
    made = cli.json("badge", "sheet", ev, "--stock", "avery-l7418", "--output", str(pdf))
    still = words(pdf.read_bytes(), tmp_path)
    made = cli.json("badge", "sheet", ev, "--stock", "avery-l7418", "--output", str(pdf),
                    "--printer", "laser")  # fmt: skip
    assert made["offset_mm"] == [-1.5, 0.5]
    moved = words(pdf.read_bytes(), tmp_path)
    assert (round(moved[0][1] - still[0][1], 1), round(moved[0][2] - still[0][2], 1)) == (-1.5, 0.5)
    made = cli.json("badge", "sheet", ev, "--stock", "avery-l7418", "--output", str(pdf),
                    "--printer", "laser", "--offset", "2,0")  # fmt: skip
    assert made["offset_mm"] == [2.0, 0.0]
    _, err = cli.run("badge", "sheet", ev, "--stock", "avery-l7418", "--output", str(pdf),
                     "--offset", "two", code=2)  # fmt: skip
    assert "--offset is X,Y in millimetres" in err
    assert BUILT_IN  # the layouts the sheets print with are there


def test_a_sheet_keeps_the_layouts_readable_minimum_and_says_who_needs_a_badge_name(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    """A 62 x 100 mm layout on 86 x 55 mm cards is squeezed to 55% of its height: its names
    are still set at the 14 pt the layout states, and a name that fits only smaller is said,
    with its ticket. Before, the minimum shrank with the card (7.7 pt): a long name printed at
    9 pt and nothing was said."""
    long_name = "Maximiliane Alexandra von Hohenzollern-Sigmaringen-Württemberg"
    ev = event_of(store, [long_name, "Ada Lovelace"])
    pdf = tmp_path / "s.pdf"
    made = cli.json("badge", "sheet", ev, "--stock", "avery-l7418", "--output", str(pdf))
    [(ticket, warnings)] = made["warnings"].items()
    assert "below the layout's 14 pt" in warnings[0] and "--badge-name" in warnings[0], warnings
    with store.read() as session:
        holder = session.execute(
            text("SELECT a.name FROM ticket t JOIN attendee a ON a.id = t.attendee_id "
                 "WHERE t.id = :t"), {"t": ticket},
        ).scalar_one()  # fmt: skip
    assert holder == long_name
    out = cli.out("badge", "sheet", ev, "--stock", "avery-l7418", "--output", str(pdf))
    assert f"{ticket}: the name is set at" in out, out
    kept = {  # every built-in layout with a name keeps its 14 pt on such cards
        layout: [e.min_pt for e in stretched(BUILT_IN[layout], 86.0, 55.0).elements
                 if e.kind == "name"]
        for layout in BUILT_IN
    }  # fmt: skip
    assert {name: least for name, least in kept.items() if least} == {
        name: [14.0] for name, least in kept.items() if least
    } and len([least for least in kept.values() if least]) >= 3, kept

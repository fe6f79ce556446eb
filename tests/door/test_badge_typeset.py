"""One layout, one look (issue 44): long names break at spaces and hyphens at a readable size
or say they need a badge name; a company is never cut inside a word; "start" follows the
name's direction; and every output puts each element's ink in the same place."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from badges.badge import Badge
from badges.fonts import has_font_for
from badges.layout import BUILT_IN, Layout, mono, parse_layout
from badges.picture import draw
from badges.render import rendered
from badges.typeset import SetText, typeset
from eventdesk.errors import InvalidInput
from tests.door.test_printing import escpos_picture

LONG = "Maximiliane Alexandra von Hohenzollern-Sigmaringen-Württemberg"
COMPANY = "Bayerische Motoren Werke Aktiengesellschaft"
pdftoppm = shutil.which("pdftoppm")


def badge(name: str, company: str | None = "Acme", layout: str = "name-company-qr") -> Badge:
    return Badge(
        "T1", name, company, "VIP", "VIP", "DevConf", "1 Jan", "ED1.T1.K1.SIG", layout=layout
    )


def set_of(plan_texts: tuple[SetText, ...], kind: str) -> SetText:
    [found] = [t for t in plan_texts if t.element.kind == kind]
    return found


def layout(elements: str, width: float = 86.0, height: float = 55.0) -> Layout:
    return parse_layout(
        f'name = "test"\nwidth_mm = {width}\nheight_mm = {height}\nelements = [\n{elements}\n]\n'
    )


def test_a_long_name_breaks_at_its_hyphens_at_a_readable_size() -> None:
    """Before: 'Hohenzollern-Sigmaringen-Württemberg' was never broken at its hyphens, and the
    name was set at about 7 pt on two lines."""
    three = layout('{ kind = "name", x = 3, y = 3, width = 80, height = 40, lines = 3 }')
    plan = typeset(badge(LONG), three)
    name = set_of(plan.texts, "name")
    lines = [line.text for line in name.lines]
    assert name.size_pt >= 14 and not name.below_min and not name.cut
    assert any(line.endswith("-") for line in lines)  # broken after a hyphen
    assert "".join(lines).replace(" ", "") == LONG.replace(" ", "")  # nothing lost or cut
    words = set(LONG.replace("-", "- ").split())
    assert all(piece in words for line in lines for piece in line.replace("-", "- ").split())
    assert plan.warnings == []


def test_a_name_that_fits_only_below_the_minimum_is_said_and_a_badge_name_cures_it() -> None:
    plan = typeset(badge(LONG), BUILT_IN["name-company-qr"])
    name = set_of(plan.texts, "name")
    assert name.below_min and name.size_pt < 14
    [warning] = plan.warnings
    assert "below the layout's 14 pt" in warning and "--badge-name" in warning
    short = typeset(badge("Maxi von Hohenzollern"), BUILT_IN["name-company-qr"])
    assert set_of(short.texts, "name").size_pt >= 14 and short.warnings == []


def test_a_company_is_never_cut_inside_a_word() -> None:
    """Before: the company was cut to '…Aktiengesellschaft…'."""
    two = layout(
        '{ kind = "name", x = 3, y = 3, width = 54.6, height = 20, lines = 2 },\n'
        '{ kind = "company", x = 3, y = 25, width = 54.6, height = 12, lines = 2 }',
        width=62.0,
        height=40.0,
    )
    company = set_of(typeset(badge("Ada Lovelace", COMPANY), two).texts, "company")
    lines = [line.text for line in company.lines]
    assert len(lines) == 2 and " ".join(lines) == COMPANY and not company.cut  # whole words
    one = set_of(typeset(badge("Ada", COMPANY), BUILT_IN["name-company-qr"]).texts, "company")
    assert [line.text for line in one.lines] == [COMPANY] and not one.cut


def ink_columns(picture: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int]:
    found = ImageChops.invert(mono(picture.crop(box)).convert("L")).getbbox()
    assert found is not None
    return found[0], found[2]


@pytest.mark.skipif(not has_font_for("سارة"), reason="no Arabic font here (fonts-noto-core)")
def test_start_follows_the_names_direction() -> None:
    """Before: a right-to-left name stayed flush left in a left-aligned element; "start" is
    the right for Arabic and Hebrew, the left for Latin."""
    start = layout('{ kind = "name", x = 3, y = 3, width = 80, height = 8, align = "start" }')
    dots = 300 / 25.4
    box = (round(3 * dots), round(3 * dots), round(83 * dots), round(11 * dots))
    width = box[2] - box[0]
    left, right = ink_columns(draw(badge("سارة محمد"), start), box)
    assert right > width - 0.05 * width and left > 0.2 * width  # flush right
    left, right = ink_columns(draw(badge("Ada Lovelace"), start), box)
    assert left < 0.05 * width and right < 0.8 * width  # flush left


def ink_boxes(picture: Image.Image, plan_layout: Layout, dpi: int) -> dict[str, tuple[int, ...]]:
    """Each element's ink, in dots from the label's corner."""
    dots = dpi / 25.4
    found = {}
    for element in plan_layout.elements:
        box = (
            round(element.x * dots),
            round(element.y * dots),
            round((element.x + element.width) * dots),
            round((element.y + element.height) * dots),
        )
        ink = ImageChops.invert(mono(picture.crop(box)).convert("L")).getbbox()
        if ink is not None:
            found[element.kind] = (
                box[0] + ink[0],
                box[1] + ink[1],
                box[0] + ink[2],
                box[1] + ink[3],
            )
    return found


@pytest.mark.skipif(pdftoppm is None, reason="pdftoppm (poppler-utils) is not installed")
@pytest.mark.parametrize("name", [LONG, "Zoë Ångström", "سارة محمد عبد الله الخوارزمي"])
@pytest.mark.parametrize("layout_name", ["name-company-qr", "vip-ribbon"])
def test_every_output_puts_each_element_in_the_same_place(
    name: str, layout_name: str, tmp_path: Path
) -> None:
    """Before: ZPL sent the whole company at size 21 where the PNG and PDF shortened it, and the
    Arabic name was two lines in the PDF and one in the PNG."""
    if not has_font_for(name):
        pytest.skip(f"no font here draws {name!r} (fonts-noto-core)")
    made = badge(name, COMPANY, layout_name)
    shape = BUILT_IN[layout_name]
    dpi = 203
    picture = draw(made, shape, dpi=dpi)
    want = ink_boxes(picture, shape, dpi)
    assert {"name", "company", "qr"} <= set(want)
    png = Image.open(io.BytesIO(rendered(made, "png", size=shape.size(dpi)).data))
    outputs = {
        "png": png,
        "escpos": escpos_picture(
            rendered(made, "escpos", width_dots=1024, size=shape.size(dpi)).data
        ).crop((0, 0, picture.width, picture.height)),
    }
    pdf = tmp_path / "badge.pdf"
    pdf.write_bytes(rendered(made, "pdf").data)
    subprocess.run(
        [
            str(pdftoppm),
            "-r",
            str(dpi),
            "-gray",
            "-png",
            "-singlefile",
            str(pdf),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    outputs["pdf"] = Image.open(tmp_path / "p.png").crop((0, 0, picture.width, picture.height))
    zpl = rendered(made, "zpl", size=shape.size(dpi)).data.decode()
    outputs["zpl"] = zpl_picture(zpl, picture.size)
    tolerance = round(0.8 * dpi / 25.4)  # 0.8 mm: anti-aliasing and hinting, not a new line
    for fmt, got in outputs.items():
        boxes = ink_boxes(got, shape, dpi)
        for kind, box in want.items():
            if fmt == "zpl" and kind == "qr":
                continue  # the printer draws its own QR
            assert kind in boxes, (fmt, kind)
            assert all(abs(a - b) <= tolerance for a, b in zip(box, boxes[kind], strict=True)), (
                fmt,
                kind,
                box,
                boxes[kind],
            )


def zpl_picture(zpl: str, size: tuple[int, int]) -> Image.Image:
    """A ZPL label's graphic fields drawn where they go (what a Zebra prints of the words)."""
    import re

    from badges.zpl import read_graphic_field

    label = Image.new("L", size, 255)
    for x, y, field in re.findall(r"\^FO(\d+),(\d+)(\^GFA,[^\^]*\^FS)", zpl):
        label.paste(read_graphic_field(field), (int(x), int(y)))
    return label


@pytest.mark.skipif(not has_font_for("محمد"), reason="no Arabic font here (fonts-noto-core)")
def test_a_line_of_both_directions_puts_each_run_in_its_place() -> None:
    """Before: 'محمد علي Smith' (an Arabic run, then a Latin one in another font) was drawn in
    the order typed: Smith at the right end of a line read right to left, glued to the
    Arabic."""
    one = layout('{ kind = "name", x = 3, y = 3, width = 80, height = 12 }')
    name = set_of(typeset(badge("محمد علي Smith"), one).texts, "name")
    [line] = name.lines
    assert [run.text.strip() for run in line.runs] == ["Smith", "محمد علي"]  # left to right
    latin = set_of(typeset(badge("Smith محمد علي"), one).texts, "name")
    assert [run.text.strip() for run in latin.lines[0].runs] == ["Smith", "محمد علي"]


def test_a_minimum_the_element_cannot_hold_is_refused_or_said() -> None:
    with pytest.raises(InvalidInput, match="cannot hold 2 lines of at least 14 pt in 8 mm"):
        layout('{ kind = "name", x = 3, y = 3, width = 80, height = 8, lines = 2, min_pt = 14 }')
    small = layout('{ kind = "name", x = 3, y = 3, width = 80, height = 8, lines = 2 }')
    plan = typeset(badge("Ada Lovelace"), small)  # the kind's 14 pt cannot fit: said
    assert set_of(plan.texts, "name").below_min and "below the layout's 14 pt" in plan.warnings[0]


def test_any_element_cut_short_is_said_and_never_inside_a_letter() -> None:
    """Before: only the name's troubles were said; a company cut with '…' was not."""
    tiny = layout(
        '{ kind = "name", x = 3, y = 3, width = 80, height = 12 },\n'
        '{ kind = "company", x = 3, y = 20, width = 12, height = 3 }'
    )
    plan = typeset(badge("Ada", "Donaudampfschifffahrtsgesellschaft"), tiny)
    company = set_of(plan.texts, "company")
    assert company.cut and company.lines[0].text.endswith("…")
    assert any("Donaudampfschifffahrtsgesellschaft" in w and "cut to" in w for w in plan.warnings)
    if has_font_for("กรุงเทพมหานคร"):
        thai = typeset(badge("Ada", "กรุงเทพมหานครอมรรัตนโกสินทร์มหินทรายุธยา"), tiny)
        for line in set_of(thai.texts, "company").lines:
            assert not unicodedata.category(line.text[0]).startswith("M")  # no mark cut off

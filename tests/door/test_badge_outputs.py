"""One layout, every output (issue 30): each built-in layout renders to PNG, PDF, ZPL and
ESC/POS, with names in many scripts; the raster outputs print the same dots; the PDF's text
reads back (pdftotext); ZPL sends every word as a graphic field cut from the same picture."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops

from badges.badge import Badge
from badges.fonts import has_font_for
from badges.layout import BUILT_IN, mono
from badges.picture import draw
from badges.render import render
from badges.zpl import read_graphic_field
from tests.door.test_printing import escpos_picture

PAYLOAD = "ED1.T1.K1.SIGNATURE"
NAMES = [
    "Zoë Ångström",
    "Ελένη Παπαδοπούλου",
    "Дмитрий Иванов",
    "山田太郎",
    "さくら 田中",
    "김민준",
    "سارة محمد",
    "דוד כהן",
    "अनन्या शर्मा",
    "สมชาย ใจดี",
]
pdftotext = shutil.which("pdftotext")


def with_font(name: str) -> object:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            not has_font_for(name),
            reason=f"no font on this machine draws {name!r} (.ci/run installs fonts-noto-core "
            "and fonts-noto-cjk)",
        ),
    )


def badge(name: str, layout: str = "name-company-qr", ribbon: str | None = "VIP") -> Badge:
    return Badge("T1", name, "Acme", "VIP", ribbon, "DevConf", "1 Jan", PAYLOAD, layout=layout)


def same_dots(a: Image.Image, b: Image.Image) -> bool:
    """Two pictures with the same black dots (b may be wider: a raster's row is whole bytes)."""
    b = b.crop((0, 0, a.width, a.height))
    return ImageChops.difference(mono(a).convert("L"), mono(b).convert("L")).getbbox() is None


@pytest.mark.parametrize("layout", list(BUILT_IN))
@pytest.mark.parametrize("name", [with_font(n) for n in ("Zoë Ångström", "山田太郎", "سارة محمد")])
def test_each_layout_prints_the_same_dots_on_png_escpos_and_zpl(layout: str, name: str) -> None:
    made = badge(name, layout)
    picture = draw(made, BUILT_IN[layout], dpi=203)
    png = Image.open(io.BytesIO(render(made, "png", size=BUILT_IN[layout].size(203))))
    assert png.size == picture.size and same_dots(picture, png)
    wide = escpos_picture(render(made, "escpos", width_dots=1024, size=BUILT_IN[layout].size(203)))
    assert same_dots(picture, wide)  # the receipt printer's raster is the same picture
    if any(e.kind == "qr" for e in BUILT_IN[layout].elements):
        assert [c.text for c in zxingcpp.read_barcodes(png)] == [PAYLOAD]
    zpl = render(made, "zpl", size=BUILT_IN[layout].size(203)).decode()
    fields = re.findall(r"\^FO(\d+),(\d+)\^GFA,[^\^]*\^FS", zpl)
    graphics = re.findall(r"\^FO\d+,\d+(\^GFA,[^\^]*\^FS)", zpl)
    texts = [e for e in BUILT_IN[layout].elements if e.kind not in ("qr", "logo")]
    assert name not in zpl and "Acme" not in zpl  # every word is a graphic field (any script)...
    assert len(graphics) == len(texts)
    for (x, y), field in zip(fields, graphics, strict=True):
        got = read_graphic_field(field)  # ...cut from the same picture, dot for dot
        assert same_dots(
            picture.crop((int(x), int(y), int(x) + got.width, int(y) + got.height)), got
        )


@pytest.mark.skipif(pdftotext is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("name", [with_font(n) for n in NAMES])
def test_a_pdf_badge_holds_the_name_as_text_in_an_embedded_font(name: str, tmp_path: Path) -> None:
    data = render(badge(name, "vip-ribbon"), "pdf")
    path = tmp_path / "badge.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        [str(pdftotext), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    plain = re.sub(r"[\u200e\u200f\u202a-\u202e]", "", text)  # the bidi marks pdftotext adds
    flat = "".join(plain.split())  # the name wraps to two lines on a narrow label
    assert "".join(name.split()) in flat or "".join(name.split()[::-1]) in flat
    assert "Acme" in plain and "VIP" in plain
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts)  # emb, sub
    assert len(data) < 60_000

"""Badge layouts (issue 30): a small TOML file places the elements on a label; each built-in
draws its elements and nothing else; a QR drawn by a layout scans back to the ticket; a name in
any script is drawn (the dots are there); a layout file that is wrong says where."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image

from badges.badge import Badge
from badges.layout import BUILT_IN, built_in, parse_layout
from badges.picture import draw
from eventdesk.errors import InvalidInput

PAYLOAD = "ED1.T1.K1.SIG"


def badge(name: str = "Grace Hopper", ribbon: str | None = None) -> Badge:
    return Badge("T1", name, "Navy", "Speaker", ribbon, "DevConf", "1 Jan", PAYLOAD)


def ink(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Black dots in a box of the picture."""
    return image.crop(box).histogram()[0]


@pytest.mark.parametrize("name", list(BUILT_IN))
def test_each_built_in_layout_draws_its_elements_on_its_label(name: str) -> None:
    layout = built_in(name)
    picture = draw(badge(ribbon="VIP"), layout)
    size = layout.size()
    assert picture.size == (size.width_dots, size.height_dots)
    kinds = {e.kind for e in layout.elements}
    codes = zxingcpp.read_barcodes(picture)
    assert [c.text for c in codes] == ([PAYLOAD] if "qr" in kinds else [])
    if "name" in kinds:
        box = next(e for e in layout.elements if e.kind == "name")
        dots = lambda mm: round(mm / 25.4 * 300)  # noqa: E731
        area = (dots(box.x), dots(box.y), dots(box.x + box.width), dots(box.y + box.height))
        assert ink(picture, area) > 500  # the name is drawn where the layout puts it
    if "ribbon" in kinds:
        band = picture.crop((0, 0, picture.width, 20))
        assert band.getextrema()[0] == 0  # the band is black across the top
        plain = draw(badge(ribbon=None), layout)  # no ribbon for a badge without one
        assert plain.crop((0, 0, plain.width, 20)).getextrema() == (255, 255)


@pytest.mark.parametrize("name", ["Zoë Ångström", "Δημήτρης", "Юлия", "山田 太郎", "محمد"])
def test_a_layout_draws_names_in_other_scripts(name: str) -> None:
    layout = built_in("name-only")
    picture = draw(badge(name, None), layout)
    assert ink(picture, (0, 0, picture.width, picture.height // 2)) > 300


def test_a_wrong_layout_file_says_what_and_where() -> None:
    with pytest.raises(InvalidInput, match=r"element 1 \(name\) is not inside the 62 x 40 mm"):
        parse_layout(
            'name = "x"\nwidth_mm = 62.0\nheight_mm = 40.0\n'
            'elements = [{ kind = "name", x = 10.0, y = 30.0, width = 60.0, height = 20.0 }]\n',
            "big.toml",
        )
    with pytest.raises(InvalidInput, match=r"big\.toml: .*kind"):
        parse_layout(
            'name = "x"\nelements = [{ kind = "hologram", x = 1.0, y = 1.0, '
            "width = 1.0, height = 1.0 }]\n",
            "big.toml",
        )
    with pytest.raises(InvalidInput, match="no badge layout 'fancy'"):
        built_in("fancy")

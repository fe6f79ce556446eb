"""Badges for every name (issue 44): fonts are the machine's own, as fontconfig knows them; each
run of a script is drawn by a font that has it (the one named after the script first); names in
27 scripts print in every output and read back from the PDF; a letter no font has is never a
box: it prints in Latin letters (the rest as written), saying which font would draw it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageFont

from badges.badge import Badge
from badges.fonts import (
    font_advice,
    font_runs,
    has_font_for,
    installed,
    read_font_file,
    readable,
)
from badges.layout import mono, parse_layout
from badges.picture import draw
from badges.render import rendered
from badges.typeset import typeset
from tests.fonts_here import undrawable

ROOT = Path(__file__).resolve().parents[2]
pdftotext = shutil.which("pdftotext")
NAMES = {
    "Latin": "Zoë Ångström",
    "Greek": "Ελένη Παππά",
    "Cyrillic": "Дмитрий Иванов",
    "Armenian": "Արամ Պետրոսյան",
    "Georgian": "ნინო ბერიძე",
    "Hebrew": "דוד כהן",
    "Arabic": "سارة محمد",
    "Devanagari": "अनन्या शर्मा",
    "Bengali": "অমিত দাস",
    "Tamil": "அருண் குமார்",
    "Telugu": "రవి తేజ",
    "Kannada": "ಅನಿಲ್ ಕುಮಾರ್",
    "Malayalam": "അനു മോഹൻ",
    "Gujarati": "કિરણ પટેલ",
    "Gurmukhi": "ਹਰਪ੍ਰੀਤ ਸਿੰਘ",
    "Sinhala": "නිමල් පෙරේරා",
    "Thai": "สมชาย ใจดี",
    "Lao": "ສົມພອນ ແກ້ວ",
    "Khmer": "សុខា ចាន់",
    "Myanmar": "အောင် ကျော်",
    "Ethiopic": "አበበ ቢቂላ",
    "Han": "山田太郎",
    "Japanese": "さくら 田中",
    "Hangul": "김민준",
    "Egyptian Hieroglyphs": "Ramses 𓀀",
    "Cherokee": "ᏌᏊ ᎤᏍᏗ",
    "Tibetan": "བཀྲ་ཤིས་",
}
LAYOUT_TOML = """
name = "one-line"
width_mm = 86.0
height_mm = 55.0
elements = [
  { kind = "name", x = 3.0, y = 4.0, width = 80.0, height = 16.0 },
  { kind = "company", x = 3.0, y = 22.0, width = 80.0, height = 8.0 },
  { kind = "qr", x = 32.0, y = 32.0, width = 22.0, height = 22.0 },
]
"""
LAYOUT = parse_layout(LAYOUT_TOML)  # one line for the name: compared with its font alone


def script_param(script: str) -> object:
    name = NAMES[script]
    return pytest.param(
        script,
        marks=pytest.mark.skipif(
            not has_font_for(name),
            reason=f"no font here draws {script} ({name!r}): .ci/run installs fonts-noto-core "
            "and fonts-noto-cjk",
        ),
        id=script,
    )


def badge(name: str, company: str = "Acme") -> Badge:
    return Badge(
        "T1", name, company, "Regular", None, "DevConf", "1 Jan", "ED1.T1.K1.SIG",
        layout="one-line", layout_source=LAYOUT_TOML,
    )  # fmt: skip


def ink_box(picture: Image.Image) -> tuple[int, int, int, int] | None:
    return ImageChops.invert(mono(picture).convert("L")).getbbox()


def differing(got: Image.Image, want: Image.Image) -> int:
    """How many dots differ between two inked pictures, at the best of the nine one-dot shifts
    (a line starts at a fraction of a dot: its edges fall on either side)."""
    width, height = min(got.width, want.width) - 2, min(got.height, want.height) - 2
    target = numpy.asarray(want.crop((1, 1, 1 + width, 1 + height)), dtype=bool)
    return min(
        int(
            (numpy.asarray(got.crop((dx, dy, dx + width, dy + height)), dtype=bool) != target).sum()
        )
        for dx in range(3)
        for dy in range(3)
    )


@pytest.mark.skipif(pdftotext is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("script", [script_param(s) for s in NAMES])
def test_a_name_in_any_script_prints_in_a_font_that_has_it_and_reads_back(
    script: str, tmp_path: Path
) -> None:
    name = NAMES[script]
    made = badge(name)
    plan = typeset(made, LAYOUT)
    [set_name] = [t for t in plan.texts if t.element.kind == "name"]
    assert plan.missing == "" and [line.text for line in set_name.lines] == [name]
    for run in set_name.lines[0].runs:
        assert run.font is not None
        [own] = [f for f in read_font_file(run.font.path) if f.index == run.font.index]
        drawn = [ch for ch in run.text if not ch.isspace()]
        assert all(ord(ch) in own.codes for ch in drawn), (script, run.font.family)  # its cmap
    # The picture's name is the font's own glyphs: the same as that font draws it alone.
    dpi = 300
    pixels = round(set_name.size_pt * dpi / 72)
    picture = draw(made, LAYOUT, dpi=dpi)
    dots = dpi / 25.4
    element = set_name.element
    crop = picture.crop(
        (
            round(element.x * dots),
            round(element.y * dots),
            round((element.x + element.width) * dots),
            round((element.y + element.height) * dots),
        )
    )
    reference = Image.new("L", (crop.width, crop.height * 3), 255)  # room for any ink
    pen = ImageDraw.Draw(reference)
    x = 10.0
    for run in set_name.lines[0].runs:
        assert run.font is not None
        face = ImageFont.truetype(run.font.path, pixels, index=run.font.index)
        pen.text((x, crop.height * 2), run.text, font=face, fill=0, anchor="ls")
        x += pen.textlength(run.text, font=face)
    got, want = ink_box(crop), ink_box(reference)
    assert got is not None and want is not None
    got_ink = mono(crop.crop(got))
    want_ink = mono(reference.crop(want))
    assert abs(got_ink.width - want_ink.width) <= 3 and abs(got_ink.height - want_ink.height) <= 3
    assert differing(got_ink, want_ink) <= 0.1 * int((numpy.asarray(want_ink) == 0).sum()), script

    # Every other output: no output refuses it, and the PDF holds it as text.
    for fmt in ("png", "zpl", "escpos", "ql"):
        assert rendered(made, fmt).data
    pdf = tmp_path / "badge.pdf"
    pdf.write_bytes(rendered(made, "pdf").data)
    text = subprocess.run(
        [str(pdftotext), "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(re.sub(r"[\u200e\u200f\u202a-\u202e]", "", text).split())
    assert "".join(name.split()) in flat or "".join(name.split()[::-1]) in flat, script
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    last = set_name.lines[0].runs[-1].font
    assert last is not None
    table = TTFont(last.path, fontNumber=last.index, lazy=True)["name"]
    names = {re.sub(r"[^a-z0-9]", "", str(table.getDebugName(n)).lower()) for n in (1, 4, 6)}
    embedded = {re.sub(r"[^a-z0-9]", "", line.split()[0].split("+")[-1].lower()) for line in
                fonts.splitlines()[2:]}  # fmt: skip
    assert names & embedded, (names, embedded)  # the same font, embedded


@pytest.mark.parametrize("script", [script_param(s) for s in ("Tamil", "Bengali", "Ethiopic")])
def test_a_script_is_drawn_by_the_font_named_after_it(script: str) -> None:
    """Tamil, Bengali and Ethiopic printed as boxes though their Noto fonts were installed:
    a fixed list of 12 font files was looked at, not the machine's fonts."""
    named = [f for f in installed() if script.lower() in f.family.lower()]
    if not named:
        pytest.skip(f"no font named after {script} here (Debian's fonts-noto-core has one)")
    [(_text, font)] = font_runs(NAMES[script])
    assert font is not None and script.lower() in font.family.lower()


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig's fc-list is not here")
def test_the_fonts_are_the_ones_fontconfig_knows(tmp_path: Path) -> None:
    """A font put in a folder the machine's font configuration names is found at once, with
    no list of files in the program: here a configuration naming one folder, one font."""
    source = next((f.path for f in installed() if f.path.endswith(".ttf")), None)
    if source is None:
        pytest.skip("no TrueType font here to copy")
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(source, folder / "Station Font.ttf")
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"<dir>{folder}</dir>\n<cachedir>{tmp_path / 'cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    code = "from badges.fonts import installed; print([f.path for f in installed()])"
    found = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "FONTCONFIG_FILE": str(config), "PYTHONPATH": str(ROOT)},
    ).stdout
    assert found.strip() == repr([str(folder / "Station Font.ttf")])


def test_a_name_no_font_draws_prints_in_latin_letters_in_every_format_naming_the_font() -> None:
    """Before, the badge was refused (an error): now it prints, the name in Latin letters
    (badges.fonts.readable), and the warning says so, with the font that would draw it."""
    letter = undrawable()
    made = badge(f"Ramses {letter}")
    shown = readable(made.name)
    assert shown.startswith("Ramses ") and letter not in shown and shown.strip() != "Ramses"
    plan = typeset(made, LAYOUT)
    [name] = [t for t in plan.texts if t.element.kind == "name"]
    assert [line.text for line in name.lines] == [shown] and plan.missing == letter
    for fmt in ("png", "pdf", "zpl", "escpos", "ql"):
        done = rendered(made, fmt)
        assert done.data and done.latin == done.warnings, fmt
        [said] = done.latin
        assert said.startswith(f"{made.name!r} prints in Latin letters as {shown!r}"), said
        assert f"no font here draws {letter}; install Noto S" in said, said
        assert "fonts-noto-core" not in said  # no package of Debian holds such a font
    assert rendered(made, "text").warnings == []  # a text badge prints the name as written
    assert letter in rendered(made, "text").data.decode("utf-8")
    assert "Noto Sans CJK (Debian: fonts-noto-cjk)" in font_advice("山")


def test_a_letter_no_font_draws_elsewhere_prints_in_latin_letters_and_is_said() -> None:
    """Before, the letter was left off the company ("Acme Works"): now it is in Latin letters,
    the rest of the words as written."""
    letter = undrawable()
    made = badge("Ada Lovelace", company=f"Acme {letter} Works")
    shown = readable(made.company or "")
    assert shown.startswith("Acme ") and shown.endswith(" Works") and shown != "Acme  Works"
    done = rendered(made, "png")
    assert [w for w in done.warnings if letter in w] == [
        f"{made.company!r} prints in Latin letters as {shown!r}: no font here draws {letter}; "
        f"install {font_advice(letter)} to print it as it is written"
    ]
    plan = typeset(made, LAYOUT)
    [company] = [t for t in plan.texts if t.element.kind == "company"]
    [name] = [t for t in plan.texts if t.element.kind == "name"]
    assert [line.text for line in company.lines] == [shown] and plan.missing == letter
    assert [line.text for line in name.lines] == ["Ada Lovelace"]  # as written


def variable_font(path: Path) -> None:
    """A variable font of one axis (weight) with a named Bold instance: what Ubuntu, Fedora and
    Arch install by default, and what fontconfig lists with a range for a weight."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def box() -> object:
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 700))
        pen.lineTo((500, 700))
        pen.lineTo((500, 0))
        pen.closePath()
        return pen.glyph()

    build = FontBuilder(1000, isTTF=True)
    glyphs = [".notdef", "space", "A"]
    build.setupGlyphOrder(glyphs)
    build.setupCharacterMap({32: "space", 65: "A"})
    build.setupGlyf({".notdef": box(), "space": TTGlyphPen(None).glyph(), "A": box()})
    build.setupHorizontalMetrics({g: (600, 0 if g == "space" else 100) for g in glyphs})
    build.setupHorizontalHeader(ascent=800, descent=-200)
    build.setupNameTable({"familyName": "Station Variable", "styleName": "Regular"})
    build.setupOS2(sTypoAscender=800, usWinAscent=800, usWinDescent=200)
    build.setupPost()
    build.setupFvar(
        axes=[("wght", 100, 400, 900, "Weight")],
        instances=[{"location": {"wght": 700}, "stylename": "Bold"}],
    )
    build.save(str(path))


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig's fc-list is not here")
def test_a_variable_font_on_the_machine_is_used_not_a_crash(tmp_path: Path) -> None:
    """Before: fontconfig gives a variable font's weight as a range, and every badge (and the
    kiosk's letters) stopped on float((0.0, 210.0))."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    variable_font(folder / "StationVariable.ttf")
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"<dir>{folder}</dir>\n<cachedir>{tmp_path / 'cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    code = (
        "from badges.fonts import installed\n"
        "from badges.badge import Badge\n"
        "from badges.render import rendered\n"
        "print([(f.path.rsplit('/', 1)[-1], f.index) for f in installed()])\n"
        "made = Badge('T1', 'AAA A', None, 'A', None, 'A', 'A', None, layout='name-only')\n"
        "print(len(rendered(made, 'png').data) > 0, len(rendered(made, 'pdf').data) > 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "FONTCONFIG_FILE": str(config), "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    listed, drew = done.stdout.strip().splitlines()
    assert listed == "[('StationVariable.ttf', 0)]"  # its named instance left to the file's own
    assert drew == "True True"

"""The badge's preview in a terminal (issue 44): its words in their elements' places, read
back from the characters (the name in full inside its element, the ribbon a band, the QR code
in half blocks decoded by zxing-cpp); its picture as the Kitty, iTerm2 and Sixel sequences,
decoded back into the PNG and the picture; and which of them a terminal gets, asked of a real
pseudo-terminal that answers, or stays silent, or is not there (a pipe)."""

from __future__ import annotations

import base64
import io
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from badges.badge import Badge
from badges.layout import BUILT_IN, parse_layout
from badges.preview import (
    BAND,
    FILL,
    INK,
    NAME,
    TextPreview,
    answered,
    cell_width,
    choose,
    picture_preview,
    text_preview,
    wrap,
)
from badges.render import render_png

LONG = "Maximiliane Alexandra von Hohenzollern-Sigmaringen-Württemberg"
PAYLOAD = "ED1.preview-test.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


def a_badge(name: str = LONG, company: str | None = "Bayerische Motoren Werke AG") -> Badge:
    return Badge(
        ticket_id="T-PV-1",
        name=name,
        company=company,
        ticket_type="VIP",
        ribbon="VIP",
        event="Summit 2030",
        date="1 June 2030",
        payload=PAYLOAD,
        layout="vip-ribbon",
    )


def rows_of(shown: TextPreview) -> list[str]:
    return ["".join(t for t, _s in row) for row in shown.rows]


def styled(shown: TextPreview, style: str) -> list[int]:
    """The rows that have a cell of ``style``."""
    return [n for n, row in enumerate(shown.rows) if any(s == style for _t, s in row)]


def qr_read(shown: TextPreview) -> list[str]:
    """The QR codes zxing-cpp reads off the half blocks: each cell two dots, a dot a module."""
    ink = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1)}
    picture = Image.new("L", (shown.width, 2 * len(shown.rows)), 255)
    for y, row in enumerate(shown.rows):
        for x, (text, style) in enumerate(row):
            if style == INK:
                top, bottom = ink.get(text, (0, 0))
                picture.putpixel((x, 2 * y), 0 if top else 255)
                picture.putpixel((x, 2 * y + 1), 0 if bottom else 255)
    big = picture.resize((picture.width * 8, picture.height * 8), Image.Resampling.NEAREST)
    return [found.text for found in zxingcpp.read_barcodes(big)]


# --- the words in their places --------------------------------------------------------------
def test_at_80_columns_the_name_is_in_full_in_its_place_and_the_qr_scans() -> None:
    layout = BUILT_IN["vip-ribbon"]
    shown = text_preview(a_badge(), layout, 80)
    plain = shown.plain().splitlines()
    assert len({len(line) for line in plain}) == 1 and len(plain[0]) <= 80  # a box
    assert plain[0].startswith("┌") and plain[-1].startswith("└")
    rows = rows_of(shown)
    # The name, bold, every word of it, within its element's columns (a column a millimetre).
    named = styled(shown, NAME)
    said = " ".join(rows[n].strip() for n in named)
    assert said == "Maximiliane Alexandra von Hohenzollern-Sigmaringen- Württemberg"
    name = next(e for e in layout.elements if e.kind == "name")
    across = shown.width / layout.width_mm
    for n in named:
        inked = [x for x, (t, s) in enumerate(shown.rows[n]) if s == NAME and t.strip()]
        assert round(name.x * across) <= inked[0] and inked[-1] < round(
            (name.x + name.width) * across
        )
    # The ribbon: a band of full blocks across the top, the words in it.
    band = styled(shown, FILL)
    drawn = [line.strip("│") for line in plain[1:-1]]
    assert band[0] == 0 and all(drawn[n].count("█") + 5 >= shown.width for n in band)
    assert any(drawn[n].strip("█ ") == "VIP" for n in band)
    assert shown.plain().splitlines()[1].strip("│") == "█" * shown.width
    # Company and ticket type in full, below the name, in order, the QR below them.
    company = next(n for n, row in enumerate(rows) if "Bayerische Motoren Werke AG" in row)
    kind = next(n for n in range(company + 1, len(rows)) if rows[n].strip() == "VIP")
    qr = styled(shown, INK)
    assert band[-1] < named[0] < named[-1] < company < kind < qr[0]
    assert qr_read(shown) == [PAYLOAD]  # the QR scans off the characters


def test_a_name_longer_than_its_element_pushes_what_is_below_never_over_it() -> None:
    """At 36 columns the long name takes four lines where its element has room for fewer:
    the company moves down, nothing is overwritten or left out."""
    shown = text_preview(a_badge(), BUILT_IN["name-only"], 36)
    rows = rows_of(shown)
    named = styled(shown, NAME)
    assert len(named) >= 3
    words = " ".join(rows[n].strip() for n in named)
    assert words.replace("- ", "-") == LONG
    company = next(n for n, row in enumerate(rows) if "Bayerische" in row)
    assert company > named[-1]
    assert " ".join(rows[company:]).split() == ["Bayerische", "Motoren", "Werke", "AG"]


def test_the_colours_black_on_white_and_the_band_reversed() -> None:
    shown = text_preview(a_badge(), BUILT_IN["vip-ribbon"], 80)
    coloured = shown.ansi()
    assert "\x1b[38;5;16;48;5;231m" in coloured  # black ink on white paper
    assert "\x1b[1;38;5;231;48;5;16m" in coloured  # the band: white on black
    assert "█" * 10 not in coloured.splitlines()[1]  # coloured, the band is reversed blanks
    text = shown.rich()
    assert text.plain.splitlines() == [
        line.replace("█", " ") if n in [b + 1 for b in styled(shown, FILL)] else line
        for n, line in enumerate(shown.plain().splitlines())
    ]
    assert {str(span.style) for span in text.spans} >= {"bold #000000 on #ffffff"}
    assert BAND in {s for row in shown.rows for _t, s in row}


def test_lines_wrap_by_cells_at_spaces_and_hyphens_and_lose_nothing() -> None:
    assert wrap("Ana María López-Villanueva", 12) == ["Ana María", "López-", "Villanueva"]
    assert wrap("Hohenzollern", 5) == ["Hohen", "zolle", "rn"]
    chinese = wrap("山田太郎山田太郎", 5)  # two cells a character: two to a line, never split
    assert chinese == ["山田", "太郎", "山田", "太郎"] and all(cell_width(x) <= 5 for x in chinese)
    assert cell_width("नमस्ते") == 4  # the marks are in the cells of the letters they mark
    shown = text_preview(a_badge(name="山田 太郎 山田太郎"), BUILT_IN["name-only"], 20)
    assert {len(row) for row in shown.rows} == {shown.width}  # a wide character: two cells


def test_given_the_terminals_lines_the_blank_lines_between_elements_shorten() -> None:
    whole = text_preview(a_badge(), BUILT_IN["vip-ribbon"], 80)
    short = text_preview(a_badge(), BUILT_IN["vip-ribbon"], 80, 40)
    assert len(whole.rows) + 2 > 40 >= len(short.rows) + 2
    inked = [row for row in rows_of(whole) if row.strip()]
    assert [row for row in rows_of(short) if row.strip()] == inked  # only blank lines went
    assert qr_read(short) == [PAYLOAD]
    tight = text_preview(a_badge(), BUILT_IN["vip-ribbon"], 80, 10)  # never below a blank line
    assert [row for row in rows_of(tight) if row.strip()] == inked


def test_a_logo_is_drawn_in_half_blocks_in_its_place(tmp_path: Path) -> None:
    logo = Image.new("L", (200, 100), 255)
    logo.paste(0, (0, 0, 100, 100))  # its left half black
    out = io.BytesIO()
    logo.save(out, format="PNG")
    data = base64.b64encode(out.getvalue()).decode()
    layout = parse_layout(
        'name = "with-logo"\nwidth_mm = 62.0\nheight_mm = 40.0\nelements = [\n'
        f'  {{ kind = "logo", x = 11.0, y = 2.0, width = 40.0, height = 20.0, data = "{data}" }},\n'
        '  { kind = "name", x = 2.0, y = 26.0, width = 58.0, height = 10.0 },\n]\n'
    )
    shown = text_preview(a_badge(name="Ada"), layout, 80)
    inked = [(y, x) for y, row in enumerate(shown.rows) for x, (t, s) in enumerate(row)
             if s == INK and t == "█"]  # fmt: skip
    assert inked and min(x for _y, x in inked) >= 11 and max(x for _y, x in inked) < 31
    assert max(y for y, _x in inked) < styled(shown, NAME)[0]


# --- the picture ----------------------------------------------------------------------------
def kitty_png(sequence: str) -> tuple[dict[str, str], bytes]:
    """The first command's keys and the PNG the Kitty graphics commands carry, joined."""
    commands = re.findall(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\", sequence)
    keys = dict(pair.split("=") for pair in commands[0][0].split(","))
    assert [c[0].endswith("m=1") for c in commands] == [True] * (len(commands) - 1) + [False]
    return keys, base64.b64decode("".join(payload for _keys, payload in commands))


def sixel_picture(sequence: str) -> Image.Image:
    """A Sixel image decoded: its colours, repeats, carriage returns and line feeds."""
    body = sequence[sequence.index("q") + 1 : sequence.index("\x1b\\")]
    size = re.match(r'"1;1;(\d+);(\d+)', body)
    assert size is not None
    width, height = int(size.group(1)), int(size.group(2))
    picture = Image.new("RGB", (width, height), (255, 255, 255))
    colours: dict[str, tuple[int, int, int]] = {}
    colour, x, band = (0, 0, 0), 0, 0
    for token in re.findall(r"#\d+(?:;\d+;\d+;\d+;\d+)?|!\d+.|[?-~$-]", body[size.end() :]):
        if token.startswith("#"):
            number, *defined = token[1:].split(";")
            if defined:
                r, g, b = (round(int(v) * 255 / 100) for v in defined[1:])
                colours[number] = (r, g, b)
            colour = colours[number]
            continue
        if token == "$":
            x = 0
            continue
        if token == "-":
            x, band = 0, band + 6
            continue
        count, char = (int(token[1:-1]), token[-1]) if token.startswith("!") else (1, token)
        bits = ord(char) - 63
        for dx in range(count):
            for bit in range(6):
                if bits >> bit & 1 and band + bit < height and x + dx < width:
                    picture.putpixel((x + dx, band + bit), colour)
        x += count
    return picture


def test_the_kitty_and_iterm_pictures_carry_the_printers_png_sized_to_the_terminal() -> None:
    png = render_png(a_badge(), dpi=150)
    sequence = picture_preview(png, "kitty", 80, 40, (10, 20))
    keys, carried = kitty_png(sequence)
    assert carried == png  # the PNG the printer gets, byte for byte
    assert (keys["a"], keys["f"], keys["q"]) == ("T", "100", "2")
    assert int(keys["r"]) <= 38 and int(keys["c"]) <= 79  # the whole badge on the screen
    assert abs(int(keys["c"]) * 10 / (int(keys["r"]) * 20) - 62 / 100) < 0.05  # not distorted
    assert sequence.endswith("\n") and "\x07" not in sequence
    iterm = picture_preview(png, "iterm", 120, None, None)
    found = re.fullmatch(r"\x1b\]1337;File=([^:]*):([A-Za-z0-9+/=]+)\x07\n", iterm)
    assert found is not None and base64.b64decode(found.group(2)) == png
    assert "width=119;" in found.group(1) and f"size={len(png)};" in found.group(1)


def test_the_sixel_picture_decodes_back_into_the_badge_and_its_qr_scans() -> None:
    png = render_png(a_badge(), dpi=150)
    sequence = picture_preview(png, "sixel", 80, 60, (10, 20))
    assert sequence.startswith("\x1bP") and sequence.endswith("\x1b\\\n")
    picture = sixel_picture(sequence)
    assert picture.width == 79 * 10 or picture.height <= 58 * 20
    with Image.open(io.BytesIO(png)) as printed:
        assert abs(picture.width / picture.height - printed.width / printed.height) < 0.01
    found = zxingcpp.read_barcodes(picture.convert("L"))
    assert [f.text for f in found] == [PAYLOAD]


# --- which ----------------------------------------------------------------------------------
def never(*_args: object) -> str:
    raise AssertionError("the terminal was asked")


def test_piped_or_told_nothing_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    assert choose("auto", stdout=piped, ask=never) == "text"
    assert choose("text", ask=never) == "text"
    assert choose("kitty", stdout=piped, ask=never) == "kitty"
    assert choose("image", stdout=piped, ask=lambda: "") == "kitty"  # none said: Kitty's
    assert piped.getvalue() == ""
    monkeypatch.setenv("EVENTDESK_GRAPHICS", "sixel")
    assert choose("image", stdout=piped, ask=never) == "sixel"
    monkeypatch.setenv("EVENTDESK_GRAPHICS", "cells")
    assert choose("image", stdout=piped, ask=never) == "kitty"


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("\x1b_Gi=31;OK\x1b\\\x1bP>|kitty(0.35.2)\x1b\\\x1b[?62;c", "kitty"),
        ("\x1bP>|WezTerm 20240203\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[?65;4;6;18;22c", "kitty"),
        ("\x1bP>|iTerm2 3.5.0\x1b\\\x1b[?62;4c", "iterm"),
        ("\x1b[?62;4;9;22c", "sixel"),  # foot, xterm -ti vt340, tmux built with Sixel
        ("\x1b[?62;22c", "text"),  # a terminal without pictures
        ("", "text"),
    ],
)
def test_what_a_terminal_answers_says_its_pictures(answer: str, kind: str) -> None:
    assert answered(answer) == kind


ASKER = """
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)  # a session leader opening a terminal: its own
keys, screen = os.fdopen(fd, "r"), os.fdopen(os.dup(fd), "w")
from badges.preview import choose
start = time.monotonic()
kind = choose("auto", stdin=keys, stdout=screen)
print(f"CHOSEN {kind} {time.monotonic() - start:.2f}", file=sys.stderr, flush=True)
"""


def run_on_a_terminal(answer: bytes | None) -> tuple[str, float, bytes]:
    """``choose("auto")`` in a process whose terminal is a pseudo-terminal we hold: what it
    chose, how long it took, and what it wrote to the terminal (``answer``: what the terminal
    says back to the queries; None: it says nothing)."""
    master, slave = os.openpty()  # the slave held open here: the master reads until it is done
    name = os.ttyname(slave)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("EVENTDESK_GRAPHICS", None)
    child = subprocess.Popen(
        [sys.executable, "-c", ASKER, name],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    written = b""
    deadline = time.monotonic() + 20
    try:
        while child.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                written += os.read(master, 4096)
                if answer is not None and b"\x1b[c" in written:
                    os.write(master, answer)
                    answer = None
        _, err = child.communicate(timeout=20)
    finally:
        os.close(master)
        os.close(slave)
    found = re.search(rb"CHOSEN (\w+) ([\d.]+)", err)
    assert found is not None, err
    return found.group(1).decode(), float(found.group(2)), written


def test_a_real_terminal_is_asked_once_and_its_answer_read() -> None:
    kind, _took, written = run_on_a_terminal(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;c")
    assert kind == "kitty"
    assert written.count(b"\x1b_Gi=31,s=1,v=1,a=q") == 1 and b"\x1b[c" in written


def test_a_terminal_that_never_answers_gets_the_words_in_half_a_second() -> None:
    kind, took, _written = run_on_a_terminal(None)
    assert kind == "text" and took < 2.0  # never waits for ever

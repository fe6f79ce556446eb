"""Badge layouts kept in the database and sheets of badges, from the command line (issue 30):
import, show, export, assign to a ticket type (its badges then print with it), the event's
default; sheets on two stocks with their page count, each badge's place and text; a name no
font here draws is said; the terminal preview."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from badges.fonts import has_font_for, readable
from eventdesk.db import Store
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.fonts_here import undrawable
from tests.helpers import add_type, make_event

pdftotext = shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(
    pdftotext is None, reason="pdftotext (poppler-utils) is not installed: .ci/run installs it"
)

LAYOUT = """
name = "sponsor-card"
width_mm = 86.0
height_mm = 55.0
elements = [
  { kind = "ribbon", x = 0.0, y = 0.0, width = 86.0, height = 8.0, text = "SPONSOR" },
  { kind = "name", x = 3.0, y = 10.0, width = 50.0, height = 20.0, lines = 2, align = "left" },
  { kind = "company", x = 3.0, y = 32.0, width = 50.0, height = 8.0, align = "left" },
  { kind = "qr", x = 56.0, y = 12.0, width = 28.0, height = 28.0 },
  { kind = "text", x = 3.0, y = 44.0, width = 80.0, height = 8.0, text = "Wi-Fi: devconf" },
]
"""

PEOPLE = [
    ("Ada Lovelace", "Analytical Engines", "Regular"),
    ("Grace Hopper", "US Navy", "VIP"),
    ("Alan Turing", "Bletchley Park", "Regular"),
    ("Katherine Johnson", "NASA", "Regular"),
    ("山田 太郎", "東京大学", "Regular"),
]


def event_with_people(store: Store, count_more: int = 0) -> tuple[str, dict[str, str]]:
    now = utcnow()
    ev = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, ev, "Regular", price_cents=0)
    add_type(store, ev, "VIP", price_cents=0, tier=0)
    tickets = {}
    more = [(f"Person Number{i:03d}", None, "Regular") for i in range(count_more)]
    for n, (name, company, kind) in enumerate([*PEOPLE, *more]):
        email = f"p{n}@{ev}.example.com"
        attendees.add_attendee(store, name=name, email=email, company=company)
        tickets[name] = register(store, ev, email, kind).tickets[0].ticket_id
    return ev, tickets


def test_a_layout_is_imported_shown_exported_and_printed_by_its_ticket_type(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    ev, tickets = event_with_people(store)
    file = tmp_path / "sponsor.toml"
    file.write_text(LAYOUT, encoding="utf-8")
    kept = cli.json("badge", "layout", "import", str(file))
    assert kept["name"] == "sponsor-card" and kept["origin"] == "stored"
    listed = {r["name"]: r for r in cli.json("badge", "layout", "list", "--event", ev)}
    assert (
        listed["sponsor-card"]["origin"] == "stored"
        and listed["vip-ribbon"]["origin"] == "built-in"
    )
    assert listed["name-company-qr"]["event_default"] and listed["sponsor-card"]["used_by"] == []
    assert cli.json("badge", "layout", "show", "sponsor-card")["toml"] == LAYOUT

    use = cli.json("badge", "layout", "set", "VIP", "sponsor-card", "--event", ev)
    assert use["ticket_types"] == {"Regular": None, "VIP": "sponsor-card"}
    vip = cli.json("badge", tickets["Grace Hopper"], "--format", "png")
    regular = cli.json("badge", tickets["Ada Lovelace"], "--format", "png")
    assert (vip["layout"], regular["layout"]) == ("sponsor-card", "name-company-qr")
    cli.json("badge", "layout", "set", "default", "name-only", "--event", ev)
    assert cli.json("badge", tickets["Ada Lovelace"], "--format", "png")["layout"] == "name-only"
    cli.json("badge", "layout", "set", "VIP", "--clear", "--event", ev)
    assert cli.json("badge", tickets["Grace Hopper"], "--format", "png")["layout"] == "name-only"

    out = tmp_path / "out.toml"
    cli.json("badge", "layout", "export", "sponsor-card", "--output", str(out))
    assert out.read_text(encoding="utf-8") == LAYOUT
    cli.json("badge", "layout", "export", "vip-ribbon", "--output", str(out))
    assert 'name = "vip-ribbon"' in out.read_text(encoding="utf-8")

    # Wrong names and files say what is wrong, and change nothing.
    _, err = cli.run("badge", "layout", "set", "VIP", "holo", "--event", ev, code=2)
    assert "no badge layout 'holo'" in err
    _, err = cli.run("badge", "layout", "set", "Gold", "name-only", "--event", ev, code=2)
    assert "no ticket type 'Gold'" in err and "Regular, VIP" in err
    bad = tmp_path / "bad.toml"
    bad.write_text(LAYOUT.replace("x = 56.0", "x = 70.0"), encoding="utf-8")
    _, err = cli.run("badge", "layout", "import", str(bad), code=2)
    assert "element 4 (qr) is not inside the 86 x 55 mm label" in err
    assert cli.json("badge", "layout", "show", "sponsor-card")["toml"] == LAYOUT


def test_a_logo_beside_the_layout_file_is_taken_into_the_database(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    from PIL import Image

    _, tickets = event_with_people(store)
    Image.new("RGB", (60, 30), (200, 0, 0)).save(tmp_path / "logo.png")
    (tmp_path / "logo.toml").write_text(
        'name = "with-logo"\nwidth_mm = 62.0\nheight_mm = 40.0\nelements = [\n'
        '  { kind = "logo", x = 2.0, y = 2.0, width = 58.0, height = 14.0, file = "logo.png" },\n'
        '  { kind = "name", x = 2.0, y = 18.0, width = 58.0, height = 20.0 },\n]\n',
        encoding="utf-8",
    )
    cli.json("badge", "layout", "import", str(tmp_path / "logo.toml"))
    (tmp_path / "logo.png").unlink()  # the database has it now
    png = tmp_path / "b.png"
    cli.json("badge", tickets["Ada Lovelace"], "--format", "png", "--layout", "with-logo",
             "--output", str(png))  # fmt: skip
    picture = Image.open(png).convert("L")
    logo_band = picture.crop((0, 30, picture.width, 180))
    assert logo_band.getextrema()[0] < 128  # the red logo, grey on the badge


def words_on_pages(pdf: Path) -> list[tuple[int, str, float, float]]:
    """(page, word, x, y) of every word pdftotext finds, in millimetres from the top left."""
    html = subprocess.run(
        [str(pdftotext), "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for page, body in enumerate(html.split("<page ")[1:], start=1):
        for x, y, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>',
            body,
        ):
            found.append((page, word, float(x) * 25.4 / 72, float(y) * 25.4 / 72))
    return found


@needs_poppler
@pytest.mark.parametrize(
    ("stock", "per_page", "width", "height", "left", "top", "gap_x", "gap_y"),
    [
        ("avery-l7418", 10, 86.0, 55.0, 14.0, 11.0, 10.0, 0.0),
        ("avery-5392", 6, 101.6, 76.2, 6.35, 25.4, 0.0, 0.0),
    ],
)
def test_a_sheet_places_each_badge_in_its_stock_position(
    cli: Cli,
    store: Store,
    signer: Signer,
    tmp_path: Path,
    stock: str,
    per_page: int,
    width: float,
    height: float,
    left: float,
    top: float,
    gap_x: float,
    gap_y: float,
) -> None:
    if not has_font_for("山田"):  # one of the names is Japanese: without a font it is dropped
        pytest.skip("no CJK font installed (Debian's fonts-noto-cjk): .ci/run installs it")
    ev, _ = event_with_people(store, count_more=per_page + 2)  # two pages and a bit
    pdf = tmp_path / "sheet.pdf"
    made = cli.json("badge", "sheet", ev, "--stock", stock, "--output", str(pdf), "--crop-marks")
    total = len(PEOPLE) + per_page + 2
    assert (made["badges"], made["pages"]) == (total, -(-total // per_page))
    assert made["path"] == str(pdf) and pdf.stat().st_size == made["bytes"]
    words = words_on_pages(pdf)
    # Sorted by surname: Hopper, Johnson, Lovelace, Number000..., Turing, then 山田 太郎 (太郎).
    surnames = [w for _, w, _, _ in words if w in ("Hopper", "Johnson", "Lovelace", "Turing")]
    assert surnames == ["Hopper", "Johnson", "Lovelace", "Turing"]
    for n, name in enumerate(("Hopper", "Johnson", "Lovelace")):  # the first three badges
        page, _, x, y = next(w for w in words if w[1] == name)
        column, row = n % 2, n // 2
        cell_x = left + column * (width + gap_x)
        cell_y = top + row * (height + gap_y)
        assert page == 1
        assert cell_x < x < cell_x + width and cell_y < y < cell_y + height, (name, x, y)
    assert any(w == "山田" or w.startswith("山田") for _, w, _, _ in words)


@needs_poppler
def test_a_sheet_takes_only_what_is_asked_in_the_order_asked(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    ev, tickets = event_with_people(store)
    pdf = tmp_path / "vip.pdf"
    made = cli.json(
        "badge", "sheet", ev, "--stock", "a6-on-a4", "--output", str(pdf), "--ticket-type", "VIP"
    )
    assert made["badges"] == 1 and [w for _, w, _, _ in words_on_pages(pdf)][:2] == [
        "Grace",
        "Hopper",
    ]
    payload = show_ticket(store, tickets["Alan Turing"]).qr_payload
    assert payload is not None
    cli.json("checkin", payload)
    made = cli.json(
        "badge", "sheet", ev, "--stock", "a6-on-a4", "--output", str(pdf), "--not-checked-in"
    )
    assert made["badges"] == len(PEOPLE) - 1
    assert "Turing" not in [w for _, w, _, _ in words_on_pages(pdf)]
    chosen = f"{tickets['Alan Turing']},{tickets['Ada Lovelace']}"
    cli.json(
        "badge", "sheet", ev, "--stock", "a6-on-a4", "--output", str(pdf), "--tickets", chosen,
        "--sort", "company",
    )  # fmt: skip
    names = [w for _, w, _, _ in words_on_pages(pdf) if w in ("Turing", "Lovelace")]
    assert names == ["Lovelace", "Turing"]  # Analytical Engines before Bletchley Park
    _, err = cli.run("badge", "sheet", ev, "--stock", "avery-9999", "--output", str(pdf), code=2)
    assert "no badge stock 'avery-9999'" in err and "avery-l7418" in err
    _, err = cli.run(
        "badge", "sheet", ev, "--stock", "a6-on-a4", "--output", str(pdf), "--tickets", "NOPE",
        code=2,
    )  # fmt: skip
    assert "no badge for NOPE: not a registered ticket" in err
    stocks = {s["name"]: s for s in cli.json("badge", "stocks")}
    assert stocks["a6-on-a4"]["columns"] * stocks["a6-on-a4"]["rows"] == 4
    assert {"avery-l4785", "avery-l7418", "avery-5392", "avery-74459"} <= set(stocks)


def test_a_name_no_font_here_draws_prints_in_latin_letters_in_every_format_and_is_said(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    """Before, the badge was refused (exit 2, nothing written) and left off a sheet: now it
    prints in every format with the name in Latin letters, and the command says so, naming
    the font that would print it as written."""
    ev = make_event(store)
    add_type(store, ev, "Regular", price_cents=0)
    letter = undrawable()
    name = f"Ramses {letter}"
    shown = readable(name)
    attendees.add_attendee(store, name=name, email=f"r@{ev}.example.com")
    ticket = register(store, ev, f"r@{ev}.example.com", "Regular").tickets[0].ticket_id
    said = f"{name!r} prints in Latin letters as {shown!r}: no font here draws {letter}; install"
    for fmt in ("png", "pdf", "zpl", "escpos", "ql"):
        out = tmp_path / f"r.{fmt}"
        told, _ = cli.run("badge", ticket, "--format", fmt, "--output", str(out))
        assert said in told and "install Noto" in told, fmt  # no Debian package holds Khitan
        assert out.stat().st_size > 0
        made = cli.json("badge", ticket, "--format", fmt)
        assert made["missing_glyphs"] == letter and any(said in w for w in made["warnings"])
    assert cli.json("badge", ticket, "--format", "text")["bytes"] > 0  # text needs no font
    attendees.add_attendee(store, name="Ada Lovelace", email=f"a@{ev}.example.com")
    other = register(store, ev, f"a@{ev}.example.com", "Regular").tickets[0].ticket_id
    sheet = tmp_path / "s.pdf"
    made = cli.json("badge", "sheet", ev, "--stock", "a6-on-a4", "--output", str(sheet))
    assert made["badges"] == 2 and made["left_out"] == {}  # both printed
    assert made["latin"] == {ticket: [shown]} and made["missing_glyphs"] == {ticket: letter}
    out, _ = cli.run("badge", "sheet", ev, "--stock", "a6-on-a4", "--output", str(sheet))
    assert (
        f"1 badge prints words in Latin letters ({ticket}): no font here draws {letter}; "
        "install Noto"
    ) in out
    assert other not in made["latin"]


def test_the_preview_shows_the_words_in_their_places_or_the_printers_picture(
    cli: Cli, store: Store, signer: Signer
) -> None:
    """Piped (as here) or as JSON the preview is the badge's words in their places, in a box;
    asked for Kitty's protocol, it is the PNG the printer gets, whichever side of the ticket
    --preview is written."""
    _, tickets = event_with_people(store)
    ticket = tickets["Grace Hopper"]
    shown = cli.json("badge", ticket, "--preview")
    rows = shown["preview"].splitlines()
    assert shown["mode"] == "text" and rows[0][0] == "┌" and rows[-1][0] == "└"
    named = [n for n, row in enumerate(rows) if row.strip("│ ") == "Grace Hopper"]
    company = [n for n, row in enumerate(rows) if row.strip("│ ") == "US Navy"]
    assert named and company and named[0] < company[0]
    assert sum("▀" in row or "▄" in row for row in rows) > 10  # the QR in half blocks
    out, _ = cli.run("badge", "--preview", ticket)
    assert "\x1b" not in out and out.splitlines()[:-1] == rows
    assert out.splitlines()[-1] == f"{ticket}: Grace Hopper (name-company-qr)"
    out, _ = cli.run("badge", "--preview", "kitty", ticket)
    chunks = re.findall(r"\x1b_G[^;]*;([^\x1b]*)\x1b\\", out)
    png = cli.json("badge", ticket, "--format", "png")["content"]
    assert base64.b64decode("".join(chunks)) == base64.b64decode(png)
    _, err = cli.run("badge", ticket, "--preview", "braille", code=2)
    assert "'braille' is not one of 'auto', 'text', 'image', 'kitty', 'sixel', 'iterm'" in err


def test_a_ql_badge_says_its_tape_printable_width_and_scale(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    """A QL badge is never scaled silently: the badge command says the tape, its printable
    width and the scale (JSON keys added beside the others, and a sentence)."""
    _, tickets = event_with_people(store)
    ticket = tickets["Ada Lovelace"]
    made = cli.json("badge", ticket, "--format", "ql")
    assert made["format"] == "ql" and made["encoding"] == "base64"  # the keys it had
    assert (made["label"], made["printable_width_mm"], made["scale"]) == ("62", 58.9, 1.0)
    assert made["fit"] == "62 mm tape: printable 58.9 mm; badge at full size"
    file = tmp_path / "sponsor.toml"
    file.write_text(LAYOUT, encoding="utf-8")
    wide = cli.json("badge", ticket, "--format", "ql", "--layout", str(file))
    assert wide["turned"] and wide["scale"] == pytest.approx(58.928 / 55, abs=0.001)
    out, _ = cli.run(
        "badge", ticket, "--format", "ql", "--layout", str(file), "--output", str(tmp_path / "q")
    )
    assert (
        "62 mm tape: printable 58.9 mm; badge turned a quarter and drawn at 107% to fit it" in out
    )


def test_a_badge_no_font_here_draws_prints_from_the_queue_in_latin_letters_saying_so(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    """Before, the job failed ("NOT printed", exit 3) and nothing was printed: now the badge
    prints, the name in Latin letters, and the outcome says so."""
    (tmp_path / "eventdesk.toml").write_text(
        f'[printers.png]\ntype = "folder"\npath = "{tmp_path / "out"}"\nlanguage = "png"\n',
        encoding="utf-8",
    )
    ev = make_event(store)
    add_type(store, ev, "Regular", price_cents=0)
    letter = undrawable()
    name = f"Ramses {letter}"
    attendees.add_attendee(store, name=name, email=f"r@{ev}.example.com")
    ticket = register(store, ev, f"r@{ev}.example.com", "Regular").tickets[0].ticket_id
    out, _ = cli.run("print", ticket, "--printer", "png")
    said = f"{name!r} prints in Latin letters as {readable(name)!r}: no font here draws {letter}"
    assert f"badge for {ticket} printed on png (" in out and said in out
    [job] = [j for j in cli.json("print-queue") if j["ticket_id"] == ticket]
    assert job["state"] == "done" and not job["last_error"]
    [png] = list((tmp_path / "out").glob("*.png"))
    assert png.stat().st_size > 0


def test_a_printers_labels_are_honoured_and_the_layout_fitted_to_them(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    """A Zebra loaded with 4 x 3 in labels at 203 dpi: the 62 x 100 mm layout is scaled as a
    whole to fit them, centred, never cut or stretched."""
    (tmp_path / "eventdesk.toml").write_text(
        '[printers.zebra]\ntype = "file"\npath = "zebra.zpl"\nlanguage = "zpl"\n'
        "width_mm = 101.6\nheight_mm = 76.2\ndpi = 203\n",
        encoding="utf-8",
    )
    _, tickets = event_with_people(store)
    made = cli.json("badge", tickets["Ada Lovelace"], "--format", "zpl", "--printer", "zebra")
    zpl = made["content"]
    assert "^PW812" in zpl and "^LL609" in zpl  # the label loaded, not the layout's 62 x 100
    lefts = [int(x) for x in re.findall(r"\^FO(\d+),", zpl)]
    assert min(lefts) > 200  # a portrait layout centred on a landscape label
    png = cli.json("badge", tickets["Ada Lovelace"], "--format", "png", "--printer", "zebra")
    assert png["bytes"] > 0 and png["layout"] == "name-company-qr"


def test_a_layout_can_carry_no_logo_that_would_stop_its_badges(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    import base64
    import io

    from PIL import Image

    huge = io.BytesIO()
    Image.new("1", (9000, 9000), 1).save(huge, format="PNG")  # a few kB, 81 megapixels
    (tmp_path / "huge.png").write_bytes(huge.getvalue())
    head = 'name = "bomb"\nwidth_mm = 62.0\nheight_mm = 40.0\nelements = [\n  { kind = "logo", '
    tail = ", x = 1.0, y = 1.0, width = 60.0, height = 30.0 },\n]\n"
    (tmp_path / "file.toml").write_text(head + 'file = "huge.png"' + tail, encoding="utf-8")
    inline = 'data = "' + base64.b64encode(huge.getvalue()).decode() + '"'
    (tmp_path / "inline.toml").write_text(head + inline + tail, encoding="utf-8")
    for name in ("file.toml", "inline.toml"):
        _, err = cli.run("badge", "layout", "import", str(tmp_path / name), code=2)
        assert "9000 x 9000 pixels; at most 2000 a side" in err
    (tmp_path / "big.toml").write_bytes(b"# " + b"x" * 70_000 + b"\n")
    _, err = cli.run("badge", "layout", "import", str(tmp_path / "big.toml"), code=2)
    assert "a layout file is at most 64 kB" in err
    built_in = tmp_path / "vip.toml"
    built_in.write_text(LAYOUT.replace('"sponsor-card"', '"vip-ribbon"'), encoding="utf-8")
    _, err = cli.run("badge", "layout", "import", str(built_in), code=2)
    assert "vip-ribbon is a built-in layout's name" in err


def test_a_layouts_own_ribbon_prints_for_any_ticket_type_and_json_goes_anywhere(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    from PIL import Image

    from badges.render import clean

    ev, tickets = event_with_people(store)
    (tmp_path / "sponsor.toml").write_text(LAYOUT, encoding="utf-8")
    cli.json("badge", "layout", "import", str(tmp_path / "sponsor.toml"))
    cli.json("badge", "layout", "set", "Regular", "sponsor-card", "--event", ev)
    out = tmp_path / "ada.png"
    cli.json("badge", tickets["Ada Lovelace"], "--format", "png", "--output", str(out))
    band = Image.open(out).convert("L").crop((0, 0, 100, 10))
    assert band.getextrema()[1] < 128  # SPONSOR's band, black, on a Regular ticket
    assert {r["name"] for r in cli.read("badge", "--json", "layout", "list")} >= {"sponsor-card"}
    assert len(cli.read("badge", "--json", "stocks")) == 6
    assert clean("فاطمه\u200cزهرا") == "فاطمه\u200cزهرا"  # a Persian name keeps its joiner

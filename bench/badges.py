"""Badges: a badge to every raster, and sheets from 10 to 10,000 badges, side by side in one run.

    python -m bench.badges [--badges 500] [--sheets 10,100,1000,10000] [--rounds 3]

(a) Single badges: each output of the built-in layouts for names in several scripts (Latin,
    Greek, CJK, Arabic, Devanagari), in milliseconds a badge, each beside its floor: the same
    badge drawn by the library alone (Pillow, or fpdf2 for the PDF) from lines, sizes, places
    and fonts worked out beforehand, then encoded as the format is (what our fitting, font
    choice and checks cost on top). Goal: within 2x of the floor on every format, a badge in a
    few milliseconds on any raster (PNG, ESC/POS, ZPL, Brother QL).
(b) Sheets: an event's badges on Avery L7418 sheets as one PDF, 10 to 10,000 badges: the cost
    a badge, and the PDF's bytes a badge. Goal: flat (10,000 badges cost no more a badge than
    10, within 1.25x), and a 1,000-badge PDF of a few MB at most.
The median of ``--rounds`` runs of each is printed.
"""

from __future__ import annotations

import argparse
import functools
import io
import statistics
import time
from collections.abc import Callable

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from badges.badge import MM_PER_INCH, Badge
from badges.layout import PT_MM, layout_of, mono, qr_modules
from badges.printable import inverted
from badges.render import render
from badges.sheets import sheet_pdf
from badges.stocks import find_stock
from badges.typeset import Plan, typeset

NAMES = (
    "Ana María López-Villanueva",
    "Ελένη Παπαδοπούλου",
    "山田 太郎",
    "سارة محمد",
    "अनन्या शर्मा",
    "Oskar Lindqvist",
)


def badges(count: int) -> list[Badge]:
    return [
        Badge(
            ticket_id=f"T{n:06d}",
            name=f"{NAMES[n % len(NAMES)]} {n}",
            company="Northwind Traders",
            ticket_type="VIP" if n % 10 == 0 else "Regular",
            ribbon="VIP" if n % 10 == 0 else None,
            event="Northwind DevConf 2026",
            date="25 Nov 2026",
            payload=f"ED1.T{n:06d}.K1.{'S' * 86}",
            layout="vip-ribbon" if n % 10 == 0 else "name-company-qr",
        )
        for n in range(count)
    ]


def per_badge_ms(job: Callable[[Badge], object], made: list[Badge]) -> float:
    start = time.perf_counter()
    for one in made:
        job(one)
    return (time.perf_counter() - start) * 1000 / len(made)


@functools.cache
def loaded(path: str, index: int, size: float) -> ImageFont.FreeTypeFont:
    """A font loaded once at a size, as any program drawing many badges would."""
    return ImageFont.truetype(path, size, index=index)


def picture_alone(plan: Plan, payload: str, dpi: int = 300) -> Image.Image:
    """The badge drawn by Pillow alone: the plan's lines at its places, in its fonts, and the
    QR pasted (nothing measured, fitted or looked up)."""
    size = plan.layout.size(dpi)
    image = Image.new("L", (size.width_dots, size.height_dots), 255)
    pen = ImageDraw.Draw(image)
    dots = dpi / MM_PER_INCH
    for text in plan.texts:
        ink = 0
        if text.white:
            box = (
                text.x * dots,
                text.y * dots,
                (text.x + text.width) * dots,
                (text.y + text.height) * dots,
            )
            pen.rectangle(box, fill=0)
            ink = 255
        for n, line in enumerate(text.lines):
            x, baseline = (v * dots for v in text.origin(n))
            for run in line.runs:
                assert run.font is not None
                font = loaded(run.font.path, run.font.index, text.size_pt * dpi / 72)
                pen.text((x, baseline), run.text, font=font, fill=ink, anchor="ls")
                x += pen.textlength(run.text, font=font)
    [qr] = [e for e in plan.layout.elements if e.kind == "qr"]
    side = round(min(qr.width, qr.height) * dots)
    code = qr_modules(payload).resize((side, side), Image.Resampling.NEAREST)
    image.paste(code, (round(qr.x * dots), round(qr.y * dots)))
    return image


def png_alone(plan: Plan, payload: str) -> bytes:
    out = io.BytesIO()
    picture_alone(plan, payload).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def escpos_alone(plan: Plan, payload: str) -> bytes:
    """The picture scaled to a receipt printer's 576 dots, as printer dots."""
    image = picture_alone(plan, payload)
    image = image.resize((576, round(image.height * 576 / image.width)), Image.Resampling.BOX)
    return inverted(mono(image).tobytes())


def zpl_alone(plan: Plan, payload: str) -> bytes:
    """The picture's dots as one ^GFA graphic field, ASCII hex (ZPL with no choices)."""
    bits = inverted(mono(picture_alone(plan, payload)).tobytes())
    return f"^XA^GFA,{len(bits)},{len(bits)},0,{bits.hex().upper()}^FS^XZ".encode()


def ql_alone(plan: Plan, payload: str) -> bytes:
    """The picture on the tape's printable dots, made a raster job by brother_ql alone."""
    from brother_ql.conversion import convert
    from brother_ql.raster import BrotherQLRaster

    image = picture_alone(plan, payload)
    canvas = Image.new("L", (696, image.height), 255)  # a 62 mm tape's printable dots
    canvas.paste(image.crop((18, 0, 18 + 696, image.height)), (0, 0))
    qlr = BrotherQLRaster("QL-810W")
    qlr.exception_on_warning = True
    return bytes(
        convert(qlr, [mono(canvas).convert("L")], "62", cut=True, dither=False, compress=False,
                red=False, rotate=0, dpi_600=False, hq=True)
    )  # fmt: skip


def pdf_alone(plan: Plan, payload: str) -> bytes:
    """The badge drawn by fpdf2 alone: its fonts added, the plan's lines as cells, the QR's
    dark modules as rectangles."""
    pdf = FPDF(unit="mm", format=(plan.layout.width_mm, plan.layout.height_mm))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    pdf.add_page()
    families: dict[tuple[str, int], str] = {}
    for text in plan.texts:
        for n, line in enumerate(text.lines):
            left, baseline = text.origin(n)
            top = baseline - text.line_height / 2 - 0.3 * text.size_pt * PT_MM
            for run in line.runs:
                assert run.font is not None
                if run.font.key not in families:
                    families[run.font.key] = f"f{len(families)}"
                    pdf.add_font(
                        families[run.font.key],
                        "",
                        run.font.path,
                        collection_font_number=run.font.index,
                    )
                    pdf.set_text_shaping(True)
                pdf.set_font(families[run.font.key], size=text.size_pt)
                pdf.x, pdf.y = left, top
                pdf.cell(text=run.text, h=text.line_height)
                left += pdf.get_string_width(run.text)
    modules = qr_modules(payload)
    [qr] = [e for e in plan.layout.elements if e.kind == "qr"]
    unit = min(qr.width, qr.height) / modules.width
    dark = modules.tobytes()
    for row in range(modules.height):
        for col in range(modules.width):
            if dark[row * modules.width + col] < 128:
                pdf.rect(qr.x + col * unit, qr.y + row * unit, unit, unit, style="F")
    return bytes(pdf.output())


def rasters(count: int, rounds: int) -> None:
    made = badges(count)
    plans = {b.ticket_id: typeset(b, layout_of(b)) for b in made}  # worked out beforehand

    def alone(job: Callable[[Plan, str], object]) -> Callable[[Badge], object]:
        return lambda b: job(plans[b.ticket_id], b.payload or "")

    pairs: dict[str, tuple[Callable[[Badge], object], Callable[[Badge], object]]] = {
        "png": (lambda b: render(b, "png"), alone(png_alone)),
        "escpos": (lambda b: render(b, "escpos"), alone(escpos_alone)),
        "zpl": (lambda b: render(b, "zpl"), alone(zpl_alone)),
        "ql (QL-810W, 62 mm)": (lambda b: render(b, "ql"), alone(ql_alone)),
        "pdf (one badge a file)": (lambda b: render(b, "pdf"), alone(pdf_alone)),
    }
    for ours, floor in pairs.values():  # fonts loaded, caches warm: a station's second badge
        for one in made[: len(NAMES)]:
            ours(one)
            floor(one)
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in pairs}
    for _ in range(rounds):
        for name, (ours, floor) in pairs.items():
            times[name][0].append(per_badge_ms(ours, made))
            times[name][1].append(per_badge_ms(floor, made))
    print(f"(a) {count} single badges, name-company-qr and vip-ribbon, 62 x 100 mm at 300 dpi")
    print(f"    {'output':<24} {'ms a badge':>10} {'floor ms':>9} {'x floor':>8}")
    for name, (ours_ms, floor_ms) in times.items():
        median, base = statistics.median(ours_ms), statistics.median(floor_ms)
        print(f"    {name:<24} {median:>10.2f} {base:>9.2f} {median / base:>8.2f}")


def sheets(sizes: list[int], rounds: int) -> None:
    paper = find_stock(None, "avery-l7418")
    print("(b) sheets on avery-l7418 (10 a page), one PDF")
    print(f"    {'badges':>7} {'pages':>6} {'ms a badge':>11} {'x the 10':>9} {'kB a badge':>11}")
    first = None
    for count in sizes:
        made = badges(count)
        got = []
        size = pages = 0
        for _ in range(rounds if count <= 1000 else 1):
            start = time.perf_counter()
            data, _, pages = sheet_pdf(made, layout_of, paper)
            got.append((time.perf_counter() - start) * 1000 / count)
            size = len(data)
        median = statistics.median(got)
        first = first or median
        print(
            f"    {count:>7} {pages:>6} {median:>11.2f} {median / first:>9.2f} "
            f"{size / 1000 / count:>11.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=500)
    parser.add_argument("--sheets", default="10,100,1000,10000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rasters(args.badges, args.rounds)
    sheets([int(n) for n in args.sheets.split(",")], args.rounds)


if __name__ == "__main__":
    main()

"""A sheet of badges as PDF against the floor, side by side in one run.

    python -m bench.sheets [--badges 500] [--stock avery-l7418] [--rounds 3]

(a) ours: badges.sheets.sheet_pdf, the whole path a `badge sheet` takes once the badges are
    read: each layout stretched to the stock's safe area, every text fitted and wrapped in its
    element, right-to-left and complex scripts shaped, fonts found per character, each QR made
    and drawn as rectangles, the page clipped to what prints, crop marks;
(b) the floor: the same pages drawn by fpdf2 alone, with nothing decided: the same fonts
    (those (a) embedded), the same text lines at a size given, in the same boxes, and the same
    QR rectangles, computed before the clock starts. What no sheet of these badges can beat.
Names are the demo's (Latin with accents) with one in five in another script (Greek, Cyrillic,
CJK, Arabic, Devanagari); one badge in ten is a VIP's, with its ribbon. The median of
``--rounds`` runs of each is printed, and their ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from fpdf import FPDF

from badges.badge import Badge
from badges.layout import PT_MM as PT
from badges.layout import layout_of, words_of
from badges.pdf import PdfBadges, _qr_runs
from badges.sheets import safe_box, sheet_pdf
from badges.stocks import find_stock
from eventdesk.services.data.demo import COMPANIES, FIRST_NAMES, LAST_NAMES

SCRIPTS = (
    "Ελένη Παπαδοπούλου",
    "Дмитрий Соколов",
    "山田 太郎",
    "سارة محمد",
    "अनन्या शर्मा",
)


def badges(count: int) -> list[Badge]:
    rng = random.Random(44)
    made = []
    for n in range(count):
        if n % 5 == 4:
            name = SCRIPTS[(n // 5) % len(SCRIPTS)]
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        vip = n % 10 == 0
        made.append(
            Badge(
                ticket_id=f"T{n:06d}",
                name=name,
                company=rng.choice(COMPANIES),
                ticket_type="VIP" if vip else "Regular",
                ribbon="VIP" if vip else None,
                event="Northwind DevConf 2026",
                date="25 Nov 2026",
                payload=f"ED1.T{n:06d}.K1.{'S' * 86}",
                layout="vip-ribbon" if vip else "name-company-qr",
            )
        )
    return made


Plan = list[tuple[str, float, float, float, float, float, list[str]]]


def floor_plan(
    made: list[Badge], stock_name: str
) -> tuple[Plan, dict[str, tuple[list[tuple[int, int, int]], int]]]:
    """What the floor draws, decided before its clock starts: per element a kind, its box, a
    font size and its lines (a name broken at its middle space, as two lines at most); the QR
    runs by payload."""
    paper = find_stock(None, stock_name)
    plan: Plan = []
    codes = {}
    for n, badge in enumerate(made):
        layout = layout_of(badge)
        x, y, width, height = safe_box(paper, n % paper.per_page)
        sx, sy = width / layout.width_mm, height / layout.height_mm
        for element in layout.elements:
            box = (x + element.x * sx, y + element.y * sy, element.width * sx, element.height * sy)
            if element.kind == "qr":
                if badge.payload:
                    codes[badge.payload] = _qr_runs(badge.payload)
                    plan.append(("qr", *box, 0.0, [badge.payload]))
                continue
            words = words_of(badge, element)
            if not words:
                continue
            lines = [words]
            if element.lines > 1 and " " in words:
                middle = len(words) // 2
                cut = min(
                    (i for i, c in enumerate(words) if c == " "), key=lambda i: abs(i - middle)
                )
                lines = [words[:cut], words[cut + 1 :]]
            size = min(box[3] / len(lines) / 1.18 / PT, 28.0)
            plan.append((element.kind, *box, size, lines))
    return plan, codes


def floor(
    plan: Plan,
    codes: dict[str, tuple[list[tuple[int, int, int]], int]],
    fonts: list[tuple[str, int]],
    per_page: int,
    page: tuple[float, float],
    elements_per_badge: list[int],
) -> bytes:
    pdf = FPDF(unit="mm", format=page)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_compression(True)
    families = []
    for n, (path, index) in enumerate(fonts):
        pdf.add_font(f"f{n}", "", path, collection_font_number=index)
        families.append(f"f{n}")
    if families:
        pdf.set_text_shaping(True)
        pdf.set_font(families[0], size=10)
        if len(families) > 1:
            pdf.set_fallback_fonts(families[1:])
    else:
        pdf.set_font("helvetica", size=10)
    at = 0
    for n, count in enumerate(elements_per_badge):
        if n % per_page == 0:
            pdf.add_page()
        for kind, x, y, width, height, size, lines in plan[at : at + count]:
            if kind == "qr":
                runs, modules = codes[lines[0]]
                side = min(width, height)
                module = side / modules
                left, top = x + (width - side) / 2, y + (height - side) / 2
                pdf.set_fill_color(0)
                for row, col, length in runs:
                    pdf.rect(left + col * module, top + row * module, length * module, module,
                             style="F")  # fmt: skip
                continue
            if kind == "ribbon":
                pdf.set_fill_color(0)
                pdf.rect(x, y, width, height, style="F")
                pdf.set_text_color(255)
            pdf.set_font_size(size)
            line_h = size * PT * 1.18
            top = y + (height - line_h * len(lines)) / 2
            for line in lines:
                pdf.set_xy(x, top)
                pdf.cell(width, line_h, line, align="C")
                top += line_h
            pdf.set_text_color(0)
        at += count
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=500)
    parser.add_argument("--stock", default="avery-l7418")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    paper = find_stock(None, args.stock)
    made = badges(args.badges)
    plan, codes = floor_plan(made, args.stock)
    counts = []
    for badge in made:
        layout = layout_of(badge)
        counts.append(
            sum(
                1
                for e in layout.elements
                if (e.kind == "qr" and badge.payload) or (e.kind != "qr" and words_of(badge, e))
            )
        )
    probe = PdfBadges(paper.page_width_mm, paper.page_height_mm)  # the fonts (a) embeds
    for badge in made:
        probe.fonts.prepare(badge.name + (badge.company or "") + badge.event)
    fonts = [key for key, family in probe.fonts.families.items() if family]
    # Fonts read and caches warm on both sides: what a station's second sheet costs.
    sheet_pdf(made[:20], layout_of, paper)
    floor(plan[: sum(counts[:20])], codes, fonts, paper.per_page,
          (paper.page_width_mm, paper.page_height_mm), counts[:20])  # fmt: skip
    ours: list[float] = []
    floors: list[float] = []
    size = floor_size = pages = 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        data, _count, pages = sheet_pdf(made, layout_of, paper, crop_marks=True)
        ours.append(time.perf_counter() - start)
        size = len(data)
        start = time.perf_counter()
        bare = floor(plan, codes, fonts, paper.per_page,
                     (paper.page_width_mm, paper.page_height_mm), counts)  # fmt: skip
        floors.append(time.perf_counter() - start)
        floor_size = len(bare)
    mine, least = statistics.median(ours), statistics.median(floors)
    print(f"{args.badges} badges on {pages} pages of {args.stock}, {len(fonts)} fonts embedded, "
          f"median of {args.rounds}")  # fmt: skip
    print(f"    {'':<44} {'s':>7} {'ms a badge':>11} {'kB':>7}")
    print(f"    {'ours (badges.sheets.sheet_pdf)':<44} {mine:>7.2f} "
          f"{mine * 1000 / args.badges:>11.2f} {size / 1000:>7.0f}")  # fmt: skip
    print(f"    {'floor (fpdf2 alone, same lines and QR runs)':<44} {least:>7.2f} "
          f"{least * 1000 / args.badges:>11.2f} {floor_size / 1000:>7.0f}")  # fmt: skip
    print(f"    ratio: {mine / least:.2f}x the floor")


if __name__ == "__main__":
    main()

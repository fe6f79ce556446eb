"""Badges: a badge to every raster, and sheets from 10 to 10,000 badges, side by side in one run.

    python -m bench.badges [--badges 300] [--sheets 10,100,1000,10000] [--rounds 3]

(a) Rasters: each output of the built-in name-company-qr layout for names in several scripts
    (Latin, Greek, CJK, Arabic, Devanagari), in milliseconds a badge, beside the floor: a blank
    label of the same size drawn and encoded as PNG (what no raster badge can beat). Goal: a
    badge in a few milliseconds on any raster (PNG, ESC/POS, ZPL, Brother QL).
(b) Sheets: an event's badges on Avery L7418 sheets as one PDF, 10 to 10,000 badges: the cost
    a badge, and the PDF's bytes a badge. Goal: flat (10,000 badges cost no more a badge than
    10, within 1.25x), and a 1,000-badge PDF of a few MB at most.
The median of ``--rounds`` runs of each is printed.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

from PIL import Image

from badges.badge import Badge
from badges.layout import BUILT_IN, layout_of
from badges.render import render
from badges.sheets import sheet_pdf, stock

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


def floor(_: Badge) -> bytes:
    size = BUILT_IN["name-company-qr"].size(300)
    out = io.BytesIO()
    Image.new("L", (size.width_dots, size.height_dots), 255).save(
        out, format="PNG", compress_level=1
    )
    return out.getvalue()


def rasters(count: int, rounds: int) -> None:
    made = badges(count)
    jobs: dict[str, Callable[[Badge], object]] = {
        "floor: a blank label as PNG": floor,
        "png": lambda b: render(b, "png"),
        "escpos": lambda b: render(b, "escpos"),
        "zpl": lambda b: render(b, "zpl"),
        "ql (QL-810W, 62 mm)": lambda b: render(b, "ql"),
        "pdf (one badge a file)": lambda b: render(b, "pdf"),
    }
    for job in jobs.values():  # fonts loaded, caches warm: what a station's second badge costs
        for one in made[: len(NAMES)]:
            job(one)
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, job in jobs.items():
            times[name].append(per_badge_ms(job, made))
    base = statistics.median(times["floor: a blank label as PNG"])
    print(f"(a) {count} badges, name-company-qr and vip-ribbon, 62 x 100 mm at 300 dpi")
    print(f"    {'output':<30} {'ms a badge':>10} {'x floor':>8}")
    for name, got in times.items():
        median = statistics.median(got)
        print(f"    {name:<30} {median:>10.2f} {median / base:>8.1f}")


def sheets(sizes: list[int], rounds: int) -> None:
    paper = stock("avery-l7418")
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
    parser.add_argument("--badges", type=int, default=300)
    parser.add_argument("--sheets", default="10,100,1000,10000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rasters(args.badges, args.rounds)
    sheets([int(n) for n in args.sheets.split(",")], args.rounds)


if __name__ == "__main__":
    main()

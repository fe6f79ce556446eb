"""The kiosk's large letters: from a decision to the cells of its answer, side by side.

    python -m bench.letters [--rounds 200]

For the answer's picture at the size it has at 120x40 and at 80x24 (half cells: one cell shows
two stacked pixels), per answer:
(a) drawing the sign with Pillow (word and icon, name, instruction, fitted to the box);
(b) turning the picture into the terminal's cells with textual-image's own half-cell renderable
    (the library's way) and with ours (screens.kiosk.picture.HalfCells: numpy and a cache of
    cell styles), both rendered by the same Rich console into segments.
An answer must be on screen at once: the figures are per answer, on the UI thread.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

from rich.console import Console
from textual_image.renderable.halfcell import Image as LibraryHalfCells

from screens.kiosk.answer import SignText, draw_sign
from screens.kiosk.picture import HalfCells

# The answer's picture in cells (width, height) at each terminal size: the panel less its
# padding and the lines of text under it.
SIZES = {"120x40": (118, 31), "80x24": (78, 15)}
ANSWERS = [
    SignText("ok", "Welcome", "Priya Nakamura", "Please go in"),
    SignText("warn", "Already checked in", "Jakub Þórsdóttir", "Please see the desk"),
    SignText("bad", "Not a valid ticket", "", "Please see the desk"),
]
GREEN, WHITE = (22, 122, 62), (255, 255, 255)


def timed(work: Callable[[int], object], rounds: int) -> tuple[float, float]:
    """p50 and p95 of ``work(round)`` in milliseconds."""
    times = []
    for index in range(rounds):
        start = time.perf_counter()
        work(index)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    draw_sign(ANSWERS[0], 64, 32, background=GREEN, ink=WHITE)  # fonts loaded (done at mount)
    print(f"{rounds} answers each, three kinds in turn")
    print(
        f"{'size':>7} {'draw p50':>9} {'draw p95':>9} {'library p50':>12} {'library p95':>12}"
        f" {'ours p50':>9} {'ours p95':>9} {'library/ours':>13}"
    )
    for label, (width, height) in SIZES.items():
        measure(label, width, height, rounds)


def measure(label: str, width: int, height: int, rounds: int) -> None:
    """One line of figures for a picture of ``width`` x ``height`` cells."""
    pictures = [draw_sign(a, width, height * 2, background=GREEN, ink=WHITE)[0] for a in ANSWERS]
    console = Console(width=width, height=height, color_system="truecolor", file=io.StringIO())
    options = console.options.update(height=height)

    def draw(index: int) -> None:
        draw_sign(ANSWERS[index % 3], width, height * 2, background=GREEN, ink=WHITE)

    def library(index: int) -> None:
        list(console.render(LibraryHalfCells(pictures[index % 3], width, height), options))

    def ours(index: int) -> None:
        list(console.render(HalfCells(pictures[index % 3], width, height), options))

    draw_p50, draw_p95 = timed(draw, rounds)
    library_p50, library_p95 = timed(library, rounds)
    ours_p50, ours_p95 = timed(ours, rounds)
    print(
        f"{label:>7} {draw_p50:8.1f}ms {draw_p95:8.1f}ms {library_p50:11.1f}ms"
        f" {library_p95:11.1f}ms {ours_p50:8.1f}ms {ours_p95:8.1f}ms"
        f" {library_p50 / ours_p50:12.1f}x"
    )


if __name__ == "__main__":
    main()

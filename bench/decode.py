"""QR decoding per backend on one set of hard frames, side by side.

    python -m bench.decode [--codes 60]

Frames at 640x480 and 1280x720, each code in perspective with blur, noise and uneven light, and
as many frames without a code. Per backend: median and p95 ms per frame, share of codes decoded,
and anything it read that was not there. The goal for the default (zxing-cpp): at least 5x
faster than pyzbar on the same frames, at least 95% of codes, at most 5 ms median at 1280x720.
It is "met" only when both were measured and it holds; a decoder that cannot run here (pyzbar
without the zbar library) makes it "not measured", with the reason.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.decoders import Decoder, DecoderUnavailable, Image, describe, make_decoder
from eventdesk.tickets import Signer
from testkit.media import Shot, render_frames

SIZES = ((1280, 720), (640, 480))
LABELS = {"zxing": "zxing-cpp", "zbar": "pyzbar", "opencv": "opencv"}
COMPARED = ("zxing", "zbar")  # the goal compares these two; opencv is shown alongside
GOAL = ">= 5x pyzbar, >= 95% decoded, <= 5 ms median at 1280x720"

Frame = tuple[tuple[int, int], str | None, Image]  # size, the payload shown (None: no code), image


@dataclass
class Row:
    label: str
    times: dict[tuple[int, int], list[float]]
    decoded: dict[tuple[int, int], int]
    wrong: dict[tuple[int, int], int]  # anything read that was not there

    def mean_ms(self) -> float:
        return statistics.fmean([ms for size in SIZES for ms in self.times[size]])


def measure(decoder: Decoder, frames: list[Frame]) -> Row:
    decoder.decode(frames[0][2])
    row = Row(
        describe(decoder), {s: [] for s in SIZES}, dict.fromkeys(SIZES, 0), dict.fromkeys(SIZES, 0)
    )
    for size, expected, image in frames:
        start = time.perf_counter()
        found = decoder.decode(image)
        row.times[size].append((time.perf_counter() - start) * 1000)
        if expected is None:
            row.wrong[size] += len(found)
        elif found == [expected]:
            row.decoded[size] += 1
        else:
            row.wrong[size] += len([f for f in found if f != expected])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=60)
    args = parser.parse_args()
    signer = Signer(Ed25519PrivateKey.generate())
    frames: list[Frame] = []
    for i in range(args.codes):
        payload = signer.payload(f"B{i:07d}")
        for width, height in SIZES:
            with_code, empty = render_frames(
                [Shot(payload, 1 / 30), Shot(None, 1 / 30)], width=width, height=height, seed=i
            )
            frames += [((width, height), payload, with_code), ((width, height), None, empty)]
    print(
        f"{len(frames)} frames: {args.codes} codes at each of 1280x720 and 640x480, as many empty"
    )
    rows: dict[str, Row] = {}
    missing: dict[str, str] = {}  # decoder -> why it was not measured
    for name in LABELS:
        try:
            decoder = make_decoder(name)
        except DecoderUnavailable as exc:
            missing[name] = str(exc)  # names the decoder and why
            print(f"{LABELS[name]}: not measured ({missing[name]})")
            continue
        rows[name] = measure(decoder, frames)
    print(f"{'backend':<16}{'size':>10}{'median ms':>11}{'p95 ms':>9}{'decoded':>10}{'wrong':>7}")
    for row in rows.values():
        for size in SIZES:
            ordered = sorted(row.times[size])
            p95 = ordered[int(0.95 * (len(ordered) - 1))]
            share = row.decoded[size] / args.codes
            print(
                f"{row.label:<16}{size[0]:>5}x{size[1]:<4}{statistics.median(ordered):>11.2f}"
                f"{p95:>9.2f}{share:>9.0%}{row.wrong[size]:>7}"
            )
    met = True
    if "zxing" in rows:
        zxing = rows["zxing"]
        big = statistics.median(zxing.times[(1280, 720)])
        share = sum(zxing.decoded.values()) / (2 * args.codes)
        print(f"zxing-cpp: {share:.0%} of codes, {big:.2f} ms median per 1280x720 frame")
        met = share >= 0.95 and big <= 5
    if "zxing" in rows and "zbar" in rows:
        ratio = rows["zbar"].mean_ms() / rows["zxing"].mean_ms()
        print(f"zxing-cpp vs pyzbar, mean time per frame: {ratio:.1f}x faster")
        met = met and ratio >= 5
    unmeasured = [missing[name] for name in COMPARED if name in missing]
    if unmeasured:
        print(f"goal: {GOAL}: not measured ({'; '.join(unmeasured)})")
    else:
        print(f"goal: {GOAL}: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()

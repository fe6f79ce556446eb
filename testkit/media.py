"""Test footage: real ticket QR codes rendered the way a door camera sees them.

Each code is warped in perspective, blurred, lit unevenly and given sensor noise, over a
cluttered background; frames are written with cv2.VideoWriter (or as image files) so tests and
benchmarks read them back through the real cv2.VideoCapture.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from eventdesk.tickets import qr_code

Image = npt.NDArray[np.uint8]


def qr_pixels(payload: str, module: int = 6) -> Image:
    matrix = np.array(qr_code(payload).get_matrix(), dtype=bool)
    gray = np.where(matrix, 0, 255).astype(np.uint8)
    return np.kron(gray, np.ones((module, module), dtype=np.uint8))


def background(width: int, height: int, rng: random.Random) -> Image:
    """A plausible scene: a gradient and some clutter, never a QR-like pattern."""
    xs = np.linspace(60, 190, width, dtype=np.float32)
    frame = np.repeat(np.tile(xs, (height, 1))[:, :, None], 3, axis=2)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(40, 300), rng.randrange(40, 300)
        color = [rng.randrange(30, 220) for _ in range(3)]
        cv2.rectangle(frame, (x, y), (x + w, y + h), color, -1)
    return frame.clip(0, 255).astype(np.uint8)


def place(scene: Image, code: Image, rng: random.Random, *, size: int = 320) -> Image:
    """The code in perspective at a random spot of the scene."""
    height, width = scene.shape[:2]
    size = min(size, int(min(width, height) * 0.6))
    src = np.array(
        [[0, 0], [code.shape[1], 0], [code.shape[1], code.shape[0]], [0, code.shape[0]]],
        dtype=np.float32,
    )
    margin = int(size * 0.65)
    cx = rng.randrange(margin, width - margin)
    cy = rng.randrange(margin, height - margin)
    half = size / 2
    corners = [(-half, -half), (half, -half), (half, half), (-half, half)]
    jitter = size * 0.12
    dst = np.array(
        [
            [cx + x + rng.uniform(-jitter, jitter), cy + y + rng.uniform(-jitter, jitter)]
            for x, y in corners
        ],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(
        cv2.cvtColor(code, cv2.COLOR_GRAY2BGR), matrix, (width, height), borderValue=(0, 0, 0)
    )
    mask = cv2.warpPerspective(np.full(code.shape, 255, np.uint8), matrix, (width, height))
    out = scene.copy()
    out[mask > 0] = warped[mask > 0]
    return out


def lighting(width: int, rng: random.Random) -> npt.NDArray[np.float32]:
    light = np.linspace(rng.uniform(0.55, 0.8), rng.uniform(1.0, 1.2), width, dtype=np.float32)
    return light[::-1].copy() if rng.random() < 0.5 else light


def degrade(
    frame: Image, light: npt.NDArray[np.float32], grain: npt.NDArray[np.int16], sigma: float
) -> Image:
    """Uneven light, lens blur and sensor noise."""
    lit = cv2.multiply(
        frame,
        np.ascontiguousarray(np.broadcast_to(light[None, :, None], frame.shape)),
        dtype=cv2.CV_8U,
    )
    blurred = cv2.GaussianBlur(lit, (5, 5), sigma)
    return (np.asarray(blurred, dtype=np.int16) + grain).clip(0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Shot:
    payload: str | None  # None: nobody in front of the camera
    seconds: float


def render_frames(
    shots: Sequence[Shot],
    *,
    fps: int = 30,
    width: int = 1280,
    height: int = 720,
    seed: int = 1,
    noise: float = 6.0,
) -> list[Image]:
    """The frames of a sequence of shots; a held code wobbles, re-placed every few frames."""
    rng = random.Random(seed)
    scene = background(width, height, rng)
    noise_rng = np.random.default_rng(seed)
    grains = [noise_rng.normal(0, noise, (height, width, 3)).astype(np.int16) for _ in range(5)]
    frames: list[Image] = []
    for shot in shots:
        count = max(1, round(shot.seconds * fps))
        code = qr_pixels(shot.payload) if shot.payload else None
        size = rng.randrange(280, 360)
        place_seed = rng.randrange(2**32)
        light = lighting(width, rng)
        sigma = rng.uniform(0.6, 1.3)
        step: dict[int, Image] = {}
        for i in range(count):
            key = i // 5
            if key not in step:
                placed = (
                    scene
                    if code is None
                    else place(scene, code, random.Random(place_seed + key), size=size)
                )
                step = {key: degrade(placed, light, np.zeros((1, 1, 1), np.int16), sigma)}
            frames.append(
                np.clip(step[key].astype(np.int16) + grains[i % len(grains)], 0, 255).astype(
                    np.uint8
                )
            )
    return frames


def write_video(path: Path, frames: Sequence[Image], *, fps: int = 30) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened(), f"OpenCV cannot write {path}"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def write_folder(folder: Path, frames: Sequence[Image]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"frame{i:05d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return folder

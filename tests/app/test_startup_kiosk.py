"""What a kiosk holds in memory while it runs: no frames for scans that wait, a few fonts, a
camera preview whose colours repeat."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from textual.app import App, ComposeResult

from badges.fonts import FACES_KEPT
from devices.capture import Frame, frames_back_to_the_system
from screens.kiosk.picture import HalfcellPicture, MovingPicture
from screens.kiosk.preview import CELL_COLOUR_BITS, CameraPreview
from tests.door.test_outage import camera_door
from tests.helpers import wait_until

pytestmark = pytest.mark.slow  # how soon a kiosk process shows its first screen

ROOT = Path(__file__).resolve().parents[2]
LONG = 120.0


def test_a_scan_kept_for_the_database_keeps_no_frame(sqlite_template: Path, tmp_path: Path) -> None:
    """A code read while the database file is away waits for it as its payload, the frame's
    number and time: not the frame's pixels (a database away for a while keeps many scans)."""
    with camera_door(sqlite_template, tmp_path) as door:
        capture, worker, decisions = door.capture, door.worker, door.decisions
        door.folder.rename(door.away)
        capture.start()
        worker.start()
        wait_until(lambda: capture.exhausted and worker.waiting == 1, timeout=LONG, what="kept")
        gc.collect()
        assert [o for o in gc.get_objects() if isinstance(o, Frame)] == []
        door.away.rename(door.folder)
        wait_until(lambda: decisions, timeout=LONG, what="the kept scan decided")
    (decision,) = decisions
    assert decision.result.result == "ok" and decision.result.ticket_id == door.ticket_id
    assert decision.frame_index is not None and decision.frame_index > 0  # the code's frame
    assert decision.latency_ms > 0


def test_fitting_many_names_keeps_a_few_fonts_loaded() -> None:
    """The kiosk's large letters try many sizes for every name; only a few fonts stay loaded,
    however many names were shown (in a fresh interpreter: this one's caches hold others')."""
    code = """
import gc, json
from PIL import ImageFont
from eventdesk.services.data.demo import FIRST_NAMES, LAST_NAMES
from screens.kiosk.answer import SignText, draw_sign

for i in range(40):
    name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7) % len(LAST_NAMES)]}"
    sign = SignText(icon="ok", word="Welcome", name=name, instruction="Please go in")
    draw_sign(sign, 70, 48, background=(0, 100, 0), ink=(255, 255, 255))
gc.collect()
print(json.dumps(sum(isinstance(o, ImageFont.FreeTypeFont) for o in gc.get_objects())))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert 0 < loaded <= FACES_KEPT


class PreviewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CameraPreview(id="preview")


@pytest.mark.asyncio
@pytest.mark.skipif(MovingPicture is not HalfcellPicture, reason="a graphics terminal")
async def test_a_preview_in_half_cells_draws_a_few_levels_of_each_colour() -> None:
    """In half cells the camera's picture is drawn at 32 levels a channel: its colours repeat
    from frame to frame however noisy the camera (each is a style Textual keeps). The frame
    handed over is left as it was."""
    rng = np.random.default_rng(7)
    frame = rng.integers(0, 256, size=(24, 40, 3), dtype=np.uint8)
    handed = frame.copy()
    app = PreviewApp()
    async with app.run_test(size=(60, 20)) as pilot:
        preview = app.query_one("#preview", CameraPreview)
        preview.show_frame(frame)
        await pilot.pause()
        width, height = preview.picture.size
        console = Console(width=width, height=height, color_system="truecolor", file=io.StringIO())
        drawn = console.render(preview.picture.render(), console.options.update(height=height))
        colours = [
            part.triplet
            for segment in drawn
            if segment.text == "▀" and segment.style is not None
            for part in (segment.style.color, segment.style.bgcolor)
            if part is not None and part.triplet is not None
        ]
    assert np.array_equal(frame, handed)
    step = 2 ** (8 - CELL_COLOUR_BITS)
    assert colours and all(channel % step == 0 for colour in colours for channel in colour)
    assert len(set(colours)) <= (256 // step) ** 3


@pytest.mark.skipif(not hasattr(os, "confstr"), reason="no confstr")
def test_a_camera_gives_freed_frames_back_where_the_c_library_is_glibc() -> None:
    try:
        glibc = bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        glibc = False
    assert frames_back_to_the_system() is glibc

"""A scanner's lines in a rush through a real terminal: the real `eventdesk demo` in tmux, each
line written in one piece with its Enter at 0 to 1000 ms between lines, at the desk while a
person types in Search, then at the kiosk. Every line decided once, whole, in order; the last
answer on screen (how soon is bench/bursts.py's to measure); the person's typing kept."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from testkit.bursts import GAPS_MS, TmuxDemo, Typist, have_tmux

pytestmark = [
    pytest.mark.skipif(not have_tmux(), reason="tmux is not installed"),
    pytest.mark.slow,
]
LINES = 3


def test_scanner_bursts_at_the_desk_and_the_kiosk_in_a_real_terminal(tmp_path: Path) -> None:
    demo = TmuxDemo(tmp_path / "data", f"eventdesk-bursts-{uuid.uuid4().hex[:12]}", attendees=150)
    try:
        typed = ""
        for gap in GAPS_MS:
            typist = Typist(demo, "ab")
            typist.start()
            result = demo.burst(demo.tickets(LINES), gap, kiosk=False)
            typist.join()
            typed += "ab"
            assert result.right == LINES and not result.wrong, (gap, result.wrong, demo.pane())
            assert result.answer_seconds is not None  # how soon: bench/bursts.py
        assert demo.wait_search(typed), demo.pane()  # Search holds what the person typed
        demo.keys("F2")
        demo.wait("Scan your ticket")
        for gap in GAPS_MS:
            result = demo.burst(demo.tickets(LINES), gap, kiosk=True)
            assert result.right == LINES and not result.wrong, (gap, result.wrong, demo.pane())
            assert result.answer_seconds is not None  # how soon: bench/bursts.py
        assert "Traceback" not in demo.pane()
    finally:
        demo.close()

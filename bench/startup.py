"""Start-up time of the app and memory of the kiosk with its camera worker running.

    python -m bench.startup [--runs 5]

Side by side in one run: (a) `python -c "import textual"`, the floor any Textual app pays;
(b) `eventdesk app` from process start to its first screen drawn (the app's own ready signal,
written by `--ready-file` when Textual reports the screen ready), on a demo database, in a
pseudo-terminal of 120x40; (c) the resident memory (VmRSS) of a kiosk signed in, with the camera
worker decoding a 1280x720 video at 30 fps. Goals: first screen in at most 1 s; kiosk at most
200 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eventdesk.config import load_config, sqlite_url
from eventdesk.db import open_store
from eventdesk.services.demo import build_demo
from eventdesk.tickets import ensure_keys, load_signer
from testkit.media import Shot, render_frames, write_video
from testkit.terminal import in_terminal, stop, wait_file

PYTHON = sys.executable


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="eventdesk-startup-"))
    data = work / "data"
    data.mkdir()
    config = load_config(data_dir=data, database_url=sqlite_url(data / "eventdesk.db"))
    store = open_store(config)
    ensure_keys(store, data, "bench")
    store.signer = load_signer(data)
    made = build_demo(store, attendee_count=300, seed=7, station="bench")
    kiosk_pin = next(pin for name, _role, pin in made.staff if name == "Kiosk Door 1")
    store.dispose()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    base = [PYTHON, "-m", "eventdesk", "--data-dir", str(data), "--station", "bench"]

    imports = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([PYTHON, "-c", "import textual.app"], check=True)
        imports.append(time.perf_counter() - start)

    firsts = []
    for run in range(args.runs):
        ready = work / f"ready-{run}"
        start = time.time()
        process, master = in_terminal([*base, "app", "--ready-file", str(ready)], env)
        firsts.append(wait_file(ready) - start)
        stop(process, master)

    video = write_video(
        work / "door.avi",
        render_frames([Shot(None, 2.0), *(Shot(None, 1.0) for _ in range(20))], seed=1),
    )
    ready = work / "ready-kiosk"
    process, master = in_terminal(
        [
            *base,
            "app",
            "--mode",
            "kiosk",
            "--sign-in-as",
            "Kiosk Door 1",
            "--camera",
            str(video),
            "--ready-file",
            str(ready),
        ],
        {**env, "EVENTDESK_SIGN_IN_PIN": kiosk_pin},
    )
    wait_file(ready)
    samples = []
    for _ in range(10):
        time.sleep(0.5)
        samples.append(rss_mb(process.pid))
    stop(process, master)

    imp, first = statistics.median(imports), statistics.median(firsts)
    print(f"demo database: {made.attendees} attendees; {args.runs} runs each, medians")
    print(f"{'python -c import textual.app':<36}{imp * 1000:8.0f} ms")
    print(f"{'eventdesk app, first screen ready':<36}{first * 1000:8.0f} ms")
    print(f"{'app / bare Textual import':<36}{first / imp:8.1f}x")
    print(f"{'kiosk with camera worker, RSS':<36}{max(samples):8.0f} MB (peak of 10 samples)")
    met = first <= 1.0 and max(samples) <= 200
    print(f"goal: first screen <= 1 s, kiosk <= 200 MB: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()

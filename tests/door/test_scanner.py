"""The scanner: real video and images through the real cv2.VideoCapture, a stream that freezes,
keyboard-wedge lines on stdin, and every installed decoder on the same frames."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from devices.capture import CaptureState, CaptureWorker, Source, parse_source
from devices.decoders import DecoderUnavailable, make_decoder
from devices.scanner import Debouncer, Decision, ScanWorker
from devices.wedge import LineSplitter
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.media import Shot, qr_pixels, render_frames, write_folder, write_video
from tests import forks
from tests.helpers import add_type, make_event, wait_until

pytestmark = pytest.mark.slow  # `scan` on video, images and stdin

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


@functools.cache
def unavailable(name: str) -> str | None:
    """Why a decoder cannot run on this machine, or None when it can."""
    try:
        make_decoder(name)
    except DecoderUnavailable as exc:
        return str(exc)
    return None


def each_decoder(*names: str) -> list[Any]:
    """The decoders as test parameters, each skipped (saying why) where it cannot run."""
    return [
        pytest.param(
            name,
            marks=pytest.mark.skipif(
                unavailable(name) is not None, reason=f"{name}: {unavailable(name)}"
            ),
        )
        for name in names
    ]


def tickets_now(store: Store, count: int) -> list[str]:
    """Signed payloads of `count` tickets for an event that is on now."""
    now = utcnow()
    ev = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, ev, "Regular", price_cents=0)
    attendees.add_attendees_bulk(
        store, [{"name": f"Guest {i}", "email": f"g{i}@example.com"} for i in range(count)]
    )
    assert store.signer is not None
    return [
        store.signer.payload(
            register(store, ev, f"g{i}@example.com", "Regular").tickets[0].ticket_id
        )
        for i in range(count)
    ]


def door_footage(genuine: list[str], forged: str) -> list[Shot]:
    """Each code about half a second, empty frames between, two codes held for seconds (one
    past the scanner's debounce of 3 s, one within it)."""
    shots = [Shot(None, 0.5)]
    for i, payload in enumerate(genuine):
        shots.append(Shot(payload, {1: 4.0, 4: 2.0}.get(i, 0.5)))
        shots.append(Shot(None, 0.4))
        if i == 3:
            shots += [Shot(forged, 0.5), Shot(None, 0.4)]
    return shots


def run_scan(
    db_url: str, data_dir: Path, source: str, *extra: str, stdin: bytes | None = None
) -> tuple[list[dict], str]:
    done = forks.run(
        [
            EVENTDESK,
            "--db",
            db_url,
            "--data-dir",
            str(data_dir),
            "--station",
            "Door 1",
            "--json",
            "scan",
            "--source",
            source,
            *extra,
        ],
        input=stdin,
        capture_output=True,
        timeout=300,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert "Traceback" not in err
    return [json.loads(line) for line in done.stdout.decode().splitlines()], err


def check_door_answers(answers: list[dict], genuine: list[str], forged: str) -> None:
    by_payload: dict[str, list[str]] = {}
    for answer in answers:
        by_payload.setdefault(answer["payload"], []).append(answer["result"])
        assert answer["latency_ms"] >= 0
    for payload in genuine:
        assert by_payload.get(payload) == ["ok"], payload  # admitted exactly once, held or not
    assert by_payload.get(forged) == ["invalid"]
    assert len(answers) == len(genuine) + 1  # no duplicate decisions from held codes


@pytest.fixture
def footage(store: Store, signer: Signer) -> tuple[list[str], str, list[np.ndarray]]:
    genuine = tickets_now(store, 5)
    forged = Signer(Ed25519PrivateKey.generate()).payload(genuine[0].split(".")[1])
    return genuine, forged, render_frames(door_footage(genuine, forged), seed=7)


def test_video_file_admits_each_ticket_once(footage: tuple, db_url: str, tmp_path: Path) -> None:
    genuine, forged, frames = footage
    video = write_video(tmp_path / "door.avi", frames)
    answers, err = run_scan(db_url, tmp_path, str(video))
    check_door_answers(answers, genuine, forged)
    assert "video file" in err and "zxing-cpp" in err  # start-up says which decoder
    # Scanning the same footage again: every genuine ticket is now already checked in.
    again, _ = run_scan(db_url, tmp_path, str(video))
    assert sorted(a["result"] for a in again) == ["already_checked_in"] * len(genuine) + ["invalid"]
    assert all(a["first_checked_in_at"] for a in again if a["result"] == "already_checked_in")


def test_image_folder_admits_each_ticket_once(footage: tuple, db_url: str, tmp_path: Path) -> None:
    genuine, forged, frames = footage
    folder = write_folder(tmp_path / "frames", frames[::2])  # every other frame: a slower camera
    (folder / "notes.txt").write_text("not an image")
    (folder / "broken.png").write_bytes(b"not really a png")
    answers, err = run_scan(db_url, tmp_path, str(folder))
    check_door_answers(answers, genuine, forged)
    assert "image folder" in err and "broken.png" in err


@pytest.mark.parametrize("name", each_decoder("zxing", "zbar", "opencv"))
def test_each_decoder_can_drive_the_scanner(
    name: str, store: Store, signer: Signer, db_url: str, tmp_path: Path
) -> None:
    """Clean, square-on codes in a folder: each installed backend admits each ticket once."""
    payloads = tickets_now(store, 3)
    folder = tmp_path / name
    folder.mkdir()
    for i, payload in enumerate(payloads):
        cv2.imwrite(str(folder / f"{i}.png"), framed(payload))
    answers, err = run_scan(db_url, tmp_path, str(folder), "--decoder", name)
    assert sorted((a["payload"], a["result"]) for a in answers) == sorted(
        (payload, "ok") for payload in payloads
    )
    assert make_decoder(name).name in err  # start-up says which decoder


def test_a_camera_at_an_exit_gate_lets_people_out_and_never_in(
    store: Store, signer: Signer, db_url: str, tmp_path: Path
) -> None:
    """`scan --exit` from a camera decides exits, as it does from a scanner's lines (the
    camera's worker made a door of its own on a database the station reaches, an entrance:
    each ticket shown at the exit was let in)."""
    payloads = tickets_now(store, 2)
    folder = tmp_path / "exit"
    folder.mkdir()
    for i, payload in enumerate(payloads):
        cv2.imwrite(str(folder / f"{i}.png"), framed(payload))
    answers, _ = run_scan(db_url, tmp_path, str(folder), "--exit")
    assert sorted(a["result"] for a in answers) == ["no_reentry", "no_reentry"], answers
    with store.read() as session:
        assert (
            session.scalar(text("SELECT count(*) FROM ticket WHERE checked_in_at IS NOT NULL")) == 0
        )


def test_keyboard_wedge_lines(store: Store, signer: Signer, db_url: str, tmp_path: Path) -> None:
    first, second = tickets_now(store, 2)
    stdin = b"".join(
        [
            first.encode() + b"\r\n",
            b"\n\n\r\n",  # empty lines: no answer
            b"hello, world\n",
            b"X" * 10_240 + b"\n",
            b"\x00\x01\xff\xfe binary\r",
            second[:-2].encode()
            + (b"B" if second[-2] == "A" else b"A")
            + second[-1:].encode()
            + b"\r",
            first.encode() + b"\n",
            second.encode(),  # the last line may end without a line break
        ]
    )
    answers, _ = run_scan(db_url, tmp_path, "-", stdin=stdin)
    assert [a["result"] for a in answers] == [
        "ok",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "already_checked_in",
        "ok",
    ]
    assert "too long" in answers[2]["message"] and "binary" in answers[3]["message"]
    assert len(answers[2]["payload"]) <= 200


def test_missing_camera_and_bad_sources(tmp_path: Path) -> None:
    forks.run(
        [EVENTDESK, "--data-dir", str(tmp_path), "init"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    done = forks.run(
        [EVENTDESK, "--data-dir", str(tmp_path), "scan", "--source", "9"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 3 and "camera 9 cannot be opened" in done.stderr
    assert "Traceback" not in done.stderr
    done = forks.run(
        [EVENTDESK, "--data-dir", str(tmp_path), "scan", "--source", "nope.avi"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and "not a camera number" in done.stderr


# OpenCV's own log lines: "[ WARN:0@0.027] global cap_v4l.cpp:914 open VIDEOIO(V4L2:...)",
# "[ WARN:0@0.027] global cap_ffmpeg_impl.hpp:1246 open VIDEOIO/FFMPEG: ...".
OPENCV_LOG = re.compile(r"^\[\s*(WARN|ERROR|INFO|DEBUG)\b|\bglobal \S+\.[ch]pp:\d+|VIDEOIO\b")


# --- a network stream that freezes ------------------------------------------------------------
class FreezingStream:
    """An MJPEG HTTP stream over a real socket: the first connection freezes after a while (the
    connection stays open, no more frames), later connections show another code."""

    def __init__(self, first: np.ndarray, second: np.ndarray, freeze_after: int = 45) -> None:
        self.images, self.freeze_after, self.connections = (first, second), freeze_after, 0
        self.closing = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer.connections += 1
                image = outer.images[0 if outer.connections == 1 else 1]
                _, jpeg = cv2.imencode(".jpg", image)
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                for n in range(100_000):
                    if outer.connections == 1 and n == outer.freeze_after:
                        outer.closing.wait()  # frozen: open, silent, until the server closes
                        return
                    try:
                        self.wfile.write(
                            b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                            + str(len(jpeg)).encode()
                            + b"\r\n\r\n"
                            + jpeg.tobytes()
                            + b"\r\n"
                        )
                    except OSError:
                        return
                    time.sleep(1 / 30)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/door.mjpg"

    def __enter__(self) -> FreezingStream:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


def framed(payload: str) -> np.ndarray:
    code = cv2.cvtColor(qr_pixels(payload, module=5), cv2.COLOR_GRAY2BGR)
    frame = np.full((480, 640, 3), 200, np.uint8)
    frame[40 : 40 + code.shape[0], 80 : 80 + code.shape[1]] = code
    return frame


def test_frozen_stream_reconnects_and_scanning_goes_on(store: Store, signer: Signer) -> None:
    first, second = tickets_now(store, 2)
    states: list[CaptureState] = []
    decisions: list[Decision] = []
    with FreezingStream(framed(first), framed(second)) as stream:
        capture = CaptureWorker(
            parse_source(stream.url),
            stall_timeout=1.0,
            on_state=lambda state, detail: states.append(state),
        )
        capture.start()
        capture.wait_started()
        worker = ScanWorker(
            lambda: Checkin(store, station="Stream door"),
            capture,
            make_decoder("zxing"),
            on_decision=decisions.append,
        )
        worker.start()
        try:
            wait_until(lambda: len(decisions) >= 2, timeout=30, what="two scan decisions")
        finally:
            worker.stop()
            capture.stop()
            worker.join(5)
            capture.join(10)
    assert worker.error is None
    assert [d.payload for d in decisions] == [first, second]
    assert all(d.result.result == "ok" for d in decisions)
    assert CaptureState.RECONNECTING in states
    assert states.index(CaptureState.RECONNECTING) < len(states) - 1 - states[::-1].index(
        CaptureState.RUNNING
    )
    assert capture.reconnects >= 1 and stream.connections >= 2


def test_a_live_source_hands_over_only_the_newest_frame(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    """A slow decoder on a camera-paced source: stale frames are dropped, never queued."""
    payloads = tickets_now(store, 1)
    video = write_video(tmp_path / "paced.avi", render_frames([Shot(payloads[0], 2.0)], seed=3))

    class SlowDecoder:
        name, version = "slow", "1"

        def __init__(self) -> None:
            self.inner = make_decoder("zxing")
            self.seen: list[int] = []

        def decode(self, image: np.ndarray) -> list[str]:
            time.sleep(0.1)  # three camera frames' worth
            return self.inner.decode(image)

    decoder = SlowDecoder()
    decisions: list[Decision] = []
    capture = CaptureWorker(Source("file", str(video), "paced"), realtime=True)
    capture.start()
    door = functools.partial(Checkin, store, station="Door")
    worker = ScanWorker(door, capture, decoder, on_decision=decisions.append)
    worker.start()
    worker.join(30)
    capture.join(5)
    assert capture.frames_read == 60
    # Each decode takes three frames' time: the frames in between are dropped, never queued.
    assert capture.frames_dropped > 0
    assert worker.frames_decoded + capture.frames_dropped == capture.frames_read
    assert worker.frames_decoded < capture.frames_read
    assert [d.result.result for d in decisions] == ["ok"]


# --- decoders, debounce, line splitting --------------------------------------------------------
@pytest.fixture(scope="module")
def frame_set() -> tuple[list[np.ndarray], list[str | None]]:
    # A fixed key: the same payloads, hence the same frames, on every run and every machine.
    signer = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    payloads = [signer.payload(f"FRAME{i:03d}") for i in range(12)]
    frames: list[np.ndarray] = []
    truth: list[str | None] = []
    for i, payload in enumerate(payloads):
        for width, height in ((1280, 720), (640, 480)):
            shots = [Shot(payload, 1 / 30), Shot(None, 1 / 30)]
            pair = render_frames(shots, width=width, height=height, seed=i)
            frames += pair
            truth += [payload, None]
    # Two codes side by side, cleanly printed: every backend must report both.
    two = np.full((720, 1280, 3), 210, dtype=np.uint8)
    for payload, left in ((payloads[0], 120), (payloads[1], 720)):
        code = cv2.cvtColor(qr_pixels(payload, module=6), cv2.COLOR_GRAY2BGR)
        two[150 : 150 + code.shape[0], left : left + code.shape[1]] = code
    frames.append(two)
    truth.append(f"{payloads[0]}|{payloads[1]}")
    return frames, truth


@pytest.mark.parametrize("name", each_decoder("zxing", "zbar", "opencv"))
def test_every_installed_decoder_reads_the_same_frames(name: str, frame_set: tuple) -> None:
    decoder = make_decoder(name)
    frames, truth = frame_set
    hits = 0
    codes = 0
    for frame, expected in zip(frames, truth, strict=True):
        found = decoder.decode(frame)
        if expected is None:
            assert found == []  # nothing made up on an empty frame
        elif "|" in expected:
            assert sorted(found) == sorted(expected.split("|"))  # two codes in one frame
        else:
            codes += 1
            assert found in ([], [expected])
            hits += found == [expected]
    # These frames are hard (perspective, blur, noise, two sizes); bench/decode.py prints each
    # backend's share side by side. Every backend must read most of them and invent nothing.
    assert hits / codes >= 0.7, f"{decoder.name} decoded {hits} of {codes}"


def test_auto_prefers_zxing_and_bad_choices_are_clear() -> None:
    assert make_decoder("auto").name == "zxing-cpp"
    with pytest.raises(InvalidInput, match="decoder must be one of auto, zxing, zbar, opencv"):
        make_decoder("magic")


def test_a_missing_zbar_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyzbar without the zbar library fails to import: the station is told what to install."""
    monkeypatch.setitem(sys.modules, "pyzbar", None)  # importing pyzbar fails, as without zbar
    with pytest.raises(DecoderUnavailable) as caught:
        make_decoder("zbar")
    assert "apt-get install libzbar0" in str(caught.value) and caught.value.exit_code == 3
    assert make_decoder("auto").name == "zxing-cpp"  # the others still run


def test_debounce_on_the_source_clock() -> None:
    bounce = Debouncer(hold=3.0)
    held = [bounce.fresh("A", t / 30) for t in range(300)]  # in view for ten seconds
    assert held.count(True) == 1
    assert bounce.fresh("A", 10 + 2.9) is False  # gone for less than the hold time
    assert bounce.fresh("A", 12.9 + 3.1) is True  # back after longer
    assert bounce.fresh("B", 16.0) is True


def test_line_splitter() -> None:
    splitter = LineSplitter(max_length=10)
    lines = splitter.feed("one\r\ntwo\rthree\nfo")
    lines += splitter.feed("ur\r")
    lines += splitter.feed("\nfive\n" + "x" * 25 + "\nsix\x07\n\n")
    lines += splitter.feed("seven")
    lines += splitter.flush()
    assert [(line.text, line.problem is None) for line in lines] == [
        ("one", True),
        ("two", True),
        ("three", True),
        ("four", True),
        ("five", True),
        ("x" * 10, False),
        ("six\x07", False),
        ("seven", True),
    ]
    assert "25 characters" in (lines[5].problem or "")


def test_environment_does_not_leak_opencv_noise(tmp_path: Path) -> None:
    """A camera that is not there and a file that is not an image: the station says so in its
    own words, and OpenCV's console logging stays out of the output."""
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_LOG_LEVEL"}  # as on a station
    forks.run(
        [EVENTDESK, "--data-dir", str(tmp_path), "init"],
        check=True,
        capture_output=True,
        timeout=60,
        env=env,
    )
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "broken.png").write_bytes(b"not really a png")
    said = []
    for source in ("9", str(folder)):
        done = forks.run(
            [EVENTDESK, "--data-dir", str(tmp_path), "scan", "--source", source],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        said.append(done.stderr)
    assert "camera 9 cannot be opened" in said[0] and "broken.png" in said[1]
    for stderr in said:
        noise = [line for line in stderr.splitlines() if OPENCV_LOG.search(line)]
        assert noise == [], stderr

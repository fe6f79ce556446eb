"""The camera: a thread over cv2.VideoCapture that keeps only the newest frame.

Sources: a camera index, a video file, a folder of images, or a network stream URL. A live
source (camera, stream) hands over only its latest frame: a slow decoder never makes the picture
lag. A camera that gives no frame for ``stall_timeout`` seconds is released and reopened with
backoff. File sources (a video, a folder) hand over every frame in order and end at their end,
which is how tests and benchmarks drive the real pipeline.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from devices.opencv import cv2
from eventdesk.errors import EnvironmentProblem, InvalidInput
from eventdesk.i18n import _, ngettext

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 128 * 1024  # bytes: glibc's own default, kept from moving


@functools.cache
def frames_back_to_the_system() -> bool:
    """Every block of memory as large as a frame is given back to the system when it is freed.

    A frame (2.7 MB at 1280x720) is read in the capture thread and freed in another. glibc
    would raise its mmap threshold to a frame's size the first time one is freed, and from
    then on serve frames from its heaps, where freed ones stay in the process (some 10 MB at
    a kiosk). Setting the threshold (to its default) keeps it from moving. Done once a process,
    on glibc only; True when it was."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (AttributeError, OSError, ValueError):  # not glibc (macOS, musl, Windows)
        return False


class CameraNotFound(EnvironmentProblem):
    """The camera or source cannot be opened."""


class CaptureState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    NO_FRAMES = "no frames"
    RECONNECTING = "reconnecting"
    FINISHED = "finished"  # a file source reached its end
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True)
class Source:
    kind: str  # camera | file | folder | stream
    target: int | str
    label: str  # for people: "camera 0", "video file door.mp4"

    @property
    def live(self) -> bool:
        return self.kind in ("camera", "stream")


def parse_source(text: str) -> Source:
    """'0' (a camera), a video file, a folder of images, or rtsp:// / http:// stream."""
    spec = text.strip()
    if not spec:
        raise InvalidInput(
            _("source is required: a camera number, a file, a folder or a URL"), field="source"
        )
    if spec.isdigit():
        if not (spec.isascii() and len(spec) <= 3 and int(spec) < 256):
            raise InvalidInput(
                _("camera number {number!r} must be 0 to 255").format(number=spec), field="source"
            )
        return Source("camera", int(spec), _("camera {number}").format(number=spec))
    if "://" in spec:
        return Source("stream", spec, _("stream {url}").format(url=spec))
    path = Path(spec).expanduser()
    if path.is_dir():
        return Source("folder", str(path), _("image folder {path}").format(path=path))
    if path.is_file():
        return Source("file", str(path), _("video file {path}").format(path=path))
    raise InvalidInput(
        _("source {source!r} is not a camera number, an existing file or folder, or a URL").format(
            source=spec
        ),
        field="source",
    )


@dataclass(frozen=True)
class Frame:
    image: npt.NDArray[np.uint8]
    index: int
    media_time: float  # seconds on the source's own clock (debounce runs on it)
    captured_at: float  # time.monotonic() when the frame was read


StateCallback = Callable[[CaptureState, str], None]


class CaptureWorker(threading.Thread):
    """Reads frames in its own thread. Consumers call ``next_frame``; nothing they do blocks it
    for a live source."""

    def __init__(
        self,
        source: Source,
        *,
        width: int = 1280,
        height: int = 720,
        stall_timeout: float = 2.0,
        on_state: StateCallback | None = None,
        realtime: bool = False,
    ) -> None:
        super().__init__(name=f"capture {source.label}", daemon=True)
        frames_back_to_the_system()
        self.source = source
        self.width, self.height = width, height
        self.stall_timeout = stall_timeout
        self.realtime = realtime  # pace a file at its frame rate and keep only the newest frame
        self._on_state = on_state
        self._halt = threading.Event()
        self._ready = threading.Event()
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._queue: deque[Frame] = deque()
        self._done = False
        self.state = CaptureState.STARTING
        self.error: EnvironmentProblem | None = None
        self.frames_read = 0
        self.frames_dropped = 0
        self.reconnects = 0

    @property
    def keeps_latest_only(self) -> bool:
        return self.source.live or self.realtime

    # --- consumer side ----------------------------------------------------------------------
    def wait_started(self, timeout: float = 10.0) -> None:
        """Wait for the source to open; raises CameraNotFound when it cannot be."""
        self._ready.wait(timeout)
        if self.error is not None:
            raise self.error

    def next_frame(self, timeout: float = 0.5) -> Frame | None:
        """The next frame to decode, or None if none came in time (or the source ended)."""
        with self._cond:
            deadline = time.monotonic() + timeout
            while True:
                if self.keeps_latest_only and self._latest is not None:
                    frame, self._latest = self._latest, None
                    return frame
                if not self.keeps_latest_only and self._queue:
                    frame = self._queue.popleft()
                    self._cond.notify_all()
                    return frame
                if self._done:
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def frames(self) -> Iterator[Frame]:
        while not self.exhausted:
            frame = self.next_frame()
            if frame is not None:
                yield frame

    @property
    def exhausted(self) -> bool:
        """The source ended and every frame it gave was taken."""
        with self._cond:
            return self._done and self._latest is None and not self._queue

    @property
    def finished(self) -> bool:
        return self._done

    def stop(self) -> None:
        self._halt.set()
        with self._cond:
            self._cond.notify_all()

    # --- capture side -----------------------------------------------------------------------
    def _set_state(self, state: CaptureState, detail: str = "") -> None:
        if state != self.state or detail:
            self.state = state
            if self._on_state is not None:
                self._on_state(state, detail)

    def _open(self) -> Any:
        if self.source.kind == "camera":
            cap = cv2.VideoCapture(int(self.source.target))
            if cap.isOpened():
                cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            return cap
        if self.source.kind == "stream":
            timeout_ms = int(self.stall_timeout * 1000)
            return cv2.VideoCapture(
                str(self.source.target),
                cv2.CAP_FFMPEG,
                [
                    cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                    max(timeout_ms, 3000),
                    cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                    timeout_ms,
                ],
            )
        return cv2.VideoCapture(str(self.source.target))

    def run(self) -> None:
        try:
            if self.source.kind == "folder":
                self._run_folder()
            else:
                self._run_capture()
        except Exception as exc:  # a device failure must end in a state, never kill silently
            self.error = EnvironmentProblem(f"{self.source.label}: {exc}")
            self._set_state(CaptureState.FAILED, str(exc))
        finally:
            self._ready.set()
            with self._cond:
                self._done = True
                self._cond.notify_all()
            if self.state not in (CaptureState.FAILED, CaptureState.FINISHED):
                self._set_state(CaptureState.STOPPED)

    def _publish(self, frame: Frame) -> None:
        self.frames_read += 1
        with self._cond:
            if self.keeps_latest_only:
                if self._latest is not None:
                    self.frames_dropped += 1
                self._latest = frame
            else:
                while len(self._queue) >= 8 and not self._halt.is_set():
                    self._cond.wait(0.1)  # a file waits for its reader: every frame is decoded
                self._queue.append(frame)
            self._cond.notify_all()

    def _run_folder(self) -> None:
        paths = sorted(
            p for p in Path(str(self.source.target)).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
        )
        self._set_state(
            CaptureState.RUNNING,
            ngettext("{count} image", "{count} images", len(paths)).format(count=len(paths)),
        )
        self._ready.set()
        for index, path in enumerate(paths):
            if self._halt.is_set():
                return
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                self._set_state(
                    CaptureState.RUNNING,
                    _("skipped {file}: not an image OpenCV can read").format(file=path.name),
                )
                continue
            pixels = np.asarray(image, dtype=np.uint8)
            self._publish(Frame(pixels, index, index / 30.0, time.monotonic()))
        self._set_state(CaptureState.FINISHED)

    def _run_capture(self) -> None:
        cap = self._open()
        if not cap.isOpened():
            cap.release()
            self.error = CameraNotFound(
                (
                    _("{source} cannot be opened (is it plugged in? see ls /dev/video*)")
                    if self.source.kind == "camera"
                    else _("{source} cannot be opened")
                ).format(source=self.source.label)
            )
            self._set_state(CaptureState.FAILED, str(self.error))
            return
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        if not 1 <= fps <= 240:
            fps = 30.0
        self._ready.set()
        index = 0
        last_frame = time.monotonic()
        started = last_frame
        attempt = 0
        while not self._halt.is_set():
            ok, image = cap.read()
            now = time.monotonic()
            if ok and image is not None:
                if self.state != CaptureState.RUNNING:
                    self._set_state(CaptureState.RUNNING)
                attempt = 0
                last_frame = now
                media_time = index / fps if not self.source.live else now - started
                self._publish(Frame(image, index, media_time, now))
                index += 1
                if self.realtime and not self.source.live:
                    time.sleep(max(0.0, started + index / fps - time.monotonic()))
                continue
            if not self.source.live:
                self._set_state(CaptureState.FINISHED)
                break
            if now - last_frame < self.stall_timeout:
                if self.state == CaptureState.RUNNING:
                    self._set_state(CaptureState.NO_FRAMES)
                time.sleep(0.02)
                continue
            # No frame for too long: release the device and open it again, backing off.
            delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
            attempt += 1
            self.reconnects += 1
            self._set_state(
                CaptureState.RECONNECTING,
                _("no frames for {seconds:.1f} s; retry in {delay:g} s").format(
                    seconds=now - last_frame, delay=delay
                ),
            )
            cap.release()
            if self._halt.wait(delay):
                break
            cap = self._open()
            last_frame = time.monotonic()
        cap.release()

"""A sound per answer at the door: "yes" (a bright rising chime), "desk" (a neutral double beep)
and "no" (two low falling notes), synthesised here (no sound files) and played through
miniaudio, so that a busy person hears the answer before reading it.

``DoorSound.play(cue)`` returns at once: a daemon thread opens the sound device once, when the
``DoorSound`` is made, and plays each cue; a new cue fades the one still playing out and takes
its place. Nothing here raises to the caller: a machine without a sound device is said once
(``on_unavailable`` and the log), and every cue then goes to ``fallback`` (in the app, the
terminal bell) or nowhere.

``EVENTDESK_SOUND_BACKEND`` is a test and diagnostic knob, not a setting: unset or ``auto`` uses
the machine's real sound systems (PulseAudio/PipeWire, ALSA, ... never miniaudio's silent null
device); ``null`` plays into miniaudio's device-less backend (at real speed, heard by nobody);
``none`` acts as a machine with no sound device; a backend's name (``alsa``, ``pulseaudio``,
``jack``, ...) uses only that one.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import logging
import threading
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np

from eventdesk import variables
from eventdesk.i18n import _

if TYPE_CHECKING:
    from eventdesk.services.door.scan_result import ScanResult

Cue = Literal["yes", "desk", "no"]
CUES: tuple[Cue, ...] = ("yes", "desk", "no")
SAMPLE_RATE: Final = 44_100
VOLUME: Final = 0.35  # peak, of full scale: clearly heard at a door, never startling
BACKEND_VARIABLE: Final = "EVENTDESK_SOUND_BACKEND"
FADE_OUT_SECONDS: Final = 0.006  # a cue cut short by the next one fades this long: no click
TAIL_SECONDS: Final = 0.1  # silence after a cue, so that stopping the device cuts nothing heard
ATTACK_SECONDS: Final = 0.006

log = logging.getLogger(__name__)

# (frequency in Hz, seconds, overtones as (multiple, amplitude)), and silences as (0, seconds).
_Note = tuple[float, float, tuple[tuple[float, float], ...]]
_BELL = ((2.0, 0.25), (3.0, 0.08))  # a bright chime
_BEEP = ((2.0, 0.05),)  # nearly pure: neutral
_BUZZ = ((2.0, 0.3), (3.0, 0.35), (5.0, 0.2))  # reedy, still heard on a small speaker
_SCORES: dict[Cue, tuple[_Note, ...]] = {
    # E6 then A6, short then long: rising, bright.
    "yes": ((1318.5, 0.11, _BELL), (0.0, 0.02, ()), (1760.0, 0.24, _BELL)),
    # E5 twice, short and equal: neither good nor bad news.
    "desk": ((659.3, 0.11, _BEEP), (0.0, 0.08, ()), (659.3, 0.11, _BEEP)),
    # G3 then D3, long and low: falling.
    "no": ((196.0, 0.22, _BUZZ), (0.0, 0.04, ()), (146.8, 0.30, _BUZZ)),
}


def cue_for(result: ScanResult) -> Cue:
    """The cue for a decision: admitted is "yes"; the yellow answers (already checked in, a
    ticket that needs staff) are "desk"; every refusal is "no"."""
    if result.result in ("ok", "printed", "reprinted"):  # a badge station's print too
        return "yes"
    if result.result in ("needs_staff", "needs_answer", "already_checked_in"):
        return "desk"
    return "no"


def _note(
    frequency: float, seconds: float, overtones: tuple[tuple[float, float], ...], rate: int
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """One note: a soft raised-cosine attack, then a decay to exactly zero at its end."""
    count = round(seconds * rate)
    if frequency <= 0:
        return np.zeros(count)
    t = np.arange(count) / rate
    wave = np.sin(2 * np.pi * frequency * t)
    for multiple, amplitude in overtones:
        if frequency * multiple < rate / 2:
            wave += amplitude * np.sin(2 * np.pi * frequency * multiple * t)
    wave /= 1 + sum(amplitude for _multiple, amplitude in overtones)
    attack = min(count, round(ATTACK_SECONDS * rate))
    envelope = np.ones(count)
    envelope[:attack] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, attack))
    decay = np.linspace(0, 1, count) ** 1.5  # louder early, like a struck note
    envelope *= np.cos(decay * np.pi / 2)  # ... down to 0 at the last sample
    return wave * envelope


def cue_samples(cue: Cue, rate: int = SAMPLE_RATE) -> np.ndarray[Any, np.dtype[np.float32]]:
    """A cue as mono float samples from -VOLUME to VOLUME, starting and ending on silence."""
    notes = [
        _note(frequency, seconds, overtones, rate) for frequency, seconds, overtones in _SCORES[cue]
    ]
    samples = np.concatenate(notes)
    samples *= VOLUME / max(float(np.max(np.abs(samples))), 1e-9)
    return samples.astype(np.float32)


def _pcm16(samples: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.int16]]:
    return np.round(samples * 32767).astype(np.int16)


class _Voice:
    """The cue the device is playing, shared by the caller's thread and miniaudio's: ``take``
    hands out the next frames; ``switch`` puts a new cue in, fading out the old one."""

    def __init__(self, samples: np.ndarray[Any, np.dtype[np.int16]], rate: int) -> None:
        self._lock = threading.Lock()
        self._rate = rate
        self._samples = self._with_tail(samples)
        self._position = 0
        self.ended = False
        self.frames_played = 0
        self.on_end: Callable[[], None] = lambda: None

    def _with_tail(self, samples: np.ndarray[Any, np.dtype[np.int16]]) -> np.ndarray[Any, Any]:
        return np.concatenate([samples, np.zeros(round(TAIL_SECONDS * self._rate), np.int16)])

    def switch(self, samples: np.ndarray[Any, np.dtype[np.int16]]) -> bool:
        """Play ``samples`` next, after a few ms fading out what plays now; False: this voice
        has ended (its stream is over), start a new one."""
        with self._lock:
            if self.ended:
                return False
            rest = self._samples[
                self._position : self._position + round(FADE_OUT_SECONDS * self._rate)
            ]
            fade = (rest * np.linspace(1, 0, len(rest))).astype(np.int16)
            self._samples = self._with_tail(np.concatenate([fade, samples]))
            self._position = 0
            return True

    def take(self, frames: int) -> bytes | None:
        """The next ``frames`` frames (fewer at the end), or None once the cue is over."""
        with self._lock:
            if self._position >= len(self._samples):
                self.ended = True
            else:
                chunk = self._samples[self._position : self._position + frames]
                self._position += len(chunk)
                self.frames_played += len(chunk)
                return chunk.tobytes()
        self.on_end()
        return None


def _stream(voice: _Voice) -> Generator[bytes, int, None]:
    """The generator miniaudio pulls a cue's frames from (it sends how many it wants)."""
    frames = yield b""
    while (chunk := voice.take(frames)) is not None:
        frames = yield chunk


_quieted = False


def _quiet_audio_libraries() -> None:
    """ALSA (and JACK) print their failures to the process's stderr, which the app's screen
    owns: send them nowhere. Once, best effort, harmless where the libraries are missing."""
    global _quieted
    if _quieted:
        return
    _quieted = True
    handler = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
    )
    silent = handler(lambda *_args: None)
    _KEEP.append(silent)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libasound.so.2").snd_lib_error_set_handler(silent)
    quiet_jack = ctypes.CFUNCTYPE(None, ctypes.c_char_p)(lambda _text: None)
    _KEEP.append(quiet_jack)
    with contextlib.suppress(OSError, AttributeError):
        jack = ctypes.CDLL("libjack.so.0")
        jack.jack_set_error_function(quiet_jack)
        jack.jack_set_info_function(quiet_jack)


_KEEP: list[Any] = []  # the C callbacks above must outlive every call into the libraries


def _open_device(backend: str, rate: int) -> Any:
    """A playback device for ``backend`` (see the module's doc), or an exception saying why not."""
    # Imported by name: pyminiaudio ships no type information, and its device is used as Any.
    miniaudio: Any = importlib.import_module("miniaudio")
    name = backend.strip().lower() or "auto"
    if name == "none":
        raise RuntimeError(f"{BACKEND_VARIABLE}=none")
    enabled = sorted(miniaudio.get_enabled_backends(), key=lambda b: b.value)
    if name == "auto":
        backends = [
            b for b in enabled if b not in (miniaudio.Backend.NULL, miniaudio.Backend.CUSTOM)
        ]
    else:
        backends = [b for b in enabled if b.name.lower() == name]
        if not backends:
            names = [b.name.lower() for b in enabled if b != miniaudio.Backend.CUSTOM]
            known = ", ".join(["auto", "none", *names])
            raise RuntimeError(
                _("{variable}={backend!r} is not one of {known}").format(
                    variable=BACKEND_VARIABLE, backend=backend, known=known
                )
            )
    _quiet_audio_libraries()
    try:
        return miniaudio.PlaybackDevice(
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=1,
            sample_rate=rate,
            buffersize_msec=40,
            backends=backends,
            app_name="eventdesk",
        )
    except miniaudio.MiniaudioError as exc:
        what = ", error ".join(str(arg) for arg in exc.args)
        raise RuntimeError(
            _("no sound device could be opened (miniaudio: {problem})").format(problem=what)
        ) from None


class DoorSound:
    """Plays cues without ever holding up or failing its caller.

    ``fallback(cue)`` is called for each cue when there is no sound device (e.g. ``lambda _:
    app.bell()``); ``on_unavailable(reason)`` once, when the device could not be opened. Both
    are called from the sound's own thread. ``backend``: see the module's doc (default:
    ``EVENTDESK_SOUND_BACKEND``, else auto)."""

    def __init__(
        self,
        *,
        fallback: Callable[[str], None] | None = None,
        on_unavailable: Callable[[str], None] | None = None,
        backend: str | None = None,
        rate: int = SAMPLE_RATE,
    ) -> None:
        self._fallback = fallback
        self._on_unavailable = on_unavailable
        self._backend = (
            (variables.read_text(BACKEND_VARIABLE) or "auto") if backend is None else backend
        )
        self._rate = rate
        self._pcm = {cue: _pcm16(cue_samples(cue, rate)) for cue in CUES}
        self._wake = threading.Condition()
        self._pending: Cue | None = None
        self._closed = False
        self._device: Any = None
        self._voice: _Voice | None = None
        self.backend_name: str | None = None  # the sound system in use, once open
        self.unavailable: str | None = None  # why there is no sound, once known
        self.ready = threading.Event()  # the device was opened, or found missing
        self.cues_finished = 0  # cues played to their end (or cut short by the next)
        self._frames_done = 0
        self._thread = threading.Thread(target=self._run, name="door sound", daemon=True)
        self._thread.start()

    @property
    def frames_played(self) -> int:
        """Frames handed to the device so far (the cues' tails of silence included)."""
        voice = self._voice
        return self._frames_done + (voice.frames_played if voice is not None else 0)

    @property
    def available(self) -> bool | None:
        """True: a device plays the cues; False: none could be opened; None: not known yet."""
        if not self.ready.is_set():
            return None
        return self.unavailable is None

    def play(self, cue: Cue) -> None:
        """Play ``cue`` now, in place of any still playing; returns at once, never raises."""
        if cue not in CUES:
            log.warning("unknown sound cue %r", cue)
            return
        with self._wake:
            if self._closed:
                return
            self._pending = cue
            self._wake.notify()

    def close(self, wait: float = 0.0) -> None:
        """Stop the sound thread and close the device; ``wait``: seconds a cue still playing
        (or asked for just before) may take to end first, e.g. when a command exits."""
        if wait > 0:
            with self._wake:
                self._wake.wait_for(lambda: self._idle() or self._closed, timeout=wait)
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=wait + 2.0)

    def _idle(self) -> bool:
        return (
            self.ready.is_set()
            and self._pending is None
            and (self._voice is None or self._voice.ended)
        )

    # --- the sound thread ---------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._open()
            while True:
                with self._wake:
                    self._wake.wait_for(
                        lambda: self._closed or self._pending is not None or self._voice_ended()
                    )
                    cue, self._pending = self._pending, None
                    closed = self._closed
                if self._voice_ended():
                    self._stop_device()
                if closed:
                    return
                if cue is not None:
                    self._start(cue)
        except Exception:  # a sound must never take the door down
            log.exception("the door's sound stopped")
        finally:
            with contextlib.suppress(Exception):
                if self._device is not None:
                    self._device.close()
            with self._wake:
                self._closed = True
                self._wake.notify_all()

    def _voice_ended(self) -> bool:
        return self._voice is not None and self._voice.ended

    def _open(self) -> None:
        try:
            self._device = _open_device(self._backend, self._rate)
            self.backend_name = str(self._device.backend)
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
            self.unavailable = reason
            log.info("no sound at this door: %s", reason)
            if self._on_unavailable is not None:
                with contextlib.suppress(Exception):
                    self._on_unavailable(reason)
        finally:
            self.ready.set()

    def _start(self, cue: Cue) -> None:
        if self._device is None:
            if self._fallback is not None:
                with contextlib.suppress(Exception):
                    self._fallback(cue)
            with self._wake:
                self.cues_finished += 1
                self._wake.notify_all()
            return
        if self._voice is not None and self._voice.switch(self._pcm[cue]):
            with self._wake:
                self.cues_finished += 1  # the one cut short
            return
        self._stop_device()
        voice = _Voice(self._pcm[cue], self._rate)
        voice.on_end = self._voice_done
        stream = _stream(voice)
        next(stream)
        try:
            self._device.start(stream)
        except Exception as exc:  # the device went away: try again at the next cue
            log.warning("the door's sound could not play: %s", exc)
            with contextlib.suppress(Exception):
                self._device.close()
            self._device = None
            self._open_again_or_fall_back(cue)
            return
        self._voice = voice

    def _open_again_or_fall_back(self, cue: Cue) -> None:
        try:
            self._device = _open_device(self._backend, self._rate)
        except Exception:
            self._device = None
        if self._fallback is not None and self._device is None:
            with contextlib.suppress(Exception):
                self._fallback(cue)

    def _voice_done(self) -> None:
        """Called on miniaudio's thread when a cue (and its tail) has been handed out."""
        with self._wake:
            self._wake.notify_all()

    def _stop_device(self) -> None:
        voice, self._voice = self._voice, None
        if voice is not None:
            with self._wake:
                self._frames_done += voice.frames_played
                self.cues_finished += 1
                self._wake.notify_all()
        if self._device is not None and self._device.running:
            with contextlib.suppress(Exception):
                self._device.stop()

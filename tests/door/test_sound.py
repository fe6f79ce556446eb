"""A sound per answer: three cues a person tells apart by ear (pitch and rhythm), without
clicks; played through miniaudio without ever holding up or failing the door; and `scan` still
decides on a station with no sound device, saying so once."""

from __future__ import annotations

import itertools
import os
import sys
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devices.sound import (
    CUES,
    SAMPLE_RATE,
    TAIL_SECONDS,
    VOLUME,
    Cue,
    DoorSound,
    cue_for,
    cue_samples,
)
from eventdesk.db import Store
from eventdesk.services.door.scan_result import RESULTS, ScanOutcome, ScanResult, worded
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests import forks
from tests.helpers import add_type, make_event, people, wait_until

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks
UNAVAILABLE = "sound unavailable"


# --- the cues -----------------------------------------------------------------------------------
def dominant_hz(samples: np.ndarray[Any, Any]) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)[int(np.argmax(spectrum))])


def hiss(samples: np.ndarray[Any, Any]) -> float:
    """The share of the energy above 10 kHz (with a silence either side, as played)."""
    padded = np.concatenate([np.zeros(4096), samples, np.zeros(4096)])
    power = np.abs(np.fft.rfft(padded)) ** 2
    frequencies = np.fft.rfftfreq(len(padded), 1 / SAMPLE_RATE)
    return float(power[frequencies > 10_000].sum() / power.sum())


def notes(samples: np.ndarray[Any, Any]) -> list[np.ndarray[Any, Any]]:
    """The cue cut where it falls silent for at least 10 ms: its notes, in order."""
    loud = np.abs(samples) > 0.01 * VOLUME
    window = int(0.01 * SAMPLE_RATE)
    sounding = np.convolve(loud, np.ones(window), mode="same") > 0
    edges = np.flatnonzero(np.diff(sounding.astype(int)))
    bounds = [0, *(edges + 1), len(samples)]
    return [samples[start:end] for start, end in itertools.pairwise(bounds) if sounding[start]]


def test_the_three_cues_differ_in_pitch_and_rhythm() -> None:
    cues = {cue: cue_samples(cue) for cue in CUES}
    seconds = {cue: len(samples) / SAMPLE_RATE for cue, samples in cues.items()}
    assert all(0.15 < s < 0.6 for s in seconds.values()), seconds
    assert len(set(seconds.values())) == 3, seconds
    pitch = {cue: dominant_hz(samples) for cue, samples in cues.items()}
    assert pitch["yes"] > 2 * pitch["desk"] > 4 * pitch["no"], pitch  # an octave and more apart
    split = {cue: notes(samples) for cue, samples in cues.items()}
    assert {cue: len(parts) for cue, parts in split.items()} == {"yes": 2, "desk": 2, "no": 2}
    first, second = ([dominant_hz(n) for n in split[cue]] for cue in ("yes", "no"))
    assert first[0] < first[1], "yes rises"
    assert second[0] > second[1], "no falls"
    desk = [dominant_hz(n) for n in split["desk"]]
    assert desk[0] == pytest.approx(desk[1], rel=0.02), "the desk's two beeps are the same note"
    lengths = {cue: [len(n) / SAMPLE_RATE for n in parts] for cue, parts in split.items()}
    assert lengths["yes"][0] < 0.7 * lengths["yes"][1], "yes is short-long"
    assert lengths["desk"][0] == pytest.approx(lengths["desk"][1], rel=0.05), "desk is even"
    assert min(lengths["no"]) > max(lengths["desk"]), "no is slower than the desk's beeps"


@pytest.mark.parametrize("cue", CUES)
def test_a_cue_starts_and_ends_on_silence_with_no_click(cue: Cue) -> None:
    samples = cue_samples(cue).astype(np.float64)
    assert float(np.max(np.abs(samples))) == pytest.approx(VOLUME, rel=0.01)  # moderate
    edge = int(0.001 * SAMPLE_RATE)  # the first and last millisecond
    assert abs(samples[0]) < 1e-4 and abs(samples[-1]) < 1e-4
    assert float(np.max(np.abs(samples[:edge]))) < 0.1 * VOLUME
    assert float(np.max(np.abs(samples[-edge:]))) < 0.1 * VOLUME
    # A click is a step: it sounds at every frequency, far above the cue's highest overtone.
    assert hiss(samples) < 1e-8
    loudest = int(np.argmax(np.abs(samples)))
    assert hiss(samples[: loudest + 1]) > 1e-5  # the same cue cut at its loudest does click


@pytest.mark.parametrize("outcome", RESULTS)
def test_each_answer_has_its_cue(outcome: ScanOutcome) -> None:
    expected: dict[ScanOutcome, Cue] = {
        "ok": "yes",
        "printed": "yes",
        "reprinted": "yes",
        "needs_staff": "desk",
        "needs_answer": "desk",
        "already_checked_in": "desk",
        **{
            refused: "no"
            for refused in (
                "invalid",
                "unknown",
                "revoked",
                "waitlisted",
                "wrong_event",
                "wrong_session",
                "not_yet_valid",
                "expired",
                "unpaid",
                "no_reentry",
                "not_checked_in",
                "wrong_type",
                "closed",
                "used_today",
                "too_soon",
            )
        },
    }
    assert set(expected) == set(RESULTS)  # a new answer gets its cue decided here
    assert cue_for(ScanResult(result=outcome, said=worded(""), at=utcnow())) == expected[outcome]


# --- playing ------------------------------------------------------------------------------------
def frames_of(cue: Cue) -> int:
    return len(cue_samples(cue)) + round(TAIL_SECONDS * SAMPLE_RATE)


def test_the_null_device_takes_every_frame_of_a_cue_and_play_returns_at_once() -> None:
    sound = DoorSound(backend="null")
    try:
        wait_until(sound.ready.is_set, timeout=10, what="the null device opened")
        assert sound.available and sound.backend_name == "Null", sound.unavailable
        started = time.monotonic()
        sound.play("no")
        assert time.monotonic() - started < 0.1  # the cue lasts 0.56 s: play did not wait
        wait_until(lambda: sound.cues_finished == 1, timeout=10, what="the cue played")
        assert sound.frames_played == frames_of("no")
    finally:
        sound.close()


def test_a_new_cue_cuts_the_one_still_playing() -> None:
    sound = DoorSound(backend="null")
    try:
        sound.play("no")
        wait_until(lambda: sound.frames_played > 0, timeout=10, what="the first cue started")
        sound.play("yes")
        wait_until(lambda: sound.cues_finished == 2, timeout=10, what="both cues ended")
        played = sound.frames_played
        assert frames_of("yes") < played < frames_of("no") + frames_of("yes"), played
    finally:
        sound.close()


def has_length(items: list[str], count: int) -> bool:
    return len(items) == count


def test_no_sound_device_is_said_once_and_every_cue_goes_to_the_fallback() -> None:
    heard: list[str] = []
    said: list[str] = []
    sound = DoorSound(backend="none", fallback=heard.append, on_unavailable=said.append)
    try:
        for count, cue in enumerate(CUES, start=1):
            sound.play(cue)
            wait_until(partial(has_length, heard, count), timeout=10, what=f"{cue} fell back")
        assert heard == list(CUES)
        assert len(said) == 1 and sound.available is False, said
    finally:
        sound.close()


def test_a_fallback_that_fails_never_reaches_the_caller() -> None:
    def broken(cue: str) -> None:
        raise OSError("no terminal")

    sound = DoorSound(backend="none", fallback=broken)
    try:
        sound.play("yes")
        wait_until(lambda: sound.cues_finished == 1, timeout=10, what="the cue was given up")
        sound.play("no")  # the thread is still there
        wait_until(lambda: sound.cues_finished == 2, timeout=10, what="the next cue")
    finally:
        sound.close()


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_missing_alsa_device_prints_nothing_on_the_screens_stderr() -> None:
    """ALSA writes its failures straight to the process's stderr, under the app's screen."""
    done = forks.run(
        [
            sys.executable,
            "-c",
            "from devices.sound import DoorSound\n"
            "s = DoorSound(backend='alsa')\n"
            "s.ready.wait(10)\n"
            "s.close()\n"
            "print(s.available)\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ALSA_CARD": "eventdesk-test-no-such-card"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in ("True", "False")
    assert done.stderr == ""


# --- `scan`: the headless door ------------------------------------------------------------------
@pytest.fixture
def backend_fixed() -> None:
    """Sound does not depend on the database: these run on SQLite only."""


@pytest.fixture
def door(backend_fixed: None, store: Store, signer: Signer, tmp_path: Path) -> dict[str, Any]:
    """An event running now with two tickets, and a data folder for the scanner."""
    now = utcnow().replace(microsecond=0)
    event = make_event(
        store,
        name="Sound Door",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, event, "Free", price_cents=0)
    payloads = [
        signer.payload(register(store, event, email, "Free").tickets[0].ticket_id)
        for email in people(store, 2, prefix="listener")
    ]
    data = tmp_path / "data"
    data.mkdir()
    return {"payloads": payloads, "data": data}


def scan(db_url: str, door: dict[str, Any], *options: str, **env: str) -> tuple[list[str], str]:
    first, second = door["payloads"]
    # Admitted, already in, not a ticket: one cue of each kind.
    stdin = f"{first}\n{first}\nnot a ticket\n{second}\n".encode()
    station = [EVENTDESK, "--db", db_url, "--data-dir", str(door["data"]), "--station", "Door 1"]
    done = forks.run(
        [*station, "scan", "--source", "-", *options],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **env},
    )
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert "Traceback" not in err and "ALSA" not in err
    results = [line.split("[")[1].split("]")[0] for line in done.stdout.decode().splitlines()]
    return results, err


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_scan_with_sound_and_no_sound_device_decides_and_says_so_once(
    db_url: str, door: dict[str, Any]
) -> None:
    results, err = scan(db_url, door, "--sound", EVENTDESK_SOUND_BACKEND="none")
    assert results == ["ok", "already_checked_in", "invalid", "ok"]
    assert err.count(UNAVAILABLE) == 1, err  # once, not per scan


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_scan_sound_follows_the_option_then_the_station(db_url: str, door: dict[str, Any]) -> None:
    no_device = {"EVENTDESK_SOUND_BACKEND": "none"}
    _, err = scan(db_url, door, **no_device)
    assert err.count(UNAVAILABLE) == 1, "auto: on for `scan`, a door attendees face"
    _, err = scan(db_url, door, "--no-sound", **no_device)
    assert UNAVAILABLE not in err, "--no-sound: no sound tried"
    (door["data"] / "eventdesk.toml").write_text('[station]\nsound = "off"\n')
    _, err = scan(db_url, door, **no_device)
    assert UNAVAILABLE not in err, "the station's sound = off"
    _, err = scan(db_url, door, "--sound", **no_device)
    assert err.count(UNAVAILABLE) == 1, "--sound wins over the station"
    _, err = scan(db_url, door, **no_device, EVENTDESK_SOUND="on")
    assert err.count(UNAVAILABLE) == 1, "EVENTDESK_SOUND wins over the file"
    _, err = scan(db_url, door, "--sound", EVENTDESK_SOUND_BACKEND="null")
    assert UNAVAILABLE not in err, "played on miniaudio's null device"

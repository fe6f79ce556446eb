"""Key timelines as a terminal delivers them: a keyboard-wedge scanner's lines (its keys a
millisecond or so apart, then its suffix) at a given gap between lines, and a person typing
beside it. Posted to an app as the terminal driver posts them, each key with its own time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.keys import _character_to_key

SCANNER_KEY_GAP = 0.001  # a USB scanner types a key a millisecond or two apart
PERSON_KEY_GAP = 0.15  # a quick typist: a key every 150 ms
GAPS_MS = (0, 50, 200, 350, 700, 1000)  # between a scanner's lines (the table)


@dataclass(frozen=True)
class Key:
    time: float  # seconds from the timeline's start
    key: str
    character: str | None


def key_of(character: str) -> Key:
    if character == "\r":
        return Key(0.0, "enter", "\r")
    if character == "\t":
        return Key(0.0, "tab", "\t")
    name = character if character.isalnum() else _character_to_key(character)
    return Key(0.0, name, character)


def scanner_lines(
    lines: list[str], gap: float, *, start: float = 0.0, suffix: str = "\r"
) -> list[Key]:
    """Each line typed at scanner speed and ended with ``suffix``, ``gap`` seconds between the
    end of one line and the start of the next."""
    keys, at = [], start
    for line in lines:
        for character in line + suffix:
            keys.append(_at(key_of(character), at))
            at += SCANNER_KEY_GAP
        at += gap
    return keys


def person_types(text: str, *, start: float, gap: float = PERSON_KEY_GAP) -> list[Key]:
    return [_at(key_of(character), start + index * gap) for index, character in enumerate(text)]


def _at(key: Key, when: float) -> Key:
    return Key(when, key.key, key.character)


def post_keys(app: Any, keys: list[Key], *, ended_ago: float = 0.2) -> None:
    """Post ``keys`` (merged in time order) to ``app`` as its terminal driver would, their
    times set so that the last came ``ended_ago`` seconds ago: a station that was busy while
    they came, and handles them all now."""
    ordered = sorted(keys, key=lambda key: key.time)
    if not ordered:
        return
    base = time.monotonic() - ended_ago - ordered[-1].time
    for key in ordered:
        event = events.Key(key.key, key.character)
        event.time = base + key.time
        app.post_message(event)
